"""Engines: where the event-level journey analytics run — one seam, two implementations.

:func:`cjwork.analysis.analyze` asks an engine for the event-level tables
(:class:`~cjwork.tables.EventTables`) and does everything else (feedback, personas,
prioritisation, trends) itself, the same way for every engine:

``local``
    :class:`LocalEngine` — DuckDB in this process (:func:`cjwork.journeys.engine.prepare`
    and the tools of :mod:`cjwork.journeys`).
``dask``
    :class:`DaskEngine` — the same DuckDB code per customer partition on a Dask cluster,
    partials merged on the client (:mod:`cjwork.scale.dask_engine`).

Pick one by name with :func:`get_engine` (``"duckdb"`` is accepted as an old name of
``local``) or pass an engine object wherever an ``engine`` parameter is taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.journeys import funnel as jfunnel
from cjwork.journeys import kpis as jkpis
from cjwork.journeys import paths as jpaths
from cjwork.journeys import sequences as seq
from cjwork.journeys import timing as jtiming
from cjwork.journeys.engine import DEFAULT_CASE_GAP, Prepared, prepare
from cjwork.tables import EventTables, keep_journeys

if TYPE_CHECKING:
    from distributed import Client

    from cjwork.io.workspace import Workspace

__all__ = ["ENGINE_NAMES", "DaskEngine", "Engine", "LocalEngine", "case_frames", "get_engine"]

#: The engine names every command and function accepts.
ENGINE_NAMES = ("local", "dask")
_ALIASES = {"duckdb": "local"}


@runtime_checkable
class Engine(Protocol):
    """What :func:`cjwork.analysis.analyze` needs of an engine."""

    name: str

    def event_tables(
        self,
        ws: Workspace,
        journeys: list[str],
        *,
        period: str,
        groups: pd.DataFrame | None,
        max_variants: int | None,
        case_gap: pd.Timedelta | str | None,
        dedupe: bool,
        source: str,
    ) -> EventTables:
        """The event-level tables of ``journeys`` (see :class:`~cjwork.tables.EventTables`)."""
        ...

    def case_frames(
        self,
        events: pd.DataFrame,
        jmap: JourneyMap,
        journeys: str | Iterable[str] | None = None,
        *,
        case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
        source: str = "events.csv",
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(case_events, case_table)`` of :mod:`cjwork.journeys.sequences`."""
        ...


@dataclass
class LocalEngine:
    """DuckDB in this process.

    Parameters
    ----------
    threads : int, optional
        DuckDB worker threads (default: all cores).
    prepared : Prepared, optional
        An already prepared event table to reuse (it must hold the selected journeys).
    """

    threads: int | None = None
    prepared: Prepared | None = None
    name: str = "local"

    def event_tables(
        self,
        ws: Workspace,
        journeys: list[str],
        *,
        period: str = "month",
        groups: pd.DataFrame | None = None,
        max_variants: int | None = 500,
        case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
        dedupe: bool = True,
        source: str = "events.csv",
    ) -> EventTables:
        """The event-level tables, computed here (see :class:`Engine`)."""
        from cjwork.trends import event_period_stats

        prep = self.prepared or prepare(
            ws.events,
            ws.journeys,
            journeys,
            case_gap=case_gap,
            dedupe=dedupe,
            threads=self.threads,
            source=source,
        )
        counts = prep.df("SELECT journey, count(*) AS n FROM cases GROUP BY journey")
        have = set(counts["journey"])
        ok = [j for j in journeys if j in have]
        t = {
            "variants": jpaths.variants(prep, top=max_variants),
            "transitions": jpaths.transitions(prep),
            "funnel": jfunnel.funnel(prep),
            "loops": jpaths.loops(prep),
            "kpis": jkpis.kpis(prep),
            "timing": jtiming.timing(prep),
            "kpi_periods": jkpis.kpis(prep, period=period),
        }
        by = [jfunnel.funnel_by(prep, "period", period=period)]
        if prep.has_channel:
            by.append(jfunnel.funnel_by(prep, "channel"))
        if groups is not None and len(groups):
            by.append(jfunnel.funnel_by(prep, "persona", groups))
        t["funnel_groups"] = (
            pd.concat([g for g in by if len(g)], ignore_index=True)
            if any(len(g) for g in by)
            else pd.DataFrame(columns=jfunnel.GROUP_COLUMNS)
        )
        frames = None
        if any(ws.journeys.journey(j).rules for j in ok):  # for the conformance table
            frames = (seq.case_events(prep), seq.case_table(prep))
        return EventTables(
            tables={k: keep_journeys(v, ok) for k, v in t.items()},
            journeys=ok,
            notes=[n for n in prep.notes if "has no events" not in n],
            counts=dict(prep.counts),
            partitions=1,
            event_stats=event_period_stats(prep, period),  # every journey in one pass
            case_frames=frames,
        )

    def case_frames(
        self,
        events: pd.DataFrame,
        jmap: JourneyMap,
        journeys: str | Iterable[str] | None = None,
        *,
        case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
        source: str = "events.csv",
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(case_events, case_table)`` (:mod:`cjwork.journeys.sequences`), prepared here."""
        prep = prepare(events, jmap, journeys, case_gap=case_gap, source=source)
        try:
            return seq.case_events(prep), seq.case_table(prep)
        finally:
            prep.close()

    #: ``link_feedback`` also returns the candidate links (``--candidates``).
    link_candidates: bool = True

    def link_feedback(
        self,
        feedback: pd.DataFrame,
        jmap: JourneyMap,
        *,
        events: pd.DataFrame | None = None,
        **params: Any,
    ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
        """:func:`cjwork.text.linking.link_feedback` here: links, candidates and a summary."""
        from cjwork.text.linking import link_feedback

        return link_feedback(feedback, jmap, events=events, **params)

    def find_personas(self, ws: Workspace, *, sample_size: int = 50_000, **params: Any) -> Any:
        """:func:`cjwork.personas.find_personas` here (``sample_size`` is for the Dask engine)."""
        from cjwork.personas import find_personas

        return find_personas(ws, **params)

    def score_frame(
        self, frame: pd.DataFrame, text_column: str, **params: Any
    ) -> tuple[pd.DataFrame, list[str]]:
        """:func:`cjwork.text.cli_support.score_frame` here: rows in order, scored, and notes."""
        from cjwork.text.cli_support import score_frame

        return score_frame(frame, text_column, **params)


@dataclass
class DaskEngine:
    """The same analytics per customer partition on a Dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        Scheduler address (``tcp://host:8786``) or a client; ``None`` starts a local
        cluster for the run.
    npartitions : int, optional
        Customer partitions (default: 2 per worker thread).
    """

    scheduler: str | Client | None = None
    npartitions: int | None = None
    name: str = "dask"

    def event_tables(
        self,
        ws: Workspace,
        journeys: list[str],
        *,
        period: str = "month",
        groups: pd.DataFrame | None = None,
        max_variants: int | None = 500,
        case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
        dedupe: bool = True,
        source: str = "events.csv",
    ) -> EventTables:
        """The event-level tables, computed on the cluster (see :class:`Engine`)."""
        from cjwork.scale.dask_engine import analyze_events

        if groups is not None and len(groups):
            groups = pd.DataFrame(
                {
                    "customer_id": groups["customer_id"].astype("string"),
                    "persona_id": groups["persona_id"].astype("string"),
                }
            )
        else:
            groups = None
        ev = analyze_events(
            ws.events,
            ws.journeys,
            journeys,
            scheduler=self.scheduler,
            npartitions=self.npartitions,
            period=period,
            case_gap=case_gap,
            dedupe=dedupe,
            groups=groups,
            max_variants=max_variants,
            trend_stats=True,
            source=source,
        )
        if any(ws.journeys.journey(j).rules for j in ev.journeys):  # for the conformance table
            ev.case_frames = self.case_frames(
                ws.events, ws.journeys, ev.journeys, case_gap=case_gap, source=source
            )
        return ev

    def case_frames(
        self,
        events: pd.DataFrame,
        jmap: JourneyMap,
        journeys: str | Iterable[str] | None = None,
        *,
        case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
        source: str = "events.csv",
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(case_events, case_table)`` prepared per customer partition on the cluster."""
        from cjwork.scale.sequences import case_frames

        return case_frames(
            events,
            jmap,
            journeys,
            scheduler=self.scheduler,
            npartitions=self.npartitions,
            case_gap=case_gap,
            source=source,
        )

    def find_personas(self, ws: Workspace, *, sample_size: int = 50_000, **params: Any) -> Any:
        """:func:`cjwork.scale.personas.find_personas_dask`: features per customer partition."""
        from cjwork.scale.personas import find_personas_dask

        return find_personas_dask(
            ws,
            sample_size=sample_size,
            scheduler=self.scheduler,
            npartitions=self.npartitions,
            **params,
        )

    def score_frame(
        self, frame: pd.DataFrame, text_column: str, **params: Any
    ) -> tuple[pd.DataFrame, list[str]]:
        """:func:`cjwork.scale.text.score_frame_dask`: fitted here, scored on the workers."""
        from cjwork.scale.text import score_frame_dask

        return score_frame_dask(frame, text_column, scheduler=self.scheduler, **params)

    #: the Dask side links by rules only and returns no candidate links
    link_candidates: bool = False

    def link_feedback(
        self,
        feedback: pd.DataFrame,
        jmap: JourneyMap,
        *,
        events: pd.DataFrame | None = None,
        window: str = "14D",
        text_overrides_event: float = 0.6,
        **params: Any,
    ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
        """:func:`cjwork.scale.text.link_touchpoints` per customer partition (explicit, event
        and text rules; no model): links, no candidates, and the same summary as locally."""
        from cjwork.scale.text import link_touchpoints

        links = link_touchpoints(
            feedback,
            jmap,
            events,
            window=window,
            text_overrides_event=text_overrides_event,
            scheduler=self.scheduler,
            npartitions=self.npartitions,
        )
        linked = links["touchpoint"].fillna("").astype(str) != ""
        n = len(links)
        coverage = (
            links.loc[linked, "link_method"].value_counts().div(max(n, 1)).to_dict() if n else {}
        )
        summary = {
            "n": n,
            "coverage": coverage,
            "unlinked": float(1 - linked.mean()) if n else 0.0,
            "where": " on the Dask workers",
        }
        return links, None, summary


def get_engine(
    engine: str | Engine = "local",
    *,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
    threads: int | None = None,
    prepared: Prepared | None = None,
) -> Engine:
    """The engine named ``engine`` (``local`` or ``dask``), or ``engine`` itself if it is one.

    Raises
    ------
    UsageError
        An unknown name.
    """
    if not isinstance(engine, str):
        if not isinstance(engine, Engine):
            raise UsageError(f"engine must be one of {', '.join(ENGINE_NAMES)}, got {engine!r}")
        return engine
    name = _ALIASES.get(engine, engine)
    if name == "local":
        return LocalEngine(threads=threads, prepared=prepared)
    if name == "dask":
        return DaskEngine(scheduler=scheduler, npartitions=npartitions)
    raise UsageError(f"engine must be one of {', '.join(ENGINE_NAMES)}, got '{engine}'")


def case_frames(
    events: pd.DataFrame,
    jmap: JourneyMap,
    journeys: str | Iterable[str] | None = None,
    *,
    engine: str | Engine = "local",
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    source: str = "events.csv",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(case_events, case_table)`` of the selected journeys (:mod:`cjwork.journeys.sequences`),
    by the chosen engine: the same frames from either, since a case never spans customers."""
    eng = get_engine(engine, scheduler=scheduler, npartitions=npartitions)
    return eng.case_frames(events, jmap, journeys, case_gap=case_gap, source=source)
