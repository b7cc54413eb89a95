"""Finding a stored person from what someone typed: a full name, an e-mail address or UPN,
or the start of each name ("Anders H")."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage import substitutes as substitute_store
from storage.models import Person


def _words(text: str) -> list[str]:
    return [word for word in text.lower().replace(",", " ").split() if word]


async def find_people(session: AsyncSession, said: str) -> list[Person]:
    """The active people ``said`` names: an exact address or full name wins; otherwise
    everyone whose names start with the words typed, in order."""
    wanted = " ".join(_words(said))
    if not wanted:
        return []
    people = await substitute_store.active_people(session)
    exact = [
        p
        for p in people
        if wanted in (p.upn.lower(), (p.email or "").lower(), " ".join(_words(p.display_name)))
    ]
    if exact:
        return sorted(exact, key=lambda p: (p.display_name, p.upn))
    typed = _words(said)
    found = []
    for p in people:
        names = _words(p.display_name)
        if len(names) >= len(typed) and all(
            name.startswith(word) for name, word in zip(names, typed, strict=False)
        ):
            found.append(p)
    return sorted(found, key=lambda p: (p.display_name, p.upn))
