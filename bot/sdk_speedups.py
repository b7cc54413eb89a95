"""Per-turn work of the Agents SDK 1.9 that need not be per turn.

The SDK builds a connector client and a user-token client for every activity, and each
asks ``importlib.metadata`` for the SDK's version to put in its User-Agent header: a scan
of the installed packages' metadata, about 4 % of a card submit's CPU under load (py-spy,
bench/submit_bench.py). The answer cannot change while the process runs, so it is
computed once. Applied when the bot app is created; harmless to apply twice.
"""

from __future__ import annotations

import functools

from microsoft_agents.hosting.core.connector.client import connector_client, user_token_client


def apply() -> None:
    for module in (connector_client, user_token_client):
        product_info = module.get_product_info
        if not isinstance(product_info, functools._lru_cache_wrapper):
            module.get_product_info = functools.cache(product_info)  # type: ignore[attr-defined]
