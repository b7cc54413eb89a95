"""The bot's smaller cards and texts: greetings, help, the "my items" list and notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cards import layout
from cards.escape import escape_markdown
from cards.layout import ContainerStyle, Element
from catalogue import texts

MY_ITEMS_PER_ROUND: Final = 15
COMMANDS: Final = ("help", "my_items", "status", "history", "substitute")
# The planning controller's set-up in Teams (ids in controller.po).
CONTROLLER_COMMANDS: Final = ("import", "new_group", "groups", "admins")
# Shown to admins only; the ids are in admin.po ("admin.help.<name>" and ".command").
ADMIN_COMMANDS: Final = ("new_round", "rounds", "bind", *CONTROLLER_COMMANDS)


@dataclass(frozen=True)
class ItemLine:
    title: str
    answered: bool


@dataclass(frozen=True)
class RoundItems:
    """One open round in the "my items" list: the person's items in it and how far they got."""

    round_name: str
    deadline: datetime  # aware
    items: tuple[ItemLine, ...]

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answered)


def create_greeting_card(
    language: str | None, name: str | None = None, *, team: bool = False
) -> dict[str, Any]:
    """The welcome on install: personal (by name when known) or to a team's channel."""
    tx = texts.for_language(language)
    if team:
        text = tx.t("greeting.team")
    elif name:
        text = tx.t("greeting.personal", name=escape_markdown(name, keep_line_breaks=False))
    else:
        text = tx.t("greeting.personal_anonymous")
    return layout.adaptive_card([layout.text_block(text)])


def help_lines(language: str | None) -> list[str]:
    tx = texts.for_language(language)
    return [
        tx.t("help.line", command=tx.t(f"command.{name}"), description=tx.t(f"help.command.{name}"))
        for name in COMMANDS
    ]


def admin_help_lines(language: str | None) -> list[str]:
    tx = texts.for_language(language)
    return [
        tx.t(
            "help.line",
            command=tx.t(f"admin.help.{name}.command"),
            description=tx.t(f"admin.help.{name}"),
        )
        for name in ADMIN_COMMANDS
    ]


def help_text(language: str | None, *, admin: bool = False) -> str:
    """The help as a chat message (Teams messages take the same markdown)."""
    tx = texts.for_language(language)
    lines = "\n".join(f"- {line}" for line in help_lines(language))
    text = f"**{tx.t('help.title')}**\n\n{tx.t('help.intro')}\n\n{lines}\n\n"
    if admin:
        admin_lines = "\n".join(f"- {line}" for line in admin_help_lines(language))
        text += f"**{tx.t('admin.help.title')}**\n\n{admin_lines}\n\n"
    return text + tx.t("help.footer")


def create_help_card(language: str | None, *, admin: bool = False) -> dict[str, Any]:
    """The commands a person can type; admins (LAGESBOT_ADMINS) also see theirs."""
    tx = texts.for_language(language)
    body: list[Element] = [
        layout.heading(tx.t("help.title")),
        layout.text_block(tx.t("help.intro")),
    ]
    body.extend(layout.text_block(line, spacing="small") for line in help_lines(language))
    if admin:
        body.append(layout.text_block(tx.t("admin.help.title"), weight="bolder", spacing="medium"))
        body.extend(layout.text_block(line, spacing="small") for line in admin_help_lines(language))
    body.append(layout.small_note(tx.t("help.footer"), spacing="small"))
    return layout.adaptive_card(body)


def create_shared_help_card(language: str | None, *, channel: bool) -> dict[str, Any]:
    """The help in a conversation others read: in a channel its commands (the digest, and
    linking the channel, for admins), in a group chat that nothing is shown there; both
    point to the 1:1 chat for the person's own items."""
    tx = texts.for_language(language)
    body: list[Element] = [
        layout.heading(tx.t("shared.help.title" if channel else "shared.help.title_group_chat"))
    ]
    if channel:
        body.append(layout.text_block(tx.t("shared.help.intro")))
        for command, description in (
            (tx.t("digest.command.digest"), tx.t("shared.help.digest")),
            (tx.t("admin.help.bind.command"), tx.t("shared.help.bind")),
        ):
            line = tx.t("help.line", command=command, description=description)
            body.append(layout.text_block(line, spacing="small"))
    else:
        body.append(layout.text_block(tx.t("shared.help.group_chat")))
    body.append(layout.small_note(tx.t("shared.help.footer"), spacing="small"))
    return layout.adaptive_card(body)


def unknown_command_text(language: str | None) -> str:
    return texts.for_language(language).t("unknown_command")


def create_my_items_card(
    language: str | None, rounds: Sequence[RoundItems], time_zone: str
) -> dict[str, Any]:
    """The person's items per open round, with the deadline and the answered count."""
    tx = texts.for_language(language)
    body: list[Element] = [layout.heading(tx.t("my_items.title"))]
    if not rounds:
        body.append(layout.text_block(tx.t("my_items.none")))
        return layout.adaptive_card(body)
    for rnd in rounds:
        section: list[Element] = [
            layout.text_block(
                escape_markdown(rnd.round_name, keep_line_breaks=False), weight="bolder"
            ),
            layout.text_block(
                tx.t("card.deadline", deadline=tx.format_datetime(rnd.deadline, time_zone)),
                spacing="none",
            ),
            layout.text_block(
                tx.t("my_items.progress", answered=rnd.answered, total=len(rnd.items)),
                color="good" if rnd.answered == len(rnd.items) else "warning",
                spacing="none",
            ),
        ]
        for line in rnd.items[:MY_ITEMS_PER_ROUND]:
            state = tx.t("my_items.answered" if line.answered else "my_items.unanswered")
            section.append(
                layout.fact_row(
                    escape_markdown(line.title, keep_line_breaks=False),
                    layout.text_block(state, color="good" if line.answered else "warning"),
                    wide_title=True,
                )
            )
        hidden = len(rnd.items) - MY_ITEMS_PER_ROUND
        if hidden > 0:
            section.append(layout.small_note(tx.t("my_items.more", count=hidden)))
        body.append(layout.container(section, separator=True, spacing="medium"))
    body.append(layout.small_note(tx.t("my_items.hint"), spacing="small"))
    return layout.adaptive_card(body)


def create_notice_card(text: str, *, style: ContainerStyle = "attention") -> dict[str, Any]:
    """A card holding one message, e.g. a refusal that replaces the clicked card. ``text`` is
    plain text (a catalogue text with its parameters filled in); it is escaped here."""
    return layout.adaptive_card([layout.banner(escape_markdown(text), style)])
