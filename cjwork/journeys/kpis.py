"""Process KPIs at touchpoints: every numeric process metric against its target.

For each touchpoint and numeric process metric seen in its events (and every KPI target
of journeys.yml, even without data) the table gives the target and direction from the
map, the number of events with a value (``n``), ``share_within_target`` (events meeting
the target: ``value <= target`` for ``better: lower``, ``value >= target`` for
``better: higher``; empty without a target), ``median``, ``mean`` and ``p90``. For 0/1
metrics such as ``resolved`` with a rate target (0.8 higher) ``mean`` is the rate and
``on_target`` compares it; for other metrics ``on_target`` compares the median.
Per period (:func:`kpis` with ``period=``) the same figures per period of the event time.
"""

from __future__ import annotations

import pandas as pd

from cjwork.journeys.engine import Prepared, period_expr

KPI_COLUMNS = [
    "journey",
    "touchpoint",
    "metric",
    "target",
    "share_within_target",
    "median",
    "better",
    "n",
    "mean",
    "p90",
    "on_target",
]


def kpis(prep: Prepared, journey: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Every numeric process metric per touchpoint vs. the KPI targets of the map.

    Parameters
    ----------
    prep : Prepared
    journey : str, optional
    period : str, optional
        ``week``, ``month``, ``quarter`` …: one row per period as well (column ``period``,
        the period's first day as ``YYYY-MM-DD``).

    Returns
    -------
    DataFrame
        :data:`KPI_COLUMNS` (plus ``period``), sorted by journey, touchpoint (map order),
        metric (and period).
    """
    targets = kpi_targets(prep, journey)
    keys = ["journey", "touchpoint", "metric"] + (["period"] if period else [])
    if prep.metrics:
        prep.register(
            "kpi_targets_src",
            targets.astype({"journey": "string", "touchpoint": "string", "metric": "string"}),
        )
        jw = "WHERE journey = ?" if journey else ""
        pcol = f", CAST({period_expr(period, 'ts')} AS VARCHAR) AS period" if period else ""
        pgrp = ", period" if period else ""
        cols = ", ".join(f'"{m}"' for m in prep.metrics)
        data = prep.df(
            f"""WITH u AS (
                    UNPIVOT (SELECT journey, touchpoint{pcol}, {cols} FROM steps {jw})
                    ON {cols} INTO NAME metric VALUE v)
                SELECT u.journey, u.touchpoint, u.metric{pgrp}, count(*) AS n,
                       quantile_cont(u.v, [0.5, 0.9])[1] AS median, avg(u.v) AS mean, quantile_cont(u.v, [0.5, 0.9])[2] AS p90,
                       avg(CASE WHEN t.better = 'lower' THEN CAST(u.v <= t.target AS DOUBLE)
                                WHEN t.better = 'higher' THEN CAST(u.v >= t.target AS DOUBLE) END) AS share_within_target,
                       bool_and(u.v IN (0, 1)) AS binary
                FROM u LEFT JOIN kpi_targets_src t USING (journey, touchpoint, metric)
                GROUP BY ALL""",
            [journey] if journey else [],
        )
    else:
        data = pd.DataFrame(
            columns=[*keys, "n", "median", "mean", "p90", "share_within_target", "binary"]
        )
    return finish_kpis(prep, data, targets, period)


def kpi_targets(prep: Prepared, journey: str | None) -> pd.DataFrame:
    """KPI targets of the map for the selected journeys (journey, touchpoint, metric, target, better)."""
    targets = prep.jmap.kpis_frame()
    jids = [journey] if journey else prep.journeys
    return targets[targets["journey"].isin(jids)][
        ["journey", "touchpoint", "metric", "target", "better"]
    ]


def finish_kpis(
    prep: Prepared, data: pd.DataFrame, targets: pd.DataFrame, period: str | None
) -> pd.DataFrame:
    """Targets, on_target and order of the KPI statistics (also fed by merged partials)."""
    tpm = prep.tpmap()
    df = data.merge(targets, on=["journey", "touchpoint", "metric"], how="outer")
    df["n"] = df["n"].fillna(0).astype("int64")
    value = df["mean"].where(df["binary"].fillna(False).astype(bool), df["median"])
    on = (value <= df["target"]).where(df["better"] == "lower", value >= df["target"])
    df["on_target"] = on.where(df["target"].notna() & value.notna()).astype("boolean")
    for c in ["target", "share_within_target", "median", "mean", "p90"]:
        df[c] = df[c].astype("float64")
    tp_rank = dict(
        zip(zip(tpm["journey"], tpm["touchpoint"], strict=True), tpm["tp_idx"], strict=True)
    )
    df["_t"] = [tp_rank.get(k, -1) for k in zip(df["journey"], df["touchpoint"], strict=True)]
    df = prep.order_journeys(df).sort_values(
        ["_j", "_t", "metric", *(["period"] if period else [])], kind="mergesort"
    )
    cols = KPI_COLUMNS[:3] + (["period"] if period else []) + KPI_COLUMNS[3:]
    return df[cols].reset_index(drop=True)
