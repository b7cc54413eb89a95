"""Risk scales as data: a TOML file is checked as a whole before anything is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.imports.scales import ScaleFileError, import_risk_scale, read_risk_scale_file
from storage import audit
from storage import scales as scale_store

DEMO_SCALE = Path(__file__).resolve().parents[2] / "demo" / "risk_scale_5x5.toml"


async def test_the_5x5_example_imports_and_covers_every_score(session: AsyncSession) -> None:
    spec = read_risk_scale_file(DEMO_SCALE)
    scale, created = await import_risk_scale(session, spec, actor="admin")
    await session.commit()
    assert created
    stored = await scale_store.get_risk_scale_by_key(session, "risk5x5")
    assert stored is not None and stored.id == scale.id
    assert (stored.likelihood_max, stored.consequence_max) == (5, 5)
    assert len(stored.levels) == 10
    covered = [s for band in stored.bands for s in range(band.min_score, band.max_score + 1)]
    assert covered == list(range(1, 26))
    assert {s.key for s in await scale_store.risk_scales(session)} == {"risk4x4", "risk5x5"}

    again, created = await import_risk_scale(session, spec, actor="admin")
    await session.commit()
    assert not created and again.id == scale.id and len(again.bands) == 4
    assert len(await audit.entries(session, action="scale.import")) == 2


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "scale.toml"
    text = DEMO_SCALE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("min = 5\nmax = 9", "min = 6\nmax = 9", "band_gap"),
        ("min = 5\nmax = 9", "min = 4\nmax = 9", "band_overlap"),
        ("max = 25", "max = 24", "band_gap"),
        ('colour = "#C62828"', 'colour = "red"', "bad_colour"),
        ('card_colour = "good"', 'card_colour = "green"', "bad_card_colour"),
        (
            'value = 5\nsv = "Mycket sannolik"',
            'value = 6\nsv = "Mycket sannolik"',
            "levels_not_consecutive",
        ),
        ('key = "risk5x5"', 'key = ""', "required"),
    ],
)
def test_invalid_scale_files_are_refused(tmp_path: Path, old: str, new: str, code: str) -> None:
    with pytest.raises(ScaleFileError) as failed:
        read_risk_scale_file(_broken(tmp_path, old, new))
    assert code in {issue.code for issue in failed.value.issues}
    assert all(issue.message_sv and issue.message_en for issue in failed.value.issues)


def test_scale_problems_read_as_sentences_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(ScaleFileError) as failed:
        read_risk_scale_file(_broken(tmp_path, "min = 5\nmax = 9", "min = 6\nmax = 9"))
    (gap,) = [issue for issue in failed.value.issues if issue.code == "band_gap"]
    assert gap.render("sv") == "bands: poängen 5–5 täcks inte av något band"
    assert gap.render("en") == "bands: the scores 5-5 are not covered by any band"
    missing = tmp_path / "missing.toml"
    with pytest.raises(ScaleFileError) as failed:
        read_risk_scale_file(missing)
    assert failed.value.issues[0].render("sv").startswith("Filen kan inte läsas: ")
    assert failed.value.issues[0].render("en").startswith("The file cannot be read: ")
