"""Correlation ids for log lines, in a context variable any layer may set.

The HTTP edge binds the request and activity ids (bot/logging_setup.py, which also writes
the ids into every JSON log line); the workers in services/ bind the outbox job and round
they are working on. Kept here, beside the domain code and free of aiohttp and the SDK, so
services/ never imports bot/. Tasks started inside a block inherit its ids.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

Ids = dict[str, str]
Token = contextvars.Token[Ids | None]

_correlation: contextvars.ContextVar[Ids | None] = contextvars.ContextVar(
    "lagesbot_correlation", default=None
)


def current_correlation() -> Ids:
    return dict(_correlation.get() or {})


def bind(**ids: str | int | None) -> None:
    """Add ids (activity_id, outbox_job_id, round_id, ...) to every later log line of the
    current request or task."""
    merged = current_correlation()
    merged.update({key: str(value) for key, value in ids.items() if value is not None})
    merged = {key: value for key, value in merged.items() if value}
    _correlation.set(merged)


def replace_ids(ids: Ids) -> Token:
    """Start a fresh set of ids (a new HTTP request); undo with ``reset``."""
    return _correlation.set(dict(ids))


def reset(token: Token) -> None:
    _correlation.reset(token)


@contextmanager
def correlation(**ids: str | int | None) -> Iterator[None]:
    """Log lines inside the block carry these ids as well as those already bound; on leaving
    the block the ids are as before."""
    token = _correlation.set(current_correlation())
    try:
        bind(**ids)
        yield
    finally:
        _correlation.reset(token)
