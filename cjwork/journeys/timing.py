"""Timing: time to complete a journey, time between consecutive touchpoints, waiting.

Definitions
-----------
``time_to_complete``
    Per completed case: from its first event to its first event in the journey's last
    stage (seconds).
``case_duration``
    Per case: first to last event (seconds); one-event cases have 0.
``to_next``
    Per touchpoint: seconds from an event to the next event of the same case (the
    directly-follows gap, whatever comes next); the last event of a case has none.
``wait``
    Per touchpoint: the process metrics that measure waiting (columns whose name matches
    :data:`WAIT_PATTERN`, e.g. ``wait_s``, ``response_h``, ``lead_time_days``) in their own
    unit (``unit`` names the column).

Quantiles are linear-interpolated (as ``pandas.Series.quantile``).
"""

from __future__ import annotations

import re

import pandas as pd

from cjwork.journeys.engine import Prepared
from cjwork.journeys.paths import J_IDX, JOURNEY_KEYS

WAIT_PATTERN = re.compile(r"wait|queue|response|lead_time|delay", re.IGNORECASE)
TIMING_COLUMNS = ["journey", "measure", "touchpoint", "unit", "n", "median", "p90", "mean"]

_STATS = (
    "count(v) AS n, quantile_cont(v, [0.5, 0.9])[1] AS median, "
    "quantile_cont(v, [0.5, 0.9])[2] AS p90, avg(v) AS mean"
)


def timing(
    prep: Prepared, journey: str | None = None, wait_metrics: list[str] | None = None
) -> pd.DataFrame:
    """All timing measures of the selected journeys as one tidy frame.

    Parameters
    ----------
    prep : Prepared
    journey : str, optional
    wait_metrics : list of str, optional
        Metric columns to report as waiting (default: those matching :data:`WAIT_PATTERN`).

    Returns
    -------
    DataFrame
        :data:`TIMING_COLUMNS`; ``touchpoint`` is empty for journey-level measures.
        Journeys without completed cases get ``n = 0`` and empty statistics.
    """
    jw = "AND journey = ?" if journey else ""
    params = [journey] if journey else []
    case_level = prep.df(
        f"""SELECT journey, 'time_to_complete' AS measure, '' AS touchpoint, 's' AS unit, {_STATS}
            FROM (SELECT journey, epoch(complete_ts) - epoch(start_ts) AS v FROM cases WHERE complete {jw})
            GROUP BY journey
            UNION ALL
            SELECT journey, 'case_duration', '', 's', {_STATS}
            FROM (SELECT journey, epoch(end_ts) - epoch(start_ts) AS v FROM cases WHERE true {jw})
            GROUP BY journey""",
        params * 2,
    )
    waits = (
        wait_metrics
        if wait_metrics is not None
        else [m for m in prep.metrics if WAIT_PATTERN.search(m)]
    )
    waits = [m for m in waits if m in prep.metrics]
    # one pass over the steps: the gap to the next event and every wait metric per touchpoint
    # (aggregates skip NULLs, so each column's statistics are those of its non-null values)
    cols = ["dt_next_s", *waits]
    stats = ", ".join(
        f'count("{c}") AS n{i}, quantile_cont("{c}", [0.5, 0.9])[1] AS median{i}, '
        f'quantile_cont("{c}", [0.5, 0.9])[2] AS p90{i}, avg("{c}") AS mean{i}'
        for i, c in enumerate(cols)
    )
    cond = f"WHERE j_idx = {J_IDX}" if journey else ""
    per_tp = prep.df(
        f"""SELECT k.journey, a.* EXCLUDE (j_idx)
            FROM (SELECT j_idx, tp_idx, {stats} FROM steps {cond} GROUP BY j_idx, tp_idx) a
            JOIN {JOURNEY_KEYS} k USING (j_idx)""",
        params,
    )
    frames = []
    for i, (measure, unit) in enumerate([("to_next", "s"), *(("wait", m) for m in waits)]):
        f = per_tp.loc[
            per_tp[f"n{i}"] > 0, ["journey", "tp_idx", f"n{i}", f"median{i}", f"p90{i}", f"mean{i}"]
        ]
        f.columns = ["journey", "tp_idx", "n", "median", "p90", "mean"]
        f.insert(1, "measure", measure)
        f.insert(3, "unit", unit)
        frames.append(f.reset_index(drop=True))
    to_next, wait_frames = frames[0], frames[1:]
    return finish_timing(prep, case_level, to_next, wait_frames, journey)


def finish_timing(
    prep: Prepared,
    case_level: pd.DataFrame,
    to_next: pd.DataFrame,
    wait_frames: list[pd.DataFrame],
    journey: str | None,
) -> pd.DataFrame:
    """Names, missing rows and order of the timing statistics (also fed by merged partials)."""
    parts = [case_level]
    tpm = prep.tpmap()
    names = tpm.set_index(["journey", "tp_idx"])["touchpoint"]
    if not to_next.empty:
        to_next["touchpoint"] = names.reindex(
            pd.MultiIndex.from_frame(to_next[["journey", "tp_idx"]])
        ).to_numpy()
        parts.append(to_next.drop(columns="tp_idx"))
    for w in wait_frames:
        if not w.empty:
            w["touchpoint"] = names.reindex(
                pd.MultiIndex.from_frame(w[["journey", "tp_idx"]])
            ).to_numpy()
            parts.append(w.drop(columns="tp_idx"))
    df = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame(columns=TIMING_COLUMNS)
    )
    jids = [journey] if journey else prep.journeys
    have = set(df.loc[df["measure"] == "time_to_complete", "journey"]) if not df.empty else set()
    missing = [
        {"journey": j, "measure": "time_to_complete", "touchpoint": "", "unit": "s", "n": 0}
        for j in jids
        if j not in have
    ]
    if missing:
        df = pd.concat([df, pd.DataFrame(missing)], ignore_index=True)
    df["n"] = df["n"].astype("int64")
    order = {"time_to_complete": 0, "case_duration": 1, "to_next": 2, "wait": 3}
    tp_rank = {t: i for i, t in enumerate(tpm.sort_values(["journey", "tp_idx"])["touchpoint"])}
    df = prep.order_journeys(df).assign(
        _m=df["measure"].map(order), _t=df["touchpoint"].map(tp_rank).fillna(-1)
    )
    df = df.sort_values(["_j", "_m", "_t", "unit"], kind="mergesort")
    return df[TIMING_COLUMNS].reset_index(drop=True)
