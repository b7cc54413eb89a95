"""Reading Adaptive Cards the way a person looks at them: the texts, the inputs, the buttons."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(card: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for element in walk(card):
        kind = element.get("type")
        if kind in ("TextBlock", "TextRun") and isinstance(element.get("text"), str):
            found.append(element["text"])
        elif kind == "FactSet":
            for fact in element.get("facts", []):
                found.append(f"{fact.get('title')} {fact.get('value')}")
    return found


def all_text(card: dict[str, Any]) -> str:
    return "\n".join(texts(card))


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["id"]: e
        for e in walk(card)
        if str(e.get("type", "")).startswith("Input.") and isinstance(e.get("id"), str)
    }


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in walk(card) if str(e.get("type", "")).startswith("Action.")]


def action_titles(card: dict[str, Any]) -> list[str]:
    return [str(a.get("title")) for a in actions(card)]


def execute_action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for action in actions(card):
        if action.get("type") == "Action.Execute" and action.get("verb") == verb:
            return action
    raise AssertionError(f"no Action.Execute with verb {verb}: {action_titles(card)}")


def text_after_input(card: dict[str, Any], input_id: str) -> list[str]:
    """The texts placed right after an input in its container: where a field's error sits."""
    for element in walk(card):
        for key in ("items", "body"):
            children = element.get(key)
            if not isinstance(children, list):
                continue
            for index, child in enumerate(children):
                if isinstance(child, dict) and child.get("id") == input_id:
                    return [
                        c.get("text", "")
                        for c in children[index + 1 : index + 2]
                        if isinstance(c, dict) and c.get("type") == "TextBlock"
                    ]
    return []
