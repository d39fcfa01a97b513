"""Conformance: which cases break the journey as designed (``rules:`` in journeys.yml), and what it costs.

Rules (see :class:`cjwork.journeymap.JourneyRule`)
---------------------------------------------------
``{stages: in_order}``
    Applies to every case. Broken when an event falls in an earlier stage than a stage
    the case had already reached (the customer goes back). Detail: the first step back.
``{stages: no_skip}``
    Applies to every case. Broken when a stage before the furthest stage reached has no
    event. Detail: the skipped stages.
``{after: A, expect: B, within: 48h}``
    Applies to cases that visit ``A`` (any of a list). From the first visit of ``A``, the
    first later event at ``B`` (later in case order) must come within the time given.
    Broken when it comes later, or never (``missing: breach``, the default; with
    ``missing: ignore`` such cases are left out). Detail: the gap in hours, or
    ``no B after A``.

Cost
----
Feedback is placed in cases by :func:`cjwork.journeys.sequences.feedback_cases`. Per rule,
the mean sentiment (and NPS, where given) of feedback in breaking cases minus that in
conforming cases, with Welch's interval and test; p-values adjusted over the rules (Holm).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.journeymap import JourneyMap, JourneyRule
from cjwork.stats import adjust_pvalues, welch_test

DEVIATION_COLUMNS = ["journey", "case_key", "customer_id", "rule", "detail"]
CONFORMANCE_COLUMNS = [
    "journey",
    "rule",
    "kind",
    "description",
    "cases",
    "breaking",
    "share_breaking",
    "sentiment_conform",
    "sentiment_breaking",
    "sentiment_diff",
    "sentiment_low",
    "sentiment_high",
    "sentiment_p",
    "sentiment_p_adjusted",
    "nps_conform",
    "nps_breaking",
    "nps_diff",
    "nps_low",
    "nps_high",
    "nps_p",
    "nps_p_adjusted",
]


def describe_rule(rule: JourneyRule, language: str = "en") -> str:
    """A short sentence for a rule, in German or English."""
    de = language == "de"
    if rule.kind == "in_order":
        return "Stufen in Reihenfolge" if de else "stages in order"
    if rule.kind == "no_skip":
        return "keine Stufe übersprungen" if de else "no stage skipped"
    hours = (rule.within_s or 0) / 3600
    span = f"{hours:g} h" if hours < 48 or hours % 24 else f"{hours / 24:g} d"
    after = " / ".join(rule.after)
    if de:
        return f"nach {after} folgt {rule.expect} binnen {span}"
    return f"after {after}, {rule.expect} within {span}"


def rule_checks(events: pd.DataFrame, jmap: JourneyMap) -> pd.DataFrame:
    """Every (case, rule) pair the rule applies to, with whether the case breaks it.

    Parameters
    ----------
    events : DataFrame
        Case-ordered events (:func:`cjwork.journeys.sequences.case_events`): ``journey``,
        ``case_key``, ``customer_id``, ``ts``, ``pos``, ``touchpoint``, ``stage_idx``.
    jmap : JourneyMap
        The rules come from its journeys.

    Returns
    -------
    DataFrame
        ``journey``, ``case_key``, ``customer_id``, ``rule``, ``broken`` (bool),
        ``detail`` (empty when conforming); journeys in map order, rules in file order,
        cases by key.
    """
    parts = []
    for j in jmap:
        if not j.rules:
            continue
        ev = events[events["journey"] == j.id]
        if ev.empty:
            continue
        ev = ev.sort_values(["case_key", "pos"], kind="mergesort")
        cases = ev.groupby("case_key", sort=True)["customer_id"].first()
        for rule in j.rules:
            if rule.kind == "in_order":
                res = _in_order(ev, j.stages)
            elif rule.kind == "no_skip":
                res = _no_skip(ev, j.stages)
            else:
                res = _max_gap(ev, rule)
            res = res.reindex(cases.index) if rule.kind != "max_gap" else res
            res = res.dropna(subset=["broken"])
            parts.append(
                pd.DataFrame(
                    {
                        "journey": j.id,
                        "case_key": res.index.to_numpy(),
                        "customer_id": cases.reindex(res.index).to_numpy(),
                        "rule": rule.id,
                        "broken": res["broken"].astype(bool).to_numpy(),
                        "detail": res["detail"].fillna("").to_numpy(),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=[*DEVIATION_COLUMNS[:4], "broken", "detail"])
    return pd.concat(parts, ignore_index=True)


def _in_order(ev: pd.DataFrame, stages) -> pd.DataFrame:
    names = [s.id for s in stages]
    prev_max = ev.groupby("case_key", sort=False)["stage_idx"].cummax()
    prev_max = prev_max.groupby(ev["case_key"], sort=False).shift(1)
    back = ev[prev_max.notna() & (ev["stage_idx"] < prev_max)]
    first_back = back.groupby("case_key", sort=True).head(1)
    out = pd.DataFrame(index=pd.Index(ev["case_key"].unique(), name="case_key"))
    out["broken"] = False
    out["detail"] = ""
    if len(first_back):
        pm = prev_max.loc[first_back.index].astype(int)
        out.loc[first_back["case_key"].to_numpy(), "broken"] = True
        out.loc[first_back["case_key"].to_numpy(), "detail"] = [
            f"back to {names[s]} at {t} after reaching {names[m]}"
            for s, t, m in zip(first_back["stage_idx"], first_back["touchpoint"], pm, strict=True)
        ]
    return out


def _no_skip(ev: pd.DataFrame, stages) -> pd.DataFrame:
    names = [s.id for s in stages]
    seen = ev.groupby(["case_key", "stage_idx"], sort=True).size().unstack(fill_value=0) > 0
    seen = seen.reindex(columns=range(len(names)), fill_value=False)
    arr = seen.to_numpy()
    depth = ev.groupby("case_key", sort=True)["stage_idx"].max().reindex(seen.index).to_numpy()
    upto = np.arange(len(names))[None, :] <= depth[:, None]
    skipped = upto & ~arr
    out = pd.DataFrame(index=seen.index)
    out["broken"] = skipped.any(axis=1)
    out["detail"] = [
        "skipped " + ", ".join(names[i] for i in np.flatnonzero(row)) if row.any() else ""
        for row in skipped
    ]
    return out


def _max_gap(ev: pd.DataFrame, rule: JourneyRule) -> pd.DataFrame:
    a = ev[ev["touchpoint"].isin(rule.after)].groupby("case_key", sort=True).head(1)
    a = a.set_index("case_key")[["pos", "ts"]]
    b = ev[ev["touchpoint"] == rule.expect][["case_key", "pos", "ts"]]
    m = b.merge(a, left_on="case_key", right_index=True, suffixes=("", "_a"))
    m = m[m["pos"] > m["pos_a"]].groupby("case_key", sort=True).head(1).set_index("case_key")
    out = pd.DataFrame(index=a.index)
    gap = (m["ts"] - m["ts_a"]).dt.total_seconds().reindex(out.index)
    out["gap_s"] = gap
    late = gap > (rule.within_s or 0)
    never = gap.isna()
    out["broken"] = late | never
    hours = (gap / 3600).round(1)
    out["detail"] = np.where(
        never,
        f"no {rule.expect} after {'/'.join(rule.after)}",
        np.where(late, [f"{h:g} h to {rule.expect}" for h in hours.fillna(0)], ""),
    )
    if rule.missing == "ignore":
        out = out[~never]
    return out[["broken", "detail"]].astype({"broken": object})


def deviations(checks: pd.DataFrame) -> pd.DataFrame:
    """The breaking (case, rule) pairs only: :data:`DEVIATION_COLUMNS`."""
    return checks[checks["broken"].astype(bool)][DEVIATION_COLUMNS].reset_index(drop=True)


def conformance(
    checks: pd.DataFrame,
    jmap: JourneyMap,
    cases: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    *,
    window: str = "14D",
    level: float = 0.95,
    correction: str = "holm",
    language: str = "en",
) -> pd.DataFrame:
    """Per rule: cases it applies to, how many break it, and the sentiment / NPS difference.

    Parameters
    ----------
    checks : DataFrame
        From :func:`rule_checks`.
    jmap : JourneyMap
    cases : DataFrame, optional
        :func:`cjwork.journeys.sequences.case_table`; needed with ``feedback``.
    feedback : DataFrame, optional
        ``customer_id``, ``timestamp``, optional ``journey``, ``sentiment_score`` and/or
        ``nps``.
    window, level, correction, language
        Feedback window after a case, confidence level, p-value correction over the rules,
        language of ``description``.

    Returns
    -------
    DataFrame
        :data:`CONFORMANCE_COLUMNS`, one row per rule (journeys in map order, rules in file
        order); ``sentiment_diff`` / ``nps_diff`` are breaking minus conforming.
    """
    rows = []
    for j in jmap:
        for rule in j.rules:
            c = checks[(checks["journey"] == j.id) & (checks["rule"] == rule.id)]
            n, k = len(c), int(c["broken"].astype(bool).sum())
            rows.append(
                {
                    "journey": j.id,
                    "rule": rule.id,
                    "kind": rule.kind,
                    "description": describe_rule(rule, language),
                    "cases": n,
                    "breaking": k,
                    "share_breaking": k / n if n else np.nan,
                }
            )
    out = pd.DataFrame(rows, columns=CONFORMANCE_COLUMNS[:7])
    for c in CONFORMANCE_COLUMNS[7:]:
        out[c] = np.nan
    if out.empty or feedback is None or cases is None or feedback.empty:
        return out[CONFORMANCE_COLUMNS]
    from cjwork.journeys.sequences import feedback_cases

    placed = feedback_cases(cases, feedback, window=window)
    placed = placed[placed["case_key"].notna()]
    for metric in ("sentiment", "nps"):
        col = "sentiment_score" if metric == "sentiment" else "nps"
        if col not in placed.columns:
            continue
        vals = placed[["case_journey", "case_key", col]].copy()
        vals[col] = pd.to_numeric(vals[col], errors="coerce").astype("float64")
        vals = vals[vals[col].notna()].astype({"case_key": "uint64"})
        stats = []
        for r in out.itertuples():
            c = checks[(checks["journey"] == r.journey) & (checks["rule"] == r.rule)]
            flag = c.set_index("case_key")["broken"].astype(bool)
            v = vals[vals["case_journey"] == r.journey]
            v = v.assign(_b=v["case_key"].map(flag)).dropna(subset=["_b"])
            g0 = v.loc[~v["_b"].astype(bool), col]
            g1 = v.loc[v["_b"].astype(bool), col]
            stats.append((g0.mean(), g0.var(ddof=1), len(g0), g1.mean(), g1.var(ddof=1), len(g1)))
        s = np.array(stats, dtype=float).reshape(-1, 6)
        w = welch_test(s[:, 0], s[:, 1], s[:, 2], s[:, 3], s[:, 4], s[:, 5], level)
        out[f"{metric}_conform"] = s[:, 0]
        out[f"{metric}_breaking"] = s[:, 3]
        out[f"{metric}_diff"] = w["diff"].to_numpy()
        out[f"{metric}_low"] = w["diff_lo"].to_numpy()
        out[f"{metric}_high"] = w["diff_hi"].to_numpy()
        out[f"{metric}_p"] = w["p"].to_numpy()
        out[f"{metric}_p_adjusted"] = adjust_pvalues(w["p"].to_numpy(), correction)
    return out[CONFORMANCE_COLUMNS]


def conformance_table(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    jmap: JourneyMap,
    feedback: pd.DataFrame | None,
    journeys: list[str],
) -> pd.DataFrame:
    """``conformance.csv`` of ``cjwork analyze``: :func:`conformance` for the given journeys."""
    events = events[events["journey"].isin(journeys)]
    table = conformance(rule_checks(events, jmap), jmap, cases, feedback)
    return table[table["journey"].isin(journeys)].reset_index(drop=True)
