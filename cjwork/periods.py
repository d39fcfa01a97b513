"""The reporting periods, declared once: which there are, their order, length and check.

Trends, KPI periods, changes, the feedback themes over time, the explorer and the
``--period`` option of ``cjwork analyze`` and ``cjwork report`` all offer the same three
periods; the journey engine buckets by these and by day and year. Readable period names
(``August 2026``, ``3. Quartal 2026``) are :func:`cjwork.i18n.format_period`.

>>> check_period("month")
'month'
>>> PERIOD_CHOICES
('month', 'week', 'quarter')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cjwork.errors import UsageError

__all__ = [
    "DEFAULT_PERIOD",
    "ENGINE_PERIODS",
    "PERIODS",
    "PERIOD_CHOICES",
    "PERIOD_FREQ",
    "PERIOD_LENGTH",
    "check_period",
]

#: the reporting periods, shortest first
PERIODS = ("week", "month", "quarter")
#: the period of every command, report and widget unless told otherwise
DEFAULT_PERIOD = "month"
#: the periods as offered to people (``--period [month|week|quarter]``, the explorer's
#: drop-down): the default first
PERIOD_CHOICES = (DEFAULT_PERIOD, *(p for p in PERIODS if p != DEFAULT_PERIOD))
#: the periods the journey engine can bucket events by (:meth:`Prepared.period_counts`)
ENGINE_PERIODS = ("day", *PERIODS, "year")
#: pandas frequency of each period (``Series.dt.to_period``); weeks end on Sunday
PERIOD_FREQ = {"week": "W-SUN", "month": "M", "quarter": "Q"}
#: the length of each period, added to its first day to get the first day of the next
PERIOD_LENGTH = {
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
}


def check_period(period: Any, allowed: tuple[str, ...] = PERIODS) -> str:
    """``period`` when it is one of ``allowed``; else :class:`UsageError` naming them.

    >>> check_period("fortnight")
    Traceback (most recent call last):
    ...
    cjwork.errors.UsageError: period must be one of week, month, quarter, got 'fortnight'
    """
    if period not in allowed:
        raise UsageError(f"period must be one of {', '.join(allowed)}, got {period!r}")
    return period
