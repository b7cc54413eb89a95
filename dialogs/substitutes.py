"""Naming a substitute (ersättare) in the 1:1 chat.

- ``ersättare`` lists the person's periods and whom they stand in for;
- ``ersättare Anders Holmberg 1 juli–15 aug`` names a substitute for that period;
- ``ersättare slut`` ends the person's current and coming periods now;
- an admin does the same for anyone: ``ersättare för Ingrid Dahl: Anders Holmberg 1 juli–15
  aug`` and ``ersättare för Ingrid Dahl: slut``.
People are chosen among the stored people; an unknown or ambiguous name gets a clear
answer and stores nothing. In a channel or group chat the command only points to the 1:1
chat (who is away is nobody else's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from catalogue.texts import Language
from dialogs.admin import actor_of, is_admin
from dialogs.commands import normalise
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from services.standins import periods, substitutes
from services.standins.people_lookup import find_people
from storage import outbox
from storage.models import ConversationKind, OutboxKind, Person, Substitute

WORDS: Final = frozenset({"ersättare", "ersattare", "substitute"})
END_WORDS: Final = frozenset({"slut", "avsluta", "end", "stop", "inga", "ingen", "none"})
FOR_WORDS: Final = frozenset({"för", "for"})
PEOPLE_LISTED: Final = 5
MAX_TEXT: Final = 300


def applies(inbound: Inbound) -> bool:
    return normalise(inbound.text).split(" ", 1)[0] in WORDS


@dataclass(frozen=True)
class _Said:
    owner_name: str | None  # an admin's "för <owner>:"
    rest: str


def _parse(text: str) -> _Said:
    said = " ".join(text.strip().strip("/!").split())[:MAX_TEXT]
    rest = said.partition(" ")[2].strip()
    first, _, after = rest.partition(" ")
    if first.lower() in FOR_WORDS and ":" in after:
        owner, _, rest = after.partition(":")
        return _Said(owner.strip(), rest.strip())
    return _Said(None, rest)


def _split_name_and_period(rest: str) -> tuple[str, str]:
    """Everything before the first word that starts with a digit (or "från") is the name."""
    words = rest.split(" ")
    for index, word in enumerate(words):
        if word[:1].isdigit() or word.lower() in ("från", "from", "fr.o.m."):
            return " ".join(words[:index]), " ".join(words[index:])
    return rest, ""


class _Chat:
    def __init__(self, session: AsyncSession, deps: Deps, person: Person, language: Language):
        self.session, self.deps, self.person = session, deps, person
        self.language = language
        self.tx = texts.for_language(language)
        self.now = deps.clock()

    def text(self, msgid: str, **params: object) -> list[Reply]:
        return [Reply(text=self.tx.t(msgid, **params))]

    def period_text(self, period: Substitute) -> str:
        return self.tx.t(
            "substitute.period",
            starts=self.tx.format_date(period.starts_on),
            ends=self.tx.format_date(period.ends_on),
        )


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    said = _parse(inbound.text)
    async with deps.sessions() as session, session.begin():
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        tx = texts.for_language(language)
        if kind_of(inbound) is not ConversationKind.PERSONAL:
            return [Reply(text=tx.t("shared.personal_only", command=tx.t("command.substitute")))]
        if person is None:
            return [Reply(text=tx.t("refusal.unknown_person"))]
        chat = _Chat(session, deps, person, language)
        owner = person
        if said.owner_name is not None:
            if not await is_admin(session, deps, inbound):
                return chat.text("substitute.error.admin_only")
            found = await _one_person(chat, said.owner_name)
            if isinstance(found, list):
                return found
            owner = found
        actor = actor_of(person, inbound)
        if not said.rest:
            return await _overview(chat, owner)
        if said.rest.lower() in END_WORDS:
            return await _end(chat, owner, actor)
        return await _name(chat, owner, said.rest, actor)


async def _one_person(chat: _Chat, name: str) -> Person | list[Reply]:
    if not name.strip():
        return chat.text("substitute.usage", command=chat.tx.t("command.substitute"))
    people = await find_people(chat.session, name)
    if not people:
        return chat.text("substitute.error.unknown_person", name=name)
    if len(people) > 1:
        listed = "\n".join(
            chat.tx.t("substitute.candidate", name=p.display_name, upn=p.upn)
            for p in people[:PEOPLE_LISTED]
        )
        return chat.text("substitute.error.ambiguous", name=name, people=listed)
    return people[0]


async def _name(chat: _Chat, owner: Person, rest: str, actor: str) -> list[Reply]:
    name, period_text = _split_name_and_period(rest)
    if not period_text:
        return chat.text("substitute.error.no_period")
    found = await _one_person(chat, name)
    if isinstance(found, list):
        return found
    today = substitutes.today_for(owner, chat.now)
    try:
        starts, ends = periods.parse_period(period_text, today)
        named = await substitutes.name_substitute(
            chat.session,
            owner=owner,
            substitute=found,
            starts_on=starts,
            ends_on=ends,
            actor=actor,
            today=today,
        )
    except periods.PeriodError as error:
        return chat.text(error.code, period=period_text)
    except substitutes.SubstituteRefused as refused:
        return chat.text(refused.code, **refused.params)
    await _tell_the_substitute(chat, owner, found, named.period)
    lines = [
        chat.tx.t(
            "substitute.named" if owner is chat.person else "substitute.named_for",
            name=found.display_name,
            owner=owner.display_name,
            period=chat.period_text(named.period),
        )
    ]
    if named.substitute_away is not None:
        lines.append(
            chat.tx.t(
                "substitute.substitute_away",
                name=found.display_name,
                period=chat.period_text(named.substitute_away),
            )
        )
    return [Reply(text="\n\n".join(lines))]


async def _tell_the_substitute(
    chat: _Chat, owner: Person, substitute: Person, period: Substitute
) -> None:
    tx = texts.for_language(substitute.preferred_language)
    text = tx.t(
        "substitute.you_are_named",
        owner=owner.display_name,
        period=tx.t(
            "substitute.period",
            starts=tx.format_date(period.starts_on),
            ends=tx.format_date(period.ends_on),
        ),
    )
    await outbox.enqueue(
        chat.session,
        kind=OutboxKind.NOTICE,
        dedupe_key=f"substitute:{period.id}",
        tenant_id=None,
        person_id=substitute.id,
        payload={"text": text},
        now=chat.now,
    )


async def _end(chat: _Chat, owner: Person, actor: str) -> list[Reply]:
    ended = await substitutes.end_periods(chat.session, owner=owner, actor=actor, now=chat.now)
    if not ended:
        return chat.text("substitute.nothing_to_end")
    return [Reply(text=chat.tx.n("substitute.ended", len(ended)))]


async def _overview(chat: _Chat, owner: Person) -> list[Reply]:
    names: dict[int, str] = {}
    lines: list[str] = []
    for period in await substitutes.current_periods(chat.session, owner, chat.now):
        if period.substitute_id not in names:
            other = await chat.session.get(Person, period.substitute_id)
            names[period.substitute_id] = other.display_name if other else "?"
        lines.append(
            chat.tx.t(
                "substitute.listed",
                name=names[period.substitute_id],
                period=chat.period_text(period),
            )
        )
    stood_in = await substitutes.owners_stood_in_for(chat.session, owner, chat.now)
    lines += [chat.tx.t("substitute.standing_in", owner=p.display_name) for p in stood_in]
    command = chat.tx.t("command.substitute")
    if not lines:
        return chat.text("substitute.usage", command=command)
    lines.append(chat.tx.t("substitute.end_hint", command=command))
    return [Reply(text="\n\n".join(lines))]
