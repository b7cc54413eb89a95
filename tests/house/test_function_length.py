"""No product function is longer than a screen: 60 lines from its def (decorators excluded) to
its last line, docstring and comments included. Tests, benchmarks and migrations are exempt:
a test reads top to bottom, and a migration is a record of one change."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "cli", "dialogs", "cards", "services", "storage", "catalogue", "demo")
MAX_LINES = 60


def long_functions() -> list[str]:
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_LINES:
                        where = path.relative_to(ROOT)
                        found.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_product_function_is_over_60_lines() -> None:
    assert long_functions() == []
