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


QUICK_WIN_WHATIF_COLUMNS = [
    "owner",
    "journey",
    "touchpoint",
    "metric",
    "kpi",
    "target",
    "better",
    "share_outside_target",
    "sentiment_change",
    "sentiment_change_low",
    "sentiment_change_high",
    "nps_change",
    "nps_change_low",
    "nps_change_high",
    "reason",
    "whatif_sentiment",
    "whatif_nps",
    "whatif_note",
]
"""Columns of :func:`quick_win_whatif`: numbers, a reason code and three display strings."""

WHATIF_TEXT = {
    "en": {
        "sentiment": "{d:+.2f} [{lo:+.2f}, {hi:+.2f}]",
        "nps": "{d:+.0f} points [{lo:+.0f}, {hi:+.0f}]",
        "note": "if {kpi} met its target {op} {target:,g}{unit} ({p:.0%} of events miss it now)",
        "no_kpi_target": "no KPI with a target at this touchpoint",
        "too_few_comments": "{kpi} has a target, but too few comments are matched to events "
        "within and outside it",
        "no_nps": "no NPS answers",
        "other": "; {n} more KPI(s) in whatif.csv",
    },
    "de": {
        "sentiment": "{d:+.2f} [{lo:+.2f}; {hi:+.2f}]",
        "nps": "{d:+.0f} Punkte [{lo:+.0f}; {hi:+.0f}]",
        "note": "wenn {kpi} das Ziel {op} {target:,g}{unit} erreichte (heute verfehlen es "
        "{p:.0%} der Ereignisse)",
        "no_kpi_target": "kein KPI mit Ziel an diesem Touchpoint",
        "too_few_comments": "{kpi} hat ein Ziel, aber zu wenige Kommentare sind Ereignissen "
        "innerhalb und außerhalb des Ziels zugeordnet",
        "no_nps": "keine NPS-Antworten",
        "other": "; {n} weitere(r) KPI in whatif.csv",
    },
}
"""Display strings of :func:`quick_win_whatif` per language (German: decimal commas)."""


def quick_win_whatif(
    quick_wins: pd.DataFrame,
    whatif: pd.DataFrame,
    journey_map: Any = None,
    *,
    language: str = "en",
) -> pd.DataFrame:
    """The what-if beside each quick win: sentiment and NPS if its touchpoint's KPI met target.

    Parameters
    ----------
    quick_wins : DataFrame
        :func:`cjwork.prioritize.quick_wins_by_owner` (``owner``, ``journey``,
        ``touchpoint``), or a :func:`cjwork.prioritize.prioritize_touchpoints` table (then
        only the rows with ``quick_win`` true are used).
    whatif : DataFrame
        :func:`what_if` (``whatif.csv``).
    journey_map : JourneyMap, optional
        Tells a touchpoint without a KPI target (reason ``no_kpi_target``) from one whose
        target has too few matched comments (``too_few_comments``), and gives the KPI's
        display name and unit. Without it every quick win missing from ``whatif`` is
        ``no_kpi_target``.
    language : {"en", "de"}
        Language of ``kpi``, ``whatif_sentiment``, ``whatif_nps`` and ``whatif_note``.

    Returns
    -------
    DataFrame
        :data:`QUICK_WIN_WHATIF_COLUMNS`, one row per quick win in the order (and with the
        index) of ``quick_wins``. Where the touchpoint has several KPIs with a what-if, the
        one with the largest expected sentiment change is shown (``whatif_note`` says how
        many more ``whatif.csv`` holds). Without a what-if the numbers are NaN, ``reason`` is
        ``no_kpi_target`` or ``too_few_comments`` and ``whatif_note`` says it in words;
        ``reason`` is empty when there is a what-if. ``whatif_nps`` says "no NPS answers"
        when the comments have none.
    """
    from cjwork.errors import UsageError
    from cjwork.formatting import format_text

    if language not in WHATIF_TEXT:
        raise UsageError(f"language must be one of {', '.join(WHATIF_TEXT)}, got {language!r}")
    if quick_wins is None or not len(quick_wins):
        return pd.DataFrame(columns=QUICK_WIN_WHATIF_COLUMNS)
    missing = sorted({"journey", "touchpoint"} - set(quick_wins.columns))
    if missing:
        raise UsageError(
            f"quick_win_whatif needs the quick-wins columns {', '.join(missing)} "
            "(pass cjwork.prioritize.quick_wins_by_owner(...))"
        )
    qw = quick_wins
    if "quick_win" in qw.columns:
        qw = qw[qw["quick_win"].fillna(False).astype(bool)]
    wi = whatif if whatif is not None else pd.DataFrame(columns=WHATIF_COLUMNS)
    missing = sorted(set(WHATIF_COLUMNS) - set(wi.columns))
    if missing:
        raise UsageError(
            f"quick_win_whatif needs the what-if columns {', '.join(missing)} "
            "(pass cjwork.loop.whatif.what_if(...) or whatif.csv)"
        )
    text = WHATIF_TEXT[language]

    def say(template: str, **values: Any) -> str:
        return format_text(template, language, **values)

    kpis: dict[tuple[str, str], dict[str, Any]] = {}
    if journey_map is not None:
        for j in journey_map:
            for tp in j.touchpoints:
                kpis[(j.id, tp.id)] = tp.kpis

    def kpi_name(jid: str, tid: str, metric: str) -> tuple[str, str]:
        k = kpis.get((jid, tid), {}).get(metric)
        if k is None:
            return metric, ""
        unit = f" {k.unit}" if k.unit else ""
        return k.label(language), unit

    rows = []
    for _, q in qw.iterrows():
        jid, tid = str(q["journey"]), str(q["touchpoint"])
        cand = wi[(wi["journey"].astype(str) == jid) & (wi["touchpoint"].astype(str) == tid)]
        row: dict[str, Any] = {
            "owner": q.get("owner", ""),
            "journey": jid,
            "touchpoint": tid,
            **{c: np.nan for c in QUICK_WIN_WHATIF_COLUMNS[3:15]},
            "metric": "",
            "kpi": "",
            "better": "",
            "reason": "",
            "whatif_sentiment": "",
            "whatif_nps": "",
            "whatif_note": "",
        }
        if not len(cand):
            targets = kpis.get((jid, tid), {})
            if targets:
                metric = sorted(targets)[0]
                row["metric"], row["kpi"] = metric, kpi_name(jid, tid, metric)[0]
                row["target"], row["better"] = targets[metric].target, targets[metric].better
                row["reason"] = "too_few_comments"
                row["whatif_note"] = say(text["too_few_comments"], kpi=row["kpi"])
            else:
                row["reason"] = "no_kpi_target"
                row["whatif_note"] = text["no_kpi_target"]
            rows.append(row)
            continue
        best = cand.assign(_s=cand["sentiment_change"].astype(float).fillna(-np.inf))
        w = best.sort_values(["_s", "metric"], ascending=[False, True], kind="stable").iloc[0]
        name, unit = kpi_name(jid, tid, str(w["metric"]))
        for c in QUICK_WIN_WHATIF_COLUMNS[3:14]:
            if c in w.index:
                row[c] = w[c]
        row["kpi"] = name
        row["whatif_sentiment"] = (
            say(
                text["sentiment"],
                d=w["sentiment_change"],
                lo=w["sentiment_change_low"],
                hi=w["sentiment_change_high"],
            )
            if pd.notna(w["sentiment_change"])
            else ""
        )
        row["whatif_nps"] = (
            say(text["nps"], d=w["nps_change"], lo=w["nps_change_low"], hi=w["nps_change_high"])
            if pd.notna(w["nps_change"])
            else text["no_nps"]
        )
        note = say(
            text["note"],
            kpi=name,
            op="≤" if w["better"] == "lower" else "≥",
            target=float(w["target"]),
            unit=unit,
            p=float(w["share_outside_target"]),
        )
        if len(cand) > 1:
            note += say(text["other"], n=len(cand) - 1)
        row["whatif_note"] = note
        rows.append(row)
    return pd.DataFrame(rows, columns=QUICK_WIN_WHATIF_COLUMNS, index=qw.index)
