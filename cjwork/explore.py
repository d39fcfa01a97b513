"""The ipywidgets explorer: pick journey, persona, period and channel; the journey map,
emotion curve, funnel and priority matrix follow; pick a touchpoint for its KPIs and quotes.

Every view has a headless twin that returns its numbers (:meth:`Explorer.tables`,
:meth:`Explorer.touchpoint_detail`), so the explorer is tested by setting widget values and
checking what comes out, without a browser. The numbers come from the same pipeline as the
report and ``cjwork analyze`` (:func:`cjwork.analysis.analyze`); quotes are masked with
:func:`cjwork.text.mask_pii`.

>>> import cjwork                                          # doctest: +SKIP
>>> from cjwork.explore import Explorer                    # doctest: +SKIP
>>> ex = Explorer(cjwork.load("data/sample"))              # doctest: +SKIP
>>> ex.widget                                              # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from cjwork.errors import CjworkError, UsageError
from cjwork.io.workspace import Workspace
from cjwork.markup import escape_html
from cjwork.periods import PERIOD_CHOICES, check_period

ALL = "(all)"


def filter_workspace(
    ws: Workspace,
    feedback: pd.DataFrame | None,
    personas: pd.DataFrame | None,
    persona: str = ALL,
    channel: str = ALL,
) -> tuple[Workspace, pd.DataFrame | None]:
    """The workspace (and enriched feedback) restricted to one persona and/or one channel.

    Events keep the rows of the persona's customers on the channel; feedback keeps the
    persona's customers and, where feedback has a ``channel``, the channel.
    """
    events, fb, customers = ws.events, feedback, ws.customers
    if persona != ALL:
        if personas is None:
            raise UsageError("no personas in this workspace; choose persona (all)")
        ids = set(
            personas.loc[
                personas["persona_name"].astype("string") == persona, "customer_id"
            ].astype("string")
        )
        if events is not None:
            events = events[events["customer_id"].astype("string").isin(ids).to_numpy()]
        if fb is not None and "customer_id" in fb.columns:
            fb = fb[fb["customer_id"].astype("string").isin(ids).to_numpy()]
        if customers is not None:
            customers = customers[customers["customer_id"].astype("string").isin(ids).to_numpy()]
    if channel != ALL:
        if events is not None and "channel" in events.columns:
            events = events[
                (events["channel"].astype("string") == channel).fillna(False).to_numpy()
            ]
        if fb is not None and "channel" in fb.columns:
            fb = fb[(fb["channel"].astype("string") == channel).fillna(False).to_numpy()]
    return dataclasses.replace(ws, events=events, customers=customers), fb


def funnel_plot(data: pd.DataFrame, ax: Any = None) -> Any:
    """Bars of customers reaching each stage (``funnel`` table of one journey), in map order."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 + 0.4 * max(len(data), 1)))
    y = list(range(len(data)))[::-1]
    ax.barh(y, data["reached"].astype(float), color="#4C78A8")
    ax.set_yticks(y, [str(s) for s in data["stage"]], fontsize=8)
    for yi, reached, share in zip(y, data["reached"], data["share_of_start"], strict=True):
        ax.text(
            float(reached), yi, f" {int(reached):,} ({float(share):.0%})", va="center", fontsize=7
        )
    ax.set_xlabel("customers reaching the stage")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def emotion_plot(data: pd.DataFrame, ax: Any = None) -> Any:
    """The emotion curve (``cjwork.plots.journey_map.stage_emotion``) as a line over stages."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.4))
    x = list(range(len(data)))
    col = "emotion" if "emotion" in data.columns else data.select_dtypes("number").columns[0]
    ax.plot(x, data[col].astype(float), marker="o", color="#E45756")
    ax.axhline(0, color="#999999", linewidth=0.8)
    labels = data["stage_name"] if "stage_name" in data.columns else data["stage"]
    ax.set_xticks(x, [str(s) for s in labels], fontsize=8, rotation=20)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("sentiment")
    return ax


class Explorer:
    """Interactive explorer of one workspace (ipywidgets).

    Parameters
    ----------
    ws : Workspace
        From :func:`cjwork.load`.
    period : {'month', 'week', 'quarter'}
        The starting period.
    n_personas : 'auto' or int
        Personas to offer in the persona filter.
    seed : int
        Seed of the persona model and the prioritisation.
    feedback, personas : DataFrame, optional
        Enriched feedback and persona assignments when already computed (else computed once).

    Attributes
    ----------
    journey, persona, period, channel, touchpoint : ipywidgets.Dropdown
        The controls; set their ``value`` to drive the explorer from code.
    widget : ipywidgets.VBox
        What a notebook displays.
    """

    def __init__(
        self,
        ws: Workspace,
        period: str = "month",
        n_personas: str | int = "auto",
        seed: int = 0,
        feedback: pd.DataFrame | None = None,
        personas: pd.DataFrame | None = None,
    ) -> None:
        import ipywidgets as w

        from cjwork.reports.shared import enriched_feedback
        from cjwork.reports.shared import personas as find_personas

        check_period(period, PERIOD_CHOICES)
        self.ws = ws
        self.seed = seed
        self.feedback = feedback if feedback is not None else enriched_feedback(ws, seed)
        self.personas = personas if personas is not None else find_personas(ws, n_personas, seed)
        self._cache: dict[tuple, dict[str, pd.DataFrame]] = {}

        persona_names = [ALL]
        if self.personas is not None and "persona_name" in self.personas.columns:
            persona_names += sorted(
                self.personas["persona_name"].astype("string").dropna().unique()
            )
        channels = [ALL]
        if ws.events is not None and "channel" in ws.events.columns:
            channels += sorted(ws.events["channel"].astype("string").dropna().unique())
        ids = ws.journeys.journey_ids
        self.journey = w.Dropdown(options=ids, value=ids[0], description="Journey")
        self.persona = w.Dropdown(options=persona_names, value=ALL, description="Persona")
        self.period = w.Dropdown(options=list(PERIOD_CHOICES), value=period, description="Period")
        self.channel = w.Dropdown(options=channels, value=ALL, description="Channel")
        self.touchpoint = w.Dropdown(options=self._touchpoint_options(), description="Touchpoint")
        self.status = w.HTML()
        self.out_map, self.out_emotion, self.out_funnel, self.out_matrix, self.out_detail = (
            w.Output() for _ in range(5)
        )
        tabs = w.Tab(children=[self.out_map, self.out_emotion, self.out_funnel, self.out_matrix])
        for i, title in enumerate(["Journey map", "Emotion curve", "Funnel", "Priority matrix"]):
            tabs.set_title(i, title)
        self.widget = w.VBox(
            [
                w.HBox([self.journey, self.persona]),
                w.HBox([self.period, self.channel]),
                self.status,
                tabs,
                self.touchpoint,
                self.out_detail,
            ]
        )
        for control in (self.journey, self.persona, self.period, self.channel):
            control.observe(self._on_change, names="value")
        self.touchpoint.observe(lambda _: self.show_detail(), names="value")
        self.refresh()

    # ------------------------------------------------------------------ data (headless twins)

    def _touchpoint_options(self) -> list[tuple[str, str]]:
        j = self.ws.journeys.journey(self.journey.value)
        return [(f"{st.name} · {tp.name}", tp.id) for st in j.stages for tp in st.touchpoints]

    def selection(self) -> dict[str, str]:
        """The current values of the controls."""
        return {
            "journey": self.journey.value,
            "persona": self.persona.value,
            "period": self.period.value,
            "channel": self.channel.value,
            "touchpoint": self.touchpoint.value,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The numbers behind the four views for the current selection (cached per selection).

        ``touchpoints`` (prioritisation, map order), ``funnel``, ``emotion`` (per stage),
        ``kpis`` and ``trends`` — from :func:`cjwork.analysis.analyze` on the filtered data.
        """
        from cjwork.analysis import analyze
        from cjwork.plots.journey_map import stage_emotion

        key = (self.journey.value, self.persona.value, self.period.value, self.channel.value)
        if key not in self._cache:
            ws, fb = filter_workspace(
                self.ws, self.feedback, self.personas, self.persona.value, self.channel.value
            )
            no_personas = pd.DataFrame(
                {"customer_id": pd.Series(dtype="string"), "persona_id": pd.Series(dtype="int64")}
            )
            if ws.events is None or len(ws.events) == 0:
                raise CjworkError("no events for this selection; widen the filters")
            result = analyze(
                ws,
                journeys=[self.journey.value],
                period=self.period.value,
                feedback=fb,
                personas=no_personas,
                random_state=self.seed,
            )
            tp = result["touchpoints"]
            tables = {
                "touchpoints": tp,
                "funnel": result["funnel"],
                "kpis": result["kpis"],
                "trends": result["trends"],
                "emotion": stage_emotion(tp) if len(tp) else pd.DataFrame(),
                "feedback": fb if fb is not None else pd.DataFrame(),
            }
            self._cache[key] = tables
        return self._cache[key]

    def touchpoint_detail(self, n_quotes: int = 6) -> dict[str, Any]:
        """The selected touchpoint: its row of the prioritisation, its KPIs and masked quotes.

        Quotes are the touchpoint's feedback (after the filters), most negative first, with
        e-mail addresses, phone numbers, IBANs and names masked.
        """
        from cjwork.text import mask_pii

        tables = self.tables()
        tp_id = self.touchpoint.value
        row = tables["touchpoints"][tables["touchpoints"]["touchpoint"] == tp_id]
        kpis = tables["kpis"][tables["kpis"]["touchpoint"] == tp_id].reset_index(drop=True)
        fb = tables["feedback"]
        quotes: list[str] = []
        if len(fb) and "touchpoint" in fb.columns:
            mine = fb[(fb["touchpoint"].astype("string") == tp_id).fillna(False).to_numpy()]
            sort = [c for c in ("sentiment_score", "feedback_id") if c in mine.columns]
            mine = mine.sort_values(sort) if sort else mine
            quotes = [
                str(q) for q in mask_pii(mine["text"].astype("string").fillna("")).head(n_quotes)
            ]
        return {
            "touchpoint": tp_id,
            "row": row.reset_index(drop=True),
            "kpis": kpis,
            "quotes": quotes,
        }

    # ------------------------------------------------------------------ views

    def _on_change(self, change: dict) -> None:
        if change.get("owner") is self.journey:
            options = self._touchpoint_options()
            self.touchpoint.options = options
            self.touchpoint.value = options[0][1]
        self.refresh()

    #: what the status line says while the views are recomputed
    BUSY_TEXT = "⏳ Recomputing the views for the new selection …"

    def _set_busy(self, busy: bool) -> None:
        """Show a busy state (controls disabled, a status line) while the views recompute."""
        for control in (self.journey, self.persona, self.period, self.channel, self.touchpoint):
            control.disabled = busy
        if busy:
            self.status.value = f'<span class="cjwork-busy">{self.BUSY_TEXT}</span>'

    def refresh(self) -> None:
        """Redraw the four views and the touchpoint detail for the current selection (the
        controls are disabled and the status line says so while it runs)."""
        self._set_busy(True)
        try:
            self._refresh()
        finally:
            self._set_busy(False)

    def _refresh(self) -> None:
        from IPython.display import SVG, display

        from cjwork.plots.journey_map import plot_journey_map
        from cjwork.plots.priority import plot_priority_matrix
        from cjwork.reports.display import figure_svg

        outs = (self.out_map, self.out_emotion, self.out_funnel, self.out_matrix)
        for out in outs:
            out.clear_output()
        try:
            tables = self.tables()
        except CjworkError as exc:
            self.status.value = f"<b>{escape_html(exc)}</b>"
            return
        sel = self.selection()
        self.status.value = (
            f"{escape_html(sel['journey'])} · persona {escape_html(sel['persona'])} · "
            f"channel {escape_html(sel['channel'])} · by {escape_html(sel['period'])}: "
            f"{int(tables['touchpoints']['events'].sum()):,} events, "
            f"{int(pd.to_numeric(tables['touchpoints']['feedback']).fillna(0).sum()):,} feedback"
        )
        tp = tables["touchpoints"]
        figures = [
            plot_journey_map(tp, title=self.ws.journeys.journey(sel["journey"]).name),
            emotion_plot(tables["emotion"]).figure if len(tables["emotion"]) else None,
            funnel_plot(tables["funnel"]).figure if len(tables["funnel"]) else None,
            plot_priority_matrix(tp).figure
            if tp[["performance", "importance"]].notna().all(axis=1).any()
            else None,
        ]
        for out, fig in zip(outs, figures, strict=True):
            with out:
                if fig is None:
                    print("Not enough data for this view with the current filters.")
                else:
                    display(SVG(figure_svg(fig)))
                    plt.close(fig)
        self.show_detail()

    def show_detail(self) -> None:
        """Show the selected touchpoint's KPIs and masked quotes."""
        from IPython.display import HTML, display

        from cjwork.reports.display import table_html

        self.out_detail.clear_output()
        try:
            detail = self.touchpoint_detail()
        except CjworkError as exc:
            with self.out_detail:
                print(exc)
            return
        with self.out_detail:
            cols = [
                c
                for c in (
                    "touchpoint_name",
                    "owner",
                    "events",
                    "feedback",
                    "performance",
                    "importance",
                    "category",
                )
                if c in detail["row"].columns
            ]
            display(HTML(table_html(detail["row"][cols], floats=["performance", "importance"])))
            if len(detail["kpis"]):
                display(
                    HTML(
                        table_html(
                            detail["kpis"].drop(columns=["journey"], errors="ignore"),
                            percent=["share_within_target"],
                        )
                    )
                )
            for quote in detail["quotes"]:
                display(HTML(f"<blockquote>{escape_html(quote)}</blockquote>"))


# --------------------------------------------------------------------------- explore tools
# Paths around a touchpoint, two groups compared, cohorts: each a function that returns its
# tables and a figure, for the explore notebook and for report sections.


def around_view(
    ws: Workspace, touchpoint: str, steps: int = 3, *, language: str = "en", top: int = 6
) -> dict[str, Any]:
    """Paths around ``touchpoint``: the tables of ``cjwork paths`` plus a two-panel figure.

    Returns
    -------
    dict
        ``before``, ``after``, ``flows``, ``matrix`` (the step matrix) and ``figure`` (step
        matrix on the left, step Sankey on the right).
    """
    from cjwork.engine import case_frames as frames
    from cjwork.journeymap import unknown_id_message
    from cjwork.journeys.around import paths_around, step_flows, step_matrix
    from cjwork.plots.explore import step_matrix_plot, step_sankey_plot

    ws.require("events")
    known = ws.journeys.touchpoint_ids
    if touchpoint not in known:
        raise CjworkError(unknown_id_message("touchpoint", touchpoint, known))
    jid = ws.journeys.touchpoint(touchpoint).journey_id
    events, _ = frames(ws.events, ws.journeys, jid)
    before, after = paths_around(events, touchpoint, steps, known=known)
    flows = step_flows(events, touchpoint, steps)
    matrix = step_matrix(before, after, touchpoint)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 0.8 + 0.35 * max(len(matrix), 6)))
    step_matrix_plot(matrix, touchpoint=touchpoint, ax=ax1, language=language)
    step_sankey_plot(flows, touchpoint=touchpoint, top=top, ax=ax2, language=language)
    fig.tight_layout()
    return {"before": before, "after": after, "flows": flows, "matrix": matrix, "figure": fig}


def compare_view(
    ws: Workspace,
    by: str,
    a: str,
    b: str,
    *,
    touchpoint: str | None = None,
    steps: int = 3,
    feedback: pd.DataFrame | None = None,
    personas: pd.DataFrame | None = None,
    journeys: list[str] | None = None,
    language: str = "en",
    random_state: int = 0,
) -> dict[str, Any]:
    """Two groups compared (the table of ``cjwork compare``) and, around ``touchpoint``, the
    differential step matrix (B − A) with its figure.

    Returns
    -------
    dict
        ``table``, ``labels`` and, with ``touchpoint``, ``matrix`` and ``figure``.
    """
    from cjwork.engine import case_frames as frames
    from cjwork.journeys.around import differential_step_matrix
    from cjwork.journeys.compare import compare_groups, group_labels, split_events
    from cjwork.plots.explore import step_matrix_plot

    ws.require("events")
    events, cases = frames(ws.events, ws.journeys, journeys)
    labels = group_labels(cases, by=by, a=a, b=b, customers=ws.customers, personas=personas)
    table = compare_groups(events, cases, labels, ws.journeys, feedback, random_state=random_state)
    out: dict[str, Any] = {"table": table, "labels": labels}
    if touchpoint is not None:
        ea, eb = split_events(events, cases, labels)
        matrix = differential_step_matrix(ea, eb, touchpoint, steps)
        fig, ax = plt.subplots(figsize=(9, 0.8 + 0.35 * max(len(matrix), 6)))
        step_matrix_plot(matrix, touchpoint=touchpoint, ax=ax, diverging=True, language=language)
        ax.set_title(f"B ({labels.attrs['b']}) − A ({labels.attrs['a']})")
        fig.tight_layout()
        out.update(matrix=matrix, figure=fig)
    return out


def cohort_view(
    ws: Workspace,
    *,
    mode: str = "active",
    churn_touchpoints: tuple[str, ...] = (),
    personas: pd.DataFrame | None = None,
    max_months: int | None = 12,
    language: str = "en",
) -> dict[str, Any]:
    """Cohorts of the workspace's customers (by persona when ``personas`` is given): table and heatmaps.

    Returns
    -------
    dict
        ``table`` (:func:`cjwork.journeys.cohorts.cohorts`) and ``figure`` (one heatmap per group).
    """
    from cjwork.journeys.cohorts import cohorts
    from cjwork.plots.explore import cohort_heatmap_plot

    ws.require("events")
    groups = personas[["customer_id", "persona_name"]] if personas is not None else None
    table = cohorts(
        ws.events, mode=mode, churn_touchpoints=churn_touchpoints, groups=groups,
        max_months=max_months,
    )  # fmt: skip
    names = list(dict.fromkeys(table["group"])) or [""]
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 4.2 * len(names)), squeeze=False)
    for ax, g in zip(axes[:, 0], names, strict=True):
        cohort_heatmap_plot(table, group=g, ax=ax, language=language)
        if g:
            ax.set_title(g)
    fig.tight_layout()
    return {"table": table, "figure": fig}
