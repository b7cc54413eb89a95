"""Settings of the background workers (outbox sender and round scheduler), read from the
environment by ``Settings.from_env`` and documented in the README ("Rounds: fan-out,
reminders, escalation")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.delivery.pacing import HARD_CAP_PER_SECOND
from services.followup.working_days import parse_days

DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    return float(value) if value else default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


def _tenant_rates(value: str) -> tuple[tuple[str, float], ...]:
    """``tenant-id=rate,other-tenant=rate``."""
    rates: list[tuple[str, float]] = []
    for part in value.split(","):
        if not part.strip():
            continue
        tenant, _, rate = part.partition("=")
        if not tenant.strip() or not rate.strip():
            raise ValueError(f"LAGESBOT_TENANT_SEND_RATES: expected tenant=rate, got {part!r}")
        rates.append((tenant.strip(), float(rate)))
    return tuple(rates)


def _hours(value: str) -> tuple[int, int]:
    start, _, end = value.partition("-")
    hours = (int(start), int(end))
    if not 0 <= hours[0] < hours[1] <= 24:
        raise ValueError(f"LAGESBOT_WORKING_HOURS: expected e.g. 8-17, got {value!r}")
    return hours


@dataclass(frozen=True)
class WorkerSettings:
    # Off unless asked for, so an app built in a test sends nothing; `lagesbot serve` and the
    # demo read the environment, where the default is on.
    enabled: bool = False
    # Where new 1:1 conversations are created when a person has never talked to the bot.
    service_url: str = DEFAULT_SERVICE_URL
    send_rate_per_second: float = 30.0
    tenant_send_rates: tuple[tuple[str, float], ...] = ()
    max_attempts: int = 8
    timeout_seconds: float = 15.0
    lease_seconds: float = 120.0
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    # Teams also limits messages per conversation; one per second per chat stays under it.
    conversation_interval_seconds: float = 1.0
    sender_poll_seconds: float = 1.0
    heartbeat_seconds: float = 5.0
    scheduler_interval_seconds: float = 30.0
    # Reminders and escalations go out on weekdays within these local hours, except on
    # Swedish public holidays and these extra days off (klämdagar; LAGESBOT_EXTRA_DAYS_OFF).
    working_hours: tuple[int, int] = (8, 17)
    extra_days_off: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        if self.send_rate_per_second <= 0 or any(r <= 0 for _, r in self.tenant_send_rates):
            raise ValueError("send rates must be positive")
        if self.max_attempts < 1:
            raise ValueError("LAGESBOT_SEND_MAX_ATTEMPTS must be at least 1")

    @property
    def effective_rate(self) -> float:
        return min(self.send_rate_per_second, HARD_CAP_PER_SECOND)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WorkerSettings:
        d = cls()
        return cls(
            enabled=env.get("LAGESBOT_WORKERS", "1").strip().lower() not in {"0", "false", "no"},
            service_url=env.get("LAGESBOT_SERVICE_URL", "").strip() or d.service_url,
            send_rate_per_second=_float(env, "LAGESBOT_SEND_RATE", d.send_rate_per_second),
            tenant_send_rates=_tenant_rates(env.get("LAGESBOT_TENANT_SEND_RATES", "")),
            max_attempts=_int(env, "LAGESBOT_SEND_MAX_ATTEMPTS", d.max_attempts),
            timeout_seconds=_float(env, "LAGESBOT_SEND_TIMEOUT", d.timeout_seconds),
            lease_seconds=_float(env, "LAGESBOT_SEND_LEASE", d.lease_seconds),
            backoff_base_seconds=_float(env, "LAGESBOT_SEND_BACKOFF_BASE", d.backoff_base_seconds),
            backoff_max_seconds=_float(env, "LAGESBOT_SEND_BACKOFF_MAX", d.backoff_max_seconds),
            conversation_interval_seconds=_float(
                env, "LAGESBOT_CONVERSATION_INTERVAL", d.conversation_interval_seconds
            ),
            sender_poll_seconds=_float(env, "LAGESBOT_SENDER_POLL", d.sender_poll_seconds),
            heartbeat_seconds=_float(env, "LAGESBOT_HEARTBEAT", d.heartbeat_seconds),
            scheduler_interval_seconds=_float(
                env, "LAGESBOT_SCHEDULER_INTERVAL", d.scheduler_interval_seconds
            ),
            working_hours=_hours(env.get("LAGESBOT_WORKING_HOURS", "").strip() or "8-17"),
            extra_days_off=parse_days(env.get("LAGESBOT_EXTRA_DAYS_OFF", "")),
        )
