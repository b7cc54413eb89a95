"""Settings read from the environment (12-factor), with local-run defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from services.platform.worker_settings import WorkerSettings


def default_database_url() -> str:
    data_dir = Path(user_data_dir("lagesbot", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{data_dir / 'lagesbot.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, sqlite://) and pick the
    async driver the store runs on."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def _csv(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _positive_int(value: str | None, default: int, name: str) -> int:
    if value is None or not value.strip():
        return default
    number = int(value)
    if number < 1:
        raise ValueError(f"LAGESBOT_{name}: expected 1 or more, got {value!r}")
    return number


def _hours_setting(value: str | None, default: float) -> float:
    if value is None or not value.strip():
        return default
    hours = float(value)
    if hours < 0:
        raise ValueError(f"LAGESBOT_PEOPLE_SYNC_HOURS: expected 0 or more, got {value!r}")
    return hours


def _minutes_setting(value: str | None, default: float) -> float:
    if value is None or not value.strip():
        return default
    minutes = float(value)
    if minutes <= 0:
        raise ValueError(f"LAGESBOT_REPORT_LINK_MINUTES: expected more than 0, got {value!r}")
    return minutes


@dataclass(frozen=True)
class Settings:
    database_url: str
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    allowed_tenants: tuple[str, ...] = ()
    admin_object_ids: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 3978
    # Only for local runs: no app id, no JWT check. The server logs a warning on every start.
    anonymous: bool = False
    openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    token_issuer: str = "https://api.botframework.com"
    default_language: str = "sv"
    default_time_zone: str = "Europe/Stockholm"
    # Entra ID authority for the bot's own tokens; empty = Microsoft's, from the tenant id.
    authority: str = ""
    # Extra CA bundle for outbound TLS (a corporate proxy, or the tests' local servers).
    tls_ca_bundle: str = ""
    # Outbox sender and round scheduler (see services/platform/worker_settings.py); off unless
    # enabled.
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    # Microsoft Graph (people sync, proactive install, intranet); see README.
    graph_url: str = "https://graph.microsoft.com/v1.0"
    graph_client_id: str = ""
    graph_client_secret: str = field(default="", repr=False)
    graph_certificate_path: str = ""
    teams_app_catalog_id: str = ""
    sync_group_ids: tuple[str, ...] = ()
    sync_departments: tuple[str, ...] = ()
    sharepoint_site_id: str = ""
    sharepoint_library_path: str = "Lägesbot"
    sharepoint_hosts: tuple[str, ...] = ()
    # The scheduler's people sync: every this many hours (0 = only `lagesbot sync people`).
    people_sync_hours: float = 24.0
    # The OData feed for BI (/api/odata/, see README "The data feed"): Entra ID access tokens
    # for this app id (empty = the bot's), with one of these app roles or groups, from these
    # tenants (empty = LAGESBOT_ALLOWED_TENANTS, else the bot's own tenant).
    feed_app_id: str = ""
    # Audiences accepted (empty = api://<app id> and <app id>); Power BI's "organizational
    # account" asks for a token for the feed's own address, which is added here.
    feed_audiences: tuple[str, ...] = ()
    feed_roles: tuple[str, ...] = ("Lagesbot.Read.All",)
    feed_groups: tuple[str, ...] = ()
    feed_tenants: tuple[str, ...] = ()
    # Where tenants' signing keys and token issuers live (tests point it at a local issuer).
    feed_login_url: str = "https://login.microsoftonline.com"
    # Rows per page; a client may ask for fewer (Prefer: odata.maxpagesize).
    feed_page_size: int = 5000
    # Files sent to the bot for import (plan, org, people): larger ones are refused.
    max_import_bytes: int = 5 * 1024 * 1024
    # The bot's public https address (as in the app package) and the key that signs the
    # steering groups' report download links; without both, no link is offered.
    public_url: str = ""
    report_link_secret: str = field(default="", repr=False)
    report_link_minutes: float = 60.0

    @property
    def graph_app_id(self) -> str:
        return self.graph_client_id or self.app_id

    @property
    def graph_configured(self) -> bool:
        has_credential = bool(
            self.graph_certificate_path or self.graph_client_secret or self.app_password
        )
        return bool(self.graph_app_id and has_credential and (self.authority or self.app_tenant_id))

    @property
    def effective_authority(self) -> str:
        if self.authority:
            return self.authority
        return f"https://login.microsoftonline.com/{self.app_tenant_id or 'botframework.com'}"

    @property
    def effective_feed_app_id(self) -> str:
        return self.feed_app_id or self.app_id

    @property
    def effective_feed_audiences(self) -> tuple[str, ...]:
        if self.feed_audiences:
            return self.feed_audiences
        app_id = self.effective_feed_app_id
        return (f"api://{app_id}", app_id) if app_id else ()

    @property
    def effective_feed_tenants(self) -> tuple[str, ...]:
        if self.feed_tenants:
            return self.feed_tenants
        if self.allowed_tenants:
            return self.allowed_tenants
        return (self.app_tenant_id,) if self.app_tenant_id else ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("DATABASE_URL") or default_database_url()
        defaults = cls(database_url="")
        return cls(
            database_url=normalise_database_url(url),
            app_id=env.get("MICROSOFT_APP_ID", ""),
            app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
            app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
            allowed_tenants=_csv(env.get("LAGESBOT_ALLOWED_TENANTS")),
            admin_object_ids=_csv(env.get("LAGESBOT_ADMINS")),
            host=env.get("LAGESBOT_HOST", defaults.host),
            port=int(env.get("PORT", env.get("LAGESBOT_PORT", str(defaults.port)))),
            anonymous=env.get("LAGESBOT_ANONYMOUS", "") in {"1", "true", "yes"},
            openid_metadata_url=env.get(
                "LAGESBOT_OPENID_METADATA_URL", defaults.openid_metadata_url
            ),
            token_issuer=env.get("LAGESBOT_TOKEN_ISSUER", defaults.token_issuer),
            default_language=env.get("LAGESBOT_DEFAULT_LANGUAGE", defaults.default_language),
            default_time_zone=env.get("LAGESBOT_DEFAULT_TIME_ZONE", defaults.default_time_zone),
            authority=env.get("LAGESBOT_AUTHORITY", ""),
            tls_ca_bundle=env.get("LAGESBOT_CA_BUNDLE", ""),
            workers=WorkerSettings.from_env(env),
            graph_url=env.get("LAGESBOT_GRAPH_URL", defaults.graph_url).rstrip("/"),
            graph_client_id=env.get("LAGESBOT_GRAPH_CLIENT_ID", ""),
            graph_client_secret=env.get("LAGESBOT_GRAPH_CLIENT_SECRET", ""),
            graph_certificate_path=env.get("LAGESBOT_GRAPH_CERTIFICATE_PATH", ""),
            teams_app_catalog_id=env.get("LAGESBOT_TEAMS_APP_CATALOG_ID", ""),
            sync_group_ids=_csv(
                env.get("LAGESBOT_SYNC_GROUP_IDS") or env.get("LAGESBOT_SYNC_GROUP_ID")
            ),
            sync_departments=_csv(env.get("LAGESBOT_SYNC_DEPARTMENTS")),
            sharepoint_site_id=env.get("LAGESBOT_SHAREPOINT_SITE_ID", ""),
            sharepoint_library_path=env.get(
                "LAGESBOT_SHAREPOINT_LIBRARY_PATH", defaults.sharepoint_library_path
            ).strip("/"),
            sharepoint_hosts=_csv(env.get("LAGESBOT_SHAREPOINT_HOSTS")),
            people_sync_hours=_hours_setting(
                env.get("LAGESBOT_PEOPLE_SYNC_HOURS"), defaults.people_sync_hours
            ),
            feed_app_id=env.get("LAGESBOT_FEED_APP_ID", ""),
            feed_audiences=_csv(env.get("LAGESBOT_FEED_AUDIENCES")),
            feed_roles=_csv(env.get("LAGESBOT_FEED_ROLES")) or defaults.feed_roles,
            feed_groups=_csv(env.get("LAGESBOT_FEED_GROUPS")),
            feed_tenants=_csv(env.get("LAGESBOT_FEED_TENANTS")),
            feed_login_url=env.get("LAGESBOT_FEED_LOGIN_URL", defaults.feed_login_url).rstrip("/"),
            feed_page_size=_positive_int(
                env.get("LAGESBOT_FEED_PAGE_SIZE"), defaults.feed_page_size, "FEED_PAGE_SIZE"
            ),
            max_import_bytes=int(
                float(env.get("LAGESBOT_MAX_IMPORT_MB") or defaults.max_import_bytes / 2**20)
                * 2**20
            ),
            public_url=env.get("LAGESBOT_PUBLIC_URL", "").strip().rstrip("/"),
            report_link_secret=env.get("LAGESBOT_REPORT_LINK_SECRET", ""),
            report_link_minutes=_minutes_setting(env.get("LAGESBOT_REPORT_LINK_MINUTES"), 60.0),
        )
