"""Reporting: the steering-group digest's numbers, the Excel export and the intranet summary."""
