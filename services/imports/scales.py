"""Risk scales defined as data in a TOML file (e.g. a 5×5 likelihood × consequence scale).

A scale file has ``key``, ``name_sv``, ``name_en``, one ``[[likelihood]]`` and one
``[[consequence]]`` table per step (``value``, ``sv``, ``en``) and ``[[bands]]`` (``key``,
``min``, ``max``, ``sv``, ``en``, ``colour``, ``card_colour``). The bands must cover every
score from 1 to likelihood_max × consequence_max exactly once, so every answer lands in
exactly one band. See demo/risk_scale_5x5.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue import texts
from services.imports.common import Language
from storage import audit
from storage import scales as scale_store
from storage.models import RiskBand, RiskLevel, RiskScale

AUDIT_ACTION = "scale.import"
AXES = ("likelihood", "consequence")
# Adaptive Card text colours; the card cannot show arbitrary hex colours.
CARD_COLOURS = frozenset({"default", "dark", "light", "accent", "good", "warning", "attention"})
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class ScaleIssue:
    """A problem in a scale file; ``where`` is the TOML location, e.g. ``bands[2].max``."""

    where: str
    code: str
    message_sv: str
    message_en: str

    def message(self, language: Language = "sv") -> str:
        return self.message_en if language == "en" else self.message_sv

    def render(self, language: Language = "sv") -> str:
        return f"{self.where}: {self.message(language)}" if self.where else self.message(language)


def scale_issue(where: str, code: str, **params: object) -> ScaleIssue:
    """The message of ``code`` (``scales.error.<code>`` in the catalogues) in both languages."""
    sv, en = (texts.for_language(lang).t(f"scales.error.{code}", **params) for lang in ("sv", "en"))
    return ScaleIssue(where, code, sv, en)


class ScaleFileError(Exception):
    def __init__(self, issues: list[ScaleIssue]) -> None:
        self.issues = issues
        super().__init__(f"{len(issues)} problem(s) in the scale file")


@dataclass(frozen=True)
class Level:
    value: int
    label_sv: str
    label_en: str


@dataclass(frozen=True)
class Band:
    key: str
    min_score: int
    max_score: int
    label_sv: str
    label_en: str
    colour: str
    card_colour: str


@dataclass(frozen=True)
class RiskScaleSpec:
    key: str
    name_sv: str
    name_en: str
    likelihood: tuple[Level, ...]
    consequence: tuple[Level, ...]
    bands: tuple[Band, ...]

    @property
    def max_score(self) -> int:
        return len(self.likelihood) * len(self.consequence)


class _Checker:
    def __init__(self) -> None:
        self.issues: list[ScaleIssue] = []

    def add(self, where: str, code: str, **params: object) -> None:
        self.issues.append(scale_issue(where, code, **params))

    def text(self, data: dict[str, Any], name: str, where: str, max_length: int) -> str:
        value = data.get(name)
        place = f"{where}.{name}" if where else name
        if not isinstance(value, str) or not value.strip():
            self.add(place, "required")
            return ""
        if len(value) > max_length:
            self.add(place, "too_long", max=max_length)
        return value.strip()

    def integer(self, data: dict[str, Any], name: str, where: str) -> int | None:
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{where}.{name}", "not_integer")
            return None
        return value

    def tables(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = data.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.add(name, "missing_section", section=name)
            return []
        return value


def parse_risk_scale(data: dict[str, Any]) -> RiskScaleSpec:
    """Check a parsed TOML document; raises ScaleFileError listing every problem."""
    check = _Checker()
    key = check.text(data, "key", "", 64)
    if key and not _KEY.match(key):
        check.add("key", "bad_key")
    name_sv = check.text(data, "name_sv", "", 200)
    name_en = check.text(data, "name_en", "", 200)
    likelihood, consequence = (_axis_levels(check, data, axis) for axis in AXES)
    bands = _bands(check, data)
    if likelihood and consequence and bands:
        _check_coverage(check, bands, len(likelihood) * len(consequence))
    if check.issues:
        raise ScaleFileError(check.issues)
    return RiskScaleSpec(
        key,
        name_sv,
        name_en,
        likelihood,
        consequence,
        tuple(sorted(bands, key=lambda band: band.min_score)),
    )


def _axis_levels(check: _Checker, data: dict[str, Any], axis: str) -> tuple[Level, ...]:
    """The steps of one axis, by value; the values must run 1, 2, ... without gaps."""
    levels: list[Level] = []
    for index, entry in enumerate(check.tables(data, axis)):
        where = f"{axis}[{index + 1}]"
        value = check.integer(entry, "value", where)
        sv = check.text(entry, "sv", where, 100)
        en = check.text(entry, "en", where, 100)
        if value is not None:
            levels.append(Level(value, sv, en))
    values = sorted(level.value for level in levels)
    if levels and values != list(range(1, len(levels) + 1)):
        check.add(
            axis,
            "levels_not_consecutive",
            steps=len(levels),
            values=", ".join(map(str, values)),
        )
    return tuple(sorted(levels, key=lambda level: level.value))


def _bands(check: _Checker, data: dict[str, Any]) -> list[Band]:
    """The score bands in file order (coverage is checked separately)."""
    bands: list[Band] = []
    seen_keys: set[str] = set()
    for index, entry in enumerate(check.tables(data, "bands")):
        band = _band(check, entry, f"bands[{index + 1}]", seen_keys)
        if band is not None:
            bands.append(band)
    return bands


def _band(check: _Checker, entry: dict[str, Any], where: str, seen_keys: set[str]) -> Band | None:
    """One ``[[bands]]`` table; None when its score range is missing or inverted."""
    band_key = check.text(entry, "key", where, 32)
    if band_key in seen_keys:
        check.add(f"{where}.key", "duplicate_band")
    seen_keys.add(band_key)
    low = check.integer(entry, "min", where)
    high = check.integer(entry, "max", where)
    sv = check.text(entry, "sv", where, 100)
    en = check.text(entry, "en", where, 100)
    colour = check.text(entry, "colour", where, 7)
    if colour and not _HEX.match(colour):
        check.add(f"{where}.colour", "bad_colour")
    card_colour = check.text(entry, "card_colour", where, 16)
    if card_colour and card_colour not in CARD_COLOURS:
        allowed = ", ".join(sorted(CARD_COLOURS))
        check.add(f"{where}.card_colour", "bad_card_colour", allowed=allowed)
    if low is None or high is None:
        return None
    if low > high:
        check.add(where, "band_inverted")
        return None
    return Band(band_key, low, high, sv, en, colour, card_colour)


def _check_coverage(check: _Checker, bands: list[Band], max_score: int) -> None:
    expected = 1
    for band in sorted(bands, key=lambda b: (b.min_score, b.max_score)):
        if band.min_score > expected:
            check.add("bands", "band_gap", low=expected, high=band.min_score - 1)
        elif band.min_score < expected:
            check.add(
                "bands", "band_overlap", band=band.key, low=band.min_score, high=band.max_score
            )
        expected = max(expected, band.max_score + 1)
    if expected <= max_score:
        check.add("bands", "band_gap", low=expected, high=max_score)
    elif expected > max_score + 1:
        check.add("bands", "band_beyond_max", top=expected - 1, max=max_score)


def read_risk_scale_file(path: Path | str) -> RiskScaleSpec:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScaleFileError([scale_issue("", "unreadable_file", detail=exc)]) from exc
    return parse_risk_scale(data)


async def import_risk_scale(
    session: AsyncSession, spec: RiskScaleSpec, *, actor: str
) -> tuple[RiskScale, bool]:
    """Create the scale or replace its labels and bands; returns (scale, created).

    A scale that rounds already use may get new labels and bands but not new axis sizes:
    stored answers would fall outside the scale."""
    scale = await scale_store.get_risk_scale_by_key(session, spec.key)
    created = scale is None
    if scale is None:
        scale = RiskScale(key=spec.key)
        session.add(scale)
    elif (
        scale.likelihood_max != len(spec.likelihood)
        or scale.consequence_max != len(spec.consequence)
    ) and await scale_store.rounds_using_risk_scale(session, scale.id):
        raise ScaleFileError([scale_issue("", "scale_in_use", key=spec.key)])
    scale.name_sv = spec.name_sv
    scale.name_en = spec.name_en
    scale.likelihood_max = len(spec.likelihood)
    scale.consequence_max = len(spec.consequence)
    if not created:
        # Replaced wholesale: flush the removals first, or the new rows would collide with
        # the unique (scale, axis, value) and (scale, key) constraints.
        scale.levels.clear()
        scale.bands.clear()
        await session.flush()
    scale.levels.extend(
        RiskLevel(axis=axis, value=level.value, label_sv=level.label_sv, label_en=level.label_en)
        for axis, levels in (("likelihood", spec.likelihood), ("consequence", spec.consequence))
        for level in levels
    )
    scale.bands.extend(
        RiskBand(
            key=band.key,
            min_score=band.min_score,
            max_score=band.max_score,
            label_sv=band.label_sv,
            label_en=band.label_en,
            colour=band.colour,
            card_colour=band.card_colour,
        )
        for band in spec.bands
    )
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        target_type="risk_scale",
        target_id=spec.key,
        details={
            "created": created,
            "likelihood_max": scale.likelihood_max,
            "consequence_max": scale.consequence_max,
            "bands": [band.key for band in spec.bands],
        },
    )
    await session.flush()
    return scale, created
