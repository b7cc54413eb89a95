"""Structured logs: one JSON object per line, with the correlation ids of the activity being
handled, and secrets removed before anything is written.

Each line carries ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, when
the event happened while handling a request, ``request_id`` plus the activity's
``activity_id`` and ``conversation_id``, so every line of one Teams action can be found
together. The ids live in a context variable (services/platform/log_context.py, so the
workers in services/ can add theirs, e.g. ``outbox_job_id`` and ``round_id``, without
importing bot/) set at the HTTP edge (``correlation_middleware`` and ``bind``); tasks
started while handling the request inherit them.

Redaction runs on the handler, so records from every library (msal, aiohttp, the Agents SDK)
pass through it: bearer tokens, JWTs, ``Authorization`` headers, ``client_secret=`` and
``password=`` pairs, and any value registered with ``register_secret`` (the app password) are
replaced by ``[REDACTED]`` in the message, its arguments and the traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, Final

from aiohttp import web

from services.platform.log_context import bind, correlation, current_correlation, replace_ids, reset

__all__ = [
    "bind",
    "configure_logging",
    "correlation",
    "correlation_middleware",
    "current_correlation",
    "first_only",
    "json_handler",
    "redact",
    "register_secret",
]

REDACTED: Final = "[REDACTED]"
REQUEST_ID_HEADER: Final = "X-Request-Id"
CORRELATION_FIELDS: Final = (
    "request_id",
    "activity_id",
    "conversation_id",
    "outbox_job_id",
    "round_id",
)

# Shortest secret worth matching literally: shorter values would blank out ordinary words.
_MIN_SECRET_LENGTH: Final = 6
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_pattern: re.Pattern[str] | None = None

_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # Authorization / Proxy-Authorization headers as printed by HTTP libraries, any scheme.
    (
        re.compile(
            r"(?i)((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)"
            r"(?:(?:bearer|basic|negotiate)\s+)?[^\s'\",}]+"
        ),
        r"\1" + REDACTED,
    ),
    # Long enough to be a credential, so "missing bearer token" stays readable.
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*"), r"\1" + REDACTED),
    # A JWT anywhere: three base64url parts, the first one a JSON header ("eyJ").
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),
    # key=value / "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"(?i)(['\"]?\b(?:client_secret|client_assertion|password|app_password|secret|"
            r"access_token|refresh_token|id_token|assertion|microsoft_app_password)['\"]?"
            r"\s*[:=]\s*['\"]?)[^\s'\"&,}]+"
        ),
        r"\1" + REDACTED,
    ),
)


def register_secret(value: str | None) -> None:
    """Never write this value (e.g. MICROSOFT_APP_PASSWORD) to a log line."""
    global _secret_pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(secret) for secret in ordered))


def redact(text: str) -> str:
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so its message, arguments and traceback hold no secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class FirstOnlyFilter(logging.Filter):
    """Lets the first record whose message starts with ``prefix`` through and drops the
    repeats; every other record passes."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self._seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.prefix):
            return True
        if self._seen:
            return False
        self._seen = True
        return True


@contextmanager
def first_only(logger_name: str, prefix: str) -> Iterator[None]:
    """While inside, ``logger_name`` writes a message starting with ``prefix`` once."""
    logger = logging.getLogger(logger_name)
    once = FirstOnlyFilter(prefix)
    logger.addFilter(once)
    try:
        yield
    finally:
        logger.removeFilter(once)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; newlines inside messages and tracebacks stay escaped."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event.update(current_correlation())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            event["exception"] = record.exc_text
        if record.stack_info:
            event["stack"] = record.stack_info
        return json.dumps(event, ensure_ascii=False, default=str)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def correlation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Gives each HTTP request an id (the caller's X-Request-Id when it is sane) that every
    log line of the request carries and the response echoes."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = offered if re.fullmatch(r"[A-Za-z0-9._:-]{8,100}", offered) else None
    token = replace_ids({"request_id": request_id or uuid.uuid4().hex})
    try:
        response = await handler(request)
        response.headers[REQUEST_ID_HEADER] = current_correlation()["request_id"]
        return response
    finally:
        reset(token)


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    return handler


def configure_logging(
    level: int | str = logging.INFO,
    *,
    stream: IO[str] | None = None,
    secrets: tuple[str, ...] = (),
) -> logging.Handler:
    """Replace the root logger's handlers with one JSON handler; returns it."""
    for secret in secrets:
        register_secret(secret)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    handler = json_handler(stream)
    root.addHandler(handler)
    root.setLevel(level)
    # The access log would repeat every request at INFO; errors are logged by the handlers.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return handler
