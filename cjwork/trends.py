"""KPI tracking over time: volume, sentiment, NPS, completion and process KPIs per period.

:func:`kpi_trends` returns one row per (period, touchpoint) of a journey, plus one row per
period for the whole journey (``touchpoint`` empty), and flags a change against the
previous period **only when it is statistically meaningful**:

=============  ==========================================  ====================  ==============
metric         per period                                  test vs. previous     practical size
=============  ==========================================  ====================  ==============
volume         events at the touchpoint; cases started      Poisson rate ratio    ×1.25 or ÷1.25
               for the whole journey (per day of the       (conditional
               period covered by the data, so partial      binomial)
               first/last periods are not a "drop")
sentiment      mean ``sentiment_score`` of feedback        Welch t               0.10
nps            % promoters (9–10) − % detractors (0–6)     Welch t on ±100 codes 5 points
completion     share of cases complete (touchpoint:        two-proportion z      3 %-points
               cases passing it in the period; journey:
               cases started in the period)
kpi_<metric>   mean of each process metric the journey     Welch t               10 % of the
               map sets a KPI target for at the touchpoint                       previous mean
=============  ==========================================  ====================  ==============

Censoring at the edges of an event log is not a change: the whole-journey volume (cases
started) and completion are not compared against the log's first period (cases already
under way when the log starts look like new ones), and completion is not tested for a
period that ends less than the 99th percentile of time-to-completion before the log's
last event (its cases have not had time to complete; ``completion_mature`` is False).

A change is flagged when (1) both periods hold at least ``min_n`` observations of the
metric (events, feedback rows or cases; default 30), (2) its p-value, corrected for
multiple testing over *every* test in the table (Holm–Bonferroni by default, so the chance
of any false flag in a table stays below ``alpha``; ``correction="bh"`` controls the false
discovery rate instead), is below ``alpha`` (0.05), and (3) the change is at least the
practical size above (``min_effect`` overrides these). The previous period is the
previous one that has data for that touchpoint.

Periods are the calendar periods of DuckDB's ``date_trunc`` in UTC (weeks start on
Monday); ``period`` is the period's first day, ``period_label`` reads ``2025-03``,
``2025-W10`` or ``2025Q1``.

Event-level work runs in DuckDB on the analytics engine's prepared ``steps``/``cases``
tables (:func:`cjwork.journeys.engine.prepare`; pass ``prepared=`` to reuse one), so the
cases and completion here are the same as in the funnel and variants tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap, check_journey
from cjwork.periods import PERIOD_FREQ, PERIOD_LENGTH, check_period
from cjwork.stats import adjust_pvalues, rate_ratio_test, two_proportion_test, welch_test

if TYPE_CHECKING:
    from cjwork.journeys.engine import Prepared

CONTRACT_COLUMNS = [
    "period",
    "touchpoint",
    "volume",
    "sentiment",
    "nps",
    "completion",
    "significant_change",
]
DEFAULT_MIN_EFFECT = {
    "volume": 1.25,
    "sentiment": 0.10,
    "nps": 5.0,
    "completion": 0.03,
    "kpi": 0.10,
}


def period_label(start: pd.Series, period: str) -> pd.Series:
    """Readable labels for period start dates: ``2025-03``, ``2025-W10``, ``2025Q1``."""
    s = pd.to_datetime(start)
    if period == "month":
        return s.dt.strftime("%Y-%m")
    if period == "quarter":
        return s.dt.year.astype(str) + "Q" + s.dt.quarter.astype(str)
    iso = s.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)


def _period_end(start: pd.Series, period: str) -> pd.Series:
    return pd.to_datetime(start) + PERIOD_LENGTH[period]


def _empty(journey: str) -> pd.DataFrame:
    cols = ["journey", *CONTRACT_COLUMNS, "period_label", "changed_metrics", "change_detail"]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def kpi_trends(
    events: pd.DataFrame | None,
    feedback: pd.DataFrame | None,
    journey_map: JourneyMap,
    journey: str,
    period: str = "month",
    *,
    prepared: Prepared | None = None,
    event_stats: dict[str, pd.DataFrame] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    min_n: int = 30,
    min_effect: dict[str, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-period KPIs of one journey with statistically meaningful changes flagged.

    The method (what is measured, which test, the correction, minimum n and practical
    size) is in the module docstring of :mod:`cjwork.trends`.

    Parameters
    ----------
    events : DataFrame or None
        The Workspace events table (``customer_id``, ``timestamp``, ``journey``,
        ``touchpoint``, optional ``case_id`` and numeric process metrics). ``None``: only
        feedback-based columns are filled.
    feedback : DataFrame or None
        Scored, linked feedback (``journey``, ``touchpoint``, ``timestamp``,
        ``sentiment_score``, optional ``nps``); rows without a timestamp are not counted.
    journey_map : JourneyMap
    journey : str
        The journey id.
    period : {"month", "week", "quarter"}
    prepared : cjwork.journeys.engine.Prepared, optional
        Reuse a prepared engine that holds ``journey`` (else one is built from ``events``).
    event_stats : dict of DataFrame, optional
        :func:`event_period_stats` computed before (for several journeys at once, or merged
        from the partitions of a Dask cluster); it takes the place of ``events`` and
        ``prepared`` and must be computed for the same ``period``.
    alpha : float
        Significance level after the multiple-testing correction.
    correction : {"holm", "bh", "none"}
    min_n : int
        Minimum observations in both periods for a metric to be tested.
    min_effect : dict, optional
        Practical minimum change per metric (keys ``volume`` (a ratio), ``sentiment``,
        ``nps``, ``completion``, ``kpi`` (relative)), merged over the defaults.
    level : float
        Confidence level of the change intervals.

    Returns
    -------
    DataFrame
        Sorted by ``period`` then map order (journey row first), columns ``journey``,
        ``period`` (first day, datetime), ``touchpoint`` ("" for the whole journey),
        ``volume``, ``sentiment``, ``nps``, ``completion``, ``significant_change``, then
        ``period_label``, ``feedback`` (feedback rows), ``cases``, one ``kpi_<metric>``
        column per process metric with a KPI target in the journey, ``changed_metrics``
        (comma-separated) and ``change_detail`` (e.g. ``"sentiment -0.42 (p=0.0003)"``).
    """
    check_period(period)
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be between 0 and 1, got {alpha!r}")
    if min_n < 2:
        raise UsageError(f"min_n must be >= 2, got {min_n}")
    jour = check_journey(journey_map, journey)
    eff = {**DEFAULT_MIN_EFFECT, **(min_effect or {})}
    tp_order = {"": -1, **{tp.id: i for i, tp in enumerate(jour.touchpoints)}}
    kpi_metrics = sorted({m for tp in jour.touchpoints for m in tp.kpis})
    kpi_at = {(tp.id, m) for tp in jour.touchpoints for m in tp.kpis}

    parts: list[pd.DataFrame] = []  # long: touchpoint, period, metric, kind, a, b, c (+ value)
    window = None
    if events is not None or prepared is not None or event_stats is not None:
        ev_long, window = _event_stats(
            events, journey_map, journey, period, prepared, kpi_metrics, kpi_at, event_stats
        )
        parts.append(ev_long)
    if feedback is not None and len(feedback) and "timestamp" in feedback:
        parts.append(_feedback_stats(feedback, journey, period, tp_order))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(journey)
    long = pd.concat(parts, ignore_index=True)
    long = long[long["touchpoint"].isin(tp_order)]
    long = _test_changes(long, period, window, alpha, correction, min_n, eff, level)

    wide = long.pivot_table(
        index=["period", "touchpoint"],
        columns="metric",
        values="value",
        aggfunc="first",
        observed=True,
    )
    wide = wide.reset_index()
    wide.columns.name = None
    for c in ("volume", "sentiment", "nps", "completion", "feedback", "cases"):
        if c not in wide:
            wide[c] = np.nan
    flags = long[long["flag"]].copy()
    # one short text per flagged change (a handful of rows, not events)
    flags["detail"] = [
        f"{m} {'×' + format(c, '.2f') if k == 'rate' else format(c, '+.3g')} (p={p:.2g})"
        for m, k, c, p in zip(
            flags["metric"], flags["kind"], flags["change"], flags["p_adj"], strict=True
        )
    ]
    agg = flags.groupby(["period", "touchpoint"], observed=True).agg(
        changed_metrics=("metric", ", ".join), change_detail=("detail", "; ".join)
    )
    wide = wide.merge(agg.reset_index(), on=["period", "touchpoint"], how="left")
    wide["significant_change"] = wide["changed_metrics"].notna()
    for c in ("changed_metrics", "change_detail"):
        wide[c] = wide[c].astype(object).where(wide[c].notna(), "").astype(str)
    wide["journey"] = journey
    wide["period_label"] = period_label(wide["period"], period)
    wide["completion_mature"] = (
        (_period_end(wide["period"], period) <= window["hi"] - window["maturity"]).to_numpy()
        if window is not None
        else False
    )
    wide["_ord"] = wide["touchpoint"].map(tp_order)
    wide = wide.sort_values(["period", "_ord"], kind="stable").drop(columns="_ord")
    for c in ("volume", "feedback", "cases"):
        wide[c] = wide[c].round().astype("Int64")
    kpi_cols = [f"kpi_{m}" for m in kpi_metrics if f"kpi_{m}" in wide]
    cols = [
        "journey",
        *CONTRACT_COLUMNS,
        "period_label",
        "feedback",
        "cases",
        "completion_mature",
        *kpi_cols,
        "changed_metrics",
        "change_detail",
    ]
    return wide[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- statistics per cell


#: The frames of :func:`event_period_stats`, and how two customer partitions' frames
#: combine (group keys → aggregation per column).
EVENT_STAT_PARTS = {
    "touchpoints": (
        ["journey", "period", "touchpoint"],
        {"volume": "sum", "cases": "sum", "completed": "sum"},
    ),
    "journeys": (["journey", "period"], {"cases": "sum", "completed": "sum"}),
    "window": (["journey"], {"lo": "min", "hi": "max"}),
    "durations": (["journey", "v"], {"n": "sum"}),
    "metrics": (["journey", "period", "touchpoint", "metric", "v"], {"n": "sum"}),
}


def event_period_counts(prepared: Prepared, period: str = "month") -> dict[str, pd.DataFrame]:
    """The per-period counts behind the event-based columns of :func:`kpi_trends`.

    Every journey of the prepared engine at once. Each frame is additive over customer
    partitions (journeys are per customer), so the Dask engine computes it per partition
    and merges with :func:`combine_event_stats`; the result is exactly the one of a
    single process.

    Parameters
    ----------
    prepared : cjwork.journeys.engine.Prepared
    period : {"week", "month", "quarter"}

    Returns
    -------
    dict of DataFrame
        ``touchpoints`` (``journey``, ``period``, ``touchpoint``, ``volume`` events,
        ``cases`` passing it in the period, ``completed`` of those cases), ``journeys``
        (``journey``, ``period`` the case started, ``cases``, ``completed``) and
        ``window`` (``journey``, ``lo``/``hi`` first and last event).
    """
    from cjwork.journeys.engine import period_expr

    p_ev = period_expr(period, "s.ts")
    # (period, touchpoint, case) first, so the join with cases is as small as it can be
    tps = prepared.df(
        f"""WITH d AS (SELECT s.journey, {p_ev} AS period, s.touchpoint, s.case_key,
                              count(*) AS n
                       FROM steps s GROUP BY ALL)
            SELECT d.journey, d.period, d.touchpoint, sum(d.n)::BIGINT AS volume,
                   count(*) AS cases, count(*) FILTER (WHERE c.complete) AS completed
            FROM d JOIN (SELECT journey, case_key, complete FROM cases) c
                 USING (journey, case_key)
            GROUP BY ALL"""
    )
    p_case = period_expr(period, "start_ts")
    jour = prepared.df(
        f"""SELECT journey, {p_case} AS period, count(*) AS cases,
                   count(*) FILTER (WHERE complete) AS completed
            FROM cases GROUP BY ALL"""
    )
    window = prepared.df("SELECT journey, min(ts) AS lo, max(ts) AS hi FROM steps GROUP BY ALL")
    for f in (tps, jour, window):
        f["journey"] = f["journey"].astype(str)
    tps["touchpoint"] = tps["touchpoint"].astype(str)
    return {"touchpoints": tps, "journeys": jour, "window": window}


def event_period_stats(prepared: Prepared, period: str = "month") -> dict[str, pd.DataFrame]:
    """Everything :func:`kpi_trends` needs from the event log, for every journey at once.

    Pass the result as ``event_stats=`` to :func:`kpi_trends` to reuse it across journeys,
    or build the same frames elsewhere (the Dask engine merges them from its partitions).

    Parameters
    ----------
    prepared : cjwork.journeys.engine.Prepared
    period : {"week", "month", "quarter"}

    Returns
    -------
    dict of DataFrame
        The frames of :func:`event_period_counts` plus ``durations`` (``journey``, ``v``
        seconds from start to completion of completed cases, ``n``) and ``metrics``
        (``journey``, ``period``, ``touchpoint``, ``metric``, ``v``, ``n``: a histogram
        of every process metric at the touchpoints where the map sets a KPI target for it).
    """
    from cjwork.journeys.engine import period_expr

    out = event_period_counts(prepared, period)
    out["durations"] = prepared.df(
        """SELECT journey, epoch(complete_ts) - epoch(start_ts) AS v, count(*) AS n
           FROM cases WHERE complete GROUP BY ALL"""
    )
    p_ev = period_expr(period, "ts")
    selects = []
    for m in prepared.metrics:
        at = sorted(
            {
                tp.id
                for jid in prepared.journeys
                for tp in prepared.jmap.journey(jid).touchpoints
                if m in tp.kpis
            }
        )
        if at:
            tps = ", ".join("'" + t.replace("'", "''") + "'" for t in at)
            selects.append(
                f"""SELECT journey, {p_ev} AS period, touchpoint, '{m}' AS metric,
                           CAST("{m}" AS DOUBLE) AS v, count(*) AS n
                    FROM steps WHERE "{m}" IS NOT NULL AND touchpoint IN ({tps})
                    GROUP BY ALL"""
            )
    out["metrics"] = (
        prepared.df(" UNION ALL ".join(selects))
        if selects
        else pd.DataFrame(columns=["journey", "period", "touchpoint", "metric", "v", "n"])
    )
    for name in ("durations", "metrics"):
        out[name]["journey"] = out[name]["journey"].astype(str)
    out["metrics"]["touchpoint"] = out["metrics"]["touchpoint"].astype(str)
    return out


def combine_event_stats(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Merge the :func:`event_period_stats` frames of several customer partitions.

    Counts and histogram weights are summed per key, ``lo``/``hi`` take the min/max, and
    the rows come out sorted by key, so the result does not depend on the partitioning.
    """
    out = {}
    for name, (keys, agg) in EVENT_STAT_PARTS.items():
        frames = [p[name] for p in parts if name in p and len(p[name])]
        if not frames:
            out[name] = pd.DataFrame(columns=[*keys, *agg])
            continue
        both = pd.concat(frames, ignore_index=True)
        out[name] = (
            both.groupby(keys, as_index=False, dropna=False, sort=True)
            .agg(agg)
            .reset_index(drop=True)
        )
    return out


def _hist_quantile(v: np.ndarray, n: np.ndarray, q: float) -> float:
    """Linear-interpolation quantile (DuckDB's ``quantile_cont``) of a value histogram."""
    order = np.argsort(v, kind="stable")
    v, n = v[order], n[order]
    cum = np.cumsum(n)
    total = int(cum[-1])
    pos = (total - 1) * q
    lo, hi = int(np.floor(pos)), int(np.ceil(pos))
    v_lo = v[np.searchsorted(cum, lo, side="right")]
    v_hi = v[np.searchsorted(cum, hi, side="right")]
    return float(v_lo + (pos - lo) * (v_hi - v_lo))


def _event_stats(events, jmap, journey, period, prepared, kpi_metrics, kpi_at, stats):
    from cjwork.journeys.engine import prepare

    if stats is None:
        prep = prepared if prepared is not None else prepare(events, jmap, journey)
        if journey not in prep.journeys:
            raise UsageError(
                f"the prepared engine does not hold journey '{journey}'; prepare it with that journey"
            )
        stats = event_period_stats(prep, period)
    sel = {k: f[f["journey"].astype(str) == journey] for k, f in stats.items()}
    per_tp = sel["touchpoints"].drop(columns="journey")
    per_j = sel["journeys"].drop(columns="journey").assign(touchpoint="")
    per_j["volume"] = per_j["cases"]
    window = None
    if len(sel["window"]):
        dur = sel["durations"]
        maturity = (
            _hist_quantile(dur["v"].to_numpy(float), dur["n"].to_numpy(np.int64), 0.99)
            if len(dur)
            else 0.0
        )
        win = sel["window"].iloc[0]
        window = {
            "lo": pd.Timestamp(win["lo"]),
            "hi": pd.Timestamp(win["hi"]),
            "maturity": pd.Timedelta(seconds=maturity),
        }
    rows = []
    for frame in (per_j, per_tp):
        if not len(frame):
            continue
        base = frame[["period", "touchpoint"]]
        rows.append(
            base.assign(
                metric="volume",
                kind="rate",
                a=frame["volume"],
                b=np.nan,
                c=np.nan,
                value=frame["volume"],
            )
        )
        rows.append(
            base.assign(
                metric="cases", kind="none", a=np.nan, b=np.nan, c=np.nan, value=frame["cases"]
            )
        )
        rows.append(
            base.assign(
                metric="completion",
                kind="prop",
                a=frame["completed"],
                b=frame["cases"],
                c=np.nan,
                value=frame["completed"] / frame["cases"].where(frame["cases"] > 0),
            )
        )
    hist = sel["metrics"]
    if kpi_at:
        at = pd.MultiIndex.from_tuples(sorted(kpi_at))
        hist = hist[pd.MultiIndex.from_arrays([hist["touchpoint"], hist["metric"]]).isin(at)]
    else:
        hist = hist.iloc[:0]
    if len(hist):
        rows.append(_histogram_moments(hist))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["period"] = pd.to_datetime(out["period"])
        out["touchpoint"] = out["touchpoint"].astype(str)
    return out, window


def _histogram_moments(hist: pd.DataFrame) -> pd.DataFrame:
    """Mean, sample variance and n per (period, touchpoint, metric) of a value histogram."""
    keys = ["period", "touchpoint", "metric"]
    h = hist.assign(period=pd.to_datetime(hist["period"]))
    h = h.groupby([*keys, "v"], as_index=False, sort=True)["n"].sum()
    v, n = h["v"].to_numpy(float), h["n"].to_numpy(float)
    g = h.assign(vn=v * n).groupby(keys, sort=True)
    n_tot = g["n"].transform("sum").to_numpy(float)
    mean = g["vn"].transform("sum").to_numpy(float) / n_tot
    h["dev"] = n * (v - mean) ** 2
    h["mean"] = mean
    st = h.groupby(keys, as_index=False, sort=True).agg(
        n=("n", "sum"), mean=("mean", "first"), ss=("dev", "sum")
    )
    var = (st["ss"] / (st["n"] - 1)).where(st["n"] > 1)
    return st[["period", "touchpoint"]].assign(
        metric="kpi_" + st["metric"].astype(str),
        kind="mean",
        a=st["mean"],
        b=var,
        c=st["n"].astype(float),
        value=st["mean"],
    )


def _feedback_stats(feedback, journey, period, tp_order) -> pd.DataFrame:
    fb = feedback[feedback["journey"].astype("string") == journey]
    ts = pd.to_datetime(fb["timestamp"], utc=True, errors="coerce")
    ok = ts.notna().to_numpy()
    fb, ts = fb[ok], ts[ok].dt.tz_convert(None)
    if not len(fb):
        return pd.DataFrame()
    start = ts.dt.to_period(PERIOD_FREQ[period]).dt.start_time
    tp = fb["touchpoint"].astype("string").fillna("")
    tp = tp.where(tp.isin(list(tp_order)), "")
    score = (
        pd.to_numeric(fb["sentiment_score"], errors="coerce").astype(float)
        if "sentiment_score" in fb
        else pd.Series(np.nan, index=fb.index)
    )
    nps = (
        pd.to_numeric(fb["nps"], errors="coerce").astype(float)
        if "nps" in fb
        else pd.Series(np.nan, index=fb.index)
    )
    code = np.where(nps >= 9, 100.0, np.where(nps <= 6, -100.0, 0.0))
    code = pd.Series(np.where(nps.notna(), code, np.nan), index=fb.index)
    d = pd.DataFrame(
        {
            "period": start.to_numpy(),
            "touchpoint": tp.to_numpy(),
            "score": score.to_numpy(),
            "nps": code.to_numpy(),
        }
    )
    # each feedback counts for its touchpoint and for the whole journey
    both = pd.concat([d[d["touchpoint"] != ""], d.assign(touchpoint="")], ignore_index=True)
    g = both.groupby(["period", "touchpoint"], observed=True)
    st = g.agg(
        n=("score", "size"),
        s_mean=("score", "mean"),
        s_var=("score", "var"),
        s_n=("score", "count"),
        p_mean=("nps", "mean"),
        p_var=("nps", "var"),
        p_n=("nps", "count"),
    ).reset_index()
    base = st[["period", "touchpoint"]]
    return pd.concat(
        [
            base.assign(
                metric="feedback", kind="none", a=np.nan, b=np.nan, c=np.nan, value=st["n"]
            ),
            base.assign(
                metric="sentiment",
                kind="mean",
                a=st["s_mean"],
                b=st["s_var"],
                c=st["s_n"],
                value=st["s_mean"],
            ),
            base.assign(
                metric="nps",
                kind="mean",
                a=st["p_mean"],
                b=st["p_var"],
                c=st["p_n"],
                value=st["p_mean"],
            ),
        ],
        ignore_index=True,
    )


def _test_changes(long, period, window, alpha, correction, min_n, eff, level) -> pd.DataFrame:
    long = long.sort_values(["touchpoint", "metric", "period"], kind="stable").reset_index(
        drop=True
    )
    long = long[~((long["kind"] == "mean") & ~(long["c"] > 0))].reset_index(drop=True)
    grp = long.groupby(["touchpoint", "metric"], sort=False)
    prev = grp[["a", "b", "c", "value", "period"]].shift(1)
    has_prev = prev["period"].notna()
    long["change"] = np.nan
    long["p"] = np.nan
    # means (sentiment, nps, kpi_*): Welch t
    m = (long["kind"] == "mean") & has_prev & (long["c"] >= min_n) & (prev["c"] >= min_n)
    w = welch_test(
        prev.loc[m, "a"],
        prev.loc[m, "b"],
        prev.loc[m, "c"],
        long.loc[m, "a"],
        long.loc[m, "b"],
        long.loc[m, "c"],
        level,
    )
    long.loc[m, "change"] = w["diff"].to_numpy()
    long.loc[m, "p"] = w["p"].to_numpy()
    # censoring at the edges of the log (only with events): cases under way when the log
    # starts look like new ones, and recent cases have not had time to complete
    first_cmp = pd.Series(False, index=long.index)
    immature = pd.Series(False, index=long.index)
    if window is not None:
        first = pd.Timestamp(window["lo"]).to_period(PERIOD_FREQ[period]).start_time
        first_cmp = prev["period"] <= first
        immature = _period_end(long["period"], period) > window["hi"] - window["maturity"]
    case_based = (long["kind"] == "prop") | ((long["kind"] == "rate") & (long["touchpoint"] == ""))
    skip = case_based & (first_cmp | ((long["kind"] == "prop") & immature))
    # proportions (completion): two-proportion z
    m = (long["kind"] == "prop") & has_prev & (long["b"] >= min_n) & (prev["b"] >= min_n) & ~skip
    z = two_proportion_test(
        prev.loc[m, "a"], prev.loc[m, "b"], long.loc[m, "a"], long.loc[m, "b"], level
    )
    long.loc[m, "change"] = z["diff"].to_numpy()
    long.loc[m, "p"] = z["p"].to_numpy()
    # volume: Poisson rate per day of the period covered by the data
    m = (long["kind"] == "rate") & has_prev & (long["a"] >= min_n) & (prev["a"] >= min_n) & ~skip
    if m.any() and window is not None:
        e2 = _exposure_days(long.loc[m, "period"], period, window)
        e1 = _exposure_days(prev.loc[m, "period"], period, window)
        r = rate_ratio_test(prev.loc[m, "a"], e1, long.loc[m, "a"], e2)
        long.loc[m, "change"] = r["ratio"].to_numpy()
        long.loc[m, "p"] = r["p"].to_numpy()
    long["p_adj"] = adjust_pvalues(long["p"].to_numpy(), correction)
    size_ok = pd.Series(False, index=long.index)
    is_mean = long["kind"] == "mean"
    kpi = long["metric"].str.startswith("kpi_")
    size_ok |= is_mean & ~kpi & (long["change"].abs() >= long["metric"].map(eff).fillna(np.inf))
    size_ok |= kpi & (long["change"].abs() >= eff["kpi"] * prev["a"].abs())
    size_ok |= (long["kind"] == "prop") & (long["change"].abs() >= eff["completion"])
    ratio = long["change"]
    size_ok |= (long["kind"] == "rate") & ((ratio >= eff["volume"]) | (ratio <= 1 / eff["volume"]))
    long["flag"] = (long["p_adj"] < alpha) & size_ok.fillna(False)
    return long


def _exposure_days(start: pd.Series, period: str, window) -> np.ndarray:
    s = pd.to_datetime(start)
    e = _period_end(s, period)
    lo, hi = window["lo"], window["hi"]
    a = s.where(s > lo, lo)
    b = e.where(e < hi, hi)
    return ((b - a).dt.total_seconds() / 86400).clip(lower=0).to_numpy()
