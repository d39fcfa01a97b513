"""Journey instances (cases): given by ``case_id`` or derived per customer and journey.

The rule (also in :mod:`cjwork.journeys.engine` and the README):

* With a ``case_id`` the case is ``(journey, case_id)`` as given.
* Without one (no column, or an empty cell) events of one customer in one journey are
  taken in time order and a **new case starts** at the customer's first event, after an
  inactivity gap longer than ``case_gap`` (30 days by default), or when a touchpoint of the
  journey's first stage follows a touchpoint of a later stage. Derived case keys are
  ``customer_id#n`` (``n`` = 1, 2, … per customer and journey).
* Ties: events with identical timestamps keep the order of the input (``_row``).
* Duplicates: an event with the same touchpoint and timestamp as the event right before it
  in its case is dropped (``dedupe=True``).

Both tables are built with window functions partitioned by case, so a log partitioned by
customer gives exactly the union of the per-partition tables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from cjwork.journeys.engine import Prepared

CASE_COLUMNS = [
    "journey",
    "case_key",
    "customer_id",
    "start_ts",
    "end_ts",
    "n_events",
    "depth",
    "complete",
    "channel",
    "variant",
]


def build_steps(
    con: duckdb.DuckDBPyConnection,
    *,
    ts_sql: str,
    case_sql: str,
    channel: bool,
    metrics: list[str],
    gap_s: float | None,
    dedupe: bool,
) -> None:
    """Create the ``steps`` table from ``events_raw`` and ``tpmap`` (see the module rules).

    One row per kept event: ``journey``, ``case_key``, ``customer_id``, ``ts``, ``_row``,
    ``tp_idx``, ``touchpoint``, ``stage_idx``, ``first_in_case``, ``next_tp_idx``,
    ``dt_next_s``, ``channel`` (when present) and the metric columns (as DOUBLE).
    """
    metric_sql = "".join(f', CAST(e."{m}" AS DOUBLE) AS "{m}"' for m in metrics)
    channel_sql = ", CAST(e.channel AS VARCHAR) AS channel" if channel else ""
    part = "{a}journey, {a}case_given IS NULL, coalesce({a}case_given, {a}customer_id)"
    gap_rule = (
        f"WHEN epoch(e.ts) - epoch(lag(e.ts) OVER w) > {gap_s} THEN 1" if gap_s is not None else ""
    )
    dup = (
        "coalesce(lag(e.tp_idx) OVER w = e.tp_idx AND lag(e.ts) OVER w = e.ts, false)"
        if dedupe
        else "false"
    )
    extra = (", f.channel" if channel else "") + "".join(f', f."{m}"' for m in metrics)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE steps AS
        WITH ev AS (
            SELECT CAST(e.customer_id AS VARCHAR) AS customer_id, m.journey, {case_sql} AS case_given,
                   {ts_sql} AS ts, e._row, m.tp_idx, m.touchpoint, m.stage_idx, m.first_stage
                   {channel_sql}{metric_sql}
            FROM events_raw e
            JOIN tpmap m ON CAST(e.journey AS VARCHAR) = m.journey AND CAST(e.touchpoint AS VARCHAR) = m.touchpoint
        ),
        flagged AS (
            SELECT e.*,
                CASE WHEN lag(e.ts) OVER w IS NULL THEN 1
                     WHEN e.case_given IS NOT NULL THEN 0
                     WHEN e.first_stage AND NOT lag(e.first_stage) OVER w THEN 1
                     {gap_rule}
                     ELSE 0 END AS new_case,
                {dup} AS dup
            FROM ev e
            WINDOW w AS (PARTITION BY {part.format(a="e.")} ORDER BY e.ts, e._row)
        ),
        k AS (
            SELECT f.*, sum(f.new_case) OVER w AS case_no,
                   lead(f.tp_idx) OVER w AS nxt_tp, lead(f.ts) OVER w AS nxt_ts, lead(f.new_case) OVER w AS nxt_new
            FROM flagged f WHERE NOT f.dup
            WINDOW w AS (PARTITION BY {part.format(a="f.")} ORDER BY f.ts, f._row)
        )
        SELECT f.journey,
               coalesce(f.case_given, f.customer_id || '#' || CAST(f.case_no AS VARCHAR)) AS case_key,
               f.customer_id, f.ts, f._row, f.tp_idx, f.touchpoint, f.stage_idx,
               f.new_case = 1 AS first_in_case,
               CASE WHEN f.nxt_new = 0 THEN f.nxt_tp END AS next_tp_idx,
               CASE WHEN f.nxt_new = 0 THEN epoch(f.nxt_ts) - epoch(f.ts) END AS dt_next_s
               {extra}
        FROM k f"""
    )


def build_cases(con: duckdb.DuckDBPyConnection, *, channel: bool) -> None:
    """Create the ``cases`` table (one row per case) from ``steps``.

    Columns: ``journey``, ``case_key``, ``customer_id``, ``start_ts``, ``end_ts``,
    ``n_events``, ``depth`` (furthest stage index), ``stage_mask`` (bit ``i`` = stage ``i``
    visited), ``complete`` (reached the last stage), ``complete_ts`` (first event in the
    last stage), ``channel`` (of the first event) and ``variant`` (``tp_idx`` list in case
    order).
    """
    channel_case = (
        ", any_value(s.channel) FILTER (WHERE s.first_in_case) AS channel"
        if channel
        else ", CAST(NULL AS VARCHAR) AS channel"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE cases AS
        WITH last AS (SELECT journey, max(stage_idx) AS last_idx FROM tpmap GROUP BY journey)
        SELECT s.journey, s.case_key, any_value(s.customer_id) AS customer_id,
               min(s.ts) AS start_ts, max(s.ts) AS end_ts, count(*) AS n_events,
               max(s.stage_idx) AS depth,
               bit_or(CAST(1 AS BIGINT) << s.stage_idx) AS stage_mask,
               max(s.stage_idx) = any_value(l.last_idx) AS complete,
               min(s.ts) FILTER (WHERE s.stage_idx = l.last_idx) AS complete_ts
               {channel_case},
               list(s.tp_idx ORDER BY s.ts, s._row) AS variant
        FROM steps s JOIN last l USING (journey)
        GROUP BY s.journey, s.case_key"""
    )


def cases(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """The cases of the selected journeys as pandas (for inspection and small logs).

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS` with ``variant`` as the touchpoint ids joined by ``" > "``,
        sorted by journey (map order) and ``case_key``.
    """
    from cjwork.journeys.paths import SEPARATOR, _names, _order_journeys

    where = "WHERE journey = ?" if journey else ""
    df = prep.df(f"SELECT * FROM cases {where}", [journey] if journey else [])
    names = _names(prep)
    df["variant"] = [
        SEPARATOR.join(names[j][i] for i in v)
        for j, v in zip(df["journey"], df["variant"], strict=True)
    ]
    df = _order_journeys(prep, df).sort_values(["_j", "case_key"], kind="mergesort")
    return df[CASE_COLUMNS].reset_index(drop=True)
