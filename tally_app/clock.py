"""The injected clock: every timestamp the core writes comes from one of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


@dataclass
class FixedClock:
    """A clock for tests and reproducible documents: starts at ``at`` and ticks by ``step``."""

    at: datetime
    step: timedelta = timedelta(0)

    def now(self) -> datetime:
        current = self.at
        self.at = self.at + self.step
        return current


def iso_seconds(moment: datetime) -> str:
    """ISO 8601 with a zone and no fractions (the form NIST CDF files want)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    return moment.replace(microsecond=0).isoformat()


ClockFactory = Callable[[], Clock]
