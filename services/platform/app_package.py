"""The Teams app package: the manifest template in ``manifest/`` filled in with this
installation's ids and addresses, zipped with the English localization file and the icons.

Teams reads the zip's root only, so every file sits there. The zip is deterministic (fixed
timestamps and order): the same settings give the same bytes, which makes "has the package
changed?" a checksum question for the people who upload it.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The template ships as package data of ``manifest`` (a package so that a wheel carries it).
MANIFEST_DIR = Path(str(importlib.resources.files("manifest")))
TEMPLATE_NAME = "manifest.template.json"
LOCALIZATION_NAMES = ("en.json",)
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_DOMAIN = re.compile(r"^(\*\.)?([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+$|^localhost$")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
# 1980-01-01, the earliest time a zip entry can carry.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DEVELOPER_NAME_MAX = 32


class PackageConfigError(ValueError):
    """The configuration cannot make a valid package; ``problems`` says what to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PackageSettings:
    bot_app_id: str
    teams_app_id: str
    version: str
    public_url: str
    website_url: str
    privacy_url: str
    terms_url: str
    developer_name: str
    resource: str
    valid_domains: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, default_version: str) -> PackageSettings:
        """Reads and checks every value; all problems are reported at once, each naming the
        variable to set."""
        check = _EnvCheck(env)
        bot_app_id, teams_app_id = check.app_ids()
        version = check.version(default_version)
        urls = check.addresses()
        developer_name = check.developer_name()
        resource = check.resource(bot_app_id)
        valid_domains = check.valid_domains(urls.public_url)
        if check.problems:
            raise PackageConfigError(check.problems)
        return cls(
            bot_app_id=bot_app_id,
            teams_app_id=teams_app_id,
            version=version,
            public_url=urls.public_url,
            website_url=urls.website_url,
            privacy_url=urls.privacy_url,
            terms_url=urls.terms_url,
            developer_name=developer_name,
            resource=resource,
            valid_domains=valid_domains,
        )

    def placeholders(self) -> dict[str, str | list[str]]:
        return {
            "TEAMS_APP_ID": self.teams_app_id,
            "BOT_ID": self.bot_app_id,
            "APP_VERSION": self.version,
            "DEVELOPER_NAME": self.developer_name,
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url,
            "TERMS_URL": self.terms_url,
            "APP_RESOURCE": self.resource,
            "VALID_DOMAINS": list(self.valid_domains),
        }


@dataclass(frozen=True)
class _Addresses:
    """The https addresses the manifest links to."""

    public_url: str
    website_url: str
    privacy_url: str
    terms_url: str


class _EnvCheck:
    """Reads the package variables from the environment, collecting every problem found."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def value(self, name: str, default: str = "") -> str:
        return (self.env.get(name) or default).strip()

    def guid(self, name: str, raw: str) -> str:
        if not raw:
            self.problems.append(
                f"{name} is not set: the app registration's application (client) id"
            )
        elif not _GUID.match(raw) or raw == _NIL_GUID:
            self.problems.append(
                f"{name} must be a GUID like 6f1c2b1e-8d0a-4c55-9d1e-0a2b3c4d5e6f, got {raw!r}"
            )
        return raw.lower()

    def https(self, name: str, raw: str, what: str) -> str:
        if not raw:
            self.problems.append(f"{name} is not set: {what}")
            return raw
        parts = urlsplit(raw)
        if parts.scheme != "https" or not parts.hostname:
            self.problems.append(f"{name} must be an https:// address, got {raw!r}")
        return raw

    def app_ids(self) -> tuple[str, str]:
        """The bot's app id and the Teams app id (the bot's unless set apart)."""
        bot_app_id = self.guid("MICROSOFT_APP_ID", self.value("MICROSOFT_APP_ID"))
        teams_app_id = bot_app_id
        if self.value("LAGESBOT_TEAMS_APP_ID"):
            teams_app_id = self.guid("LAGESBOT_TEAMS_APP_ID", self.value("LAGESBOT_TEAMS_APP_ID"))
        return bot_app_id, teams_app_id

    def version(self, default_version: str) -> str:
        version = self.value("LAGESBOT_APP_VERSION", default_version)
        if not _SEMVER.match(version):
            self.problems.append(
                f"LAGESBOT_APP_VERSION must be major.minor.patch like 1.4.0, got {version!r}"
            )
        return version

    def addresses(self) -> _Addresses:
        public_url = self.https(
            "LAGESBOT_PUBLIC_URL",
            self.value("LAGESBOT_PUBLIC_URL"),
            "the bot's public https address, e.g. https://lagesbot.region.se",
        )
        website_url = public_url
        if self.value("LAGESBOT_WEBSITE_URL"):
            website_url = self.https("LAGESBOT_WEBSITE_URL", self.value("LAGESBOT_WEBSITE_URL"), "")
        privacy_url = self.https(
            "LAGESBOT_PRIVACY_URL",
            self.value("LAGESBOT_PRIVACY_URL"),
            "your privacy notice (behandling av personuppgifter), shown in Teams",
        )
        terms_url = self.https(
            "LAGESBOT_TERMS_URL",
            self.value("LAGESBOT_TERMS_URL"),
            "your terms of use, shown in Teams",
        )
        return _Addresses(public_url, website_url, privacy_url, terms_url)

    def developer_name(self) -> str:
        developer_name = self.value("LAGESBOT_DEVELOPER_NAME", "Lägesbot")
        if len(developer_name) > _DEVELOPER_NAME_MAX:
            self.problems.append(
                f"LAGESBOT_DEVELOPER_NAME may be at most {_DEVELOPER_NAME_MAX} characters, "
                f"got {len(developer_name)}"
            )
        return developer_name

    def resource(self, bot_app_id: str) -> str:
        """The Application ID URI; defaults to the bot's ``api://botid-...``."""
        resource = self.value("LAGESBOT_APP_RESOURCE", f"api://botid-{bot_app_id}")
        if not resource.startswith("api://") or len(resource) > 2048:
            self.problems.append(
                f"LAGESBOT_APP_RESOURCE must be the app's Application ID URI (api://...), "
                f"got {resource!r}"
            )
        return resource

    def valid_domains(self, public_url: str) -> tuple[str, ...]:
        """The public address's host first, then the extra domains, each once, lower case."""
        domains: list[str] = []
        host = urlsplit(public_url).hostname
        if host:
            domains.append(host)
        for extra in (part.strip() for part in self.value("LAGESBOT_VALID_DOMAINS").split(",")):
            if not extra:
                continue
            if not _DOMAIN.match(extra):
                self.problems.append(
                    "LAGESBOT_VALID_DOMAINS takes host names separated by commas "
                    f"(no https://, no path), got {extra!r}"
                )
            elif extra.lower() not in domains:
                domains.append(extra.lower())
        return tuple(domains)


def fill(template: Any, values: Mapping[str, str | list[str]]) -> Any:
    """Replaces ``${{NAME}}`` in every string of a JSON document. A list item that is exactly
    one placeholder with a list value is spliced in (``validDomains``). A placeholder without
    a value is an error: a half-filled manifest must never reach a zip."""

    def text(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            found = values.get(name)
            if not isinstance(found, str):
                raise KeyError(f"no text value for placeholder {name}")
            return found

        return _PLACEHOLDER.sub(one, value)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return text(node)
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            out: list[Any] = []
            for item in node:
                whole = _PLACEHOLDER.fullmatch(item) if isinstance(item, str) else None
                if whole is not None and isinstance(values.get(whole.group(1)), list):
                    out.extend(copy.deepcopy(values[whole.group(1)]))
                else:
                    out.append(walk(item))
            return out
        return node

    return walk(template)


def load_template(template_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((template_dir / TEMPLATE_NAME).read_text("utf-8"))
    return loaded


def render_manifest(settings: PackageSettings, template: Mapping[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = fill(dict(template), settings.placeholders())
    return rendered


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header, so the package is checked without Pillow."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def package_files(settings: PackageSettings, template_dir: Path = MANIFEST_DIR) -> dict[str, bytes]:
    """Every file of the zip, by name, in the order they are written."""
    manifest = render_manifest(settings, load_template(template_dir))
    files = {"manifest.json": _json_bytes(manifest)}
    for name in LOCALIZATION_NAMES:
        localization = json.loads((template_dir / name).read_text("utf-8"))
        files[name] = _json_bytes(fill(localization, settings.placeholders()))
    for name, size in ICONS.items():
        data = (template_dir / name).read_bytes()
        if png_size(data) != size:
            raise PackageConfigError(
                [f"{template_dir / name} must be {size[0]}×{size[1]}, is {png_size(data)}"]
            )
        files[name] = data
    return files


def write_package(files: Mapping[str, bytes], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return out


def build_package(settings: PackageSettings, out: Path, template_dir: Path = MANIFEST_DIR) -> Path:
    return write_package(package_files(settings, template_dir), out)


def _json_bytes(document: Any) -> bytes:
    # UTF-8 without a byte order mark: Teams rejects a manifest that starts with one.
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
