"""The usage screen's figures: one period's totals, every day of it (days without calls at 0) and each
model, read in a thread (see the package docstring)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from claude_textual.core.model import Totals
from claude_textual.core.prices import table_name

if TYPE_CHECKING:
    from claude_textual.store.history import History

PERIODS = {"7d": ("7 days", 7), "30d": ("30 days", 30), "all": ("All time", None)}


@dataclass(frozen=True)
class Report:
    period: str
    since: date | None
    total: Totals
    by_day: list[Totals]
    """Every UTC day of the period, oldest first (all time: from the first call), none left out."""
    by_model: list[Totals]
    """Costliest first."""
    prices: str


def _every_day(groups: list[Totals], first: date | None, today: date) -> list[Totals]:
    found = {t.key: t for t in groups}
    start = first or (date.fromisoformat(groups[0].key) if groups else today)
    days = (today - start).days + 1
    keys = [(start + timedelta(days=n)).isoformat() for n in range(max(days, 1))]
    return [found.get(key, Totals(key)) for key in keys]


async def report(store: History, period: str, today: date | None = None) -> Report:
    """The figures of ``period`` (a key of ``PERIODS``) up to ``today`` (UTC)."""
    today = today or datetime.now(UTC).date()
    length = PERIODS[period][1]
    since = today - timedelta(days=length - 1) if length else None

    def read() -> Report:
        (total,) = store.totals(since=since)
        by_day = _every_day(store.totals(since=since, by="day"), since, today)
        return Report(period, since, total, by_day, store.totals(since=since, by="model"), table_name())

    return await asyncio.to_thread(read)
