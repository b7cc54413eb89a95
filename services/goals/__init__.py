"""Goal attainment (måluppfyllelse): indicators judged against their targets, rolled up to
goals, strategies and plans, trends and projected misses, and indicator values loaded from
files or the region's data warehouse.

The numbers are pure pandas transforms of plain frames (``attainment``, ``trend``), so the
status card, the digest, the Excel export and the Word report all show the same ones."""
