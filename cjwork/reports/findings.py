"""The report's summary: the journey's health and its strongest findings, ranked.

Pure functions over the tables the report already computed (``cjwork.analysis.analyze``,
the process × feedback effects, persona stage tables); nothing is re-estimated here except
the persona-versus-rest drop-off test. Testable without Jupyter:

>>> rows = journey_findings(touchpoints, effects=effects, trends=trends)  # doctest: +SKIP
>>> rows[["kind", "sentence", "owner", "action"]]                         # doctest: +SKIP

Evidence guards
---------------
* A finding needs at least :data:`MIN_N` observations on **each** side of its comparison
  (comments in each band, comments at a dissatisfier, journey runs of a persona at the stage;
  the trend tests demand 30 per period themselves) and a significant test where there is one
  (Holm-adjusted p < 0.05).
* Findings are ranked by ``score = min(|effect|, 2) × sqrt(min(n, 400) / 400)``: a
  standardised effect (Cohen's d of the band difference; Cohen's h of the drop-off
  difference; the relative change of a KPI, sentiment change / 0.5, NPS change / 50; the
  penalty of a dissatisfier in standard deviations of the 0–10 answer) weighted by the
  evidence behind it (more observations, up to 400, count more). At most ``per_kind``
  findings of one kind are kept so that the summary spans the sections.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cjwork.formatting import format_p, format_text
from cjwork.i18n import format_period

__all__ = [
    "FINDING_COLUMNS",
    "band_label",
    "MIN_N",
    "journey_findings",
    "journey_health",
    "nps_score",
    "unclear_reason",
]

#: the minimum number of observations behind anything the summary ranks or labels
MIN_N = 30
#: the standardised effect above which more effect no longer counts in the ranking
MAX_EFFECT = 2.0
#: observations above which more evidence no longer counts in the ranking
FULL_EVIDENCE_N = 400

FINDING_COLUMNS = [
    "rank",
    "kind",
    "section",
    "touchpoint",
    "touchpoint_name",
    "stage_name",
    "period",
    "owner",
    "value",
    "n",
    "effect",
    "p",
    "score",
    "sentence",
    "action",
]

PHRASES: dict[str, dict[str, str]] = {
    "process": {
        "en": "At {tp}, sentiment drops from {ref:+.2f} to {worst:+.2f} when {metric} is {band} "
        "(n = {n_worst:,} vs {n_ref:,} comments).",
        "de": "Bei {tp} sinkt die Stimmung von {ref:+.2f} auf {worst:+.2f}, wenn {metric} {band} "
        "beträgt (n = {n_worst:,} gegenüber {n_ref:,} Kommentaren).",
    },
    "process_action": {
        "en": "Keep {metric} at {tp} within {ref_band}: {share:.0%} of the {n_all:,} contacts "
        "with feedback were {band}.",
        "de": "{metric} bei {tp} im Bereich {ref_band} halten: {share:.0%} der {n_all:,} Kontakte "
        "mit Feedback lagen bei {band}.",
    },
    "change_up": {
        "en": "{metric} at {tp} rose from {prev} to {cur} ({delta}) {in_when} ({n:,} {noun}; {p}).",
        "de": "{metric} bei {tp} stieg {in_when} von {prev} auf {cur} ({delta}; {n:,} {noun}; {p}).",
    },
    "change_down": {
        "en": "{metric} at {tp} fell from {prev} to {cur} ({delta}) {in_when} ({n:,} {noun}; {p}).",
        "de": "{metric} bei {tp} sank {in_when} von {prev} auf {cur} ({delta}; {n:,} {noun}; {p}).",
    },
    "change_action_target": {
        "en": "Find what changed at {tp} {in_when} and bring {metric} back to its target ({target}).",
        "de": "Ursache der Veränderung bei {tp} {in_when} finden und {metric} wieder ins Ziel "
        "({target}) bringen.",
    },
    "change_action": {
        "en": "Find what changed at {tp} {in_when} and act on it.",
        "de": "Ursache der Veränderung bei {tp} {in_when} finden und gegensteuern.",
    },
    "persona": {
        "en": "{persona} customers leave at {stage} in {value:.0%} of {n:,} journey runs, the "
        "other customers in {rest:.0%} of {n_rest:,}.",
        "de": "Kund:innen der Persona {persona} brechen bei {stage} in {value:.0%} von {n:,} "
        "Durchläufen ab, die anderen Kund:innen in {rest:.0%} von {n_rest:,}.",
    },
    "persona_action": {
        "en": "Call back {persona} customers who stopped at {stage} to learn why, and offer them "
        "an assisted way through that stage.",
        "de": "Kund:innen der Persona {persona}, die bei {stage} abgebrochen haben, zurückrufen, "
        "die Gründe erfragen und ihnen einen begleiteten Weg durch diese Phase anbieten.",
    },
    "top_theme": {
        "en": " Top theme: “{label}” ({share:.0%} of its comments, sentiment {sent:+.2f}).",
        "de": " Hauptthema: „{label}“ ({share:.0%} der Kommentare, Stimmung {sent:+.2f}).",
    },
    "root_cause": {
        "en": " Mostly {dimension} {group} ({share:.0%} of the change).",
        "de": " Vor allem {dimension} {group} ({share:.0%} der Veränderung).",
    },
    "dissatisfier": {
        "en": "{tp} is a dissatisfier: a bad experience lowers the 0–10 recommendation answer by "
        "{penalty:.1f} points, {good}; {neg:.0%} of {n:,} comments are negative.",
        "de": "{tp} ist ein Enttäuschungsfaktor: Eine schlechte Erfahrung senkt die "
        "Weiterempfehlungsantwort (0–10) um {penalty:.1f} Punkte, {good}; {neg:.0%} von {n:,} "
        "Kommentaren sind negativ.",
    },
    "dissatisfier_action": {
        "en": "Remove the most frequent cause in the {n_neg:,} negative comments on {tp} first; "
        "improving what already works elsewhere will not make up for it.",
        "de": "Zuerst die häufigste Ursache in den {n_neg:,} negativen Kommentaren zu {tp} "
        "beseitigen; Verbesserungen an anderer Stelle gleichen sie nicht aus.",
    },
}

NOUNS = {
    "en": {"events": "events", "comments": "comments", "cases": "journey runs"},
    "de": {"events": "Ereignisse", "comments": "Kommentare", "cases": "Durchläufe"},
}

TREND_METRICS = {
    "en": {
        "sentiment": "Mean sentiment",
        "nps": "NPS",
        "completion": "Completion",
        "volume": "Volume",
    },
    "de": {
        "sentiment": "Die mittlere Stimmung",
        "nps": "Der NPS",
        "completion": "Der Abschluss",
        "volume": "Das Volumen",
    },
}

#: which section of the report holds the detail behind each kind of finding
SECTIONS = {
    "process": "process",
    "change": "trends",
    "persona": "personas",
    "dissatisfier": "priorities",
}


def _phrase(key: str, language: str, **values: Any) -> str:
    entry = PHRASES[key]
    return format_text(entry.get(language, entry["en"]), language, **values)


def _num(value: Any, spec: str, language: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format_text("{v:" + spec + "}", language, v=value)


def band_label(text: Any, language: str = "en") -> str:
    """A band label (``> 5 min``, ``≤ 2,5 h``) in the report's language; the bands of a
    yes/no metric (``on_time = 0``) read ``not met`` / ``met``."""
    s = str(text)
    m = re.fullmatch(r"\S+ = ([01])", s)
    if m:
        met = m.group(1) == "1"
        if language == "de":
            return "erfüllt" if met else "nicht erfüllt"
        return "met" if met else "not met"
    if language == "de":
        s = re.sub(r"(?<=\d)\.(?=\d)", ",", s)
        s = s.replace(" h", " Std.") if s.endswith(" h") else s
    return s


def format_metric_value(value: Any, unit: Any, language: str = "en", signed: bool = False) -> str:
    """A KPI value with its unit: seconds as a readable duration, shares as percent, others
    with one decimal and the unit (``4.2 d``); ``signed`` adds the sign (for differences)."""
    from cjwork.reports.display import format_duration

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    if unit == "s":
        if abs(v) < 600:  # up to ten minutes in seconds: "+135 s" reads better than "+2 min"
            out = _num(abs(v), ",.0f", language) + " s"
        else:
            out = format_duration(abs(v), language)
        return (("+" if v >= 0 else "-") + out) if signed else out
    if unit in (None, "") or (isinstance(unit, float) and math.isnan(unit)):
        if abs(v) <= 1.0 and not signed:
            return _num(v, ".0%", language)
        return _num(v, "+.2f" if signed else ".2f", language)
    unit_text = {"d": "Tage" if language == "de" else "d", "h": "Std." if language == "de" else "h"}
    return f"{_num(v, '+.1f' if signed else '.1f', language)} {unit_text.get(unit, unit)}"


def kpi_targets_text(kpis: Iterable[Any], language: str = "en") -> str:
    """A touchpoint's KPI targets for readers: ``Waiting time ≤ 120 s; First-contact
    resolution ≥ 80%`` — metric names from the map (in ``language`` where it gives one),
    values with their units, in map order."""
    parts = []
    for k in kpis:
        name = k.label(language) if hasattr(k, "label") else str(k.name or k.metric)
        sign = "≤" if k.better == "lower" else "≥"
        parts.append(f"{name} {sign} {format_metric_value(k.target, k.unit, language)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- health


def nps_score(answers: Iterable[Any]) -> tuple[float, int]:
    """The Net Promoter Score of 0–10 answers: % promoters (9–10) − % detractors (0–6), on
    −100 … +100, and the number of answers (``nan`` without answers)."""
    a = pd.to_numeric(pd.Series(list(answers), dtype="object"), errors="coerce").dropna()
    if a.empty:
        return float("nan"), 0
    return float(100 * ((a >= 9).mean() - (a <= 6).mean())), len(a)


def journey_health(
    journey: str,
    *,
    feedback: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    kpis: pd.DataFrame | None = None,
    names: dict[tuple[str, str], tuple[str, Any]] | None = None,
) -> dict[str, Any]:
    """The journey's health: NPS (−100 … +100) with n, mean sentiment with n, completion
    with the number of journey runs, and the KPIs against their targets.

    Parameters
    ----------
    journey : str
    feedback : DataFrame, optional
        Enriched feedback (``journey``, ``sentiment_score``, ``nps``).
    funnel : DataFrame, optional
        The ``funnel`` table of :func:`cjwork.analysis.analyze`.
    kpis : DataFrame, optional
        The ``kpis`` table (``share_within_target``, ``median``, ``target``, ``on_target``).
    names : dict, optional
        ``(touchpoint, metric)`` → ``(metric name, unit)`` for the worst KPI's sentence.

    Returns
    -------
    dict
        ``nps``, ``nps_n``, ``sentiment``, ``sentiment_n``, ``completion``, ``cases``,
        ``kpis_total``, ``kpis_on_target`` and ``worst_kpi`` (a dict or ``None``).
    """
    out: dict[str, Any] = {
        "nps": float("nan"),
        "nps_n": 0,
        "sentiment": float("nan"),
        "sentiment_n": 0,
        "completion": float("nan"),
        "cases": 0,
        "kpis_total": 0,
        "kpis_on_target": 0,
        "worst_kpi": None,
    }
    if feedback is not None and len(feedback) and "journey" in feedback:
        fb = feedback[feedback["journey"].astype("string") == journey]
        if "nps" in fb:
            out["nps"], out["nps_n"] = nps_score(fb["nps"])
        if "sentiment_score" in fb:
            s = pd.to_numeric(fb["sentiment_score"], errors="coerce").dropna()
            out["sentiment"], out["sentiment_n"] = (
                (float(s.mean()), len(s)) if len(s) else (float("nan"), 0)
            )
    if funnel is not None and len(funnel):
        f = funnel[funnel["journey"] == journey] if "journey" in funnel else funnel
        if len(f):
            f = f.sort_values("stage_order") if "stage_order" in f else f
            out["cases"] = int(f["reached"].iloc[0])
            out["completion"] = float(f["share_of_start"].iloc[-1])
    if kpis is not None and len(kpis):
        k = kpis[kpis["journey"] == journey] if "journey" in kpis else kpis
        k = k[k["median"].notna() & k["target"].notna()] if "median" in k else k
        if len(k) and "on_target" in k:
            on = k["on_target"].fillna(False).astype(bool)
            out["kpis_total"], out["kpis_on_target"] = len(k), int(on.sum())
            off = k[~on]
            if len(off):
                w = off.sort_values(["share_within_target", "touchpoint"]).iloc[0]
                name, unit = (names or {}).get((w["touchpoint"], w["metric"]), (w["metric"], None))
                out["worst_kpi"] = {
                    "touchpoint": w["touchpoint"],
                    "metric": w["metric"],
                    "metric_name": name,
                    "unit": unit,
                    "median": float(w["median"]),
                    "target": float(w["target"]),
                    "share_within_target": float(w["share_within_target"]),
                    "n": int(w["n"]) if "n" in w and pd.notna(w["n"]) else None,
                }
    return out


# --------------------------------------------------------------------------- findings


def _score(effect: float, n: float) -> float:
    if not (math.isfinite(effect) and math.isfinite(n)):
        return 0.0
    return min(abs(effect), MAX_EFFECT) * math.sqrt(min(n, FULL_EVIDENCE_N) / FULL_EVIDENCE_N)


def _process_findings(
    effects: pd.DataFrame,
    owners: dict[str, str],
    language: str,
    min_n: int,
    bands: pd.DataFrame | None = None,
) -> list[dict]:
    rows = []
    totals = (
        bands.groupby(["touchpoint", "metric"])["n"].sum().to_dict()
        if bands is not None and len(bands) and "n" in bands
        else {}
    )
    if effects is None or effects.empty:
        return rows
    ok = effects[
        effects["significant"].fillna(False).astype(bool)
        & (effects["reference_n"] >= min_n)
        & (effects["worst_n"] >= min_n)
    ]
    for r in ok.to_dict("records"):
        metric = str(r.get("metric_name") or r["metric"])
        band = band_label(r["worst_band"], language)
        n_all = int(totals.get((r["touchpoint"], r["metric"])) or (r["reference_n"] + r["worst_n"]))
        values = {
            "tp": r["touchpoint_name"],
            "metric": metric if language == "de" else metric.lower(),
            "band": band,
            "ref_band": band_label(r["reference_band"], language),
            "ref": float(r["reference_sentiment"]),
            "worst": float(r["worst_sentiment"]),
            "n_ref": int(r["reference_n"]),
            "n_worst": int(r["worst_n"]),
        }
        action_values = {**values, "metric": metric, "share": r["worst_n"] / n_all, "n_all": n_all}
        n = int(r["reference_n"] + r["worst_n"])
        rows.append(
            {
                "kind": "process",
                "touchpoint": r["touchpoint"],
                "touchpoint_name": r["touchpoint_name"],
                "stage_name": r.get("stage_name", ""),
                "owner": owners.get(r["touchpoint"], ""),
                "value": float(r["diff"]),
                "n": n,
                "effect": abs(float(r["cohens_d"])),
                "p": float(r["p_adj"]),
                "sentence": _phrase("process", language, **values),
                "action": _phrase("process_action", language, **action_values),
            }
        )
    return rows


_DETAIL = re.compile(r"(\S+) (\S+) \(p=([^)]+)\)")


def _change_findings(
    trends: pd.DataFrame,
    metric_info: dict[tuple[str, str], dict],
    names: dict[str, str],
    owners: dict[str, str],
    journey_owner: str,
    period: str,
    language: str,
    min_n: int,
) -> list[dict]:
    rows: list[dict] = []
    if trends is None or trends.empty or "significant_change" not in trends:
        return rows
    tr = trends.copy()
    tr["period"] = pd.to_datetime(tr["period"])
    tr["touchpoint"] = tr["touchpoint"].fillna("").astype(str)
    flagged = tr[tr["significant_change"].fillna(False).astype(bool)]
    whole = "der gesamten Journey" if language == "de" else "the whole journey"
    for r in flagged.to_dict("records"):
        tp_id = r["touchpoint"]
        same = tr[(tr["touchpoint"] == tp_id) & (tr["period"] < r["period"])].sort_values("period")
        for m in _DETAIL.finditer(str(r.get("change_detail") or "")):
            metric, _change, p_text = m.groups()
            if metric not in tr.columns:
                continue
            before = same[same[metric].notna()]
            if before.empty:
                continue
            prev_row = before.iloc[-1]
            prev, cur = float(prev_row[metric]), float(r[metric])
            noun = (
                "comments"
                if metric in ("sentiment", "nps")
                else ("cases" if metric == "completion" else "events")
            )
            count_col = {"comments": "feedback", "cases": "cases", "events": "volume"}[noun]
            n_cur = int(r.get(count_col) or 0)
            n_prev = int(prev_row.get(count_col) or 0)
            if min(n_cur, n_prev) < min_n:
                continue
            try:
                p = float(p_text)
            except ValueError:
                p = float("nan")
            tp_name = names.get(tp_id, tp_id) if tp_id else whole
            if metric.startswith("kpi_"):
                info = metric_info.get((tp_id, metric[4:]), {})
                unit = info.get("unit")
                mname = str(info.get("metric_name") or metric[4:])
                effect = abs(cur - prev) / abs(prev) if prev else float("nan")
                rel = (cur - prev) / prev if prev else float("nan")
                delta = format_metric_value(cur - prev, unit, language, signed=True)
                if math.isfinite(rel):
                    delta += ", " + _num(rel, "+.0%", language)
                prev_t = format_metric_value(prev, unit, language)
                cur_t = format_metric_value(cur, unit, language)
                target = info.get("target")
                target_t = (
                    format_metric_value(target, unit, language)
                    if target is not None and pd.notna(target)
                    else None
                )
            else:
                info = {}
                mname = TREND_METRICS.get(language, TREND_METRICS["en"])[metric]
                scale = {"sentiment": 0.5, "nps": 50.0, "completion": 0.5}.get(metric)
                if metric == "volume":
                    effect = abs(math.log(cur / prev)) if prev > 0 and cur > 0 else float("nan")
                else:
                    effect = abs(cur - prev) / scale
                spec = {"sentiment": "+.2f", "nps": "+.0f", "completion": "+.0%"}.get(
                    metric, "+,.0f"
                )
                plain = {"sentiment": "+.2f", "nps": "+.0f", "completion": ".0%"}.get(
                    metric, ",.0f"
                )
                prev_t, cur_t = _num(prev, plain, language), _num(cur, plain, language)
                delta = _num(cur - prev, spec, language)
                if metric == "completion":
                    delta = delta.replace("%", " pp" if language == "en" else "Pp.")
                target_t = None
            when = format_period(r["period"], period, language)
            values = {
                "metric": mname,
                "tp": tp_name,
                "prev": prev_t,
                "cur": cur_t,
                "delta": delta,
                "in_when": _in_period(when, period, language),
                "n": n_cur,
                "noun": NOUNS.get(language, NOUNS["en"])[noun],
                "p": format_p(p, language, ".2g"),
                "target": target_t,
            }
            key = "change_up" if cur > prev else "change_down"
            sentence = _phrase(key, language, **values)
            action = _phrase(
                "change_action_target" if target_t else "change_action", language, **values
            )
            rows.append(
                {
                    "kind": "change",
                    "touchpoint": tp_id,
                    "touchpoint_name": tp_name,
                    "stage_name": "",
                    "owner": owners.get(tp_id, "") if tp_id else journey_owner,
                    "value": cur - prev,
                    "n": n_cur + n_prev,
                    "effect": effect,
                    "p": p,
                    "period": r["period"],
                    "metric": metric,
                    "noun": values["noun"],
                    "sentence": sentence,
                    "action": action,
                }
            )
    return rows


#: Dimensions of ``changes.csv`` in the words of a sentence.
_DIMENSIONS = {
    "en": {"channel": "channel", "persona": "persona", "segment": "segment", "touchpoint": "at"},
    "de": {"channel": "Kanal", "persona": "Persona", "segment": "Segment", "touchpoint": "bei"},
}


def root_cause(
    changes: pd.DataFrame | None,
    row: dict,
    language: str = "en",
    names: dict[str, str] | None = None,
) -> str:
    """The clause naming the group that explains most of a flagged change (``changes.csv``).

    Only dimensions with at least two groups in that change count (a touchpoint reached by
    one channel says nothing); the group with the largest share of the change is named.
    Empty when the change has no breakdown.
    """
    if changes is None or changes.empty or "share_of_change" not in changes:
        return ""
    period = pd.Timestamp(row.get("period"))
    c = changes[
        (pd.to_datetime(changes["period"]) == period)
        & (changes["touchpoint"].fillna("").astype(str) == str(row.get("touchpoint") or ""))
        & (changes["metric"] == row.get("metric"))
    ]
    if c.empty:
        return ""
    groups = c.groupby("dimension")["group"].transform("nunique")
    c = c[(groups >= 2) & c["share_of_change"].notna()]
    if c.empty:
        return ""
    # a cause moves more than its size: its share of the change must exceed its share of
    # the volume afterwards by 20 points (a segment that is 80 % of the calls and 81 % of the
    # change explains nothing)
    size = c["n_after"] / c.groupby("dimension")["n_after"].transform("sum")
    c = c[c["share_of_change"] - size >= 0.2]
    if c.empty:
        return ""
    # the largest share; near-ties (within 5 points) go to the broader grouping
    order = {"channel": 0, "segment": 1, "persona": 2, "touchpoint": 3}
    best_share = float(c["share_of_change"].max())
    near = c[c["share_of_change"] >= best_share - 0.05]
    near = near.assign(_o=near["dimension"].map(order).fillna(9))
    best = near.sort_values(["_o", "share_of_change", "group"], ascending=[True, False, True]).iloc[
        0
    ]
    if not best["share_of_change"] > 0.5:  # no single group explains most of it
        return ""
    dims = _DIMENSIONS.get(language, _DIMENSIONS["en"])
    return _phrase(
        "root_cause",
        language,
        dimension=dims.get(str(best["dimension"]), str(best["dimension"])),
        group=str((names or {}).get(best["group"], best["group"]))
        if best["dimension"] == "touchpoint"
        else str(best["group"]),
        share=float(best["share_of_change"]),
        n=int(best["n_after"]),
        noun=row.get("noun", ""),
    )


def top_theme(themes: pd.DataFrame | None, touchpoint: str, language: str = "en") -> str:
    """The clause naming the theme behind a touchpoint's negative comments (``themes.csv``):
    the largest theme with negative mean sentiment (else none). Empty without themes."""
    if themes is None or themes.empty or "touchpoint" not in themes:
        return ""
    t = themes[(themes["touchpoint"] == touchpoint) & (themes["sentiment"] < 0)]
    if t.empty:
        return ""
    best = t.sort_values(["feedback", "theme"], ascending=[False, True]).iloc[0]
    label = best.get(f"label_{language}") or best.get("label_en") or best.get("label_de")
    return _phrase(
        "top_theme",
        language,
        label=str(label),
        share=float(best["share"]),
        sent=float(best["sentiment"]),
    )


def _in_period(when: str, period: str, language: str) -> str:
    """``in August 2026`` / ``im August 2026``, ``in der Woche ab 03.08.2026``."""
    if language != "de":
        return f"in the {when}" if period == "week" else f"in {when}"
    return f"in der {when}" if period == "week" else f"im {when}"


def _persona_findings(
    stages: pd.DataFrame | None, journey_owner: str, language: str, min_n: int
) -> list[dict]:
    from cjwork.stats import adjust_pvalues, two_proportion_test

    rows: list[dict] = []
    if stages is None or stages.empty or "dropoff" not in stages:
        return rows
    st = stages[stages["dropoff"].notna()].copy()
    if st.empty:
        return rows
    st["dropped"] = st["dropoff"] * st["reached"]
    tot = st.groupby("stage")[["reached", "dropped"]].transform("sum")
    st["rest_n"] = tot["reached"] - st["reached"]
    st["rest_dropped"] = tot["dropped"] - st["dropped"]
    st = st[(st["reached"] >= min_n) & (st["rest_n"] >= min_n)]
    if st.empty:
        return rows
    test = two_proportion_test(st["rest_dropped"], st["rest_n"], st["dropped"], st["reached"])
    st["p"] = test["p"].to_numpy()
    st["p_adj"] = adjust_pvalues(st["p"].to_numpy(), "holm")
    st["rest"] = st["rest_dropped"] / st["rest_n"]
    st["h"] = 2 * np.arcsin(np.sqrt(st["dropoff"].clip(0, 1))) - 2 * np.arcsin(
        np.sqrt(st["rest"].clip(0, 1))
    )
    worse = st[(st["p_adj"] < 0.05) & (st["dropoff"] - st["rest"] >= 0.05)]
    for r in worse.to_dict("records"):
        values = {
            "persona": r["persona_name"],
            "stage": r["stage_name"],
            "value": float(r["dropoff"]),
            "rest": float(r["rest"]),
            "n": int(r["reached"]),
            "n_rest": int(r["rest_n"]),
        }
        rows.append(
            {
                "kind": "persona",
                "touchpoint": "",
                "touchpoint_name": "",
                "stage_name": r["stage_name"],
                "owner": journey_owner,
                "value": float(r["dropoff"] - r["rest"]),
                "n": int(r["reached"] + r["rest_n"]),
                "effect": abs(float(r["h"])),
                "p": float(r["p_adj"]),
                "sentence": _phrase("persona", language, **values),
                "action": _phrase("persona_action", language, **values),
            }
        )
    return rows


def _dissatisfier_findings(tp: pd.DataFrame, language: str, min_n: int) -> list[dict]:
    rows: list[dict] = []
    if tp is None or tp.empty or "category" not in tp:
        return rows
    dis = tp[(tp["category"] == "dissatisfier") & (tp["feedback"].fillna(0) >= min_n)]
    for r in dis.to_dict("records"):
        sd = float(r.get("outcome_sd") or float("nan"))
        penalty = float(r.get("penalty", float("nan")))
        effect = penalty / sd if sd and math.isfinite(sd) and sd > 0 else float("nan")
        n = int(r["feedback"])
        neg = float(r.get("share_negative") or 0.0)
        reward = float(r.get("reward", 0.0) or 0.0)
        reward_lo = float(r.get("reward_lo", float("nan")))
        if not (reward_lo > 0):  # the interval reaches zero: no measurable gain
            good = (
                "eine gute macht keinen messbaren Unterschied"
                if language == "de"
                else "a good one makes no measurable difference"
            )
        else:
            good = format_text(
                "eine gute hebt sie nur um {r:.1f}"
                if language == "de"
                else "a good one raises it by only {r:.1f}",
                language,
                r=reward,
            )
        values = {
            "tp": r["touchpoint_name"],
            "penalty": penalty,
            "good": good,
            "neg": neg,
            "n": n,
            "n_neg": int(r.get("n_negative") or round(neg * n)),
        }
        rows.append(
            {
                "kind": "dissatisfier",
                "touchpoint": r["touchpoint"],
                "touchpoint_name": r["touchpoint_name"],
                "stage_name": r.get("stage_name", ""),
                "owner": r.get("owner") or "",
                "value": penalty,
                "n": n,
                "effect": effect,
                "p": float("nan"),
                "sentence": _phrase("dissatisfier", language, **values),
                "action": _phrase("dissatisfier_action", language, **values),
            }
        )
    return rows


def journey_findings(
    touchpoints: pd.DataFrame,
    *,
    effects: pd.DataFrame | None = None,
    bands: pd.DataFrame | None = None,
    trends: pd.DataFrame | None = None,
    persona_stages: pd.DataFrame | None = None,
    themes: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    journey_owner: str | None = None,
    period: str = "month",
    language: str = "en",
    min_n: int = MIN_N,
    top: int = 5,
    per_kind: int = 2,
) -> pd.DataFrame:
    """The strongest findings of one journey across the report's sections, ranked.

    Parameters
    ----------
    touchpoints : DataFrame
        The journey's rows of the ``touchpoints`` table (names, owners, categories,
        ``penalty``/``reward``/``outcome_sd``).
    effects : DataFrame, optional
        Process × feedback effects (:func:`cjwork.journeys.process_feedback.process_feedback_effects`).
    bands : DataFrame, optional
        The bands of the same call (for the share of contacts in the worst band).
    trends : DataFrame, optional
        The journey's rows of the ``trends`` table (with ``change_detail``).
    persona_stages : DataFrame, optional
        ``stages`` of :func:`cjwork.personas.journey.persona_journey_experience`.
    themes : DataFrame, optional
        The journey's rows of ``themes.csv``: a dissatisfier's sentence names its top theme.
    changes : DataFrame, optional
        The journey's rows of ``changes.csv``: a change's sentence names the group that
        explains most of it.
    journey_owner : str, optional
        Owner of changes to the whole journey and of persona drop-off.
    period : {"month", "week", "quarter"}
    language : {"en", "de"}
    min_n : int
        Minimum observations on each side of a comparison (see the module's docstring).
    top : int
        Findings returned (at most).
    per_kind : int
        At most this many findings of one kind.

    Returns
    -------
    DataFrame
        :data:`FINDING_COLUMNS`, best first (``rank`` 1, 2, …); empty when nothing passes
        the evidence guards.
    """
    tp = touchpoints if touchpoints is not None else pd.DataFrame()
    owners = (
        dict(zip(tp["touchpoint"], tp["owner"].fillna("").astype(str), strict=True))
        if len(tp) and "owner" in tp
        else {}
    )
    names = (
        dict(zip(tp["touchpoint"], tp["touchpoint_name"], strict=True))
        if len(tp) and "touchpoint_name" in tp
        else {}
    )
    stage_of = (
        dict(zip(tp["touchpoint"], tp["stage_name"], strict=True))
        if len(tp) and "stage_name" in tp
        else {}
    )
    eff = effects if effects is not None else pd.DataFrame()
    if len(eff):
        eff = eff.assign(stage_name=eff["touchpoint"].map(stage_of).fillna(""))
    metric_info = (
        {
            (r["touchpoint"], r["metric"]): r
            for r in eff[["touchpoint", "metric", "metric_name", "unit", "target"]].to_dict(
                "records"
            )
        }
        if len(eff)
        else {}
    )
    owner = journey_owner or ""
    rows = (
        _process_findings(eff, owners, language, min_n, bands)
        + _change_findings(
            trends if trends is not None else pd.DataFrame(),
            metric_info,
            names,
            owners,
            owner,
            period,
            language,
            min_n,
        )
        + _persona_findings(persona_stages, owner, language, min_n)
        + _dissatisfier_findings(tp, language, min_n)
    )
    for r in rows:
        if r["kind"] == "change":
            r["sentence"] += root_cause(changes, r, language, names)
        elif r["kind"] == "dissatisfier":
            r["sentence"] += top_theme(themes, r["touchpoint"], language)
    if not rows:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    df = pd.DataFrame(rows)
    if "period" not in df:
        df["period"] = pd.NaT
    df["score"] = [_score(e, n) for e, n in zip(df["effect"], df["n"], strict=True)]
    df["section"] = df["kind"].map(SECTIONS)
    df = df.sort_values(["score", "kind", "touchpoint"], ascending=[False, True, True])
    df = df.groupby("kind", sort=False).head(per_kind).head(top).reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df[FINDING_COLUMNS]


def unclear_reason(
    feedback: Any,
    n_negative: Any = None,
    n_positive: Any = None,
    language: str = "en",
    min_n: int = 10,
) -> str:
    """Why a touchpoint's category is ``unclear``, with the evidence it would need:
    ``"12 comments; needs about 40"``.

    The Kano rule (:func:`cjwork.prioritize.kano_category`) needs at least ``min_n``
    customers with a negative *and* with a positive experience; the comments needed are
    extrapolated from the current shares (rounded to ten). With enough of both the effects
    are still too uncertain to call.
    """

    def count(x: Any) -> float:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return float("nan")
        return v if math.isfinite(v) else float("nan")

    n, neg, pos = count(feedback), count(n_negative), count(n_positive)
    n = 0.0 if math.isnan(n) else n
    n_text = format_text("{n:,}", language, n=int(n))
    if language == "de":
        noun = "Kommentar" if int(n) == 1 else "Kommentare"
    else:
        noun = "comment" if int(n) == 1 else "comments"
    if not (math.isnan(neg) or math.isnan(pos)) and neg >= min_n and pos >= min_n:
        tail = "Effekte noch zu unsicher" if language == "de" else "effects still too uncertain"
        return f"{n_text} {noun}; {tail}"
    if math.isnan(neg) or math.isnan(pos) or n <= 0:
        needed = 2 * min_n
    else:
        scale = max(min_n / max(neg, 0.5), min_n / max(pos, 0.5))
        needed = max(n * scale, 2 * min_n)
    needed_text = format_text("{k:,}", language, k=int(math.ceil(needed / 10.0) * 10))
    if language == "de":
        return f"{n_text} {noun}; braucht etwa {needed_text}"
    return f"{n_text} {noun}; needs about {needed_text}"
