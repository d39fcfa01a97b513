"""Cohorts: customers by the month of their first event × months since, share still active.

Definitions
-----------
cohort
    The calendar month (UTC) of a customer's first event in the given events.
months_since
    0 for the cohort month itself, 1 for the next calendar month, …
active
    ``mode="active"``: the customer has at least one event in that month.
    ``mode="retained"``: the customer has **not churned** by the end of that month, where
    churn is the first event at one of the ``churn_touchpoints`` or with one of the
    ``churn_outcomes`` (e.g. the final bill of a cancellation).
share
    ``active`` over the cohort's customers. Only months up to the last month with events
    are shown (later months are not observed yet).

By group (e.g. persona), every row also carries the ``group``; the cohort sizes are then
per group.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cjwork.errors import UsageError

COHORT_COLUMNS = ["group", "cohort", "months_since", "customers", "active", "share"]
MODES = ("active", "retained")


def _month_index(ts: pd.Series) -> np.ndarray:
    t = pd.to_datetime(ts, utc=True).dt.tz_localize(None)
    return (t.dt.year.to_numpy() * 12 + t.dt.month.to_numpy() - 1).astype(np.int64)


def cohorts(
    events: pd.DataFrame,
    *,
    mode: str = "active",
    churn_touchpoints: Iterable[str] = (),
    churn_outcomes: Iterable[str] = (),
    groups: pd.DataFrame | None = None,
    group_column: str | None = None,
    max_months: int | None = None,
) -> pd.DataFrame:
    """The cohort table.

    Parameters
    ----------
    events : DataFrame
        ``customer_id`` and ``timestamp`` (or ``ts``); for ``mode="retained"`` also
        ``touchpoint`` and/or ``outcome``.
    mode : {"active", "retained"}
    churn_touchpoints, churn_outcomes : iterable of str
        What marks churn for ``mode="retained"`` (at least one of them).
    groups : DataFrame, optional
        ``customer_id`` and ``group_column`` (e.g. personas: ``persona_name``); customers
        not in it are left out.
    group_column : str, optional
        The column of ``groups`` to split by (default: the first column that is not
        ``customer_id``).
    max_months : int, optional
        Show months_since ``0 … max_months`` only.

    Returns
    -------
    DataFrame
        :data:`COHORT_COLUMNS` (``cohort`` as ``YYYY-MM``; ``group`` empty without groups),
        sorted by group, cohort, months_since.
    """
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
    ts_col = "timestamp" if "timestamp" in events.columns else "ts"
    ev = events[events["customer_id"].notna() & events[ts_col].notna()]
    cust = ev["customer_id"].astype(str).to_numpy()
    month = _month_index(ev[ts_col])
    frame = pd.DataFrame({"customer_id": cust, "m": month})
    first = frame.groupby("customer_id", sort=True)["m"].min().rename("cohort")
    last_month = int(month.max()) if len(month) else 0
    if groups is not None:
        gcol = group_column or next(c for c in groups.columns if c != "customer_id")
        gmap = dict(zip(groups["customer_id"].astype(str), groups[gcol].astype(str), strict=False))
        grp = first.index.to_series().map(gmap)
        first = first[grp.notna()]
        grp = grp[grp.notna()]
    else:
        grp = pd.Series("", index=first.index)
    base = pd.DataFrame({"cohort": first, "group": grp})
    sizes = base.groupby(["group", "cohort"]).size().rename("customers")

    if mode == "active":
        act = frame.drop_duplicates().merge(base, left_on="customer_id", right_index=True)
        act["months_since"] = act["m"] - act["cohort"]
        counts = act.groupby(["group", "cohort", "months_since"]).size().rename("active")
    else:
        tps, ocs = set(churn_touchpoints), set(churn_outcomes)
        if not tps and not ocs:
            raise UsageError(
                "mode='retained' needs churn_touchpoints or churn_outcomes (what marks a cancellation)"
            )
        churn = np.zeros(len(ev), dtype=bool)
        if tps and "touchpoint" in ev.columns:
            churn |= ev["touchpoint"].astype(str).isin(tps).to_numpy()
        if ocs and "outcome" in ev.columns:
            churn |= ev["outcome"].astype(str).isin(ocs).to_numpy()
        ch = pd.DataFrame({"customer_id": cust[churn], "m": month[churn]})
        churned = ch.groupby("customer_id")["m"].min().rename("churn")
        b = base.join(churned)
        rows = []
        for g, c in sizes.index:
            sub = b[(b["group"] == g) & (b["cohort"] == c)]["churn"].to_numpy(dtype=float)
            for k in range(0, last_month - c + 1):
                rows.append((g, c, k, int(np.sum(~(sub <= c + k)))))
        counts = pd.DataFrame(rows, columns=["group", "cohort", "months_since", "active"])
        counts = counts.set_index(["group", "cohort", "months_since"])["active"]

    grid = []
    for (g, c), n in sizes.items():
        for k in range(0, last_month - c + 1):
            grid.append((g, c, k, n))
    out = pd.DataFrame(grid, columns=["group", "cohort", "months_since", "customers"])
    out = out.join(counts, on=["group", "cohort", "months_since"])
    out["active"] = out["active"].fillna(0).astype(np.int64)
    out["share"] = out["active"] / out["customers"]
    if max_months is not None:
        out = out[out["months_since"] <= max_months]
    out["cohort"] = [f"{c // 12:04d}-{c % 12 + 1:02d}" for c in out["cohort"]]
    out = out.sort_values(["group", "cohort", "months_since"], kind="mergesort")
    return out[COHORT_COLUMNS].reset_index(drop=True)


def cohort_matrix(table: pd.DataFrame, group: str | None = None) -> pd.DataFrame:
    """Cohort × months_since matrix of ``share`` for one group (default: the first)."""
    if table.empty:
        return pd.DataFrame()
    g = table["group"].iloc[0] if group is None else group
    sub = table[table["group"] == g]
    m = sub.pivot(index="cohort", columns="months_since", values="share")
    return m.sort_index()
