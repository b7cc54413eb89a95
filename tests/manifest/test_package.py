"""The Teams app zip: what is in it, that Microsoft's schemas accept it, and that the ids and
addresses an administrator configures end up where Teams reads them."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from services.platform.app_package import (
    MANIFEST_DIR,
    PackageConfigError,
    PackageSettings,
    build_package,
)
from tests.manifest.conftest import BOT_ID, ENV, SCHEMA_PACKAGE, read_json, validate


def test_zip_holds_manifest_localization_and_icons_at_its_root(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        manifest_bytes = archive.read("manifest.json")
    assert sorted(names) == ["color.png", "en.json", "manifest.json", "outline.png"]
    # Teams rejects a manifest that starts with a byte order mark.
    assert not manifest_bytes.startswith(b"\xef\xbb\xbf")


def test_ids_and_addresses_are_filled_in(unpacked: Path) -> None:
    manifest = read_json(unpacked / "manifest.json")
    assert manifest["id"] == BOT_ID
    assert manifest["version"] == "1.2.3"
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert sorted(bot["scopes"]) == ["personal", "team"]
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://botid-{BOT_ID}"}
    assert manifest["validDomains"] == ["lagesbot.region-exempel.se"]
    assert manifest["developer"] == {
        "name": "Region Exempel",
        "websiteUrl": "https://lagesbot.region-exempel.se",
        "privacyUrl": "https://www.region-exempel.se/personuppgifter",
        "termsOfUseUrl": "https://www.region-exempel.se/villkor-lagesbot",
    }
    for name in ("manifest.json", "en.json"):
        assert "${{" not in (unpacked / name).read_text("utf-8"), name


def test_swedish_is_the_default_language_and_english_is_offered(unpacked: Path) -> None:
    manifest = read_json(unpacked / "manifest.json")
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "sv-SE"
    assert {(lang["languageTag"], lang["file"]) for lang in info["additionalLanguages"]} == {
        ("en-US", "en.json"),
        ("en-GB", "en.json"),
    }
    assert "planering och uppföljning" in manifest["name"]["full"]
    assert "planning and follow-up" in read_json(unpacked / "en.json")["name.full"]


def test_generated_manifest_and_localization_pass_the_official_schemas(unpacked: Path) -> None:
    manifest, english = validate(unpacked / "manifest.json", unpacked / "en.json")
    assert manifest["schema"].endswith("MicrosoftTeams.schema.json")
    assert english["schema"].endswith("MicrosoftTeams.Localization.schema.json")
    assert manifest["errors"] == []
    assert english["errors"] == []


def test_the_schema_check_rejects_what_teams_would_reject(unpacked: Path, tmp_path: Path) -> None:
    manifest = read_json(unpacked / "manifest.json")
    manifest["bots"][0]["botId"] = "lagesbot"
    manifest["developer"]["privacyUrl"] = "intranat/personuppgifter"
    broken_manifest = tmp_path / "manifest.json"
    broken_manifest.write_text(json.dumps(manifest), "utf-8")
    english = read_json(unpacked / "en.json")
    # Teams allows at most three command lists: a fourth cannot be localized.
    english["bots[0].commandLists[3].commands[0].title"] = "help"
    english["$schema"] = english["$schema"].replace("v1.", "v0.")
    broken_english = tmp_path / "en.json"
    broken_english.write_text(json.dumps(english), "utf-8")

    manifest_result, english_result = validate(broken_manifest, broken_english)

    assert {e["path"] for e in manifest_result["errors"]} >= {
        "/bots/0/botId",
        "/developer/privacyUrl",
    }
    assert "/$schema" in {e["path"] for e in english_result["errors"]}
    assert any(
        e["params"].get("additionalProperty") == "bots[0].commandLists[3].commands[0].title"
        for e in english_result["errors"]
    )


def _shipped_versions() -> list[tuple[int, int]]:
    folder = SCHEMA_PACKAGE / "build" / "json-schemas" / "teams"
    found = [re.fullmatch(r"v(\d+)\.(\d+)", path.name) for path in folder.iterdir()]
    return sorted((int(m.group(1)), int(m.group(2))) for m in found if m is not None)


def test_template_uses_the_newest_stable_schema_the_npm_package_ships() -> None:
    template = read_json(MANIFEST_DIR / "manifest.template.json")
    english = read_json(MANIFEST_DIR / "en.json")
    major, minor = _shipped_versions()[-1]
    newest = f"{major}.{minor}"
    assert template["manifestVersion"] == newest, (
        f"@microsoft/app-manifest ships v{newest}: move manifest/ to it and check the changes"
    )
    base = f"https://developer.microsoft.com/json-schemas/teams/v{newest}"
    assert template["$schema"] == f"{base}/MicrosoftTeams.schema.json"
    # Teams requires the localization file to use the manifest's version.
    assert english["$schema"] == f"{base}/MicrosoftTeams.Localization.schema.json"


def test_same_settings_give_the_same_zip(built: Path, tmp_path: Path) -> None:
    again = build_package(
        PackageSettings.from_env(ENV, default_version="0.1.0"), tmp_path / "again" / "app.zip"
    )
    assert again.read_bytes() == built.read_bytes()


def test_a_separate_teams_app_id_and_extra_domains(tmp_path: Path) -> None:
    teams_app_id = "0d4b9a52-3c1e-4f7a-b2d8-9e6c5a4b3f21"
    env = {
        **ENV,
        "LAGESBOT_TEAMS_APP_ID": teams_app_id.upper(),
        "LAGESBOT_VALID_DOMAINS": "intranat.region-exempel.se, *.sharepoint.com",
        "LAGESBOT_APP_RESOURCE": "api://lagesbot.region-exempel.se/" + BOT_ID,
    }
    out = build_package(PackageSettings.from_env(env, default_version="0.1.0"), tmp_path / "a.zip")
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == teams_app_id
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["webApplicationInfo"]["resource"] == (
        "api://lagesbot.region-exempel.se/" + BOT_ID
    )
    assert manifest["validDomains"] == [
        "lagesbot.region-exempel.se",
        "intranat.region-exempel.se",
        "*.sharepoint.com",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"MICROSOFT_APP_ID": ""}, "MICROSOFT_APP_ID is not set"),
        ({"MICROSOFT_APP_ID": "lagesbot-prod"}, "MICROSOFT_APP_ID must be a GUID"),
        (
            {"MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000000"},
            "MICROSOFT_APP_ID must be a GUID",
        ),
        ({"LAGESBOT_TEAMS_APP_ID": "{" + BOT_ID + "}"}, "LAGESBOT_TEAMS_APP_ID must be a GUID"),
        ({"LAGESBOT_PUBLIC_URL": ""}, "LAGESBOT_PUBLIC_URL is not set"),
        ({"LAGESBOT_PUBLIC_URL": "http://lagesbot.se"}, "LAGESBOT_PUBLIC_URL must be an https"),
        ({"LAGESBOT_PRIVACY_URL": ""}, "LAGESBOT_PRIVACY_URL is not set"),
        ({"LAGESBOT_TERMS_URL": "villkor.html"}, "LAGESBOT_TERMS_URL must be an https"),
        ({"LAGESBOT_APP_VERSION": "2027.1"}, "LAGESBOT_APP_VERSION must be major.minor.patch"),
        ({"LAGESBOT_DEVELOPER_NAME": "R" * 33}, "LAGESBOT_DEVELOPER_NAME may be at most 32"),
        ({"LAGESBOT_APP_RESOURCE": "https://x"}, "LAGESBOT_APP_RESOURCE must be"),
        ({"LAGESBOT_VALID_DOMAINS": "https://x.se/a"}, "LAGESBOT_VALID_DOMAINS takes host names"),
    ],
)
def test_bad_configuration_names_the_variable_to_fix(
    changes: dict[str, str], expected: str, tmp_path: Path
) -> None:
    with pytest.raises(PackageConfigError) as raised:
        PackageSettings.from_env({**ENV, **changes}, default_version="0.1.0")
    assert len(raised.value.problems) == 1, raised.value.problems
    assert raised.value.problems[0].startswith(expected), raised.value.problems
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PackageConfigError) as raised:
        PackageSettings.from_env({}, default_version="0.1.0")
    variables = {problem.split()[0] for problem in raised.value.problems}
    assert variables == {
        "MICROSOFT_APP_ID",
        "LAGESBOT_PUBLIC_URL",
        "LAGESBOT_PRIVACY_URL",
        "LAGESBOT_TERMS_URL",
    }
