"""Every problem an import or a scale file can report has its text in both catalogues."""

from __future__ import annotations

import ast
from pathlib import Path

from catalogue import texts

IMPORTS = Path(__file__).resolve().parents[2] / "services" / "imports"


def _codes() -> tuple[set[str], set[str]]:
    """The literal codes given to row_error(row, column, code) and to the scale checker's
    add(where, code) / scale_issue(where, code); f-strings such as f"unknown_{column}" are
    expanded over the columns they are used with (owner, delegate)."""
    rows: set[str] = set()
    scales: set[str] = set()
    for path in sorted(IMPORTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name == "row_error" and len(node.args) >= 3:
                code = node.args[2]
                found = rows
            elif (name == "scale_issue" or attr == "add") and len(node.args) >= 2:
                code = node.args[1]
                found = scales
            else:
                continue
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                found.add(code.value)
            elif isinstance(code, ast.JoinedStr):
                head = code.values[0]
                assert isinstance(head, ast.Constant) and isinstance(head.value, str)
                found.update(head.value + column for column in ("owner", "delegate"))
    return rows, scales


def test_every_import_problem_has_a_text_in_both_languages() -> None:
    rows, scales = _codes()
    assert {"bad_number", "unknown_owner", "inactive_delegate"} <= rows
    assert {"band_gap", "unreadable_file", "scale_in_use"} <= scales
    for language in texts.LANGUAGES:
        have = set(texts.catalogue(language))
        assert {f"imports.error.{code}" for code in rows} - have == set(), language
        assert {f"scales.error.{code}" for code in scales} - have == set(), language
