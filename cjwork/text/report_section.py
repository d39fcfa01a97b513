"""The journey report's feedback section: the emotional journey with CI bands, the
touchpoint sentiment table and PII-masked quotes.

A thin display layer over :mod:`cjwork.text.aggregate` (the numbers, testable without
Jupyter); the report notebook calls :func:`show_feedback` in its ``section-feedback`` cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cjwork.markup import escape_markdown
from cjwork.text.aggregate import emotional_journey, link_coverage, quotes, sentiment_summary
from cjwork.text.pii import mask_pii

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.reports.params import ReportParams

TEXT = {
    "heading": {"en": "Voice of the customer", "de": "Stimme der Kund:innen"},
    "curve": {"en": "Emotional journey", "de": "Emotionale Journey"},
    "table": {"en": "Sentiment per touchpoint", "de": "Sentiment je Touchpoint"},
    "quotes": {"en": "What customers say", "de": "Was Kund:innen sagen"},
    "none": {"en": "No feedback on this journey.", "de": "Kein Feedback zu dieser Journey."},
    "links": {
        "en": "{n:,} comments on this journey; linked explicitly {explicit:.0%}, by the last event {event:.0%}, by their words {text:.0%}, by the model {model:.0%}. Bands: 95% confidence intervals. Personal data in quotes is masked.",
        "de": "{n:,} Kommentare zu dieser Journey; zugeordnet explizit {explicit:.0%}, über das letzte Ereignis {event:.0%}, über ihre Wörter {text:.0%}, über das Modell {model:.0%}. Bänder: 95-%-Konfidenzintervalle. Personenbezogene Daten in Zitaten sind maskiert.",
    },
}
COLUMNS = {
    "en": {
        "touchpoint_name": "Touchpoint",
        "stage_name": "Stage",
        "n": "Comments",
        "mean": "Sentiment",
        "share_negative": "Negative",
        "ci_low": "CI low",
        "ci_high": "CI high",
    },
    "de": {
        "touchpoint_name": "Touchpoint",
        "stage_name": "Phase",
        "n": "Kommentare",
        "mean": "Sentiment",
        "share_negative": "Negativ",
        "ci_low": "KI unten",
        "ci_high": "KI oben",
    },
}
QUOTE_KIND = {
    "en": {"negative": "most negative", "positive": "most positive", "typical": "typical"},
    "de": {"negative": "am negativsten", "positive": "am positivsten", "typical": "typisch"},
}


def _t(key: str, lang: str, **kw) -> str:
    from cjwork.reports.display import format_text

    entry = TEXT[key]
    return format_text(entry.get(lang, entry["en"]), lang, **kw)


def feedback_section_tables(
    ws: Workspace,
    journey: str,
    feedback: pd.DataFrame,
    personas: pd.DataFrame | None = None,
    random_state: int = 0,
) -> dict[str, pd.DataFrame]:
    """The section's numbers: ``curve`` (emotional journey, per persona when given),
    ``touchpoints`` (summary in map order), ``quotes`` (masked) and ``coverage``."""
    fb = feedback[feedback["journey"].astype("string") == journey]
    curve = emotional_journey(
        fb, ws.journeys, journey, personas=personas, random_state=random_state
    )
    tps = ws.journeys.touchpoints_frame()
    tps = tps[tps["journey"] == journey][["stage_name", "touchpoint", "touchpoint_name"]]
    summ = sentiment_summary(fb, by="touchpoint")
    table = tps.merge(summ, on="touchpoint", how="left")
    table["n"] = table["n"].fillna(0).astype(int)
    q = quotes(fb, n=3)
    q = q.merge(tps[["touchpoint", "touchpoint_name"]], on="touchpoint", how="left")
    return {
        "curve": curve,
        "touchpoints": table,
        "quotes": q,
        "coverage": link_coverage(fb) if len(fb) else link_coverage(feedback.iloc[0:0]),
    }


def show_feedback(ws: Workspace, params: ReportParams, analysis: Any = None) -> Any:
    """Display the section (uses ``analysis.feedback`` when the report computed it)."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    from cjwork.plots.emotion import plot_emotion_curve
    from cjwork.reports import display as d
    from cjwork.reports import notebook as nb

    lang = params.language
    nb.show_heading(TEXT["heading"], params)
    feedback = getattr(analysis, "feedback", None)
    if feedback is None and ws.feedback is not None and len(ws.feedback):
        from cjwork.text import enrich_feedback

        feedback = enrich_feedback(ws, random_state=params.seed)
    if feedback is None or not (feedback["journey"].astype("string") == params.journey).any():
        return display(Markdown(_t("none", lang)))
    personas = getattr(analysis, "personas", None)
    tables = feedback_section_tables(
        ws, params.journey, feedback, personas=personas, random_state=params.seed
    )
    cov = tables["coverage"].set_index("method")["share"]
    display(
        Markdown(
            _t(
                "links",
                lang,
                n=int(tables["coverage"]["n"].sum()),
                **{m: float(cov.get(m, 0.0)) for m in ("explicit", "event", "text", "model")},
            )
        )
    )

    nb.show_heading(TEXT["curve"], params, level=3)
    curve = tables["curve"]
    has_personas = curve["persona"].nunique() > 1
    # the whole journey above, one curve per persona below (side by side, the touchpoint
    # labels of a long journey leave each panel too narrow)
    fig, axes = plt.subplots(
        2 if has_personas else 1, 1, figsize=(9, 8.5 if has_personas else 4), squeeze=False
    )
    plot_emotion_curve(curve, ax=axes[0, 0], language=lang)
    if has_personas:
        plot_emotion_curve(
            curve[curve["persona"] != "all"],
            hue="persona",
            lower="__none__",
            upper="__none__",
            ax=axes[1, 0],
            language=lang,
        )
    fig.tight_layout()
    nb.show_figure(fig)  # scales to the page like every other figure; closes it
    nb.record(
        "emotion_curve",
        curve[curve["persona"] == "all"][["stage", "touchpoint", "n", "mean", "ci_low", "ci_high"]],
    )

    nb.show_heading(TEXT["table"], params, level=3)
    labels = COLUMNS.get(lang, COLUMNS["en"])
    table = tables["touchpoints"][
        ["stage_name", "touchpoint_name", "n", "mean", "share_negative", "ci_low", "ci_high"]
    ]
    nb.record("touchpoint_sentiment", tables["touchpoints"])
    display(
        HTML(
            d.table_html(
                table.rename(columns=labels),
                language=lang,
                percent=[labels["share_negative"]],
                floats=[labels["mean"], labels["ci_low"], labels["ci_high"]],
            )
        )
    )

    nb.show_heading(TEXT["quotes"], params, level=3)
    q = tables["quotes"]
    kinds = QUOTE_KIND.get(lang, QUOTE_KIND["en"])
    lines = [
        d.format_text(
            "- **{name}** ({kind}, {score:+.2f}): “{quote}”",
            lang,
            name=escape_markdown(r.touchpoint_name),
            kind=kinds[r.kind],
            score=r.sentiment_score,
            quote=escape_markdown(mask_pii(r.quote)),
        )
        for r in q.itertuples()
    ]
    return display(Markdown("\n".join(lines) if lines else _t("none", lang)))
