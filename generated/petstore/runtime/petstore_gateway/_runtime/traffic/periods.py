"""Usage-plan quota periods (reference §7.3): where the period holding a moment starts and ends.

Flows in: a period (`DAY`, `WEEK`, `MONTH`) and a time (epoch seconds). Flows out: the period's
start and end, epoch seconds on UTC boundaries: a day from midnight UTC, a week from Sunday
midnight UTC (the older API reference numbered `offset` for WEEK from `0` = Sunday), a month
from the first at midnight UTC. API Gateway documents UTC periods only loosely (reference §7.3
marks the boundaries as inferred); these are the calendar boundaries its GetUsage reports by
date.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

PERIODS = ("DAY", "WEEK", "MONTH")
_DAY = 86_400


def bounds(period: str, now: float) -> tuple[int, int]:
    """(start, end) of the `period` holding `now`; `end` is the next period's start."""
    day = int(now // _DAY) * _DAY
    if period == "DAY":
        return day, day + _DAY
    if period == "WEEK":
        # 1970-01-01 was a Thursday: days since the Sunday before it, modulo 7.
        start = day - ((day // _DAY + 4) % 7) * _DAY
        return start, start + 7 * _DAY
    if period == "MONTH":
        moment = datetime.fromtimestamp(day, UTC)
        first = moment.replace(day=1)
        length = calendar.monthrange(first.year, first.month)[1]
        start = int(first.timestamp())
        return start, int((first + timedelta(days=length)).timestamp())
    raise ValueError(f"quota period {period!r}: expected one of {', '.join(PERIODS)}")


def iso_date(epoch: int) -> str:
    """A period boundary as GetUsage writes `startDate` / `endDate` (`2016-12-01`)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
