"""What-if: the expected change in sentiment and NPS if a KPI met its target.

For every KPI with a target in ``journeys.yml`` the measured process × feedback relation
(:func:`cjwork.journeys.process_feedback.attach_process_metrics`: each comment joined to the
same customer's event at the touchpoint) splits the comments into those whose experience met
the target and those whose did not. If every event outside the target had met it, and those
customers then felt like the customers within target, the touchpoint's mean sentiment would
change by::

    Δ = p_out · (s_within − s_outside)

with ``p_out`` the share of the touchpoint's **events** outside the target (not of the
comments: unhappy customers comment more often) and ``s`` the mean sentiment of the comments in
each group; the same for NPS (points, from the ±100 promoter/detractor codes). The interval
is the normal approximation ``Δ ± z · p_out · sqrt(var_in / n_in + var_out / n_out)``
(``p_out`` is counted over all events and taken as known). It is an association, not an
experiment: it holds as far as the groups differ only in the KPI.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

WHATIF_COLUMNS = [
    "journey",
    "touchpoint",
    "metric",
    "target",
    "better",
    "share_outside_target",
    "n_within",
    "n_outside",
    "sentiment_now",
    "sentiment_change",
    "sentiment_change_low",
    "sentiment_change_high",
    "nps_now",
    "nps_change",
    "nps_change_low",
    "nps_change_high",
]


def _effect(a: np.ndarray, b: np.ndarray, p_out: float, z: float) -> tuple[float, float, float]:
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan"), float("nan")
    d = p_out * (a.mean() - b.mean())
    se = p_out * np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float(d), float(d - z * se), float(d + z * se)


def what_if(
    feedback: pd.DataFrame,
    events: pd.DataFrame,
    journey_map: Any,
    journeys: Iterable[str] | None = None,
    *,
    tolerance: str = "14D",
    level: float = 0.95,
    min_n: int = 10,
) -> pd.DataFrame:
    """Expected change in sentiment and NPS per touchpoint if each KPI met its target.

    Parameters
    ----------
    feedback : DataFrame
        Scored, linked feedback (``customer_id``, ``timestamp``, ``journey``,
        ``touchpoint``, ``sentiment_score``, optional ``nps``).
    events : DataFrame
        The workspace's events with the metric columns.
    journey_map : JourneyMap
    journeys : iterable of str, optional
    tolerance : str
        How long before a comment its event may lie.
    level : float
        Confidence level of the intervals.
    min_n : int
        Matched comments needed on each side (within / outside the target).

    Returns
    -------
    DataFrame
        :data:`WHATIF_COLUMNS`, one row per (touchpoint, metric with a target) that has
        enough matched comments on both sides, in map order.
    """
    from cjwork.journeys.process_feedback import attach_process_metrics

    z = float(st.norm.ppf(0.5 + level / 2))
    rows = []
    for jid in journeys if journeys is not None else journey_map.journey_ids:
        jour = journey_map.journey(jid)
        kpi_tps = [tp for tp in jour.touchpoints if tp.kpis]
        metrics = sorted({m for tp in kpi_tps for m in tp.kpis if m in events.columns})
        if not metrics:
            continue
        joined = attach_process_metrics(
            feedback, events, journey=jid, metrics=metrics, tolerance=tolerance
        )
        joined = joined[joined["matched"].astype(bool)]
        for tp in kpi_tps:
            ev = events[(events["journey"] == jid) & (events["touchpoint"] == tp.id)]
            fb = joined[joined["touchpoint"] == tp.id]
            for metric, kpi in tp.kpis.items():
                if metric not in events.columns:
                    continue
                v_ev = pd.to_numeric(ev[metric], errors="coerce").dropna().to_numpy(float)
                v_fb = pd.to_numeric(fb[metric], errors="coerce").to_numpy(float)
                ok = ~np.isnan(v_fb)
                if not len(v_ev) or ok.sum() < 2 * min_n:
                    continue
                within_ev = v_ev <= kpi.target if kpi.better == "lower" else v_ev >= kpi.target
                p_out = float(1 - within_ev.mean())
                w = np.where(kpi.better == "lower", v_fb <= kpi.target, v_fb >= kpi.target) & ok
                o = ~w & ok
                if w.sum() < min_n or o.sum() < min_n:
                    continue
                s = pd.to_numeric(fb["sentiment_score"], errors="coerce").to_numpy(float)
                nps = (
                    nps_codes(fb["nps"]).to_numpy(float)
                    if "nps" in fb
                    else np.full(len(fb), np.nan)
                )
                ds = _effect(s[w], s[o], p_out, z)
                dn = _effect(nps[w], nps[o], p_out, z)
                rows.append(
                    {
                        "journey": jid,
                        "touchpoint": tp.id,
                        "metric": metric,
                        "target": kpi.target,
                        "better": kpi.better,
                        "share_outside_target": p_out,
                        "n_within": int(w.sum()),
                        "n_outside": int(o.sum()),
                        "sentiment_now": float(np.nanmean(s[ok])),
                        "sentiment_change": ds[0],
                        "sentiment_change_low": ds[1],
                        "sentiment_change_high": ds[2],
                        "nps_now": float(np.nanmean(nps[ok]))
                        if np.isfinite(nps[ok]).any()
                        else np.nan,
                        "nps_change": dn[0],
                        "nps_change_low": dn[1],
                        "nps_change_high": dn[2],
                    }
                )
    return pd.DataFrame(rows, columns=WHATIF_COLUMNS)


def nps_codes(nps: pd.Series) -> pd.Series:
    """NPS answers as +100 (promoter, 9–10), 0 (passive), −100 (detractor, 0–6); NaN kept."""
    v = pd.to_numeric(nps, errors="coerce").astype(float)
    return pd.Series(np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0)), index=v.index).where(
        v.notna()
    )
