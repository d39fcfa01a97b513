"""The journey overview of a report: the map's structure, volumes, key figures, data quality.

Pure functions over a :class:`~cjwork.io.Workspace`: they return tidy DataFrames in a fixed
order (map order, then sorted), never print, never read files. The report notebook only
calls them and shows the results.
"""

from __future__ import annotations

import re

import pandas as pd

from cjwork.io.workspace import Workspace
from cjwork.journeymap import Journey

PERIOD_CODES = {"week": "W", "month": "M", "quarter": "Q"}
KEY_FIGURES = ("customers", "cases", "events", "feedback")


# --------------------------------------------------------------------------- helpers


def _journey(ws: Workspace, journey: str) -> Journey:
    try:
        return ws.journeys.journey(journey)
    except KeyError as exc:
        from cjwork.errors import UsageError

        raise UsageError(str(exc.args[0])) from None


def journey_events(ws: Workspace, journey: str) -> pd.DataFrame:
    """The event rows of one journey (an empty frame with the usual columns when there are none)."""
    j = _journey(ws, journey)
    ev = ws.events
    if ev is None:
        return pd.DataFrame(columns=["customer_id", "timestamp", "journey", "touchpoint"])
    tps = [tp.id for tp in j.touchpoints]
    mask = (ev["journey"].astype("string") == journey).fillna(False)
    mask |= ev["touchpoint"].astype("string").isin(tps).fillna(False)
    return ev.loc[mask.to_numpy()]


def journey_feedback(
    ws: Workspace, journey: str, feedback: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The feedback rows linked to one journey.

    A row belongs to the journey when its ``journey`` is the journey or its ``touchpoint``
    is one of the journey's touchpoints. Pass ``feedback`` (e.g. the output of
    :func:`cjwork.text.enrich_feedback`, with linked ``journey``/``touchpoint``) to use links
    found in the text instead of the explicit ones only.
    """
    j = _journey(ws, journey)
    fb = ws.feedback if feedback is None else feedback
    if fb is None:
        return pd.DataFrame(columns=["feedback_id", "text", "journey", "touchpoint"])
    mask = pd.Series(False, index=fb.index)
    if "journey" in fb.columns:
        mask |= (fb["journey"].astype("string") == journey).fillna(False)
    if "touchpoint" in fb.columns:
        mask |= (
            fb["touchpoint"].astype("string").isin([tp.id for tp in j.touchpoints]).fillna(False)
        )
    return fb.loc[mask.to_numpy()]


def period_labels(timestamps: pd.Series, period: str) -> pd.Series:
    """Label each timestamp with its period: ``2025-06`` (month), ``2025Q2`` (quarter), ``2025-W23`` (ISO week)."""
    if period not in PERIOD_CODES:
        from cjwork.errors import UsageError

        raise UsageError(f"period must be one of {', '.join(PERIOD_CODES)}, got {period!r}")
    ts = pd.to_datetime(timestamps, utc=True).dt.tz_convert(None)
    if period == "week":
        iso = ts.dt.isocalendar()
        return (
            iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
        ).astype("string")
    return ts.dt.to_period(PERIOD_CODES[period]).astype("string")


# --------------------------------------------------------------------------- structure


def journey_structure(ws: Workspace, journey: str) -> pd.DataFrame:
    """The journey map as a table, in map order.

    Returns
    -------
    DataFrame
        One row per touchpoint: ``stage_order`` (1-based), ``stage``, ``stage_name``,
        ``touchpoint_order`` (1-based within the journey), ``touchpoint``, ``touchpoint_name``,
        ``channel``, ``owner``, ``kpis`` (targets as text, e.g. ``wait_s <= 120``).
    """
    j = _journey(ws, journey)
    rows = []
    pos = 0
    for s_pos, st in enumerate(j.stages, start=1):
        for tp in st.touchpoints:
            pos += 1
            kpis = "; ".join(
                f"{k.metric} {'<=' if k.better == 'lower' else '>='} {k.target:g}"
                for k in sorted(tp.kpis.values(), key=lambda k: k.metric)
            )
            rows.append(
                {
                    "stage_order": s_pos,
                    "stage": st.id,
                    "stage_name": st.name,
                    "touchpoint_order": pos,
                    "touchpoint": tp.id,
                    "touchpoint_name": tp.name,
                    "channel": tp.channel or "",
                    "owner": tp.owner or "",
                    "kpis": kpis,
                }
            )
    cols = [
        "stage_order",
        "stage",
        "stage_name",
        "touchpoint_order",
        "touchpoint",
        "touchpoint_name",
        "channel",
        "owner",
        "kpis",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- volumes


def volumes(ws: Workspace, journey: str, feedback: pd.DataFrame | None = None) -> pd.DataFrame:
    """Events, customers, cases and feedback per touchpoint of a journey, in map order.

    Touchpoints without any event are listed with zeros.

    Returns
    -------
    DataFrame
        ``stage``, ``stage_name``, ``touchpoint``, ``touchpoint_name``, ``channel``,
        ``events``, ``customers``, ``cases`` (``<NA>`` when events carry no ``case_id``),
        ``feedback``, ``share_of_events`` (0..1).
    """
    structure = journey_structure(ws, journey)
    ev = journey_events(ws, journey)
    tp = ev["touchpoint"].astype("string")
    counts = pd.DataFrame({"touchpoint": tp.to_numpy()})
    counts["customer_id"] = ev["customer_id"].to_numpy()
    agg = counts.groupby("touchpoint", sort=True).agg(
        events=("customer_id", "size"), customers=("customer_id", "nunique")
    )
    if "case_id" in ev.columns:
        counts["case_id"] = ev["case_id"].to_numpy()
        agg["cases"] = counts.groupby("touchpoint", sort=True)["case_id"].nunique()
    fb = journey_feedback(ws, journey, feedback)
    if "touchpoint" in fb.columns and len(fb):
        fb_counts = fb["touchpoint"].astype("string").value_counts()
    else:
        fb_counts = pd.Series(dtype="int64")

    out = structure[["stage", "stage_name", "touchpoint", "touchpoint_name", "channel"]].copy()
    out["events"] = out["touchpoint"].map(agg["events"]).fillna(0).astype("int64")
    out["customers"] = out["touchpoint"].map(agg["customers"]).fillna(0).astype("int64")
    if "cases" in agg.columns:
        out["cases"] = out["touchpoint"].map(agg["cases"]).fillna(0).astype("Int64")
    else:
        out["cases"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["feedback"] = out["touchpoint"].map(fb_counts).fillna(0).astype("int64")
    total = int(out["events"].sum())
    out["share_of_events"] = out["events"] / total if total else 0.0
    return out.reset_index(drop=True)


def stage_volumes(
    ws: Workspace, journey: str, feedback: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per stage, in map order: ``stage``, ``stage_name``, ``touchpoints``, ``events``,
    ``customers`` (distinct customers with an event in the stage), ``feedback``,
    ``share_of_customers`` (of the journey's customers)."""
    structure = journey_structure(ws, journey)
    per_tp = volumes(ws, journey, feedback)
    ev = journey_events(ws, journey)
    stage_of = dict(zip(structure["touchpoint"], structure["stage"], strict=True))
    reached = pd.DataFrame(
        {
            "stage": ev["touchpoint"].astype("string").map(stage_of).to_numpy(),
            "customer_id": ev["customer_id"].to_numpy(),
        }
    )
    customers = reached.groupby("stage", sort=True)["customer_id"].nunique()
    n_customers = int(ev["customer_id"].nunique()) if len(ev) else 0

    grouped = per_tp.groupby("stage", sort=False).agg(
        stage_name=("stage_name", "first"),
        touchpoints=("touchpoint", "size"),
        events=("events", "sum"),
        feedback=("feedback", "sum"),
    )
    order = list(dict.fromkeys(structure["stage"]))
    out = grouped.reindex(order).reset_index()
    out["customers"] = out["stage"].map(customers).fillna(0).astype("int64")
    out["share_of_customers"] = out["customers"] / n_customers if n_customers else 0.0
    return out[
        [
            "stage",
            "stage_name",
            "touchpoints",
            "events",
            "customers",
            "feedback",
            "share_of_customers",
        ]
    ]


# --------------------------------------------------------------------------- key figures


def key_figures(
    ws: Workspace, journey: str, period: str = "month", feedback: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The summary's key figures: customers, cases, events and feedback of the journey.

    The current period is the latest period with events of the journey; the change is
    against the period before it.

    Returns
    -------
    DataFrame
        One row per figure (``customers``, ``cases``, ``events``, ``feedback``) with
        ``total`` (all data), ``previous``, ``current``, ``change`` (relative, ``current /
        previous - 1``; NaN when the previous period is empty), ``previous_period`` and
        ``current_period`` (the period labels). ``cases`` is left out when events carry no
        ``case_id``; ``feedback`` per period needs feedback ``timestamp``.
    """
    ev = journey_events(ws, journey)
    fb = journey_feedback(ws, journey, feedback)
    cols = ["figure", "total", "previous", "current", "change", "previous_period", "current_period"]
    if len(ev) == 0:
        return pd.DataFrame(columns=cols)
    ev_period = period_labels(ev["timestamp"], period)
    periods = sorted(ev_period.dropna().unique())
    current = periods[-1]
    previous = periods[-2] if len(periods) > 1 else None

    def figure(
        name: str, values: pd.Series | None, labels: pd.Series | None, distinct: bool
    ) -> dict:
        def count(mask: pd.Series | None) -> int:
            if values is None:
                return 0
            v = values if mask is None else values[mask.to_numpy()]
            return int(v.nunique()) if distinct else len(v)

        row = {"figure": name, "total": count(None)}
        if labels is None:
            row.update(previous=pd.NA, current=pd.NA)
        else:
            row["current"] = count((labels == current).fillna(False))
            row["previous"] = count((labels == previous).fillna(False)) if previous else pd.NA
        return row

    rows = [
        figure("customers", ev["customer_id"], ev_period, True),
    ]
    if "case_id" in ev.columns:
        rows.append(
            figure(
                "cases", ev["case_id"].dropna(), ev_period[ev["case_id"].notna().to_numpy()], True
            )
        )
    rows.append(figure("events", ev["customer_id"], ev_period, False))
    fb_labels = (
        period_labels(fb["timestamp"], period) if "timestamp" in fb.columns and len(fb) else None
    )
    if len(fb) and fb_labels is None:
        rows.append(figure("feedback", fb["feedback_id"], None, False))
    else:
        rows.append(figure("feedback", fb["feedback_id"] if len(fb) else None, fb_labels, False))
    out = pd.DataFrame(rows)
    prev = pd.to_numeric(out["previous"], errors="coerce").astype("float64")
    cur = pd.to_numeric(out["current"], errors="coerce").astype("float64")
    out["previous"] = prev.astype("Int64")
    out["current"] = cur.astype("Int64")
    out["change"] = (cur / prev.where(prev > 0) - 1).round(4)
    out["previous_period"] = previous or ""
    out["current_period"] = current
    return out[cols]


# --------------------------------------------------------------------------- data quality


def missing_values(ws: Workspace, journey: str) -> pd.DataFrame:
    """Missing values per column of the journey's events and feedback.

    Columns with no value at all in the journey's rows (a process metric another journey
    records) and feedback's optional link columns (``journey``, ``touchpoint``; see the
    "feedback without touchpoint" check) are not counted as missing.

    Returns
    -------
    DataFrame
        ``table``, ``column``, ``rows``, ``missing``, ``share`` — one row per column, in
        table then column order.
    """
    rows = []
    for table, df in (
        ("events", journey_events(ws, journey)),
        ("feedback", journey_feedback(ws, journey)),
    ):
        if df is None or len(df.columns) == 0:
            continue
        n = len(df)
        missing = df.isna().sum()
        if "text" in df.columns and n:
            missing["text"] += int(
                (df["text"].astype("string").str.strip() == "").fillna(False).sum()
            )
        for col in df.columns:
            m = int(missing[col])
            if n and m == n and col not in ("customer_id", "timestamp", "text", "feedback_id"):
                continue
            if table == "feedback" and col in ("journey", "touchpoint"):
                continue
            rows.append(
                {
                    "table": table,
                    "column": str(col),
                    "rows": n,
                    "missing": m,
                    "share": m / n if n else 0.0,
                }
            )
    return pd.DataFrame(rows, columns=["table", "column", "rows", "missing", "share"])


def rejected_for(ws: Workspace, journey: str) -> dict[str, pd.DataFrame]:
    """Rows the loader set aside (lenient mode) that belong to this journey, per table."""
    j = _journey(ws, journey)
    tps = {tp.id for tp in j.touchpoints}
    out = {}
    for table, rej in sorted((ws.rejected or {}).items()):
        if rej is None or len(rej) == 0:
            continue
        mask = pd.Series(table == "customers", index=rej.index)
        if "journey" in rej.columns:
            mask |= (rej["journey"].astype("string") == journey).fillna(False)
        if "touchpoint" in rej.columns:
            mask |= rej["touchpoint"].astype("string").isin(tps).fillna(False)
        if mask.any():
            out[table] = rej.loc[mask.to_numpy()]
    return out


def unexpected_missing(
    ws: Workspace, journey: str, events: pd.DataFrame, feedback: pd.DataFrame
) -> dict[str, int]:
    """Missing values where a value is expected, per table: in events, required columns and
    each KPI metric at the touchpoints whose map declares it (a wait is expected at the
    hotline, not at the annual bill); in feedback, the required columns."""
    j = _journey(ws, journey)
    out = {"events": 0, "feedback": 0}
    if events is not None and len(events):
        for col in ("customer_id", "timestamp", "touchpoint"):
            if col in events.columns:
                out["events"] += int(events[col].isna().sum())
        declared: dict[str, set[str]] = {}
        for tp in j.touchpoints:
            for metric in tp.kpis:
                declared.setdefault(metric, set()).add(tp.id)
        tps = events["touchpoint"].astype("string") if "touchpoint" in events.columns else None
        for metric, where in declared.items():
            if metric in events.columns and tps is not None:
                at = tps.isin(sorted(where)).fillna(False).to_numpy()
                out["events"] += int(events.loc[at, metric].isna().sum())
    if feedback is not None and len(feedback):
        for col in ("feedback_id", "text"):
            if col in feedback.columns:
                out["feedback"] += int(feedback[col].isna().sum())
    return out


def data_quality(ws: Workspace, journey: str) -> pd.DataFrame:
    """The data-quality checks of one journey, as one table in a fixed order.

    Checks: rows, time range, missing values, rejected rows (lenient loading), events and
    feedback of customers missing from ``customers``, duplicate events (same customer,
    timestamp and touchpoint), duplicate feedback (same customer and text), touchpoints of
    the map without events, feedback without a touchpoint.

    Returns
    -------
    DataFrame
        ``check``, ``table``, ``count``, ``share`` (of the table's rows, NaN where it does
        not apply), ``status`` (``ok`` | ``warning`` | ``info``), ``detail``.
    """
    j = _journey(ws, journey)
    ev = journey_events(ws, journey)
    fb = journey_feedback(ws, journey)
    rows: list[dict] = []

    def add(
        check: str, table: str, count: int, total: int | None, status: str, detail: str = ""
    ) -> None:
        share = count / total if total else float("nan")
        rows.append(
            {
                "check": check,
                "table": table,
                "count": int(count),
                "share": share,
                "status": status,
                "detail": detail,
            }
        )

    scope = {
        "events": "events of this journey",
        # the rest of the report also counts comments linked by event or text
        "feedback": "rows naming this journey or one of its touchpoints (before linking)",
    }
    for table, df in (("events", ev), ("feedback", fb)):
        add("rows", table, len(df), None, "info", scope[table])
        if "timestamp" in df.columns and len(df) and df["timestamp"].notna().any():
            ts = pd.to_datetime(df["timestamp"], utc=True)
            detail = f"{ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}"
            add("time range", table, int(ts.notna().sum()), len(df), "info", detail)
    miss = missing_values(ws, journey)
    unexpected = unexpected_missing(ws, journey, ev, fb)
    for table in ("events", "feedback"):
        sub = miss[miss["table"] == table]
        cols = sub[sub["missing"] > 0]
        cells = int(sub["rows"].sum()) if len(sub) else 0
        detail = ", ".join(f"{c} {m}" for c, m in zip(cols["column"], cols["missing"], strict=True))
        # a warning only for gaps where a value is expected: a KPI metric at a touchpoint
        # that declares it, or a required column; process metrics exist only where the
        # map measures them (waits only where people queue) and feedback's scores are
        # optional — those gaps are information
        status = "ok" if not len(cols) else ("warning" if unexpected.get(table) else "info")
        add("missing values", table, int(sub["missing"].sum()), cells, status, detail)

    rejected = rejected_for(ws, journey)
    for table in ("customers", "events", "feedback"):
        rej = rejected.get(table)
        n = 0 if rej is None else len(rej)
        detail = ""
        if n and "problem" in rej.columns:
            top = rej["problem"].astype("string").value_counts().sort_index().head(3)
            detail = "; ".join(f"{p} ({c})" for p, c in top.items())
        add("rejected rows", table, n, None, "warning" if n else "ok", detail)

    known = (
        set(ws.customers["customer_id"].astype("string").dropna())
        if ws.customers is not None
        else None
    )
    for table, df in (("events", ev), ("feedback", fb)):
        if known is None or "customer_id" not in df.columns:
            continue
        ids = df["customer_id"].astype("string")
        unknown = ids.notna() & ~ids.isin(known)
        n = int(unknown.sum())
        sample = ", ".join(sorted(ids[unknown.to_numpy()].unique())[:3])
        add("unknown customer ids", table, n, len(df), "warning" if n else "ok", sample)

    key = [c for c in ("customer_id", "timestamp", "touchpoint") if c in ev.columns]
    dup_ev = int(ev.duplicated(subset=key).sum()) if len(ev) else 0
    add(
        "duplicate events",
        "events",
        dup_ev,
        len(ev),
        "warning" if dup_ev else "ok",
        "same " + ", ".join(key),
    )
    if len(fb) and "text" in fb.columns:
        key_fb = [c for c in ("customer_id", "text") if c in fb.columns]
        dup_fb = int(fb.duplicated(subset=key_fb).sum())
    else:
        dup_fb, key_fb = 0, ["text"]
    add(
        "duplicate feedback",
        "feedback",
        dup_fb,
        len(fb),
        "warning" if dup_fb else "ok",
        "same " + ", ".join(key_fb),
    )

    used = set(ev["touchpoint"].astype("string").dropna().unique()) if len(ev) else set()
    unused = [tp.id for tp in j.touchpoints if tp.id not in used]
    add(
        "touchpoints without events",
        "events",
        len(unused),
        len(j.touchpoints),
        "warning" if unused else "ok",
        ", ".join(unused),
    )
    if len(fb):
        no_tp = (
            fb["touchpoint"].isna()
            if "touchpoint" in fb.columns
            else pd.Series(True, index=fb.index)
        )
        n = int(no_tp.sum())
        add(
            "feedback without touchpoint",
            "feedback",
            n,
            len(fb),
            "info",
            "linked from the text later" if n else "",
        )
    return pd.DataFrame(rows, columns=["check", "table", "count", "share", "status", "detail"])


_QUALITY_DETAILS_DE = {
    "events of this journey": "Ereignisse dieser Journey",
    "rows naming this journey or one of its touchpoints (before linking)": (
        "Zeilen, die diese Journey oder einen ihrer Touchpoints nennen (vor der Zuordnung)"
    ),
    "linked from the text later": "wird später über den Text zugeordnet",
}


def data_quality_details(dq: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`data_quality` with its ``detail`` texts in ``language`` (German: the fixed
    texts translated, ``2025-05-01 bis 2026-10-31``, ``gleiche customer_id, text``, counts
    with a thousands point); column names and ids stay as they are. English: ``dq`` itself."""
    if language != "de" or dq.empty:
        return dq

    def one(check: str, detail: str) -> str:
        detail = str(detail)
        if detail in _QUALITY_DETAILS_DE:
            return _QUALITY_DETAILS_DE[detail]
        if check == "time range":  # German dates: 01.05.2025 bis 31.10.2026
            return re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3.\2.\1", detail.replace(" to ", " bis "))
        if check.startswith("duplicate") and detail.startswith("same "):
            return "gleiche " + detail.removeprefix("same ")
        if check == "missing values":
            return ", ".join(
                f"{name} {int(n):,}".replace(",", ".")
                for name, n in (part.rsplit(" ", 1) for part in detail.split(", ") if part)
            )
        return detail

    return dq.assign(detail=[one(c, t) for c, t in zip(dq["check"], dq["detail"], strict=True)])
