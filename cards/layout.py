"""Shared Adaptive Card building blocks, so every card looks and behaves alike.

Texts given to these helpers go into markdown as they are: callers escape anything that came
from a user or the store (``cards.escape.escape_markdown``) and pass catalogue texts as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

SCHEMA_URL: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION: Final = "1.5"

Element = dict[str, Any]
ContainerStyle = Literal["default", "emphasis", "good", "attention", "warning", "accent"]

# The TextBlock colours every Teams theme defines; a scale in the store may hold anything.
TEXT_COLOURS: Final = frozenset(
    {"default", "dark", "light", "accent", "good", "warning", "attention"}
)
BADGE_MARK: Final = "●"


def adaptive_card(body: Sequence[Element], actions: Sequence[Element] = ()) -> Element:
    card: Element = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        card["actions"] = list(actions)
    return card


def text_colour(value: str | None) -> str:
    return value if value in TEXT_COLOURS else "default"


def text_block(
    text: str,
    *,
    size: Literal["small", "default", "medium", "large", "extraLarge"] | None = None,
    weight: Literal["lighter", "default", "bolder"] | None = None,
    color: str | None = None,
    subtle: bool = False,
    wrap: bool = True,
    spacing: Literal["none", "small", "default", "medium", "large"] | None = None,
    separator: bool = False,
    max_lines: int | None = None,
) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": wrap}
    if size is not None:
        block["size"] = size
    if weight is not None:
        block["weight"] = weight
    if color is not None:
        block["color"] = text_colour(color)
    if subtle:
        block["isSubtle"] = True
    if spacing is not None:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    if max_lines is not None:
        block["maxLines"] = max_lines
    return block


def heading(text: str) -> Element:
    return text_block(text, size="large", weight="bolder")


def small_note(text: str, *, spacing: Literal["none", "small"] = "small") -> Element:
    return text_block(text, size="small", subtle=True, spacing=spacing)


def badge(label: str, colour: str | None) -> Element:
    """A status or risk shown with its colour AND its words, so it reads without colour
    vision and in high-contrast themes."""
    return text_block(f"{BADGE_MARK} {label}", weight="bolder", color=text_colour(colour))


def field_error(message: str) -> Element:
    """The error of one input; placed directly after it so screen readers and eyes find it."""
    return text_block(message, color="attention", size="small", spacing="none")


def fact_row(title: str, value: Element | str, *, wide_title: bool = False) -> Element:
    """A "title: value" row whose value may be coloured (FactSet values cannot be).

    ``wide_title`` gives the title the room, for rows where the title is the long part
    (an item's name) and the value a short state."""
    value_element = value if isinstance(value, dict) else text_block(value)
    return {
        "type": "ColumnSet",
        "spacing": "small",
        "columns": [
            {
                "type": "Column",
                "width": "stretch" if wide_title else "auto",
                "items": [text_block(title, subtle=not wide_title)],
            },
            {
                "type": "Column",
                "width": "auto" if wide_title else "stretch",
                "items": [value_element],
            },
        ],
    }


def container(
    items: Sequence[Element],
    *,
    style: ContainerStyle | None = None,
    separator: bool = False,
    spacing: Literal["none", "small", "default", "medium", "large"] | None = None,
    bleed: bool = False,
) -> Element:
    box: Element = {"type": "Container", "items": list(items)}
    if style is not None:
        box["style"] = style
    if separator:
        box["separator"] = True
    if spacing is not None:
        box["spacing"] = spacing
    if bleed:
        box["bleed"] = True
    return box


def banner(text: str, style: ContainerStyle = "attention") -> Element:
    return container([text_block(text, weight="bolder")], style=style, bleed=True)


def columns(*cells: Sequence[Element], spacing: Literal["small", "default"] = "small") -> Element:
    return {
        "type": "ColumnSet",
        "spacing": spacing,
        "columns": [{"type": "Column", "width": "stretch", "items": list(cell)} for cell in cells],
    }


def execute(
    title: str,
    verb: str,
    data: Mapping[str, Any],
    *,
    style: Literal["default", "positive", "destructive"] | None = None,
    associated_inputs: Literal["auto", "none"] = "auto",
) -> Element:
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": dict(data),
        "associatedInputs": associated_inputs,
    }
    if style is not None:
        action["style"] = style
    return action


def page_buttons(
    verb: str,
    data: Mapping[str, Any],
    *,
    page: int,
    page_count: int,
    previous_title: str,
    next_title: str,
) -> list[Element]:
    """Previous / next page buttons for a paged card: ``data`` plus the page to show. They do
    not send the inputs: the other page shows other things, and nothing typed is saved by
    turning the page."""
    buttons: list[Element] = []
    if page > 1:
        buttons.append(
            execute(previous_title, verb, {**data, "page": page - 1}, associated_inputs="none")
        )
    if page < page_count:
        buttons.append(
            execute(next_title, verb, {**data, "page": page + 1}, associated_inputs="none")
        )
    return buttons


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(
    actions: Sequence[Element], *, spacing: Literal["small", "medium"] = "small"
) -> Element:
    return {"type": "ActionSet", "actions": list(actions), "spacing": spacing}


def choice_set(
    input_id: str,
    *,
    label: str,
    choices: Sequence[tuple[str, str]],
    value: str | None,
    placeholder: str,
    required: bool = False,
    error_message: str | None = None,
) -> Element:
    """A compact drop-down; ``choices`` are (value, title) pairs with plain-text titles."""
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact",
        "placeholder": placeholder,
        "choices": [{"title": title, "value": key} for key, title in choices],
    }
    if value:
        element["value"] = value
    if required:
        element["isRequired"] = True
    if error_message:
        element["errorMessage"] = error_message
    return element


def text_input(
    input_id: str,
    *,
    label: str,
    value: str | None,
    placeholder: str,
    multiline: bool = False,
    max_length: int | None = None,
) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
    }
    if multiline:
        element["isMultiline"] = True
    if max_length is not None:
        element["maxLength"] = max_length
    if value:
        element["value"] = value
    return element
