"""Bringing data in: org units, people, plans and scales from CSV, XLSX and TOML files."""
