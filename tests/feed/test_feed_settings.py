"""The feed's settings from the environment: who may read it, and how big a page is."""

from __future__ import annotations

import pytest

from services.platform.config import Settings

APP = "00000000-0000-4000-8000-00000000a99a"


def test_defaults_follow_the_bots_registration() -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "sqlite://", "MICROSOFT_APP_ID": APP, "MICROSOFT_APP_TENANT_ID": "t1"}
    )
    assert settings.effective_feed_audiences == (f"api://{APP}", APP)
    assert settings.effective_feed_tenants == ("t1",)
    assert settings.feed_roles == ("Lagesbot.Read.All",)
    assert settings.feed_page_size == 5000
    assert settings.feed_login_url == "https://login.microsoftonline.com"


def test_a_separate_feed_registration_and_its_own_lists() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "sqlite://",
            "MICROSOFT_APP_ID": APP,
            "LAGESBOT_ALLOWED_TENANTS": "t1,t2",
            "LAGESBOT_FEED_APP_ID": "feed-app",
            "LAGESBOT_FEED_ROLES": "Lagesbot.Read.All, BI.Reader",
            "LAGESBOT_FEED_GROUPS": "g1",
            "LAGESBOT_FEED_PAGE_SIZE": "1000",
            "LAGESBOT_FEED_LOGIN_URL": "https://login.example/",
        }
    )
    assert settings.effective_feed_audiences == ("api://feed-app", "feed-app")
    assert settings.effective_feed_tenants == ("t1", "t2")
    assert settings.feed_roles == ("Lagesbot.Read.All", "BI.Reader")
    assert settings.feed_groups == ("g1",)
    assert settings.feed_page_size == 1000
    assert settings.feed_login_url == "https://login.example"
    only = Settings.from_env(
        {"DATABASE_URL": "sqlite://", "LAGESBOT_FEED_AUDIENCES": "https://lagesbot.example"}
    )
    assert only.effective_feed_audiences == ("https://lagesbot.example",)


@pytest.mark.parametrize("size", ["0", "-5"])
def test_a_page_size_below_one_is_refused(size: str) -> None:
    with pytest.raises(ValueError, match="LAGESBOT_FEED_PAGE_SIZE"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "LAGESBOT_FEED_PAGE_SIZE": size})
