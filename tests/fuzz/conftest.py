"""Fuzz tests drive the real endpoint (tests/bot harness) with hypothesis.

Profiles: ``fuzz`` (default, sized for the 2-core CI) and ``fuzz-deep`` for a long local run:
``LAGESBOT_FUZZ_PROFILE=fuzz-deep pytest tests/fuzz``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.bot.conftest import bot

__all__ = ["FUZZ", "bot"]

settings.register_profile(
    "fuzz",
    max_examples=40,
    deadline=None,
    # One harness (server + database) serves all examples of a test; that is the point.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    # No .hypothesis/ folder in the tree; a failure prints the blob to reproduce it.
    database=None,
    print_blob=True,
)
settings.register_profile("fuzz-deep", settings.get_profile("fuzz"), max_examples=500)

FUZZ = settings(settings.get_profile(os.environ.get("LAGESBOT_FUZZ_PROFILE", "fuzz")))
