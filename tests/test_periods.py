"""The reporting periods are declared once (cjwork/periods.py) and checked the same way."""

from __future__ import annotations

import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.periods import (
    DEFAULT_PERIOD,
    ENGINE_PERIODS,
    PERIOD_CHOICES,
    PERIOD_FREQ,
    PERIOD_LENGTH,
    PERIODS,
    check_period,
)


def test_one_declaration() -> None:
    assert PERIODS == ("week", "month", "quarter")
    assert PERIOD_CHOICES == ("month", "week", "quarter") and PERIOD_CHOICES[0] == DEFAULT_PERIOD
    assert ENGINE_PERIODS == ("day", "week", "month", "quarter", "year")
    assert set(PERIOD_FREQ) == set(PERIOD_LENGTH) == set(PERIODS)
    start = pd.Timestamp("2026-01-31")
    assert [start + PERIOD_LENGTH[p] for p in PERIODS] == [
        pd.Timestamp("2026-02-07"),
        pd.Timestamp("2026-02-28"),
        pd.Timestamp("2026-04-30"),
    ]


def test_check_period_names_the_periods() -> None:
    assert check_period("quarter") == "quarter"
    assert check_period("day", ENGINE_PERIODS) == "day"
    with pytest.raises(UsageError, match="period must be one of week, month, quarter, got 'day'"):
        check_period("day")
    with pytest.raises(UsageError, match="one of month, week, quarter, got 'fortnight'"):
        check_period("fortnight", PERIOD_CHOICES)


def test_every_module_uses_the_one_check() -> None:
    """analyze, trends, feedback themes over time and the engine refuse the same way."""
    from cjwork.journeys.engine import period_expr
    from cjwork.text.aggregate import add_period

    with pytest.raises(UsageError, match="period must be one of week, month, quarter"):
        add_period(pd.DataFrame({"timestamp": []}), "year")
    assert "date_trunc('year'" in period_expr("year", "ts")
    with pytest.raises(UsageError, match="period must be one of day, week, month, quarter, year"):
        period_expr("decade", "ts")
