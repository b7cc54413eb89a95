"""``Retry-After`` (RFC 9110 §10.2.3) as seconds to wait, for every outbound HTTP client: the
Bot Connector (``services.delivery.connector``) and Microsoft Graph (``services.graph.client``).

The header is either delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").
A date in the past means "now" (0 seconds). Anything else (a negative number, "soon", "inf",
an impossible date) is no hint at all (None): the caller falls back to its own backoff rather
than trusting a value the server did not mean.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# delay-seconds is 1*DIGIT; a fraction ("1.5") is tolerated, as some services send one.
_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header, counted from ``now`` (aware) for a date."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC without a claim about the local zone
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())
