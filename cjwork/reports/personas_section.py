"""The journey report's personas section: who travels this journey and where each persona's
experience differs (reach / drop-off and sentiment by persona per stage).

A thin display layer over :func:`cjwork.personas.journey.persona_journey_experience` (the
numbers, testable without Jupyter) with the persona assignments the batch computed once
(:func:`cjwork.reports.notebook.shared_personas`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cjwork.markup import escape_markdown

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.reports.params import ReportParams

TEXT = {
    "heading": {"en": "Personas on this journey", "de": "Personas auf dieser Journey"},
    "who": {"en": "Who travels this journey", "de": "Wer diese Journey geht"},
    "stages": {"en": "Where their experience differs", "de": "Wo sich ihr Erleben unterscheidet"},
    "none": {
        "en": "No personas: the workspace has no customer attributes to find them in.",
        "de": "Keine Personas: Der Workspace enthält keine Kundenmerkmale.",
    },
    "dropoff": {
        "en": "- **{persona}** leaves at **{stage}** in {value:.0%} of the runs that reach it, the other customers in {rest:.0%} ({n:,} runs).",
        "de": "- **{persona}** bricht bei **{stage}** in {value:.0%} der Durchläufe ab, die anderen Kund:innen in {rest:.0%} ({n:,} Durchläufe).",
    },
    "sentiment": {
        "en": "- **{persona}** rates **{stage}** at {value:+.2f} sentiment, the other customers at {rest:+.2f} ({n:,} comments).",
        "de": "- **{persona}** bewertet **{stage}** mit Sentiment {value:+.2f}, die anderen Kund:innen mit {rest:+.2f} ({n:,} Kommentare).",
    },
    "no_diff": {
        "en": "No persona's experience differs notably from the others on this journey.",
        "de": "Das Erleben keiner Persona weicht auf dieser Journey deutlich ab.",
    },
}
COLUMNS = {
    "en": {
        "persona_name": "Persona",
        "customers": "Customers",
        "cases": "Journey runs",
        "share_of_cases": "Share of runs",
        "completion_rate": "Completed",
        "sentiment": "Sentiment",
        # the mean of the 0–10 answers, not the NPS (% promoters − % detractors)
        "nps": "Mean 0–10 answer",
    },
    "de": {
        "persona_name": "Persona",
        "customers": "Kund:innen",
        "cases": "Durchläufe",
        "share_of_cases": "Anteil der Durchläufe",
        "completion_rate": "Abgeschlossen",
        "sentiment": "Sentiment",
        "nps": "Mittlere Antwort 0–10",
    },
}
#: differences shown: drop-off at least this many points above the rest, sentiment this far below
MIN_DROPOFF_DIFF = 0.05
MIN_SENTIMENT_DIFF = 0.15


def _t(key: str, lang: str, **kw) -> str:
    from cjwork.reports.display import format_text

    return format_text(TEXT[key].get(lang, TEXT[key]["en"]), lang, **kw)


def notable_differences(differences: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The differences worth a sentence: worse drop-off or sentiment than the other customers."""
    if differences.empty:
        return differences
    worse = (
        (differences["measure"] == "dropoff") & (differences["difference"] >= MIN_DROPOFF_DIFF)
    ) | (
        (differences["measure"] == "sentiment") & (differences["difference"] <= -MIN_SENTIMENT_DIFF)
    )
    return differences[worse].head(top).reset_index(drop=True)


def show_personas(ws: Workspace, params: ReportParams, analysis: Any = None) -> Any:
    """Display the section: personas on the journey (table), drop-off and sentiment by persona
    and stage (heatmaps) and the notable differences in words; key tables are recorded."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    from cjwork.personas.journey import persona_journey_experience
    from cjwork.plots.persona_cards import persona_stage_heatmap
    from cjwork.reports import display as d
    from cjwork.reports import notebook as nb

    lang = params.language
    nb.show_heading(TEXT["heading"], params)
    personas = nb.shared_personas(ws, params)
    if personas is None or personas.empty:
        return display(Markdown(_t("none", lang)))
    feedback = getattr(analysis, "feedback", None)
    exp = getattr(analysis, "persona_experience", None)  # computed by the summary
    if exp is None:
        exp = persona_journey_experience(ws, personas, params.journey, feedback=feedback)

    nb.show_heading(TEXT["who"], params, level=3)
    table = exp["personas"][
        [
            "persona_name",
            "customers",
            "cases",
            "share_of_cases",
            "completion_rate",
            "sentiment",
            "nps",
        ]
    ]
    nb.record("personas_on_journey", table)
    labels = COLUMNS.get(lang, COLUMNS["en"])
    display(
        HTML(
            d.table_html(
                table.rename(columns=labels),
                language=lang,
                percent=[labels["share_of_cases"], labels["completion_rate"]],
                floats=[labels["sentiment"], labels["nps"]],
            )
        )
    )

    nb.show_heading(TEXT["stages"], params, level=3)
    stages = exp["stages"]
    has_sentiment = stages["sentiment"].notna().any()
    fig, axes = plt.subplots(
        1,
        2 if has_sentiment else 1,
        squeeze=False,
        figsize=(14 if has_sentiment else 7.5, 1.2 + 0.5 * stages["persona_name"].nunique()),
    )
    persona_stage_heatmap(stages, "dropoff", ax=axes[0][0], language=lang)
    if has_sentiment:
        persona_stage_heatmap(
            stages,
            "sentiment",
            ax=axes[0][1],
            fmt="+.2f",
            cmap="RdBu",
            center=0.0,
            language=lang,
        )
        axes[0][1].set_yticklabels([])
    fig.tight_layout()
    nb.show_figure(fig)
    notable = notable_differences(exp["differences"], top=max(3, int(params.top_n) + 2))
    nb.record("persona_differences", notable)
    if notable.empty:
        return display(Markdown(_t("no_diff", lang)))
    lines = [
        _t(
            r.measure,
            lang,
            persona=escape_markdown(r.persona_name),
            stage=escape_markdown(r.stage_name),
            value=r.value,
            rest=r.rest,
            n=int(r.n),
        )
        for r in notable.itertuples(index=False)
    ]
    return display(Markdown("\n".join(lines)))
