"""The report's "paths & funnel" section: flow, top variants, funnel with drop-off, timing.

Thin display helpers over the result of :func:`cjwork.analysis.analyze` (the same frames
``cjwork analyze`` writes, so the report and the files agree); :func:`paths_tables` returns
the numbers shown, testable without Jupyter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cjwork.markup import escape_markdown

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.reports.params import ReportParams

TEXT = {
    "heading": {"en": "Paths and funnel", "de": "Pfade und Funnel"},
    "flow": {
        "en": "How customers move between touchpoints",
        "de": "Wie sich Kunden zwischen Touchpoints bewegen",
    },
    "variants": {"en": "Most frequent paths", "de": "Häufigste Pfade"},
    "funnel": {"en": "Funnel and drop-off", "de": "Funnel und Abbruch"},
    "groups": {"en": "Drop-off by persona", "de": "Abbruch nach Persona"},
    "timing": {"en": "Timing", "de": "Zeiten"},
    "repeats": {"en": "Repeats and loops", "de": "Wiederholungen und Schleifen"},
    "no_events": {"en": "No events for this journey.", "de": "Keine Ereignisse für diese Journey."},
    "significant": {
        "en": "Drop-off at stage **{stage}** differs between personas (p = {p:.2g}); highest for persona {group} ({rate:.0%}).",
        "de": "Der Abbruch in Phase **{stage}** unterscheidet sich zwischen Personas ({p_text}); am höchsten bei Persona {group} ({rate:.0%}).",
    },
}


def _t(key: str, lang: str, **kw) -> str:
    from cjwork.reports.display import format_text

    return format_text(TEXT[key].get(lang, TEXT[key]["en"]), lang, **kw)


def paths_tables(analysis: dict, journey: str, top: int = 10) -> dict[str, pd.DataFrame]:
    """The frames the section shows for ``journey``.

    Returns
    -------
    dict
        ``variants`` (top ``top``), ``transitions``, ``funnel``, ``persona`` (funnel by
        persona, may be empty), ``timing`` (journey-level and waits), ``repeats``
        (touchpoints with repeat cases, most first), ``significant`` (persona drop-off
        stages flagged significant).
    """

    def pick(name: str) -> pd.DataFrame:
        df = analysis.get(name)
        if df is None or "journey" not in df.columns:
            return pd.DataFrame()
        return df[df["journey"] == journey].reset_index(drop=True)

    variants = pick("variants")
    variants = (
        variants[~variants["variant"].str.startswith("(other")].head(top)
        if len(variants)
        else variants
    )
    groups = pick("funnel_groups")
    persona = groups[groups["by"] == "persona"].reset_index(drop=True) if len(groups) else groups
    sig = persona[persona["significant"].astype(bool)] if len(persona) else persona
    if len(sig):
        worst = sig.sort_values(
            ["stage_order", "dropoff"], ascending=[True, False]
        ).drop_duplicates("stage")
        sig = worst[["stage", "group", "dropoff", "p_adjusted"]].reset_index(drop=True)
    timing = pick("timing")
    if len(timing):
        timing = timing[
            timing["measure"].isin(["time_to_complete", "case_duration", "wait"])
        ].reset_index(drop=True)
    loops = pick("loops")
    if len(loops):
        loops = loops[loops["repeat_cases"] > 0].sort_values(
            ["repeat_cases", "touchpoint"], ascending=[False, True]
        )
        loops = loops[
            [
                "touchpoint",
                "events",
                "cases",
                "repeat_cases",
                "repeat_share",
                "cases_3plus",
                "self_loops",
                "returns",
            ]
        ].reset_index(drop=True)
    return {
        "variants": variants,
        "transitions": pick("transitions"),
        "funnel": pick("funnel"),
        "persona": persona,
        "timing": timing,
        "repeats": loops,
        "significant": sig,
    }


def _named_flow(transitions: pd.DataFrame, journey: Any, tps: pd.DataFrame) -> tuple:
    """The flow figure's inputs with touchpoint and stage names (wrapped to short lines)
    in place of ids — when the names are unique within the journey, else unchanged."""
    import textwrap

    tp_names = {tp.id: textwrap.fill(tp.name, 16) for tp in journey.touchpoints}
    st_names = {s.id: s.name for s in journey.stages}
    stage_ids = [s.id for s in journey.stages]
    if len(set(tp_names.values())) < len(tp_names) or len(set(st_names.values())) < len(st_names):
        return transitions, stage_ids, tps
    tr = transitions.copy()
    for col in ("source", "target"):
        tr[col] = tr[col].map(lambda v: tp_names.get(v, v))
    for col in ("source_stage", "target_stage"):
        if col in tr:
            tr[col] = tr[col].map(lambda v: st_names.get(v, v))
    named = tps.assign(
        touchpoint=tps["touchpoint"].map(lambda v: tp_names.get(v, v)),
        stage=tps["stage"].map(lambda v: st_names.get(v, v)),
    )
    return tr, [st_names[s] for s in stage_ids], named


def show_paths(analysis: dict, ws: Workspace, params: ReportParams) -> Any:
    """Display the section: flow figure, top variants, funnel figure, drop-off by persona, timing."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    from cjwork.plots.flow import plot_flow
    from cjwork.plots.funnel import plot_dropoff_by_group, plot_funnel
    from cjwork.reports import display as d
    from cjwork.reports import notebook as nb

    lang = params.language
    jid = params.journey
    t = paths_tables(analysis, jid, top=max(5, 3 * int(params.top_n)))
    nb.show_heading(TEXT["heading"], params)
    if t["funnel"].empty or t["funnel"]["reached"].sum() == 0:
        return display(Markdown(_t("no_events", lang)))
    j = ws.journeys.journey(jid)
    tps = ws.journeys.touchpoints_frame()
    tps = tps[tps["journey"] == jid]

    nb.show_heading(TEXT["flow"], params, level=3)
    fig, ax = plt.subplots(
        figsize=(
            max(8, 2.6 * len(j.stages)),
            max(3.5, 1.0 * tps.groupby("stage").size().max() + 1.5),
        )
    )
    # names (in the report's language, wrapped) instead of ids on the nodes and columns
    tr_named, stage_ids, tps_named = _named_flow(t["transitions"], j, tps)
    plot_flow(tr_named, stage_ids, tps_named, ax=ax, top=30, language=lang)
    nb.show_figure(fig)

    nb.show_heading(TEXT["variants"], params, level=3)
    tp_names = {tp.id: tp.name for tp in j.touchpoints}  # names in the report's language
    shown_variants = t["variants"][["variant", "cases", "share", "completion_rate"]].assign(
        variant=[
            " › ".join(tp_names.get(s, s) for s in str(v).split(" > "))
            for v in t["variants"]["variant"]
        ]
    )
    display(
        HTML(
            d.table_html(
                shown_variants,
                language=lang,
                percent=["share", "completion_rate"],
            )
        )
    )
    nb.record("top_variants", t["variants"][["variant", "cases", "share", "completion_rate"]])

    nb.show_heading(TEXT["funnel"], params, level=3)
    names = {s.id: s.name for s in j.stages}
    fig, axes = plt.subplots(
        1,
        2 if len(t["persona"]) else 1,
        figsize=(13 if len(t["persona"]) else 7, 0.7 * len(j.stages) + 1.8),
        squeeze=False,
    )
    plot_funnel(
        t["funnel"].assign(stage_name=t["funnel"]["stage"].map(names)),
        ax=axes[0][0],
        language=lang,
    )
    if len(t["persona"]):
        by_persona = t["persona"]
        if len(set(names.values())) == len(names):  # stage names on the axis, not ids
            by_persona = by_persona.assign(stage=by_persona["stage"].map(names))
        plot_dropoff_by_group(by_persona, ax=axes[0][1], title=_t("groups", lang), language=lang)
    fig.tight_layout()
    nb.show_figure(fig)
    nb.record("funnel", t["funnel"][["stage", "reached", "share_of_start", "dropoff"]])
    for r in t["significant"].itertuples():
        display(
            Markdown(
                _t(
                    "significant",
                    lang,
                    stage=escape_markdown(names.get(r.stage, r.stage)),
                    p=r.p_adjusted,
                    p_text=d.format_p(r.p_adjusted, lang),
                    group=escape_markdown(r.group),
                    rate=r.dropoff,
                )
            )
        )

    nb.show_heading(TEXT["timing"], params, level=3)
    if len(t["timing"]):
        from cjwork.reports.findings import format_metric_value

        timing = t["timing"][["measure", "touchpoint", "unit", "n", "median", "p90"]].copy()
        # durations in seconds in a readable unit; process metrics (unit = the metric's id)
        # by the map's name for them, in their own unit
        kpi = {(tp.id, m): k for tp in j.touchpoints for m, k in tp.kpis.items()}
        secs = (timing["unit"] == "s").to_numpy()
        for col in ("median", "p90"):
            timing[col] = [
                d.format_duration(v, lang)
                if sec
                else (
                    format_metric_value(v, kpi[(tp, u)].unit, lang)
                    if (tp, u) in kpi
                    else d.format_number(v, "float", lang)
                )
                for v, sec, tp, u in zip(
                    timing[col], secs, timing["touchpoint"], timing["unit"], strict=True
                )
            ]
        timing["unit"] = [
            "" if sec else (kpi[(tp, u)].label(lang) if (tp, u) in kpi else u)
            for sec, tp, u in zip(secs, timing["touchpoint"], timing["unit"], strict=True)
        ]
        timing["touchpoint"] = [tp_names.get(x, x) if x else "" for x in timing["touchpoint"]]
        timing = timing.rename(columns={"touchpoint": "touchpoint_name", "unit": "metric"})
        display(HTML(d.table_html(timing, language=lang)))
    if len(t["repeats"]):
        nb.show_heading(TEXT["repeats"], params, level=3)
        display(HTML(d.table_html(t["repeats"], language=lang, percent=["repeat_share"])))
    return None
