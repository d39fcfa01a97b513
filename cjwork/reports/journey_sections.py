"""Report sections on the journey map, process × feedback, priorities and trends.

The report notebook calls one function per cell (cells tagged ``section-map``,
``section-process``, ``section-priorities``, ``section-trends``)::

    tables = sections.report_tables(ws, params)
    sections.show_journey_map(tables, params)
    sections.show_process_feedback(tables, params)
    sections.show_priorities(tables, params)
    sections.show_trends(tables, params)

:func:`report_tables` runs :func:`cjwork.analysis.analyze` for the report's journey — the
same computation ``cjwork analyze`` writes — plus the process × feedback bands from
:mod:`cjwork.journeys.process_feedback`, so the report and the CSV files show the same
numbers. Every ``show_*`` function displays its output under IPython and returns what it
showed (figures as SVG, tables as HTML), so it is testable without Jupyter; the key
figures are recorded for the batch runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from cjwork.markup import escape_markdown
from cjwork.reports import display as d
from cjwork.reports import notebook as nb

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.reports.params import ReportParams

TEXT = {
    "map": {"en": "Journey map", "de": "Journey Map"},
    "process": {"en": "Process × feedback", "de": "Prozess × Feedback"},
    "priorities": {
        "en": "Priorities and owners' actions",
        "de": "Prioritäten und Maßnahmen der Verantwortlichen",
    },
    "trends": {"en": "Trends", "de": "Entwicklung"},
    "matrix": {"en": "Importance × performance", "de": "Wichtigkeit × Leistung"},
    "quick_wins": {"en": "Quick wins by owner", "de": "Quick Wins nach Verantwortlichen"},
    "touchpoints": {"en": "All touchpoints", "de": "Alle Touchpoints"},
    "changes": {
        "en": "Statistically meaningful changes",
        "de": "Statistisch belastbare Veränderungen",
    },
    "no_feedback": {
        "en": "No scored feedback is linked to this journey, so sentiment, importance and categories are empty.",
        "de": "Zu dieser Journey gibt es kein bewertetes, verknüpftes Feedback; Stimmung, Wichtigkeit und Kategorien bleiben leer.",
    },
    "no_process": {
        "en": "No process metric at a touchpoint of this journey could be matched to feedback.",
        "de": "Für keine Prozesskennzahl dieser Journey ließ sich Feedback zuordnen.",
    },
    "no_link": {
        "en": "No process metric is clearly linked to sentiment in this journey.",
        "de": "Keine Prozesskennzahl hängt in dieser Journey deutlich mit der Stimmung zusammen.",
    },
    "no_quick_wins": {
        "en": "No quick win: no touchpoint is both important and performing below the journey's median.",
        "de": "Kein Quick Win: kein Touchpoint ist zugleich wichtig und unter dem Median der Journey.",
    },
    "no_changes": {
        "en": "No statistically meaningful change against the previous {period}.",
        "de": "Keine statistisch belastbare Veränderung gegenüber der Vorperiode ({period}).",
    },
    "method_priorities": {
        "en": (
            "Performance = mean sentiment of the feedback at a touchpoint. Importance = how many {outcome} points "
            "separate customers with a bad from those with a good experience there (penalty + reward from one "
            "regression over all touchpoints, bootstrap CI). Dissatisfier: a bad experience costs at least three "
            "times what a good one gains; delighter: the reverse; unclear: too few voices. Moments of truth are "
            "important and among the busiest third; quick wins are important, below the median and have an owner."
        ),
        "de": (
            "Leistung = mittlere Stimmung des Feedbacks am Touchpoint. Wichtigkeit = wie viele {outcome}-Punkte "
            "Kunden mit schlechter von Kunden mit guter Erfahrung dort trennen (Penalty + Reward aus einer "
            "Regression über alle Touchpoints, Bootstrap-KI). Enttäuschung: eine schlechte Erfahrung kostet mindestens "
            "dreimal so viel, wie eine gute bringt; Begeisterung: umgekehrt; unklar: zu wenige Stimmen. Moments of "
            "Truth sind wichtig und im meistgenutzten Drittel; Quick Wins sind wichtig, unter dem Median und haben "
            "einen Verantwortlichen."
        ),
    },
    "method_trends": {
        "en": (
            "A change against the previous period is flagged only when both periods hold at least 30 observations, "
            "the Holm-corrected p-value (Welch t for means, two-proportion z for completion, Poisson rate test for "
            "volume) is below 0.05 and the change is practically relevant."
        ),
        "de": (
            "Eine Veränderung zur Vorperiode wird nur markiert, wenn beide Perioden mindestens 30 Beobachtungen haben, "
            "der Holm-korrigierte p-Wert (Welch-t für Mittelwerte, Zwei-Anteile-z für Abschluss, Poisson-Test für "
            "Volumen) unter 0,05 liegt und die Änderung praktisch relevant ist."
        ),
    },
}

CATEGORY_TEXT = {
    "de": {
        "dissatisfier": "Enttäuschung",
        "ok": "OK-Faktor",
        "delighter": "Begeisterung",
        "unclear": "unklar",
    },
    "en": {
        "dissatisfier": "dissatisfier",
        "ok": "OK factor",
        "delighter": "delighter",
        "unclear": "unclear",
    },
}


PERIOD_NAMES = {"de": {"week": "Woche", "month": "Monat", "quarter": "Quartal"}}


def period_name(period: str, language: str = "en") -> str:
    """``month`` → ``Monat`` in German; English keeps the parameter's word."""
    return PERIOD_NAMES.get(language, {}).get(period, period)


def _t(key: str, language: str, **kw: Any) -> str:
    entry = TEXT[key]
    return entry.get(language, entry["en"]).format(**kw)


@dataclass
class ReportTables:
    """What the four sections show, computed once per report."""

    journey: str
    touchpoints: pd.DataFrame
    trends: pd.DataFrame
    bands: pd.DataFrame
    effects: pd.DataFrame
    has_feedback: bool
    skipped: list[str] = field(default_factory=list)


def enriched_feedback(ws: Workspace) -> pd.DataFrame | None:
    """``cjwork.text.enrich_feedback(ws)`` when feedback and the text engine are available, else None."""
    if ws.feedback is None or len(ws.feedback) == 0:
        return None
    try:
        from cjwork.text import enrich_feedback
    except ImportError:
        return None
    return enrich_feedback(ws)


def report_tables(
    ws: Workspace,
    params: ReportParams,
    feedback: pd.DataFrame | None = None,
    analysis: dict | None = None,
) -> ReportTables:
    """Compute the sections' tables for ``params.journey``.

    Parameters
    ----------
    ws : Workspace
    params : ReportParams
        Uses ``journey``, ``period`` and ``seed``.
    feedback : DataFrame, optional
        Enriched feedback (default: :func:`enriched_feedback`).
    analysis : dict, optional
        A ready :func:`cjwork.analysis.analyze` result for this journey and period (so a
        notebook that already ran it does not run it twice).
    """
    from cjwork.analysis import analyze
    from cjwork.journeys.process_feedback import process_feedback_effects

    cached = getattr(analysis, "report_tables", None)  # the summary computed them already
    if isinstance(cached, ReportTables) and cached.journey == params.journey:
        return cached
    fb = feedback if feedback is not None else enriched_feedback(ws)
    an = analysis
    if an is None:
        # personas only feed the funnel by persona, which these sections do not show
        no_personas = pd.DataFrame(
            {"customer_id": pd.Series(dtype="string"), "persona_id": pd.Series(dtype="int64")}
        )
        an = analyze(
            ws,
            [params.journey],
            period=params.period,
            feedback=fb,
            personas=no_personas,
            random_state=params.seed,
        )
    tp = an["touchpoints"]
    tp = tp[tp["journey"] == params.journey].reset_index(drop=True)
    tr = an["trends"]
    tr = tr[tr["journey"] == params.journey].reset_index(drop=True)
    if len(tr):
        tr = tr.assign(period=pd.to_datetime(tr["period"]))
    has_fb = fb is not None and "sentiment_score" in fb and len(fb) > 0
    if has_fb and ws.events is not None:
        bands, effects = process_feedback_effects(fb, ws.events, ws.journeys, params.journey)
    else:
        bands, effects = pd.DataFrame(), pd.DataFrame()
    return ReportTables(
        journey=params.journey,
        touchpoints=tp,
        trends=tr,
        bands=bands,
        effects=effects,
        has_feedback=bool(has_fb) and tp["feedback"].fillna(0).sum() > 0,
        skipped=list(getattr(an, "skipped", [])),
    )


def _md(text: str) -> Any:
    """Display Markdown under IPython and return it."""
    md = nb.Markdown(text)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return md
    if get_ipython() is not None:
        display(md)
    return md


def _fmt(v: Any, spec: str, language: str = "en") -> str:
    return "–" if v is None or pd.isna(v) else d.format_text("{v:" + spec + "}", language, v=v)


#: column headings of the process × feedback and the touchpoint tables, by language
COLUMNS = {
    "en": {},
    "de": {
        "reference": "Referenz",
        "worst": "Schlechtestes Band",
        "sentiment": "Stimmung",
        "difference (95% CI)": "Differenz (95-%-KI)",
        "Cohen's d": "Cohen's d",
        "p (Holm)": "p (Holm)",
        "importance (95% CI)": "Wichtigkeit (95-%-KI)",
        "moment of truth": "Moment of Truth",
        "quick win": "Quick Win",
    },
}


def _p_cell(p: Any, language: str) -> str:
    """The table's p-value: ``.3g`` in English; in German like every German p-value
    (``< 0,001``, ``0,25``)."""
    if language != "de":
        return _fmt(p, ".3g")
    if p is None or pd.isna(p):
        return "–"
    return d.format_p(p, "de").removeprefix("p ").removeprefix("= ")


# --------------------------------------------------------------------------- sections


def show_journey_map(tables: ReportTables, params: ReportParams) -> Any:
    """The journey map figure (cards by sentiment and volume, owners, emotion curve)."""
    from cjwork.plots.journey_map import plot_journey_map, stage_emotion

    nb.show_heading(TEXT["map"], params)
    tp = tables.touchpoints
    svg = nb.show_figure(plot_journey_map(tp, language=params.language))
    emo = stage_emotion(tp).dropna(subset=["sentiment"])
    lines = []
    if not tables.has_feedback:
        lines.append(_t("no_feedback", params.language))
    elif len(emo):
        low = emo.loc[emo["sentiment"].idxmin()]
        high = emo.loc[emo["sentiment"].idxmax()]
        if params.language == "de":
            lines.append(
                d.format_text(
                    "Die Stimmung ist in der Phase **{low}** am tiefsten ({lo:+.2f}) "
                    "und in **{high}** am höchsten ({hi:+.2f}).",
                    "de",
                    low=escape_markdown(low["stage_label"]),
                    lo=low["sentiment"],
                    high=escape_markdown(high["stage_label"]),
                    hi=high["sentiment"],
                )
            )
        else:
            lines.append(
                f"Sentiment is lowest in the **{escape_markdown(low['stage_label'])}** stage ({low['sentiment']:+.2f}) "
                f"and highest in **{escape_markdown(high['stage_label'])}** ({high['sentiment']:+.2f})."
            )
    if lines:
        _md("\n\n".join(lines))
    nb.record(
        "stage_emotion",
        emo[["stage", "sentiment", "feedback"]].round(4) if len(emo) else [],
    )
    return svg


def show_process_feedback(tables: ReportTables, params: ReportParams) -> Any:
    """Process metrics × sentiment: the sentences, the band chart of the strongest link, the table."""
    from cjwork.plots.trends import plot_metric_bands

    nb.show_heading(TEXT["process"], params)
    eff = tables.effects
    if eff is None or len(eff) == 0 or tables.bands is None or (tables.bands["n"].sum() == 0):
        return _md(_t("no_process", params.language))
    sig = eff[eff["significant"].astype(bool)]
    if len(sig):
        ordered = sig.sort_values("cohens_d", key=abs, ascending=False)
        if params.language == "de":
            from cjwork.journeys.process_feedback import describe_band_effect

            sentences = [
                _readable_bands(describe_band_effect(r, "de"), r, "de")
                for r in ordered.to_dict("records")
            ]
        else:
            sentences = [
                _readable_bands(r["sentence"], r, "en") for r in ordered.to_dict("records")
            ]
        lines = [f"- {escape_markdown(s)}" for s in sentences]
        _md("\n".join(lines))
        top = sig.loc[sig["cohens_d"].abs().idxmax()]
    else:
        _md(_t("no_link", params.language))
        top = eff.loc[(eff["reference_n"] + eff["worst_n"]).idxmax()]
    ax = plot_metric_bands(
        tables.bands,
        touchpoint=top["touchpoint"],
        metric=top["metric"],
        language=params.language,
    )
    nb.show_figure(ax.figure)
    nb.record(
        "process_feedback_effects",
        eff[["touchpoint", "metric", "diff", "cohens_d", "p_adj", "significant", "sentence"]].round(
            4
        ),
    )
    return nb.show_html(d.table_html(process_table(eff, params.language), language=params.language))


def _readable_bands(sentence: str, row: dict, language: str) -> str:
    """A process sentence with yes/no bands in words (``on_time = 0`` → ``not met``)."""
    from cjwork.reports.findings import band_label

    for key in ("reference_band", "worst_band"):
        raw = str(row.get(key, ""))
        if raw and raw != band_label(raw, language):
            sentence = sentence.replace(raw, band_label(raw, language))
    return sentence


def process_table(effects: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The process × feedback table as shown: one row per (touchpoint, metric) with matched
    feedback, numbers as text in ``language``, columns named in ``language``."""
    from cjwork.journeys.process_feedback import decimal_comma

    lang = language
    shown = effects[effects["reference_n"] + effects["worst_n"] > 0]

    def band(labels: pd.Series, n: pd.Series) -> Any:
        from cjwork.reports.findings import band_label

        labels = labels.map(lambda b: band_label(b, lang))
        if lang != "de":
            return labels + " (n=" + n.astype(str) + ")"
        return [
            f"{decimal_comma(b)} (n={_fmt(k, ',', lang)})" for b, k in zip(labels, n, strict=True)
        ]

    table = pd.DataFrame(
        {
            "touchpoint_name": shown["touchpoint_name"],
            "metric": shown["metric_name"],
            "reference": band(shown["reference_band"], shown["reference_n"]),
            "worst": band(shown["worst_band"], shown["worst_n"]),
            "sentiment": [
                f"{_fmt(a, '+.2f', lang)} → {_fmt(b, '+.2f', lang)}"
                for a, b in zip(shown["reference_sentiment"], shown["worst_sentiment"], strict=True)
            ],
            "difference (95% CI)": [
                f"{_fmt(x, '+.2f', lang)} [{_fmt(lo, '+.2f', lang)}{'; ' if lang == 'de' else ', '}"
                f"{_fmt(hi, '+.2f', lang)}]"
                for x, lo, hi in zip(shown["diff"], shown["diff_lo"], shown["diff_hi"], strict=True)
            ],
            "Cohen's d": [_fmt(x, "+.2f", lang) for x in shown["cohens_d"]],
            "p (Holm)": [_p_cell(x, lang) for x in shown["p_adj"]],
        }
    )
    return table.rename(columns=COLUMNS.get(lang, {}))


def show_priorities(tables: ReportTables, params: ReportParams) -> Any:
    """Priority matrix, the touchpoint table and the quick wins per owner with their action."""
    from cjwork.prioritize import quick_wins_by_owner

    lang = params.language
    nb.show_heading(TEXT["priorities"], params)
    tp = tables.touchpoints
    if not tables.has_feedback:
        return _md(_t("no_feedback", lang))
    outcome = (
        str(tp["outcome"].dropna().iloc[0]).upper()
        if "outcome" in tp and tp["outcome"].notna().any()
        else "NPS"
    )
    if outcome == "NPS":  # one NPS definition: importance is in points of the 0–10 answer
        outcome = "0–10-Antwort (NPS-Frage)" if lang == "de" else "0–10 answer (NPS question)"
    _md(_t("method_priorities", lang, outcome=outcome))
    nb.show_heading(TEXT["matrix"], params, level=3)
    show_priority_matrix(tp, lang)
    nb.show_heading(TEXT["quick_wins"], params, level=3)
    qw = quick_wins_by_owner(tp, language=lang)
    nb.record(
        "quick_wins_by_owner",
        qw[["owner", "touchpoint", "category", "performance", "importance"]].round(4),
    )
    if len(qw):
        nb.show_html(d.table_html(qw[["owner", "touchpoint_name", "action"]], language=lang))
    else:
        _md(_t("no_quick_wins", lang))
    nb.show_heading(TEXT["touchpoints"], params, level=3)
    nb.record(
        "touchpoint_categories", tp[["touchpoint", "category", "moment_of_truth", "quick_win"]]
    )
    return nb.show_html(d.table_html(touchpoint_table(tp, lang), language=lang))


def priority_point_titles(tp: pd.DataFrame, language: str = "en") -> list[str]:
    """One tooltip per touchpoint of the priority matrix (in the plot's point order):
    name, owner, performance, importance, category and the comments behind them."""
    cats = CATEGORY_TEXT.get(language, CATEGORY_TEXT["en"])
    words = (
        ("Leistung", "Wichtigkeit", "Kommentare")
        if language == "de"
        else ("performance", "importance", "comments")
    )
    out = []
    for r in tp.to_dict("records"):
        owner = f" ({r['owner']})" if isinstance(r.get("owner"), str) and r["owner"] else ""
        feedback = r.get("feedback")
        n = int(feedback) if feedback is not None and pd.notna(feedback) else 0
        out.append(
            f"{r.get('touchpoint_name', r['touchpoint'])}{owner} — "
            f"{words[0]} {_fmt(r.get('performance'), '+.2f', language)}, "
            f"{words[1]} {_fmt(r.get('importance'), '.1f', language)}, "
            f"{cats.get(r.get('category'), '–')}, {_fmt(n, ',', language)} {words[2]}"
        )
    return out


def show_priority_matrix(tp: pd.DataFrame, language: str = "en") -> Any:
    """The priority matrix inline, with a tooltip on every touchpoint (hover)."""
    import matplotlib.pyplot as plt

    from cjwork.plots.priority import plot_priority_matrix
    from cjwork.reports.interactive import add_point_titles, inline_svg_html

    ax = plot_priority_matrix(tp, language=language)
    svg = d.figure_svg(ax.figure)
    plt.close(ax.figure)
    shown = tp[tp["performance"].notna() & tp["importance"].notna()]
    svg = add_point_titles(svg, "touchpoints", priority_point_titles(shown, language))
    return nb.show_html(inline_svg_html(svg, d.text(TEXT["matrix"], language)))


def touchpoint_table(tp: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The priorities section's touchpoint table as shown: performance, importance with its
    CI, category, moment of truth and quick win; numbers as text and headings in ``language``."""
    lang = language
    sep = "; " if lang == "de" else ", "
    table = pd.DataFrame(
        {
            "stage_name": tp["stage_name"],
            "touchpoint_name": tp["touchpoint_name"],
            "owner": tp["owner"].fillna("–"),
            "events": tp["events"],
            "feedback": tp["feedback"],
            "performance": [_fmt(x, "+.2f", lang) for x in tp["performance"]],
            "importance (95% CI)": [
                f"{_fmt(x, '.1f', lang)} [{_fmt(lo, '.1f', lang)}{sep}{_fmt(hi, '.1f', lang)}]"
                for x, lo, hi in zip(
                    tp["importance"], tp["importance_lo"], tp["importance_hi"], strict=True
                )
            ],
            "category": _category_cells(tp, lang),
            "moment of truth": tp["moment_of_truth"].map({True: "★", False: ""}),
            "quick win": tp["quick_win"].map({True: "✔", False: ""}),
        }
    )
    return table.rename(columns=COLUMNS.get(lang, {}))


def _category_cells(tp: pd.DataFrame, language: str) -> list[str]:
    """The category as shown; ``unclear`` says why and what it would need (evidence guard):
    ``unklar (12 Kommentare; braucht etwa 40)``."""
    from cjwork.reports.findings import unclear_reason

    cats = CATEGORY_TEXT.get(language, CATEGORY_TEXT["en"])
    out = []
    for r in tp.to_dict("records"):
        cat = r.get("category")
        shown = cats.get(cat, "–") if isinstance(cat, str) else "–"
        if cat == "unclear" and "n_negative" in r and "n_positive" in r:
            why = unclear_reason(r.get("feedback"), r["n_negative"], r["n_positive"], language)
            shown = f"{shown} ({why})"
        out.append(shown)
    return out


def show_trends(tables: ReportTables, params: ReportParams) -> Any:
    """KPI trend lines with flagged changes, and the list of flagged changes."""
    from cjwork.plots.trends import plot_kpi_trends

    lang = params.language
    nb.show_heading(TEXT["trends"], params)
    tr = tables.trends
    if tr is None or len(tr) == 0:
        return _md(_t("no_changes", lang, period=period_name(params.period, lang)))
    metrics = ["volume", "sentiment", "nps", "completion"]
    flagged = tr[tr["significant_change"].astype(bool)]
    kpis = sorted(
        {m for ms in flagged["changed_metrics"] for m in ms.split(", ") if m.startswith("kpi_")}
    )
    shown, kpi_cols = _named_trends(tr, tables, kpis)
    nb.show_figure(plot_kpi_trends(shown, metrics=[*metrics, *kpi_cols], language=lang))
    _md(_t("method_trends", lang))
    nb.record(
        "trend_flags",
        flagged.assign(period=flagged["period"].astype(str))[
            ["period", "touchpoint", "changed_metrics", "change_detail"]
        ],
    )
    if not len(flagged):
        return _md(_t("no_changes", lang, period=period_name(params.period, lang)))
    names = (
        tables.touchpoints.set_index("touchpoint")["touchpoint_name"].to_dict()
        if len(tables.touchpoints)
        else {}
    )
    whole = "gesamte Journey" if lang == "de" else "whole journey"
    table = changes_table(tables, params.period, lang)
    if table.empty:  # (every flag below the evidence guard) the flags as the analysis wrote them
        table = pd.DataFrame(
            {
                "period": flagged["period_label"],
                "touchpoint_name": flagged["touchpoint"].map(
                    lambda t: names.get(t, t) if t else whole
                ),
                "detail": [d.change_detail_text(t, lang) for t in flagged["change_detail"]],
            }
        )
    return nb.show_html(d.table_html(table, language=lang, caption=_t("changes", lang)))


def _named_trends(
    tr: pd.DataFrame, tables: ReportTables, kpis: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The trends for the figure with touchpoint names (not ids) in the legend and the
    process metrics named as in the map (``kpi_wait_s`` → ``Waiting time`` on the axis)."""
    names = (
        tables.touchpoints.set_index("touchpoint")["touchpoint_name"].to_dict()
        if len(tables.touchpoints)
        else {}
    )
    eff = tables.effects
    metric_names: dict[str, str] = {}
    if eff is not None and len(eff):
        for r in eff[["metric", "metric_name"]].drop_duplicates("metric").to_dict("records"):
            if isinstance(r["metric_name"], str) and r["metric_name"]:
                metric_names[f"kpi_{r['metric']}"] = f"kpi_{r['metric_name']}"
    labels = {k: metric_names.get(k, k) for k in kpis}
    if len(set(labels.values())) < len(labels) or len(set(names.values())) < len(names):
        return tr, kpis
    shown = tr.assign(
        touchpoint=tr["touchpoint"].map(lambda v: names.get(v, v) if isinstance(v, str) else v)
    ).rename(columns=labels)
    return shown, [labels[k] for k in kpis]


def changes_table(
    tables: ReportTables, period: str = "month", language: str = "en"
) -> pd.DataFrame:
    """The flagged changes as shown: the period in words, the touchpoint and one sentence
    with the values before and after, the difference, the count it rests on and the p-value
    (:func:`cjwork.reports.findings.journey_findings`, the summary's wording)."""
    from cjwork.i18n import format_period
    from cjwork.reports.findings import journey_findings

    found = journey_findings(
        tables.touchpoints,
        effects=tables.effects,
        trends=tables.trends,
        period=period,
        language=language,
        top=1000,
        per_kind=1000,
    )
    found = found[found["kind"] == "change"]
    if found.empty:
        return pd.DataFrame(columns=["period", "touchpoint_name", "detail"])
    return pd.DataFrame(
        {
            "period": [format_period(p, period, language) for p in found["period"]],
            "touchpoint_name": found["touchpoint_name"].to_numpy(),
            "detail": found["sentence"].to_numpy(),
        }
    )
