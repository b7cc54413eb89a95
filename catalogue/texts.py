"""Every user-facing text of Lägesbot, in Swedish (the default) and English.

Texts live in gettext catalogues shipped as package data,
``catalogue/locale/<lang>/LC_MESSAGES/*.po`` (``lagesbot.po`` plus one file per feature
area, e.g. ``admin.po``), keyed by stable message ids such as ``error.status_missing``; a
message id is defined in one file only. Code never holds a user-facing sentence. The .po
files are read with Babel when first needed (no compile step, so a fresh checkout works as
is).
Placeholders use ``str.format`` names: ``"Sida {page} av {page_count}"``.

A text with a count in it ("1 punkt", "2 punkter") is a plural entry: ``msgid`` and
``msgid_plural`` are the same key, ``msgstr[0]`` the singular and ``msgstr[1]`` the plural
form, chosen by the catalogue's ``Plural-Forms`` rule (Swedish and English: ``nplurals=2;
plural=(n != 1);``). ``tx.n`` picks the form and fills in ``{count}``.

Usage::

    tx = texts.for_language("sv")
    tx.t("card.page", page=2, page_count=3)      # "Sida 2 av 3"
    tx.n("count.items", 1)                       # "1 punkt"
    tx.n("count.items", 12)                      # "12 punkter"
    tx.format_datetime(deadline, "Europe/Stockholm")

Parameters are inserted as given, except numbers, which are formatted for the locale
("12 500,5" / "12,500.5"). Texts are plain strings: a caller that puts one into Adaptive Card
markdown escapes user-supplied parameters itself (see ``cards.escape``).
"""

from __future__ import annotations

import gettext
import logging
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_time as _babel_format_time
from babel.dates import get_timezone
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _babel_format_decimal
from babel.numbers import format_percent as _babel_format_percent

log = logging.getLogger(__name__)

Language = Literal["sv", "en"]

DOMAIN: Final = "lagesbot"
DEFAULT_LANGUAGE: Final[Language] = "sv"
LANGUAGES: Final[tuple[Language, ...]] = ("sv", "en")
# Shipped inside the package, so an installed wheel has its texts.
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DEFAULT_TIME_ZONE: Final = "Europe/Stockholm"

# Babel locale per language: Swedish as written in Sweden, English with day-month order and
# 24-hour time, which Swedish public-sector users expect even when they read English.
_BABEL_LOCALES: Final[Mapping[Language, str]] = {"sv": "sv_SE", "en": "en_GB"}


def normalise_language(value: str | None) -> Language:
    """Any language tag a client or the store may hold (``en-GB``, ``sv_SE``, ``EN``, None) →
    one of the supported languages; anything unknown is Swedish."""
    if not value:
        return DEFAULT_LANGUAGE
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return "en" if primary == "en" else DEFAULT_LANGUAGE


def catalogue_paths(language: Language) -> list[Path]:
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@dataclass(frozen=True)
class _Catalogue:
    texts: Mapping[str, str]
    plurals: Mapping[str, tuple[str, ...]]
    plural_rule: str
    plural_index: Callable[[int], int]


@cache
def _load(language: Language) -> _Catalogue:
    """Every .po file of one language; untranslated and fuzzy entries are left out so a
    half-finished translation falls back to Swedish instead of showing an empty string."""
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    rules: set[str] = set()
    for path in catalogue_paths(language):
        with path.open("rb") as handle:
            parsed = read_po(handle, locale=_BABEL_LOCALES[language], domain=DOMAIN)
        rules.add(str(parsed.plural_expr))
        for message in parsed:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            if key in messages or key in plurals:
                raise ValueError(f"{path.name}: message id {key!r} defined twice")
            if isinstance(message.string, tuple | list):
                forms = tuple(str(form) for form in message.string)
                if len(forms) == parsed.num_plurals and all(forms):
                    plurals[key] = forms
            elif isinstance(message.string, str) and message.string:
                messages[key] = message.string
    if len(rules) > 1:
        raise ValueError(f"{language}: the .po files disagree on Plural-Forms: {sorted(rules)}")
    rule = rules.pop() if rules else "(n != 1)"
    return _Catalogue(messages, plurals, rule, gettext.c2py(rule))


def catalogue(language: Language) -> Mapping[str, str]:
    """msgid → translation of one language (plural entries are in ``plural_catalogue``)."""
    return _load(language).texts


def plural_catalogue(language: Language) -> Mapping[str, tuple[str, ...]]:
    """msgid → the forms of a plural entry, in the order of the language's plural rule."""
    return _load(language).plurals


def plural_rule(language: Language) -> str:
    """The gettext plural expression the language's catalogues declare, e.g. ``(n != 1)``."""
    return _load(language).plural_rule


class _KeepMissing(dict[str, Any]):
    # A text whose placeholder the caller forgot still reads sensibly instead of crashing the
    # card render; the catalogue test catches such mismatches before they ship.
    def __missing__(self, key: str) -> str:
        log.warning("text parameter %r missing", key)
        return "{" + key + "}"


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` placeholders of a catalogue text."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(text) if name is not None and name
    )


@dataclass(frozen=True)
class Texts:
    """The texts and formats of one language."""

    language: Language
    locale: Locale

    def t(self, msgid: str, /, **params: object) -> str:
        text = catalogue(self.language).get(msgid)
        if text is None:
            text = catalogue(DEFAULT_LANGUAGE).get(msgid)
            if text is None:
                log.error("text %r is in no catalogue", msgid)
                return msgid
            log.warning("text %r has no %s translation", msgid, self.language)
        if not params:
            return text
        values = _KeepMissing({key: self._param(value) for key, value in params.items()})
        return text.format_map(values)

    def n(self, msgid: str, count: int, /, **params: object) -> str:
        """The form of a plural entry for ``count``, with ``{count}`` (and ``params``)
        filled in: ``n("count.items", 1)`` → "1 punkt", ``n("count.items", 3)`` → "3 punkter".
        A text about two counts chooses its form by the one given, the other passed as a
        parameter (often itself a plural phrase: ``items=tx.n("count.items", 12)``)."""
        language = self.language
        forms = plural_catalogue(language).get(msgid)
        if forms is None:
            language = DEFAULT_LANGUAGE
            forms = plural_catalogue(language).get(msgid)
            if forms is None:
                log.error("plural text %r is in no catalogue", msgid)
                return msgid
            log.warning("plural text %r has no %s translation", msgid, self.language)
        index = _load(language).plural_index(abs(int(count)))
        text = forms[min(index, len(forms) - 1)]
        values = {"count": count, **params}
        return text.format_map(_KeepMissing({k: self._param(v) for k, v in values.items()}))

    def has(self, msgid: str) -> bool:
        return msgid in catalogue(self.language) or msgid in plural_catalogue(self.language)

    def _param(self, value: object) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            return self.format_number(value)
        return value

    def format_datetime(self, moment: datetime, tz: str | tzinfo | None = None) -> str:
        """Date and time to the minute in the person's time zone: "23 nov. 2026 14:05" /
        "23 Nov 2026, 14:05"."""
        local = _localise(moment, tz)
        day = _babel_format_date(local, "medium", locale=self.locale)
        time = _babel_format_time(local, "short", locale=self.locale)
        pattern = str(self.locale.datetime_formats["medium"])
        return pattern.replace("{1}", day).replace("{0}", time)

    def format_date(self, day: date | datetime, tz: str | tzinfo | None = None) -> str:
        """A date ("23 nov. 2026"); an aware datetime is first moved to ``tz``."""
        if isinstance(day, datetime):
            day = _localise(day, tz).date()
        return str(_babel_format_date(day, "medium", locale=self.locale))

    def format_time(self, moment: datetime, tz: str | tzinfo | None = None) -> str:
        return str(_babel_format_time(_localise(moment, tz), "short", locale=self.locale))

    def format_number(self, number: Decimal | float | int, *, grouping: bool = True) -> str:
        """A number as people of the locale write it; trailing zeros of stored decimals
        (``72.5000``) are dropped. ``grouping=False`` is for input boxes, whose text must
        parse back as the same number ("1,200" would read as 1.2)."""
        if isinstance(number, Decimal):
            number = _trim(number)
        return str(
            _babel_format_decimal(
                number,
                locale=self.locale,
                decimal_quantization=False,
                group_separator=grouping,
            )
        )

    def format_percent(self, fraction: Decimal | float, decimals: int = 0) -> str:
        """``0.725`` → "73 %" / "73%"; ``decimals`` keeps that many fraction digits."""
        pattern = None
        if decimals > 0:
            base = self.locale.percent_formats[None].pattern
            pattern = base.replace("0%", "0." + "0" * decimals + "%").replace(
                "0\u00a0%", "0." + "0" * decimals + "\u00a0%"
            )
        return str(_babel_format_percent(fraction, pattern, locale=self.locale))


def _trim(number: Decimal) -> Decimal:
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _localise(moment: datetime, tz: str | tzinfo | None) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a text format; use an aware datetime")
    zone = tz if isinstance(tz, tzinfo) else _zone(tz or DEFAULT_TIME_ZONE)
    return moment.astimezone(zone)


@cache
def _zone(name: str) -> tzinfo:
    try:
        return get_timezone(name)
    except LookupError:
        # A person's stored zone is data from an import; a typo there must not break cards.
        log.warning("unknown time zone %r, using %s", name, DEFAULT_TIME_ZONE)
        return get_timezone(DEFAULT_TIME_ZONE)


@cache
def for_language(language: str | None) -> Texts:
    """The texts of a language tag; anything unknown gets Swedish."""
    lang = normalise_language(language)
    return Texts(lang, Locale.parse(_BABEL_LOCALES[lang]))


def all_translations(msgid: str) -> frozenset[str]:
    """A text in every language, e.g. the command words a user may type in either."""
    return frozenset(text for lang in LANGUAGES if (text := catalogue(lang).get(msgid)))
