"""The calls the report notebook makes: one line per cell, the logic lives here.

The notebook ``notebooks/journey_report.ipynb`` reads like::

    params = report.validate_params(data_dir=data_dir, journey=journey, ...)
    ws = report.load(params)
    report.show_title(ws, params)
    report.show_heading("summary", params)
    report.show_key_figures(ws, params)

Every ``show_*`` function displays its output (when running under IPython) and returns it,
so it can be checked in tests without Jupyter.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cjwork.errors import DataError, Problem
from cjwork.io.workspace import Workspace
from cjwork.markup import escape_markdown
from cjwork.reports import display as d
from cjwork.reports import figures, overview
from cjwork.reports.params import ReportParams, validate_owner_params, validate_params

__all__ = [
    "journey_analysis",
    "shared_personas",
    "load",
    "record",
    "setup_figures",
    "show_data_quality",
    "show_heading",
    "show_html",
    "show_key_figures",
    "show_summary_lists",
    "show_structure",
    "show_title",
    "show_volumes",
    "validate_owner_params",
    "validate_params",
]


class HTML:
    """A minimal rich-display object (text/html) with a deterministic plain-text form."""

    def __init__(self, data: str) -> None:
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return "<HTML>"


class Markdown:
    """A minimal rich-display object (text/markdown)."""

    def __init__(self, data: str) -> None:
        self.data = data

    def _repr_markdown_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return self.data


class SVG:
    """A rich-display SVG image."""

    def __init__(self, data: str) -> None:
        self.data = data

    def _repr_svg_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return "<SVG figure>"


def _display(obj: Any, raw: bool = False) -> Any:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return obj
    if get_ipython() is not None:
        display(obj, raw=raw)
    return obj


def setup_figures() -> None:
    """Make figures byte-stable: SVG output, fixed hash salt, no date metadata, fixed dpi."""
    import matplotlib

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "cjwork",
            "svg.fonttype": "path",
            "figure.dpi": 100,
            "font.family": "DejaVu Sans",
        }
    )
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("svg", metadata={"Date": None})
    except ImportError:  # pragma: no cover
        pass


def load(params: ReportParams) -> Workspace:
    """Load the workspace for one journey's report.

    The data directory is loaded leniently, so that problems in *other* journeys' rows do not
    stop this journey's report. Unless ``params.lenient`` is true, rows of *this* journey
    (or customers) that the loader rejected make the report fail with a
    :class:`~cjwork.errors.DataError` naming each of them.
    """
    import cjwork

    setup_figures()
    ws = cjwork.load(params.data_dir, lenient=True)
    # names ({de: …, en: …} in journeys.yml) in the report's language, everywhere below
    ws.journeys = ws.journeys.in_language(params.language)
    if not params.lenient:
        problems = rejected_problems(ws, params.journey)
        if problems:
            raise DataError(
                problems,
                summary=f"{len(problems)} row(s) of journey '{params.journey}' cannot be used "
                "(fix them, or run with -p lenient true to report them and go on)",
            )
    return ws


def rejected_problems(ws: Workspace, journey: str) -> list[Problem]:
    """The loader's rejected rows that belong to ``journey`` (or to customers), as problems."""
    out = []
    for table, rej in overview.rejected_for(ws, journey).items():
        file = ws.files.get(table)
        name = file.name if file is not None else f"{table}.csv"
        for rec in rej.to_dict(orient="records"):
            row = rec.get("line", rec.get("row"))
            message = str(rec.get("problem") or "rejected by the loader")
            column = rec.get("column") if isinstance(rec.get("column"), str) else None
            head, sep, rest = message.partition(": ")
            if column is None and sep and head in rec:
                column, message = head, rest
            out.append(
                Problem(
                    name,
                    int(row) if isinstance(row, int | float) and pd.notna(row) else None,
                    column,
                    message,
                )
            )
    return out


# --------------------------------------------------------------------------- showing


def show_html(fragment: str) -> HTML:
    """Display an HTML fragment."""
    return _display(HTML(fragment))


def show_heading(key: str | dict[str, str], params: ReportParams, level: int = 2) -> Markdown:
    """Display a section heading in the report's language (key of :data:`~cjwork.reports.display.HEADINGS`
    or a ``{"en": ..., "de": ...}`` mapping)."""
    return _display(Markdown(f"{'#' * level} {d.text(key, params.language)}"))


def report_title(ws: Workspace, params: ReportParams) -> str:
    """The report's title: company and journey name."""
    j = ws.journeys.journey(params.journey)
    company = ws.journeys.company or ws.path.name
    return f"{company} — {j.name}"


def show_title(ws: Workspace, params: ReportParams) -> Markdown:
    """Display the title (company — journey) and a line on the data and the period."""
    j = ws.journeys.journey(params.journey)
    ev = overview.journey_events(ws, params.journey)
    de = params.language == "de"
    period = {
        "week": ("week", "Woche"),
        "month": ("month", "Monat"),
        "quarter": ("quarter", "Quartal"),
    }[params.period]
    lines = [f"# {escape_markdown(report_title(ws, params))}", ""]
    if len(ev):
        from cjwork.i18n import format_date

        ts = pd.to_datetime(ev["timestamp"], utc=True)
        span = (
            f"{format_date(ts.min(), params.language)} – {format_date(ts.max(), params.language)}"
        )
        if de:
            lines.append(
                f"Journey-Report · Daten vom {span} · Vergleich je {period[1]} · Journey-Verantwortung: {escape_markdown(j.owner) or '–'}"
            )
        else:
            lines.append(
                f"Journey report · data from {span} · compared by {period[0]} · journey owner: {escape_markdown(j.owner) or '–'}"
            )
    return _display(Markdown("\n".join(lines)))


def show_figure(fig: Any) -> SVG:
    """Display a matplotlib figure as byte-stable SVG and close it."""
    import matplotlib.pyplot as plt

    svg = SVG(d.figure_svg(fig))
    plt.close(fig)
    return _display(svg)


def record(name: str, value: Any) -> dict[str, Any]:
    """Record a value (key figures, a table) in the notebook's outputs for the batch runner."""
    bundle = d.record_bundle(name, value)
    return _display(bundle, raw=True)


def show_key_figures(
    ws: Workspace, params: ReportParams, feedback: pd.DataFrame | None = None
) -> HTML:
    """The summary's key figures with change against the previous period; also recorded."""
    kf = overview.key_figures(ws, params.journey, params.period, feedback)
    record("key_figures", kf)
    if kf.empty:
        msg = (
            "Keine Ereignisse für diese Journey."
            if params.language == "de"
            else "No events for this journey."
        )
        return show_html(f"<p>{msg}</p>")
    prev, cur = kf["previous_period"].iloc[0], kf["current_period"].iloc[0]
    shown = kf[["figure", "total", "previous", "current", "change"]]
    labels = d.LABELS[params.language]
    caption = f"{labels['previous']}: {prev or '–'} · {labels['current']}: {cur}"
    return show_html(
        d.table_html(shown, language=params.language, change=["change"], caption=caption)
    )


def show_structure(ws: Workspace, params: ReportParams) -> HTML:
    """The map's structure as a figure (stages × touchpoints by channel) and a table."""
    import matplotlib.pyplot as plt

    st = overview.journey_structure(ws, params.journey)
    vol = overview.volumes(ws, params.journey).set_index("touchpoint")["events"]
    ax = figures.journey_structure_plot(st, events=vol, language=params.language)
    show_figure(ax.figure)
    plt.close("all")
    from cjwork.reports.findings import kpi_targets_text

    # readable KPI targets (names and units from the map, in the report's language), no ids
    targets = {
        tp.id: kpi_targets_text(tp.kpis.values(), params.language)
        for tp in ws.journeys.journey(params.journey).touchpoints
    }
    shown = st[["stage_name", "touchpoint_name", "channel", "owner"]].assign(
        kpis=st["touchpoint"].map(targets).fillna("")
    )
    return show_html(d.table_html(shown, language=params.language))


def show_volumes(ws: Workspace, params: ReportParams, feedback: pd.DataFrame | None = None) -> HTML:
    """Volumes per stage (table) and per touchpoint (figure and table); recorded."""
    stages = overview.stage_volumes(ws, params.journey, feedback)
    per_tp = overview.volumes(ws, params.journey, feedback)
    record("stage_volumes", stages)
    show_html(
        d.table_html(
            stages.drop(columns=["stage"]), language=params.language, percent=["share_of_customers"]
        )
    )
    ax = figures.volume_bars(per_tp, value="events", language=params.language)
    show_figure(ax.figure)
    shown = per_tp[
        [
            "stage_name",
            "touchpoint_name",
            "channel",
            "events",
            "customers",
            "cases",
            "feedback",
            "share_of_events",
        ]
    ]
    return show_html(d.table_html(shown, language=params.language, percent=["share_of_events"]))


def show_data_quality(ws: Workspace, params: ReportParams) -> HTML:
    """The data-quality checks and the missing values per column; recorded."""
    dq = overview.data_quality(ws, params.journey)
    record("data_quality", dq)
    shown = overview.data_quality_details(dq, params.language)
    show_html(d.table_html(shown, language=params.language, percent=["share"]))
    mv = overview.missing_values(ws, params.journey)
    mv = mv[mv["missing"] > 0]
    if mv.empty:
        msg = "Keine fehlenden Werte." if params.language == "de" else "No missing values."
        return show_html(f"<p>{msg}</p>")
    return show_html(d.table_html(mv, language=params.language, percent=["share"]))


# --------------------------------------------------------------------------- analysis and summary


def journey_analysis(ws: Workspace, params: ReportParams) -> Any:
    """The journey's analytics: :func:`cjwork.analysis.analyze` for this journey with the
    enriched feedback shared by the batch (see :mod:`cjwork.reports.shared`).

    The funnel by persona is included when the batch shared persona assignments (the report
    has a ``section-personas`` cell); nothing else here needs personas. Later sections reuse
    the result (``analysis=analysis``, ``feedback=analysis.feedback``) instead of recomputing it.
    """
    from cjwork.analysis import analyze
    from cjwork.reports.shared import shared_tables

    feedback, personas = shared_tables(
        ws, params.cache_dir, params.n_personas, params.seed, compute_personas=False
    )
    if personas is None:
        personas = pd.DataFrame(
            {"customer_id": pd.Series(dtype="string"), "persona_id": pd.Series(dtype="int64")}
        )
    analysis = analyze(
        ws,
        journeys=[params.journey],
        period=params.period,
        feedback=feedback,
        personas=personas,
        random_state=params.seed,
    )
    analysis.feedback = feedback
    analysis.personas = personas if len(personas) else None
    return analysis


def shared_personas(ws: Workspace, params: ReportParams) -> pd.DataFrame | None:
    """Persona assignments for a personas section: the batch's (computed once) or computed here."""
    from cjwork.reports.shared import shared_tables

    return shared_tables(
        ws, params.cache_dir, params.n_personas, params.seed, language=params.language
    )[1]


def show_summary_lists(analysis: Any, params: ReportParams) -> HTML:
    """Top pains, top delights and the quick wins with their owners; recorded for the batch."""
    from cjwork.reports import summary

    lang = params.language
    tp = analysis["touchpoints"]
    tp = tp[tp["journey"] == params.journey] if "journey" in tp.columns else tp
    lists = {
        "top_pains": summary.top_pains(tp, params.top_n),
        "top_delights": summary.top_delights(tp, params.top_n),
        "quick_wins": summary.quick_wins(tp, params.top_n, language=lang),
    }
    empty = {
        "top_pains": {
            "en": "No touchpoint stands out as a pain.",
            "de": "Kein Touchpoint fällt als Schmerzpunkt auf.",
        },
        "top_delights": {
            "en": "No touchpoint stands out as a delight.",
            "de": "Kein Touchpoint fällt als Begeisterungsfaktor auf.",
        },
        "quick_wins": {
            "en": "No quick win: no touchpoint is both important and performing below the journey's median.",
            "de": "Kein Quick Win: kein Touchpoint ist zugleich wichtig und unter dem Median der Journey.",
        },
    }
    out = None
    for key, frame in lists.items():
        record(key, frame)
        show_heading(key, params, level=3)
        if frame.empty:
            out = _display(Markdown(d.text(empty[key], lang)))
            continue
        out = show_html(
            d.table_html(
                frame,
                language=lang,
                floats=["performance", "importance"],
                percent=["share_negative"],
            )
        )
    return out


# --------------------------------------------------------------------------- owner report


def load_owner(params: Any) -> Workspace:
    """Load the workspace for an owner report (rows rejected in the owner's journeys fail it
    unless ``params.lenient``)."""
    import cjwork
    from cjwork.reports.owners import owner_touchpoints

    setup_figures()
    ws = cjwork.load(params.data_dir, lenient=True)
    ws.journeys = ws.journeys.in_language(params.language)
    if not params.lenient:
        journeys = sorted(set(owner_touchpoints(ws.journeys, params.owner)["journey"]))
        problems = [p for j in journeys for p in rejected_problems(ws, j)]
        if problems:
            raise DataError(
                sorted(set(problems)),
                summary=f"{len(set(problems))} row(s) in {params.owner}'s journeys cannot be used",
            )
    return ws


def show_owner_title(ws: Workspace, params: Any) -> Markdown:
    """Title (company — owner) and a line on what the report covers."""
    from cjwork.reports.owners import owner_touchpoints

    mine = owner_touchpoints(ws.journeys, params.owner)
    company = ws.journeys.company or ws.path.name
    n_tp, n_j = len(mine), mine["journey"].nunique()
    if params.language == "de":
        line = f"Bericht für Touchpoint-Verantwortliche · {n_tp} Touchpoints in {n_j} Journeys"
    else:
        line = f"Touchpoint owner report · {n_tp} touchpoints in {n_j} journeys"
    return _display(
        Markdown(f"# {escape_markdown(company)} — {escape_markdown(params.owner)}\n\n{line}")
    )


OWNER_HEADINGS = {
    "touchpoints": {"en": "Your touchpoints", "de": "Ihre Touchpoints"},
    "quick_wins": {"en": "Your quick wins", "de": "Ihre Quick Wins"},
    "kpis": {"en": "KPI targets", "de": "KPI-Ziele"},
    "changes": {"en": "Changes over time", "de": "Veränderungen"},
    "themes": {"en": "What your customers talk about", "de": "Worüber Ihre Kunden sprechen"},
    "actions": {"en": "Your actions and their effect", "de": "Ihre Maßnahmen und ihre Wirkung"},
}
OWNER_EMPTY = {
    "quick_wins": {
        "en": "No quick win among your touchpoints.",
        "de": "Kein Quick Win unter Ihren Touchpoints.",
    },
    "kpis": {
        "en": "No KPI targets at your touchpoints.",
        "de": "Keine KPI-Ziele an Ihren Touchpoints.",
    },
    "changes": {
        "en": "No statistically meaningful change at your touchpoints.",
        "de": "Keine statistisch belastbare Veränderung an Ihren Touchpoints.",
    },
    "themes": {
        "en": "Too few comments at your touchpoints for themes.",
        "de": "Zu wenige Kommentare an Ihren Touchpoints für Themen.",
    },
    "actions": {
        "en": "No live action of yours in actions.yml.",
        "de": "Keine laufende Maßnahme von Ihnen in actions.yml.",
    },
}


def show_owner_report(ws: Workspace, params: Any) -> HTML:
    """The owner's touchpoints, quick wins, KPI targets and changes; recorded for the batch."""
    from cjwork.reports.owners import owner_tables
    from cjwork.reports.shared import cached_all_journeys_analysis

    analysis = cached_all_journeys_analysis(ws, params.cache_dir, params.period, params.seed)
    tables = owner_tables(ws.journeys, params.owner, analysis, language=params.language)
    lang = params.language
    out = None
    for key, frame in tables.items():
        record(f"owner_{key}", frame)
        show_heading(OWNER_HEADINGS[key], params, level=2)
        if frame.empty:
            out = _display(Markdown(d.text(OWNER_EMPTY[key], lang)))
            continue
        if "change_detail" in frame.columns:
            from cjwork.reports.display import change_detail_text

            metric_names = {  # process metrics by the map's names, in the report language
                f"kpi_{m}": k.label(lang)
                for j in ws.journeys
                for tp in j.touchpoints
                for m, k in tp.kpis.items()
            }
            frame = frame.assign(
                change_detail=[
                    change_detail_text(t, lang, metric_names) for t in frame["change_detail"]
                ]
            )
        out = show_html(
            d.table_html(
                frame,
                language=lang,
                floats=["performance", "importance", "target", "median", "sentiment"],
                percent=["share_negative", "share_within_target", "share"],
            )
        )
    return out
