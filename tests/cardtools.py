"""Reading Adaptive Cards the way a person looks at them: the texts, the inputs, the buttons."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal


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


# --------------------------------------------------------------------------------------------
# What a Teams client sends when a button is pressed
#
# Teams renders cards with the Adaptive Cards JavaScript SDK. For an Action.Execute it copies
# the action's `data` and then sets, for every associated input that is set, `data[id]` to the
# input's value as a string (Action.prepareForExecution; `isSet()` is false for an empty text,
# date or time, an unchosen choice set and a number that is not a number, so those are left
# out). associatedInputs "none" sends no inputs; "auto" sends the inputs of the card the action
# sits in and of the cards around it, but not those inside another Action.ShowCard. Before it
# sends anything the client checks `isRequired` inputs and shows their errorMessage instead.


class NotSendable(AssertionError):
    """The payload asked for is one no Teams client could send for this card."""


@dataclass(frozen=True)
class _Scoped:
    node: dict[str, Any]
    scopes: tuple[int, ...]  # ids of the enclosing cards, outermost first


def _scoped(node: Any, scopes: tuple[int, ...]) -> Iterator[_Scoped]:
    if isinstance(node, list):
        for value in node:
            yield from _scoped(value, scopes)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "AdaptiveCard":
        scopes = (*scopes, id(node))
    yield _Scoped(node, scopes)
    for value in node.values():
        yield from _scoped(value, scopes)


def _is_input(node: dict[str, Any]) -> bool:
    return str(node.get("type", "")).startswith("Input.") and isinstance(node.get("id"), str)


def associated_inputs(card: dict[str, Any], action: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The inputs whose values a client sends with ``action``."""
    if str(action.get("associatedInputs", "auto")).lower() == "none":
        return {}
    found = list(_scoped(card, ()))
    chain = next((s.scopes for s in found if s.node is action), None)
    if chain is None:
        raise NotSendable(f"the action {action.get('title')!r} is not on this card")
    return {
        s.node["id"]: s.node
        for s in found
        if _is_input(s.node) and s.scopes == chain[: len(s.scopes)]
    }


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # JavaScript's Number.toString: 5 -> "5", 2.5 -> "2.5".
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _choice_values(element: dict[str, Any]) -> list[str]:
    return [str(c.get("value")) for c in element.get("choices") or [] if isinstance(c, dict)]


def current_value(element: dict[str, Any]) -> str | None:
    """What the client sends for an input the user has not touched; None = nothing."""
    kind = element.get("type")
    value = element.get("value")
    if kind == "Input.Toggle":
        on, off = str(element.get("valueOn", "true")), str(element.get("valueOff", "false"))
        return on if value is not None and str(value) == on else off
    if kind == "Input.Number":
        return _number_text(value)
    if not isinstance(value, str) or value == "":
        return None
    if kind == "Input.ChoiceSet":
        # A drop-down shows a value that is not among its choices as "nothing chosen".
        known = _choice_values(element)
        if element.get("isMultiSelect"):
            chosen = [v for v in value.split(",") if v in known]
            return ",".join(chosen) or None
        return value if value in known else None
    return value


def _typed_value(element: dict[str, Any], typed: str | bool | float | None) -> str | None:
    """What the client sends after the user typed or chose ``typed`` (None/"" = cleared),
    refusing what the control would not let them enter."""
    kind, name = element.get("type"), element.get("id")
    if typed is None or typed == "":
        return None
    if kind == "Input.Toggle":
        on, off = str(element.get("valueOn", "true")), str(element.get("valueOff", "false"))
        if isinstance(typed, bool):
            return on if typed else off
        if str(typed) not in (on, off):
            raise NotSendable(f"{name} is a toggle: it sends {on!r} or {off!r}, not {typed!r}")
        return str(typed)
    if kind == "Input.Number":
        text = _number_text(typed) if not isinstance(typed, str) else typed
        try:
            float(text or "")
        except ValueError:
            raise NotSendable(f"{name} is a number field: {typed!r} cannot be entered") from None
        return text
    if not isinstance(typed, str):
        raise NotSendable(f"{name} takes text, not {typed!r}")
    if kind == "Input.ChoiceSet":
        known = _choice_values(element)
        chosen = typed.split(",") if element.get("isMultiSelect") else [typed]
        unknown = [value for value in chosen if value not in known]
        if unknown:
            raise NotSendable(f"{name} offers {known}; {unknown} cannot be chosen")
        return typed
    max_length = element.get("maxLength")
    if kind == "Input.Text" and isinstance(max_length, int) and len(typed) > max_length:
        raise NotSendable(f"{name} stops typing at {max_length} characters ({len(typed)} given)")
    return typed


def _matching_action(
    card: dict[str, Any], verb: str, match: Mapping[str, Any] | None
) -> dict[str, Any]:
    found = [
        a
        for a in actions(card)
        if a.get("type") == "Action.Execute"
        and a.get("verb") == verb
        and all((a.get("data") or {}).get(k) == v for k, v in (match or {}).items())
    ]
    if not found:
        raise NotSendable(
            f"no button with verb {verb} {match or ''} on the card: {action_titles(card)}"
        )
    if len(found) > 1:
        raise NotSendable(f"{len(found)} buttons with verb {verb}; say which with match=")
    return found[0]


def press(
    card: dict[str, Any],
    verb: str,
    typed: Mapping[str, str | bool | float | None] | None = None,
    *,
    match: Mapping[str, Any] | None = None,
    empty: Literal["omit", "send"] = "omit",
    client_validates: bool = True,
    **more_typed: str | bool | float | None,
) -> dict[str, Any]:
    """The `data` a Teams client sends when the user presses the Action.Execute button
    ``verb`` on ``card`` (``match``: among several, the one whose data has these values),
    after typing or choosing ``typed`` (input id → value; None or "" clears the input).

    Every other associated input sends what the card shows. Raises NotSendable for an input
    that is not associated with the button, a value its control cannot take (a choice not
    offered, text beyond maxLength, a toggle value it does not have) and, unless
    ``client_validates`` is False (a client that skips input validation), for an empty
    required input, since the client shows the error instead of sending. ``empty="send"``
    sends unset inputs as "" instead of leaving them out, as some clients do."""
    action = _matching_action(card, verb, match)
    fields = associated_inputs(card, action)
    changes = {**(typed or {}), **more_typed}
    foreign = sorted(set(changes) - set(fields))
    if foreign:
        raise NotSendable(
            f"{foreign} are not inputs sent with {verb} (the button sends {sorted(fields)})"
        )
    raw = action.get("data") or {}
    if not isinstance(raw, dict):
        raise NotSendable(f"{verb}: data must be an object to carry inputs")
    data: dict[str, Any] = copy.deepcopy(raw)
    for name, element in fields.items():
        value = _typed_value(element, changes[name]) if name in changes else current_value(element)
        unchecked = element.get("type") == "Input.Toggle" and value != element.get(
            "valueOn", "true"
        )
        if client_validates and element.get("isRequired") and (value is None or unchecked):
            raise NotSendable(f"{name} is required: the client shows its error, sends nothing")
        if value is None:
            if empty == "send":
                data[name] = ""
            continue
        data[name] = value
    return data
