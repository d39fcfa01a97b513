"""Funnels: reach per stage in map order, drop-off, completion — overall and by group.

Definitions
-----------
reached
    Cases whose furthest stage (in map order) is this stage or a later one. The funnel
    is monotone: a case that skips a stage still counts as having passed it. ``visited``
    counts the cases with at least one event in the stage itself.
share_of_start
    ``reached`` over all cases of the journey (every case starts the funnel).
dropoff
    The share of the cases that reached the stage and did **not** reach the next one —
    where customers leave. Empty for the last stage.
completion_rate
    Share of cases that reached the last stage (= ``share_of_start`` of the last stage).

By group (persona, channel, period), each proportion gets a Wilson score interval and
each stage a chi-square test of independence between groups on "went on to the next
stage vs. dropped off" (p-values Holm-adjusted over the stages of a journey). For a named
group, :func:`compare_dropoff` tests it against all other cases with a two-proportion z test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as st

from cjwork.errors import UsageError
from cjwork.journeys.engine import Prepared, period_expr

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

FUNNEL_COLUMNS = [
    "journey",
    "stage",
    "stage_name",
    "stage_order",
    "reached",
    "share_of_start",
    "dropoff",
    "visited",
    "completion_rate",
]
GROUP_COLUMNS = [
    "journey",
    "by",
    "group",
    "stage",
    "stage_order",
    "cases",
    "reached",
    "share_of_start",
    "share_low",
    "share_high",
    "dropoff",
    "dropoff_low",
    "dropoff_high",
    "p_value",
    "p_adjusted",
    "significant",
]
GROUP_KINDS = ("persona", "channel", "period", "custom")


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised; ``n == 0`` → NaN)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = st.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def _stage_frame(prep: Prepared, journey: str | None) -> pd.DataFrame:
    rows = []
    for jid in [journey] if journey else prep.journeys:
        for i, s in enumerate(prep.journey(jid).stages):
            rows.append((jid, s.id, s.name, i))
    return pd.DataFrame(rows, columns=["journey", "stage", "stage_name", "stage_order"])


def depth_counts(
    prep: Prepared, journey: str | None, group_sql: str | None, join_sql: str = ""
) -> pd.DataFrame:
    """Cases per (journey, [group,] depth) and visits per stage — the mergeable partial."""
    where = "WHERE c.journey = ?" if journey else ""
    params = [journey] if journey else []
    g = f", {group_sql} AS grp" if group_sql else ", CAST(NULL AS VARCHAR) AS grp"
    return prep.df(
        f"""SELECT c.journey{g}, c.depth, c.stage_mask, count(*) AS n
            FROM cases c {join_sql} {where} GROUP BY ALL""",
        params,
    )


def _funnel_from_counts(
    counts: pd.DataFrame, stages: pd.DataFrame, keys: list[str]
) -> pd.DataFrame:
    """Reach per stage from case counts per depth (pure pandas on a small frame)."""
    out = []
    for key, grp in counts.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        jid = key[0]
        stg = stages[stages["journey"] == jid]
        if stg.empty:
            continue
        order = stg["stage_order"].to_numpy()
        depth = grp["depth"].to_numpy()
        n = grp["n"].to_numpy()
        reached = (n[None, :] * (depth[None, :] >= order[:, None])).sum(axis=1)
        mask = grp["stage_mask"].to_numpy().astype(np.int64)
        visited = (n[None, :] * ((mask[None, :] >> order[:, None]) & 1)).sum(axis=1)
        frame = stg.copy()
        for k, v in zip(keys, key, strict=True):
            frame[k] = v
        frame["reached"] = reached
        frame["visited"] = visited
        frame["cases"] = n.sum()
        out.append(frame)
    if not out:
        return pd.DataFrame(
            columns=[
                *keys,
                "stage",
                "stage_name",
                "stage_order",
                "reached",
                "visited",
                "cases",
                "continued",
                "share_of_start",
                "dropoff",
                "completion_rate",
            ]
        )
    df = pd.concat(out, ignore_index=True)
    nxt = df.groupby(keys, sort=False, dropna=False)["reached"].shift(-1)
    df["continued"] = nxt
    df["share_of_start"] = df["reached"] / df["cases"]
    with np.errstate(invalid="ignore", divide="ignore"):
        df["dropoff"] = np.where(
            nxt.notna() & (df["reached"] > 0),
            1 - nxt / df["reached"].where(df["reached"] > 0),
            np.nan,
        )
    last = df.groupby(keys, sort=False, dropna=False)["reached"].transform("last")
    df["completion_rate"] = last / df["cases"]
    return df


def funnel(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """The funnel of each selected journey (or of ``journey``): every stage, map order.

    Returns
    -------
    DataFrame
        :data:`FUNNEL_COLUMNS`; stages without events have ``reached`` from later stages
        and ``visited`` 0. A journey without cases has zeros and empty shares.
    """
    return finish_funnel(prep, depth_counts(prep, journey, None), journey)


def finish_funnel(prep: Prepared, counts: pd.DataFrame, journey: str | None) -> pd.DataFrame:
    """The funnel table from case counts per depth (also fed by merged partials)."""
    stages = _stage_frame(prep, journey)
    df = _funnel_from_counts(counts, stages, ["journey"])
    df = stages.merge(
        df.drop(columns=["stage_name"]), on=["journey", "stage", "stage_order"], how="left"
    )
    df["reached"] = df["reached"].fillna(0).astype("int64")
    df["visited"] = df["visited"].fillna(0).astype("int64")
    return df[FUNNEL_COLUMNS].reset_index(drop=True)


def funnel_group_sql(
    prep: Prepared, by: str, groups: pd.DataFrame | None, period: str
) -> tuple[str, str]:
    """SQL for the group of a case (``c``) in :func:`funnel_by`, and the join it needs.

    Returns
    -------
    tuple of str
        The group expression and a ``JOIN`` clause (empty when none is needed).
    """
    if by == "channel":
        if not prep.has_channel:
            raise UsageError("funnel by channel needs a 'channel' column in the events")
        return "coalesce(c.channel, '(none)')", ""
    if by == "period":
        return f"CAST({period_expr(period, 'c.start_ts')} AS VARCHAR)", ""
    if groups is None:
        raise UsageError(
            f"funnel by {by} needs a groups frame with customer_id and the group column"
        )
    col = (
        "persona_id"
        if by == "persona" and "persona_id" in groups.columns
        else [c for c in groups.columns if c != "customer_id"][0]
    )
    frame = pd.DataFrame(
        {"customer_id": groups["customer_id"].astype("string"), "grp": groups[col].astype("string")}
    )
    frame = frame.drop_duplicates("customer_id")
    prep.register("groups_src", frame)
    return "coalesce(g.grp, '(unknown)')", "LEFT JOIN groups_src g ON c.customer_id = g.customer_id"


def funnel_by(
    prep: Prepared,
    by: str = "persona",
    groups: pd.DataFrame | None = None,
    *,
    period: str = "month",
    journey: str | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Funnel per group with Wilson intervals and a chi-square test between groups per stage.

    Parameters
    ----------
    prep : Prepared
    by : {"persona", "channel", "period", "custom"}
        ``persona``/``custom``: a customer attribute from ``groups``; ``channel``: the
        channel of the case's first event; ``period``: the period the case started in.
    groups : DataFrame, optional
        ``customer_id`` plus the group column (``persona_id`` for personas, else the first
        other column). Customers without a group form ``"(unknown)"``.
    period : str
        Period for ``by="period"``.
    journey : str, optional
    level : float
        Confidence level of the intervals.
    alpha : float
        Significance level after Holm adjustment over the stages of a journey.

    Returns
    -------
    DataFrame
        :data:`GROUP_COLUMNS`, one row per journey, group and stage. ``p_value`` tests
        whether the drop-off at the stage differs between groups (chi-square of
        independence on continued vs. dropped per group; empty for the last stage or when
        fewer than two groups reach the stage).
    """
    if by not in GROUP_KINDS:
        raise UsageError(f"by must be one of {', '.join(GROUP_KINDS)}, got '{by}'")
    gsql, join = funnel_group_sql(prep, by, groups, period)
    counts = depth_counts(prep, journey, gsql, join)
    return finish_funnel_by(prep, counts, by, journey, level, alpha)


def finish_funnel_by(
    prep: Prepared,
    counts: pd.DataFrame,
    by: str,
    journey: str | None,
    level: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Funnel per group with intervals and tests from case counts (also fed by merged partials)."""
    stages = _stage_frame(prep, journey)
    df = _funnel_from_counts(counts, stages, ["journey", "grp"]).rename(columns={"grp": "group"})
    if df.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    df["by"] = by
    df["share_low"], df["share_high"] = wilson_interval(df["reached"], df["cases"], level)
    dropped = df["reached"] - df["continued"]
    df["dropoff_low"], df["dropoff_high"] = wilson_interval(
        dropped, df["reached"].where(df["continued"].notna(), 0), level
    )
    pvals = []
    # groups in a fixed order: the chi-square sums its cells in table order, so the p-value's
    # last bits would otherwise follow the order the engine happened to return the groups in
    tested = df[df["continued"].notna()].sort_values("group", kind="mergesort")
    for (jid, stage), grp in tested.groupby(["journey", "stage"], sort=False):
        table = np.vstack(
            [grp["continued"].to_numpy(float), (grp["reached"] - grp["continued"]).to_numpy(float)]
        )
        table = table[:, table.sum(axis=0) > 0]
        p = np.nan
        if table.shape[1] >= 2 and (table.sum(axis=1) > 0).all():
            p = float(st.chi2_contingency(table, correction=False)[1])
        pvals.append((jid, stage, p))
    pv = pd.DataFrame(pvals, columns=["journey", "stage", "p_value"])
    pv["p_adjusted"] = np.nan
    for _, idx in pv.groupby("journey").groups.items():
        pv.loc[idx, "p_adjusted"] = holm(pv.loc[idx, "p_value"].to_numpy())
    df = df.merge(pv, on=["journey", "stage"], how="left")
    df["significant"] = (df["p_adjusted"] < alpha).fillna(False).astype(bool)
    rank = {j: i for i, j in enumerate(prep.journeys)}
    df = df.assign(_j=df["journey"].map(rank)).sort_values(
        ["_j", "group", "stage_order"], kind="mergesort"
    )
    return df[GROUP_COLUMNS].reset_index(drop=True)


def compare_dropoff(
    by_group: pd.DataFrame, group: str, stage: str, journey: str | None = None
) -> dict[str, float]:
    """Two-proportion z test: drop-off at ``stage`` of ``group`` vs. all other groups.

    Parameters
    ----------
    by_group : DataFrame
        Output of :func:`funnel_by` (``dropoff`` and ``reached`` per group).
    group, stage : str
    journey : str, optional
        Needed when ``by_group`` holds several journeys.

    Returns
    -------
    dict
        ``dropoff_group``, ``dropoff_rest``, ``difference``, ``z``, ``p_value``,
        ``n_group``, ``n_rest``.
    """
    d = by_group[by_group["stage"] == stage]
    if journey is not None:
        d = d[d["journey"] == journey]
    if d.empty or group not in set(d["group"]):
        raise UsageError(f"no row for group '{group}' at stage '{stage}'")
    dropped = (d["dropoff"] * d["reached"]).round()
    ing = d["group"] == group
    x1, n1 = float(dropped[ing].sum()), float(d.loc[ing, "reached"].sum())
    x2, n2 = float(dropped[~ing].sum()), float(d.loc[~ing, "reached"].sum())
    p1, p2 = x1 / n1 if n1 else np.nan, x2 / n2 if n2 else np.nan
    pooled = (x1 + x2) / (n1 + n2) if n1 + n2 else np.nan
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if n1 and n2 else np.nan
    z = (p1 - p2) / se if se and se > 0 else np.nan
    p = float(2 * st.norm.sf(abs(z))) if np.isfinite(z) else np.nan
    return {
        "dropoff_group": p1,
        "dropoff_rest": p2,
        "difference": p1 - p2,
        "z": float(z),
        "p_value": p,
        "n_group": n1,
        "n_rest": n2,
    }


def holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    vals = p[ok]
    order = np.argsort(vals, kind="mergesort")
    adj = np.maximum.accumulate((m - np.arange(m)) * vals[order])
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out
