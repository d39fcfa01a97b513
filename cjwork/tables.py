"""The tables of the journey analytics: their contract columns, declared once.

:data:`CONTRACT` gives the columns ``DESIGN.md`` §2 promises for each table of
``cjwork analyze``; :func:`contract_first` puts them first. :class:`EventTables` is what an
engine (:mod:`cjwork.engine`) returns for the event-level part of the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cjwork.prioritize import CONTRACT_COLUMNS as TOUCHPOINT_COLUMNS

__all__ = [
    "CONTRACT",
    "EXTRA_TABLES",
    "LOOP_TABLES",
    "TABLES",
    "EventTables",
    "contract_first",
    "keep_journeys",
]

CONTRACT = {
    "variants": ["journey", "variant", "cases", "share", "completion_rate"],
    "transitions": ["journey", "source", "target", "count", "median_s", "p90_s"],
    "funnel": ["journey", "stage", "reached", "share_of_start", "dropoff"],
    "touchpoints": ["journey", *TOUCHPOINT_COLUMNS],
    "kpis": ["journey", "touchpoint", "metric", "target", "share_within_target", "median"],
    "trends": [
        "journey",
        "period",
        "touchpoint",
        "volume",
        "sentiment",
        "nps",
        "completion",
        "significant_change",
    ],
}
TABLES = tuple(CONTRACT)
EXTRA_TABLES = ("timing", "loops", "funnel_groups", "kpi_periods", "conformance")
#: Written when their inputs exist (see :mod:`cjwork.loop.tables`).
LOOP_TABLES = ("themes", "changes", "whatif", "actions")


def contract_first(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``df`` with the contract columns ``cols`` first (missing ones added empty), index reset."""
    df = df.copy()
    for c in cols:
        if c not in df.columns:
            df[c] = pd.NA
    return df[cols + [c for c in df.columns if c not in cols]].reset_index(drop=True)


def keep_journeys(df: pd.DataFrame, journeys: list[str]) -> pd.DataFrame:
    """The rows of ``journeys`` (all rows when ``df`` has no ``journey`` column), index reset."""
    if "journey" not in df.columns or df.empty:
        return df.reset_index(drop=True)
    return df[df["journey"].isin(journeys)].reset_index(drop=True)


@dataclass
class EventTables:
    """The event-level tables of the selected journeys, as an engine returns them.

    Attributes
    ----------
    tables : dict
        ``variants``, ``transitions``, ``funnel``, ``loops``, ``kpis``, ``timing``,
        ``kpi_periods`` and ``funnel_groups``.
    journeys : list of str
        Journeys with at least one case (map order).
    notes : list of str
        Rules applied to the data (duplicates, foreign touchpoints).
    counts : dict
        ``events`` kept, ``duplicates``, ``foreign``.
    partitions : int
        Partitions the log was analysed in (1 for the local engine).
    tasks : list of dict
        Per-task timings of a distributed run.
    event_stats : dict of DataFrame or None
        :func:`cjwork.trends.event_period_stats` of the whole log, for
        :func:`cjwork.trends.kpi_trends`.
    case_frames : tuple of DataFrame or None
        ``(case_events, case_table)`` (:mod:`cjwork.journeys.sequences`) when a selected
        journey declares ``rules:`` (for the conformance table), else ``None``.
    """

    tables: dict[str, pd.DataFrame]
    journeys: list[str]
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    partitions: int = 0
    tasks: list[dict] = field(default_factory=list)
    event_stats: dict[str, pd.DataFrame] | None = None
    case_frames: tuple[pd.DataFrame, pd.DataFrame] | None = None
