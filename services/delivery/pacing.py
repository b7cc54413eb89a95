"""Pacing of Bot Connector calls: per tenant (Teams allows about 50 proactive messages per
second per app per tenant) and per conversation (Teams limits each thread separately).

Each limiter spaces calls evenly (no burst): one call every ``1 / rate`` seconds on a fixed
grid, so no one-second window ever holds more than ``rate`` calls. A small safety margin keeps
the rate at the far end under the limit even when network latency varies between calls. A
429 pauses the tenant's limiter for the Retry-After.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

HARD_CAP_PER_SECOND = 50.0
# Requests leave slightly slower than the nominal rate: latency jitter between two calls can
# otherwise bring their arrivals closer together than the interval they were sent at.
SAFETY_MARGIN = 0.02
# How late a call may go out and still keep its slot on the grid, as a share of the interval
# (10 ms at 50/s). Catching up brings two calls closer than the interval; the sliding window
# below still keeps any N + 1 calls at least 1 s + SAFETY_MARGIN apart, so arrivals may jitter
# by 20 ms without a one-second window holding too many. On a busy 2-core server wake-ups
# come several milliseconds late, and a 2 ms catch-up lost about 3 % of the rate.
CATCH_UP_SHARE = 0.5

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def clamp_rate(rate: float) -> float:
    """A configured rate within (0, 50] calls per second."""
    if rate <= 0:
        raise ValueError("a send rate must be positive")
    return min(rate, HARD_CAP_PER_SECOND)


@dataclass
class Ticket:
    """One call let through by a limiter; ``done()`` once its answer (or error) is back."""

    released_at: float
    monotonic: Monotonic = time.monotonic
    answered_at: float | None = None

    def done(self) -> None:
        if self.answered_at is None:
            self.answered_at = self.monotonic()


@dataclass
class PacedLimiter:
    rate: float
    monotonic: Monotonic = time.monotonic
    sleep: Sleep = asyncio.sleep
    _last: float = float("-inf")
    _paused_until: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The last calls, as many as one window may hold: when each was let through and, once
    # its answer came back, when that was.
    _released: deque[Ticket] = field(default_factory=deque)

    @property
    def interval(self) -> float:
        return (1.0 + SAFETY_MARGIN) / clamp_rate(self.rate)

    @property
    def catch_up(self) -> float:
        return self.interval * CATCH_UP_SHARE

    @property
    def per_window(self) -> int:
        return max(1, math.floor(clamp_rate(self.rate)))

    async def acquire(self) -> Ticket:
        """Wait for the next slot. Waiters are served one at a time, in order, on a grid of
        one slot per ``interval``. A caller let through a little late (the event loop was
        busy when its sleep ended) does not push every later slot back by that lateness:
        before, each such delay was lost for good. A caller more than ``catch_up`` late,
        because the pipeline ran dry or the loop was held up, starts a new grid, so overdue
        callers never go out in a burst. Whatever the grid allows, no call goes out while
        the last ``per_window`` calls are within one window (1 s plus the safety margin).

        A call held up between its release and the wire (a stalled event loop) reaches the
        service later than released, bunched with later calls. So once a call's answer is
        back (``Ticket.done``), the call ``per_window`` after it waits a full second from
        that answer too: the call arrived before its answer, so no window can hold too many
        whatever the delay. Answers normally come back within milliseconds, well inside the
        safety margin, so this costs nothing until a call really was held up."""
        async with self._lock:
            interval = self.interval
            window = 1.0 + SAFETY_MARGIN
            # Trimmed here rather than after each append: the rate (and so the window's
            # size) changes when another sender starts or stops.
            while len(self._released) > self.per_window:
                self._released.popleft()
            while True:
                slot = max(self._last + interval, self._paused_until)
                if len(self._released) == self.per_window:
                    oldest = self._released[0]
                    slot = max(slot, oldest.released_at + window)
                    if oldest.answered_at is not None:
                        slot = max(slot, oldest.answered_at + 1.0)
                wait = slot - self.monotonic()
                if wait <= 0:
                    break
                await self.sleep(wait)
            now = self.monotonic()
            late = now - slot
            self._last = slot if late <= self.catch_up else now
            ticket = Ticket(now, self.monotonic)
            self._released.append(ticket)
            return ticket

    def pause(self, seconds: float) -> None:
        """Nothing goes out before ``seconds`` from now (the service said 429)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)


@dataclass
class SendPacer:
    """All limiters of one sender process. ``share`` divides the tenant rate between the
    sender processes that are alive (from their heartbeats), so two instances together keep
    to the configured rate."""

    tenant_rate: float
    conversation_interval: float = 1.0
    tenant_rates: dict[str, float] = field(default_factory=dict)
    monotonic: Monotonic = time.monotonic
    sleep: Sleep = asyncio.sleep
    share: int = 1
    _tenants: dict[str, PacedLimiter] = field(default_factory=dict)
    _conversations: dict[str, float] = field(default_factory=dict)

    def rate_for(self, tenant: str) -> float:
        configured = clamp_rate(self.tenant_rates.get(tenant, self.tenant_rate))
        return configured / max(1, self.share)

    def tenant(self, tenant: str) -> PacedLimiter:
        limiter = self._tenants.get(tenant)
        if limiter is None:
            limiter = PacedLimiter(self.rate_for(tenant), self.monotonic, self.sleep)
            self._tenants[tenant] = limiter
        limiter.rate = self.rate_for(tenant)
        return limiter

    def set_share(self, share: int) -> None:
        self.share = max(1, share)

    async def acquire(self, tenant: str, conversation_id: str | None) -> Ticket:
        """Wait until a call for ``tenant`` into ``conversation_id`` may go out; call the
        ticket's ``done()`` when its answer is back."""
        if conversation_id is not None and self.conversation_interval > 0:
            now = self.monotonic()
            slot = max(now, self._conversations.get(conversation_id, 0.0))
            self._conversations[conversation_id] = slot + self.conversation_interval
            if slot > now:
                await self.sleep(slot - now)
            self._forget_old_conversations(now)
        return await self.tenant(tenant).acquire()

    def pause(self, tenant: str, seconds: float) -> None:
        self.tenant(tenant).pause(seconds)

    def _forget_old_conversations(self, now: float) -> None:
        if len(self._conversations) > 10_000:
            self._conversations = {c: t for c, t in self._conversations.items() if t > now}
