"""The real endpoint harness of tests/bot, started with one configured admin."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import tests.bot.conftest as bot_harness
from services.platform.config import Settings
from tests.bot.conftest import bot
from tests.factories import object_id

ADMIN_NAME = "Ada Admin"
ADMIN_OBJECT_ID = object_id("ada.admin")

__all__ = ["ADMIN_NAME", "ADMIN_OBJECT_ID", "admins_configured", "bot", "with_admin"]


@contextmanager
def admins_configured() -> Iterator[None]:
    """The harness builds its Settings itself; this adds LAGESBOT_ADMINS to them."""
    with pytest.MonkeyPatch.context() as patch:
        with_admins = functools.partial(Settings, admin_object_ids=(ADMIN_OBJECT_ID,))
        patch.setattr(bot_harness, "Settings", with_admins)
        yield


@pytest.fixture(autouse=True)
def with_admin() -> Iterator[None]:
    with admins_configured():
        yield
