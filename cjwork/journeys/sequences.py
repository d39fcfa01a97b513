"""Case-ordered events and cases as plain pandas frames: the input of the explore tools.

:func:`case_events` and :func:`case_table` read the prepared ``steps`` / ``cases`` tables
of the DuckDB engine (:func:`cjwork.journeys.engine.prepare`) into pandas. Every explore
tool (:mod:`~cjwork.journeys.around`, :mod:`~cjwork.journeys.compare`,
:mod:`~cjwork.journeys.cohorts`, :mod:`~cjwork.journeys.conformance`) is a pure function
over these two frames, so any engine that produces them can run the tools: a case never
spans customers, so the frames of a customer-partitioned log are the concatenation of the
per-partition frames (see :func:`cjwork.scale.sequences.case_frames`).

:func:`feedback_cases` places feedback rows in the case they are about.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.journeymap import JourneyMap
from cjwork.journeys.engine import DEFAULT_CASE_GAP, Prepared, prepare

EVENT_COLUMNS = ["journey", "case_key", "customer_id", "ts", "pos", "touchpoint", "stage_idx"]
CASE_COLUMNS = [
    "journey",
    "case_key",
    "case_id",
    "customer_id",
    "start_ts",
    "end_ts",
    "n_events",
    "depth",
    "complete",
    "channel",
]


def case_events(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """The kept events in case order: one row per event.

    Returns
    -------
    DataFrame
        :data:`EVENT_COLUMNS` (plus ``channel`` when the log has one): ``pos`` is the
        0-based position of the event in its case (time, ties in file order, duplicates
        removed as in :func:`~cjwork.journeys.engine.prepare`), ``ts`` naive UTC.
        Sorted by journey, case_key, pos.
    """
    cols = ", ".join(EVENT_COLUMNS + (["channel"] if prep.has_channel else []))
    where = "WHERE journey = ?" if journey else ""
    df = prep.df(
        f"SELECT {cols} FROM steps {where} ORDER BY journey, case_key, pos",
        [journey] if journey else [],
    )
    return _tidy(df, ["journey", "touchpoint", "customer_id"])


def case_table(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """One row per case: :data:`CASE_COLUMNS`, sorted by journey and case_key.

    ``case_id`` is the given id or, for derived cases, ``customer_id#n``; ``depth`` the
    highest stage index reached; ``channel`` the channel of the first event (empty when the
    log has none).
    """
    channel = "channel" if prep.has_channel else "CAST(NULL AS VARCHAR) AS channel"
    where = "WHERE journey = ?" if journey else ""
    df = prep.df(
        f"""SELECT journey, case_key, case_id, customer_id, start_ts, end_ts, n_events, depth,
                   complete, {channel}
            FROM cases {where} ORDER BY journey, case_key""",
        [journey] if journey else [],
    )
    return _tidy(df, ["journey", "customer_id"])


def partition_frames(
    events: pd.DataFrame,
    jmap: JourneyMap,
    journeys: list[str],
    *,
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    source: str = "events.csv",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames of one customer partition (empty frames when it has no selected events)."""
    sel = events[events["journey"].astype(str).isin(journeys)]
    if sel.empty:
        return (pd.DataFrame(columns=EVENT_COLUMNS), pd.DataFrame(columns=CASE_COLUMNS))
    have = [j for j in journeys if j in set(sel["journey"].astype(str))]
    prep = prepare(sel, jmap, have, case_gap=case_gap, source=source)
    try:
        return case_events(prep), case_table(prep)
    finally:
        prep.close()


def concat_frames(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-partition frames into the frames of the whole log (canonical order)."""
    ev = [p[0] for p in parts if len(p[0])]
    cs = [p[1] for p in parts if len(p[1])]
    events = (
        sort_events(pd.concat(ev, ignore_index=True)) if ev else pd.DataFrame(columns=EVENT_COLUMNS)
    )
    cases = (
        pd.concat(cs, ignore_index=True)
        .sort_values(["journey", "case_key"], kind="mergesort")
        .reset_index(drop=True)
        if cs
        else pd.DataFrame(columns=CASE_COLUMNS)
    )
    return events, cases


def _tidy(df: pd.DataFrame, text: list[str]) -> pd.DataFrame:
    for c in text:
        df[c] = df[c].astype(object)
    return df.reset_index(drop=True)


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events in the canonical order (journey, case_key, pos) with a fresh index."""
    return events.sort_values(["journey", "case_key", "pos"], kind="mergesort").reset_index(
        drop=True
    )


def feedback_cases(
    cases: pd.DataFrame,
    feedback: pd.DataFrame,
    *,
    window: str | pd.Timedelta = "14D",
) -> pd.DataFrame:
    """The case each feedback row is about.

    A feedback row belongs to the latest case of the same customer (and, where the row
    names a ``journey``, of that journey) that started at or before the feedback and ended
    no more than ``window`` before it.

    Parameters
    ----------
    cases : DataFrame
        From :func:`case_table` (``journey``, ``case_key``, ``customer_id``, ``start_ts``,
        ``end_ts``).
    feedback : DataFrame
        ``customer_id``, ``timestamp``; optional ``journey``.
    window : str or Timedelta
        How long after a case's last event feedback still counts for it.

    Returns
    -------
    DataFrame
        The feedback rows (same index) with ``case_journey`` and ``case_key`` added
        (``None`` where no case fits; keys as exact integers).
    """
    fb = feedback.copy()
    fb["case_journey"] = pd.Series(None, index=fb.index, dtype=object)
    fb["case_key"] = pd.Series(None, index=fb.index, dtype=object)
    if fb.empty or cases.empty or "customer_id" not in fb.columns:
        return fb
    ts = pd.to_datetime(fb["timestamp"], utc=True, errors="coerce").dt.tz_localize(None)
    left = pd.DataFrame(
        {
            "_i": np.arange(len(fb)),
            "customer_id": fb["customer_id"].astype(object),
            "ts": ts.astype("datetime64[ns]"),
            "jn": fb["journey"].astype(object)
            if "journey" in fb.columns
            else pd.Series(None, index=fb.index, dtype=object),
        }
    )
    left["jn"] = left["jn"].where(left["jn"].notna() & (left["jn"] != ""), None)
    left = left[left["ts"].notna() & left["customer_id"].notna()]
    right = cases[["journey", "customer_id", "start_ts", "end_ts"]].copy()
    right["_ci"] = np.arange(len(right), dtype=np.int64)
    right["start_ts"] = right["start_ts"].astype("datetime64[ns]")
    right["end_ts"] = right["end_ts"].astype("datetime64[ns]")
    right["customer_id"] = right["customer_id"].astype(object)
    win = pd.Timedelta(window)
    found = []
    # rows naming a journey: latest case of that journey; the others: latest case of any journey
    for named in (True, False):
        part = left[left["jn"].notna()] if named else left[left["jn"].isna()]
        if part.empty:
            continue
        by = ["customer_id", "journey"] if named else ["customer_id"]
        p = part.rename(columns={"jn": "journey"}) if named else part.drop(columns="jn")
        r = right if named else right.drop(columns="journey")
        m = pd.merge_asof(
            p.sort_values("ts"),
            r.sort_values("start_ts"),
            left_on="ts",
            right_on="start_ts",
            by=by,
            direction="backward",
        )
        m = m[m["_ci"].notna() & (m["ts"] <= m["end_ts"] + win)]
        found.append(m[["_i", "_ci"]])
    fb["case_journey"] = pd.Series(None, index=fb.index, dtype=object)
    fb["case_key"] = pd.Series(None, index=fb.index, dtype=object)
    if found:
        hit = pd.concat(found, ignore_index=True)
        idx = hit["_i"].to_numpy(dtype=np.int64)
        ci = hit["_ci"].to_numpy(dtype=np.int64)
        fb.iloc[idx, fb.columns.get_loc("case_journey")] = cases["journey"].to_numpy()[ci]
        keys = cases["case_key"].to_numpy()[ci]
        fb.iloc[idx, fb.columns.get_loc("case_key")] = pd.array(list(keys), dtype=object)
    return fb
