"""Root causes of a change: which channel, persona, segment or touchpoint moved a flagged KPI.

:func:`cjwork.trends.kpi_trends` flags statistically meaningful changes between a period and
the previous one. :func:`change_contributions` explains each flagged change by groups of
the observations behind it:

* ``sentiment`` and ``nps`` — the feedback rows of the period (NPS as +100 promoter,
  0 passive, −100 detractor codes, so a group's mean is its NPS);
* ``kpi_<metric>`` — the events carrying the metric at the touchpoint;
* ``volume`` — events at the touchpoint, or cases started in the journey (per day).

For a mean (sentiment, NPS, KPIs) the change of the whole, ``M1 − M0``, splits exactly into
one contribution per group (a symmetric shift-share, or mix/rate decomposition)::

    mix_g  = (w1_g − w0_g) · ((m0_g + m1_g) / 2 − (M0 + M1) / 2)   # the group grew/shrank
    rate_g = (w0_g + w1_g) / 2 · (m1_g − m0_g)                      # the group itself moved
    contribution_g = mix_g + rate_g,   Σ_g contribution_g = M1 − M0

with ``w`` a group's share of the observations and ``m`` its mean in the period before (0)
and the flagged period (1); a group absent on one side takes its other side's mean (so only
its mix counts). For volume (a count per day) a group's contribution is its own change in
events (or cases) per day, and mix/rate stay empty. ``share_of_change`` is the
contribution over the whole change.

The dimensions: ``channel`` (of the feedback, or of the event), ``persona``
(:func:`cjwork.personas.assign_personas`), ``segment`` (the customers table's ``segment``)
and, for a whole-journey change, ``touchpoint``. Completion changes are not decomposed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cjwork.periods import PERIOD_LENGTH

CHANGE_COLUMNS = [
    "journey",
    "period",
    "touchpoint",
    "metric",
    "dimension",
    "group",
    "n_before",
    "n_after",
    "before",
    "after",
    "mix",
    "rate",
    "contribution",
    "share_of_change",
]
"""Columns of ``changes.csv``, one row per flagged change × metric × dimension × group."""

DIMENSIONS = ("channel", "persona", "segment", "touchpoint")
_OFFSET = {"week": "W-MON", "month": "MS", "quarter": "QS"}


def _period_start(ts: pd.Series, period: str) -> pd.Series:
    t = pd.to_datetime(ts, utc=True, errors="coerce").dt.tz_localize(None)
    if period == "week":
        return t.dt.normalize() - pd.to_timedelta(t.dt.weekday, unit="D")
    if period == "quarter":
        return t.dt.to_period("Q").dt.start_time
    return t.dt.to_period("M").dt.start_time


def _period_days(start: pd.Timestamp, period: str) -> float:
    off = PERIOD_LENGTH[period]
    return float(((start + off) - start) / pd.Timedelta(days=1))


def decompose(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Mix/rate decomposition of the change of a mean between two periods.

    Parameters
    ----------
    before, after : DataFrame
        ``group`` and ``value`` per observation.

    Returns
    -------
    DataFrame
        ``group``, ``n_before``, ``n_after``, ``before``, ``after`` (group means), ``mix``,
        ``rate``, ``contribution``; contributions sum to the change of the overall mean.
    """
    b = before.groupby("group", observed=True)["value"].agg(["size", "mean"])
    a = after.groupby("group", observed=True)["value"].agg(["size", "mean"])
    g = b.add_suffix("_b").join(a.add_suffix("_a"), how="outer")
    n0, n1 = g["size_b"].fillna(0), g["size_a"].fillna(0)
    w0, w1 = n0 / max(n0.sum(), 1), n1 / max(n1.sum(), 1)
    m0 = g["mean_b"].fillna(g["mean_a"])
    m1 = g["mean_a"].fillna(g["mean_b"])
    big_m = (before["value"].mean() + after["value"].mean()) / 2
    mix = (w1 - w0) * ((m0 + m1) / 2 - big_m)
    rate = (w0 + w1) / 2 * (m1 - m0)
    return pd.DataFrame(
        {
            "group": g.index.astype(str),
            "n_before": n0.astype("int64").to_numpy(),
            "n_after": n1.astype("int64").to_numpy(),
            "before": g["mean_b"].to_numpy(),
            "after": g["mean_a"].to_numpy(),
            "mix": mix.to_numpy(),
            "rate": rate.to_numpy(),
            "contribution": (mix + rate).to_numpy(),
        }
    )


def _count_change(before: pd.DataFrame, after: pd.DataFrame, d0: float, d1: float) -> pd.DataFrame:
    b = before.groupby("group", observed=True).size()
    a = after.groupby("group", observed=True).size()
    g = pd.concat([b.rename("b"), a.rename("a")], axis=1).fillna(0)
    return pd.DataFrame(
        {
            "group": g.index.astype(str),
            "n_before": g["b"].astype("int64").to_numpy(),
            "n_after": g["a"].astype("int64").to_numpy(),
            "before": (g["b"] / d0).to_numpy(),
            "after": (g["a"] / d1).to_numpy(),
            "mix": np.nan,
            "rate": np.nan,
            "contribution": (g["a"] / d1 - g["b"] / d0).to_numpy(),
        }
    )


def _nps_codes(nps: pd.Series) -> pd.Series:
    v = pd.to_numeric(nps, errors="coerce")
    return pd.Series(np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0)), index=v.index).where(
        v.notna()
    )


def change_contributions(
    trends: pd.DataFrame,
    *,
    feedback: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    personas: pd.DataFrame | None = None,
    period: str = "month",
    dimensions: Sequence[str] = DIMENSIONS,
) -> pd.DataFrame:
    """The contribution of every group to every significant change of ``trends``.

    The method is in the module docstring of :mod:`cjwork.changes`.

    Parameters
    ----------
    trends : DataFrame
        From :func:`cjwork.trends.kpi_trends` (or ``analyze(...)["trends"]``): ``journey``,
        ``period``, ``touchpoint``, ``significant_change``, ``changed_metrics``.
    feedback : DataFrame, optional
        Scored, linked feedback (``journey``, ``touchpoint``, ``timestamp``,
        ``sentiment_score``, ``nps``, ``channel``, ``customer_id``).
    events : DataFrame, optional
        The workspace's events.
    customers : DataFrame, optional
        ``customer_id`` and ``segment``.
    personas : DataFrame, optional
        ``customer_id``, ``persona_name`` (or ``persona_id``).
    period : {"week", "month", "quarter"}
    dimensions : sequence of str
        Any of ``channel``, ``persona``, ``segment``, ``touchpoint``.

    Returns
    -------
    DataFrame
        :data:`CHANGE_COLUMNS`, sorted by change, metric, dimension and the size of the
        contribution (largest first).
    """
    if trends is None or not len(trends) or "significant_change" not in trends:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    tr = trends.copy()
    tr["period"] = pd.to_datetime(tr["period"])
    tr["touchpoint"] = tr["touchpoint"].fillna("").astype(str)
    flagged = tr[tr["significant_change"].astype(bool)]
    if not len(flagged):
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    group_of = _group_lookup(customers, personas)
    fb = (
        _prepare(feedback, period)
        if feedback is not None and "timestamp" in feedback.columns
        else None
    )
    ev = _prepare(events, period) if events is not None else None
    case_starts = _case_starts(ev) if ev is not None else None
    rows = []
    for _, r in flagged.iterrows():
        jid, tid, p1 = r["journey"], r["touchpoint"], r["period"]
        same = tr[(tr["journey"] == jid) & (tr["touchpoint"] == tid) & (tr["period"] < p1)]
        for metric in [
            m.strip() for m in str(r.get("changed_metrics", "")).split(",") if m.strip()
        ]:
            col = metric if metric in tr.columns else None
            prev = same[same[col].notna()] if col else same
            if not len(prev):
                continue
            p0 = prev["period"].max()
            obs = _observations(metric, jid, tid, fb, ev, case_starts)
            if obs is None or not len(obs):
                continue
            before, after = obs[obs["_period"] == p0], obs[obs["_period"] == p1]
            for dim in dimensions:
                if dim == "touchpoint" and tid:
                    continue
                key = _dimension(obs, dim, group_of)
                if key is None:
                    continue
                b = pd.DataFrame({"group": key.loc[before.index], "value": before["_value"]})
                a = pd.DataFrame({"group": key.loc[after.index], "value": after["_value"]})
                if metric == "volume":
                    part = _count_change(b, a, _period_days(p0, period), _period_days(p1, period))
                else:
                    part = decompose(b.dropna(subset=["value"]), a.dropna(subset=["value"]))
                total = part["contribution"].sum()
                part["share_of_change"] = part["contribution"] / total if total else np.nan
                part.insert(0, "dimension", dim)
                part.insert(0, "metric", metric)
                part.insert(0, "touchpoint", tid)
                part.insert(0, "period", p1.strftime("%Y-%m-%d"))
                part.insert(0, "journey", jid)
                part["_abs"] = part["contribution"].abs()
                rows.append(part.sort_values("_abs", ascending=False, kind="stable"))
    if not rows:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    return pd.concat(rows, ignore_index=True)[CHANGE_COLUMNS]


def _prepare(df: pd.DataFrame, period: str) -> pd.DataFrame:
    out = df.copy()
    out["_period"] = _period_start(out["timestamp"], period)
    for c in ("journey", "touchpoint"):
        if c in out:
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out


def _case_starts(ev: pd.DataFrame) -> pd.DataFrame | None:
    if "case_id" not in ev:
        return None
    key = ev["case_id"].astype(str)
    first = (
        ev.assign(_k=key).sort_values("timestamp", kind="stable").drop_duplicates(["journey", "_k"])
    )
    return first


def _observations(metric, jid, tid, fb, ev, case_starts) -> pd.DataFrame | None:
    if metric in ("sentiment", "nps"):
        if fb is None:
            return None
        d = fb[fb["journey"] == jid]
        if tid:
            d = d[d["touchpoint"] == tid]
        d = d.copy()
        d["_value"] = (
            pd.to_numeric(d["sentiment_score"], errors="coerce")
            if metric == "sentiment"
            else _nps_codes(d["nps"])
            if "nps" in d
            else np.nan
        )
        return d
    if ev is None:
        return None
    if metric == "volume":
        if tid:
            d = ev[(ev["journey"] == jid) & (ev["touchpoint"] == tid)].copy()
        elif case_starts is not None:
            d = case_starts[case_starts["journey"] == jid].copy()
        else:
            return None
        d["_value"] = 1.0
        return d
    if metric.startswith("kpi_"):
        m = metric[4:]
        if m not in ev:
            return None
        d = ev[(ev["journey"] == jid) & ((ev["touchpoint"] == tid) if tid else True)].copy()
        d["_value"] = pd.to_numeric(d[m], errors="coerce")
        return d[d["_value"].notna()]
    return None  # completion: not decomposed


def _group_lookup(customers, personas) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if personas is not None and len(personas) and "customer_id" in personas:
        col = "persona_name" if "persona_name" in personas else "persona_id"
        out["persona"] = personas.drop_duplicates("customer_id").set_index("customer_id")[col]
    if customers is not None and "segment" in customers and "customer_id" in customers:
        out["segment"] = customers.drop_duplicates("customer_id").set_index("customer_id")[
            "segment"
        ]
    return out


def _dimension(obs: pd.DataFrame, dim: str, group_of: dict[str, pd.Series]) -> pd.Series | None:
    if dim in ("channel", "touchpoint"):
        if dim not in obs:
            return None
        return obs[dim].astype(object).where(obs[dim].notna(), "(unknown)").astype(str)
    if dim not in group_of or "customer_id" not in obs:
        return None
    v = obs["customer_id"].map(group_of[dim])
    return v.astype(object).where(v.notna(), "(unknown)").astype(str)


def top_contributors(changes: pd.DataFrame, n: int = 1) -> pd.DataFrame:
    """The ``n`` largest contributions per change, metric and dimension."""
    if not len(changes):
        return changes
    return (
        changes.assign(_abs=changes["contribution"].abs())
        .sort_values("_abs", ascending=False, kind="stable")
        .groupby(["journey", "period", "touchpoint", "metric", "dimension"], sort=False)
        .head(n)
        .drop(columns="_abs")
        .reset_index(drop=True)
    )
