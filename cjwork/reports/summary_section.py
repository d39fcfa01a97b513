"""The report's summary section: the journey's health and its three to five strongest
findings on one screen, each with its number, n, owner, action and a link to the detail.

The notebook's ``section-summary`` cell calls :func:`show_summary`; the numbers come from
:mod:`cjwork.reports.findings` (testable without Jupyter), the rest is rendering. The key
figures and the top pains / delights / quick wins lists follow, collapsed in a
``<details>`` element (the detail a reader opens when needed).

Every value from data goes through :func:`cjwork.markup.escape_html`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from cjwork.formatting import format_text
from cjwork.markup import escape_html
from cjwork.reports import display as d
from cjwork.reports import findings as fnd

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.reports.params import ReportParams

TEXT = {
    "health": {"en": "How the journey is doing", "de": "Wie es der Journey geht"},
    "findings": {"en": "What matters most", "de": "Was am meisten zählt"},
    "nps": {
        "en": "NPS {v:+.0f} (n = {n:,} answers; % promoters − % detractors, −100 … +100)",
        "de": "NPS {v:+.0f} (n = {n:,} Antworten; % Promotoren − % Detraktoren, −100 … +100)",
    },
    "sentiment": {
        "en": "Mean sentiment {v:+.2f} (n = {n:,} comments; −1 … +1)",
        "de": "Mittlere Stimmung {v:+.2f} (n = {n:,} Kommentare; −1 … +1)",
    },
    "completion": {
        "en": "Completion {v:.0%} of {n:,} journey runs",
        "de": "Abschluss {v:.0%} von {n:,} Durchläufen",
    },
    "kpis": {
        "en": "KPIs on target: {on:,} of {total:,}",
        "de": "KPIs im Ziel: {on:,} von {total:,}",
    },
    "worst_kpi": {
        "en": "furthest off: {metric} at {tp}, {share:.0%} of {n:,} within the target {target}",
        "de": "am weitesten davon: {metric} bei {tp}, {share:.0%} von {n:,} im Ziel {target}",
    },
    "owner": {"en": "Owner", "de": "Verantwortlich"},
    "action": {"en": "Action", "de": "Maßnahme"},
    "detail": {"en": "Detail", "de": "Details"},
    "none": {
        "en": "No finding passes the evidence guards (at least {min_n} observations on each "
        "side of a comparison and a significant test); see the sections below.",
        "de": "Kein Befund erfüllt die Mindestanforderungen (mindestens {min_n} Beobachtungen "
        "je Vergleichsgruppe und ein signifikanter Test); siehe die Abschnitte unten.",
    },
    "guard": {
        "en": "Ranked by effect × evidence; each finding rests on at least {min_n} observations "
        "on each side of its comparison and a significant test (Holm-adjusted p < 0.05) where "
        "there is one.",
        "de": "Sortiert nach Effekt × Evidenz; jeder Befund stützt sich auf mindestens {min_n} "
        "Beobachtungen je Vergleichsgruppe und, wo es einen gibt, einen signifikanten Test "
        "(Holm-korrigiert p < 0,05).",
    },
    "more": {
        "en": "Key figures, top pains, delights and quick wins",
        "de": "Kennzahlen, Schmerzpunkte, Begeisterungsfaktoren und Quick Wins",
    },
    "too_few": {"en": "too few to compare", "de": "zu wenige für einen Vergleich"},
}


def _t(key: str, language: str, **values: Any) -> str:
    entry = TEXT[key]
    return format_text(entry.get(language, entry["en"]), language, **values)


def heading_anchor(text: str) -> str:
    """The id nbconvert gives a Markdown heading (spaces become ``-``, URL-quoted)."""
    return quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def section_titles(language: str) -> dict[str, str]:
    """The headings of the sections a finding links to, in ``language``."""
    from cjwork.reports import journey_sections, personas_section

    return {
        "process": d.text(journey_sections.TEXT["process"], language),
        "trends": d.text(journey_sections.TEXT["trends"], language),
        "priorities": d.text(journey_sections.TEXT["priorities"], language),
        "personas": d.text(personas_section.TEXT["heading"], language),
    }


def _finite(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and not math.isfinite(x))


def health_lines(health: dict[str, Any], language: str = "en") -> list[str]:
    """The health figures as short lines of plain text (data values not yet escaped)."""
    lines = []
    if health.get("nps_n") and _finite(health.get("nps")):
        lines.append(_t("nps", language, v=health["nps"], n=health["nps_n"]))
    if health.get("sentiment_n") and _finite(health.get("sentiment")):
        lines.append(_t("sentiment", language, v=health["sentiment"], n=health["sentiment_n"]))
    if health.get("cases") and _finite(health.get("completion")):
        lines.append(_t("completion", language, v=health["completion"], n=health["cases"]))
    if health.get("kpis_total"):
        line = _t("kpis", language, on=health["kpis_on_target"], total=health["kpis_total"])
        w = health.get("worst_kpi")
        if w:
            line += " · " + _t(
                "worst_kpi",
                language,
                metric=w["metric_name"],
                tp=w.get("touchpoint_name", w["touchpoint"]),
                share=w["share_within_target"],
                n=w["n"] or 0,
                target=fnd.format_metric_value(w["target"], w["unit"], language),
            )
        lines.append(line)
    return lines


def summary_html(
    health: dict[str, Any],
    findings: pd.DataFrame,
    language: str = "en",
    min_n: int = fnd.MIN_N,
) -> str:
    """The summary block: health figures, then the ranked findings with owner, action and
    a link to the section with the detail."""
    titles = section_titles(language)
    parts = ['<div class="cjwork-summary">']
    parts.append(
        f'<h3 class="cjwork-summary-h">{escape_html(d.text(TEXT["health"], language))}</h3>'
    )
    parts.append('<ul class="cjwork-health">')
    parts += [f"<li>{escape_html(line)}</li>" for line in health_lines(health, language)]
    parts.append("</ul>")
    parts.append(
        f'<h3 class="cjwork-summary-h">{escape_html(d.text(TEXT["findings"], language))}</h3>'
    )
    if findings is None or findings.empty:
        parts.append(f"<p>{escape_html(_t('none', language, min_n=min_n))}</p>")
    else:
        parts.append('<ol class="cjwork-findings">')
        for r in findings.to_dict("records"):
            title = titles.get(r["section"], "")
            link = (
                f' <a class="cjwork-more" href="#{escape_html(heading_anchor(title))}">'
                f"{escape_html(d.text(TEXT['detail'], language))}: {escape_html(title)}</a>"
                if title
                else ""
            )
            owner = r["owner"] or "–"
            parts.append(
                f'<li class="cjwork-finding" data-kind="{escape_html(r["kind"])}">'
                f'<span class="cjwork-finding-text">{escape_html(r["sentence"])}</span>'
                f'<br><span class="cjwork-owner">{escape_html(d.text(TEXT["owner"], language))}: '
                f"<strong>{escape_html(owner)}</strong></span> · "
                f'<span class="cjwork-action">{escape_html(d.text(TEXT["action"], language))}: '
                f"{escape_html(r['action'])}</span>{link}</li>"
            )
        parts.append("</ol>")
    parts.append(f'<p class="cjwork-note">{escape_html(_t("guard", language, min_n=min_n))}</p>')
    parts.append("</div>")
    return "".join(parts)


def summary_inputs(ws: Workspace, params: ReportParams, analysis: Any) -> dict[str, Any]:
    """Compute what the summary needs: the sections' tables (kept on ``analysis`` for the
    later cells), persona stages (when personas exist), health and findings."""
    from cjwork.reports import journey_sections as sections
    from cjwork.reports import notebook as nb

    tables = sections.report_tables(ws, params, feedback=analysis.feedback, analysis=analysis)
    analysis.report_tables = tables
    stages = None
    personas = nb.shared_personas(ws, params)
    if personas is not None and len(personas):
        from cjwork.personas.journey import persona_journey_experience

        exp = persona_journey_experience(ws, personas, params.journey, feedback=analysis.feedback)
        analysis.persona_experience = exp
        stages = exp["stages"]
    journey = ws.journeys.journey(params.journey)
    eff = tables.effects
    names = (
        {
            (r["touchpoint"], r["metric"]): (r["metric_name"], r["unit"])
            for r in eff[["touchpoint", "metric", "metric_name", "unit"]].to_dict("records")
        }
        if eff is not None and len(eff)
        else {}
    )
    health = fnd.journey_health(
        params.journey,
        feedback=analysis.feedback,
        funnel=analysis.get("funnel"),
        kpis=analysis.get("kpis"),
        names=names,
    )
    if health["worst_kpi"]:
        tp_names = tables.touchpoints.set_index("touchpoint")["touchpoint_name"].to_dict()
        w = health["worst_kpi"]
        w["touchpoint_name"] = tp_names.get(w["touchpoint"], w["touchpoint"])
    findings = fnd.journey_findings(
        tables.touchpoints,
        effects=tables.effects,
        bands=tables.bands,
        trends=tables.trends,
        persona_stages=stages,
        themes=_journey_rows(analysis, "themes", params.journey),
        changes=_journey_rows(analysis, "changes", params.journey),
        journey_owner=journey.owner,
        period=params.period,
        language=params.language,
        top=max(3, min(4, int(params.top_n) + 1)),  # what fits one laptop screen
    )
    return {"tables": tables, "health": health, "findings": findings}


def _journey_rows(analysis: Any, name: str, journey: str) -> pd.DataFrame | None:
    """The rows of ``journey`` in the analysis table ``name`` (``None`` when absent)."""
    df = analysis.get(name) if hasattr(analysis, "get") else None
    if df is None or len(df) == 0 or "journey" not in df:
        return df
    return df[df["journey"] == journey]


def show_summary(ws: Workspace, params: ReportParams, analysis: Any) -> Any:
    """Display the summary (health and ranked findings), record both, then the key figures
    and the lists collapsed; returns the summary's HTML object."""
    from cjwork.reports import notebook as nb

    got = summary_inputs(ws, params, analysis)
    nb.record("health", got["health"])
    nb.record("findings", got["findings"])
    out = nb.show_html(summary_html(got["health"], got["findings"], params.language))
    nb.show_html(details_html(ws, params, analysis))
    return out


def details_html(ws: Workspace, params: ReportParams, analysis: Any) -> str:
    """Key figures (counts beside every change) and the top pains, delights and quick wins,
    in one collapsed ``<details>`` element; the lists are recorded for the batch."""
    from cjwork.reports import notebook as nb
    from cjwork.reports import overview, summary

    lang = params.language
    parts = [
        f'<details class="cjwork-details"><summary>{escape_html(d.text(TEXT["more"], lang))}</summary>'
    ]
    kf = overview.key_figures(ws, params.journey, params.period, analysis.feedback)
    nb.record("key_figures", kf)
    if len(kf):
        parts.append(f"<h4>{escape_html(d.text('key_figures', lang))}</h4>")
        parts.append(key_figures_table(kf, lang))
    tp = analysis["touchpoints"]
    tp = tp[tp["journey"] == params.journey] if "journey" in tp.columns else tp
    lists = {
        "top_pains": summary.top_pains(tp, params.top_n, min_n=fnd.MIN_N),
        "top_delights": summary.top_delights(tp, params.top_n, min_n=fnd.MIN_N),
        "quick_wins": summary.quick_wins(tp, params.top_n, language=lang),
    }
    for key, frame in lists.items():
        nb.record(key, frame)
        if frame.empty:
            continue
        parts.append(f"<h4>{escape_html(d.text(key, lang))}</h4>")
        parts.append(
            d.table_html(
                frame,
                language=lang,
                floats=["performance", "importance"],
                percent=["share_negative"],
            )
        )
    parts.append("</details>")
    return "".join(parts)


def change_with_counts(previous: Any, current: Any, language: str = "en", min_n: int = 0) -> str:
    """A relative change with the counts it rests on: ``+12.0 % (250 → 280)``; with fewer
    than ``min_n`` in either period only the counts (``3 → 2, too few to compare``)."""
    if previous is None or current is None or pd.isna(previous) or pd.isna(current):
        return "–"
    p, c = int(previous), int(current)
    counts = format_text("{p:,} → {c:,}", language, p=p, c=c)
    if min(p, c) < min_n or p == 0:
        return f"{counts}, {d.text(TEXT['too_few'], language)}"
    return f"{d.format_number(c / p - 1, 'change', language)} ({counts})"


def key_figures_table(kf: pd.DataFrame, language: str = "en") -> str:
    """The key figures with every change shown beside its counts (evidence guard)."""
    labels = d.LABELS[language]
    prev, cur = kf["previous_period"].iloc[0], kf["current_period"].iloc[0]
    shown = pd.DataFrame(
        {
            "figure": kf["figure"],
            "total": kf["total"].astype("int64"),
            "change": [
                change_with_counts(p, c, language, fnd.MIN_N)
                for p, c in zip(kf["previous"], kf["current"], strict=True)
            ],
        }
    )
    caption = (
        f"{labels['previous']}: {_period_text(prev, language)} · "
        f"{labels['current']}: {_period_text(cur, language)}"
    )
    return d.table_html(shown, language=language, caption=caption)


def _period_text(label: Any, language: str) -> str:
    """A period label (``2026-08``) as words in ``language`` (``August 2026``) where it is a
    month; other labels (``2026-W32``, ``2026Q3``) as they are."""
    import re

    from cjwork.i18n import format_period

    if not label:
        return "–"
    if re.fullmatch(r"\d{4}-\d{2}", str(label)):
        return format_period(f"{label}-01", "month", language)
    return str(label)
