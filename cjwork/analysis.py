"""THE journey-analytics pipeline: one computation for ``cjwork analyze`` and the report.

:func:`analyze` turns a :class:`~cjwork.io.Workspace` into the six contract tables of
``DESIGN.md`` §2 — ``variants``, ``transitions``, ``funnel``, ``touchpoints``, ``kpis``,
``trends`` — each with a ``journey`` column and the contract columns first, plus a few
extra tables (``timing``, ``loops``, ``funnel_groups``, ``kpi_periods``). The command line
writes them with :func:`write_analysis`; the report notebook shows the same frames.

What needs what
---------------
* events only (plus ``journeys.yml``): variants, transitions, funnel (also by channel and
  by period), timing, loops, process KPIs, the ``events`` column of touchpoints and the
  volume/completion columns of trends;
* feedback: the feedback, performance, importance, category, moment-of-truth and quick-win
  columns of touchpoints, sentiment and NPS in trends (prioritisation by
  :func:`cjwork.prioritize.prioritize_touchpoints`, trends by :func:`cjwork.trends.kpi_trends`,
  sentiment by :func:`cjwork.text.enrich_feedback`);
* customers: the funnel by persona (:func:`cjwork.personas.assign_personas`);
* the why and the loop (:mod:`cjwork.loop.tables`): ``themes`` (feedback), ``changes``
  (flagged trends), ``whatif`` (feedback and KPI targets), ``actions`` (an ``actions.yml``).

What is missing is skipped, the feedback-dependent columns stay empty, and the result's
``skipped`` list says once, plainly, what was skipped and why.

Output is deterministic: every table is sorted (journeys in map order, then map order of
stages/touchpoints or by count), and :func:`write_analysis` writes floats with
:data:`FLOAT_FORMAT`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cjwork.engine import Engine, get_engine
from cjwork.errors import CjworkError, DataError, Problem, UsageError
from cjwork.journeymap import select_journeys
from cjwork.journeys.engine import DEFAULT_CASE_GAP, Prepared
from cjwork.periods import check_period
from cjwork.tables import CONTRACT, EXTRA_TABLES, TABLES, EventTables, contract_first

if TYPE_CHECKING:
    from distributed import Client

    from cjwork.io.workspace import Workspace

FLOAT_FORMAT = "%.10g"


class Analysis(dict):
    """``dict[str, DataFrame]`` of the analysis tables, with what happened on the way.

    Attributes
    ----------
    journeys : list of str
        The journeys analysed (map order).
    skipped : list of str
        Analyses that were skipped and why (one sentence each).
    notes : list of str
        Rules applied to the data (duplicates removed, ...).
    failed : dict
        Journey id → reason, for selected journeys that could not be analysed (no events);
        their rows are absent, the other journeys are complete.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.journeys: list[str] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.failed: dict[str, str] = {}


def analyze(
    ws: Workspace,
    journeys: str | Iterable[str] | None = None,
    period: str = "month",
    feedback: pd.DataFrame | None = None,
    personas: pd.DataFrame | None = None,
    *,
    max_variants: int | None = 500,
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    dedupe: bool = True,
    random_state: int = 0,
    threads: int | None = None,
    prepared: Prepared | None = None,
    engine: str | Engine = "local",
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
) -> Analysis:
    """Run the journey analytics for the selected journeys of a workspace.

    Parameters
    ----------
    ws : Workspace
        From :func:`cjwork.load`; needs ``events``.
    journeys : str or list of str, optional
        Journey ids (default: every journey of the map).
    period : {"month", "week", "quarter"}
        Period of trends, KPI periods and the funnel by period.
    feedback : DataFrame, optional
        Enriched feedback (``cjwork.text.enrich_feedback(ws)``); computed here when the
        workspace has feedback and this is not given.
    personas : DataFrame, optional
        ``customer_id``, ``persona_id`` (and ``persona_name``); from
        ``cjwork.personas.assign_personas(ws, random_state=random_state)`` when the
        workspace has customers and this is not given.
    max_variants : int or None
        Variants kept per journey; the rest are folded into one ``(other: N variants)`` row.
    case_gap : Timedelta or str or None
        Inactivity gap that starts a new derived case (see :mod:`cjwork.journeys.cases`).
    dedupe : bool
        Drop duplicate events (see :mod:`cjwork.journeys.engine`).
    random_state : int
        Seed for the persona model and the importance bootstrap.
    threads : int, optional
        DuckDB threads.
    prepared : Prepared, optional
        A prepared engine to reuse (must hold the selected journeys).
    engine : {"local", "dask"} or Engine
        Where the event-level tables are computed (:mod:`cjwork.engine`): ``"local"``
        (default; ``"duckdb"`` is an old name of it): DuckDB in this process. ``"dask"``:
        the same computations per customer partition on a Dask cluster, merged exactly.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler address (``tcp://host:8786``); ``None``
        starts a local cluster of 2 worker processes.
    npartitions : int, optional
        With ``engine="dask"``: customer partitions (default: 2 per worker thread).

    Returns
    -------
    Analysis
        The six contract tables and the extra tables; ``.skipped``, ``.notes``, ``.failed``.

    Raises
    ------
    DataError
        No events, an empty events table, an unknown journey id, or no events for any of
        the selected journeys.
    UsageError
        A bad ``period``.
    """
    check_period(period)
    events_file = (
        Path(ws.files.get("events", "events.csv")).name
        if getattr(ws, "files", None)
        else "events.csv"
    )
    if ws.events is None:
        raise DataError(
            [
                Problem(
                    "events.csv",
                    None,
                    None,
                    f"cjwork analyze needs an event log: add events.csv or events.parquet to {ws.path}",
                )
            ],
            summary="no event log in the workspace",
        )
    if len(ws.events) == 0:
        raise DataError(
            [
                Problem(
                    events_file,
                    None,
                    None,
                    "the event table has no rows; export events for at least one journey",
                )
            ],
            summary=f"{events_file} is empty",
        )
    selected = select_journeys(ws.journeys, journeys, all_unknown=True)
    eng = get_engine(
        engine, scheduler=scheduler, npartitions=npartitions, threads=threads, prepared=prepared
    )
    out = Analysis()
    pers = personas if personas is not None else _personas(ws, out, random_state)
    ev = eng.event_tables(
        ws,
        selected,
        period=period,
        groups=pers,
        max_variants=max_variants,
        case_gap=case_gap,
        dedupe=dedupe,
        source=events_file,
    )
    for jid in selected:
        if jid not in ev.journeys:
            out.failed[jid] = f"no events for journey '{jid}' in {events_file}"
    out.journeys = ok = list(ev.journeys)
    out.notes.extend(ev.notes)
    out.update(ev.tables)

    fb = feedback
    if fb is None and ws.feedback is not None and len(ws.feedback):
        fb = _enrich(ws, out)
    elif fb is None:
        out.skipped.append(
            "prioritisation (feedback, performance, importance, category, moment_of_truth, quick_win in "
            "touchpoints.csv) and sentiment/NPS in trends.csv: the workspace has no feedback"
        )
    out["touchpoints"] = _touchpoints(ws, fb, ok, random_state, out)
    out["trends"] = _trends(ws, fb, ok, period, ev.event_stats, out)
    out["conformance"] = _conformance(ev, ws, fb, ok)
    for name, cols in CONTRACT.items():
        out[name] = contract_first(out[name], cols)
    _loop_tables(ws, fb, pers, ok, period, random_state, out)
    return out


def _loop_tables(ws, fb, personas, journeys, period, random_state, out: Analysis) -> None:
    """themes.csv, changes.csv, whatif.csv and actions.csv (the why and the closed loop)."""
    from cjwork.loop.tables import loop_tables

    loop_tables(ws, fb, personas, journeys, period, random_state, out)


def _conformance(ev: EventTables, ws, fb, journeys: list[str]) -> pd.DataFrame:
    """conformance.csv: per rule of the map, cases breaking it and the sentiment/NPS difference."""
    from cjwork.journeys.conformance import CONFORMANCE_COLUMNS, conformance_table

    if ev.case_frames is None or not any(ws.journeys.journey(j).rules for j in journeys):
        return pd.DataFrame(columns=CONFORMANCE_COLUMNS)
    events, cases = ev.case_frames
    return conformance_table(events, cases, ws.journeys, fb, journeys)


def _enrich(ws, out: Analysis) -> pd.DataFrame | None:
    try:
        from cjwork.text import enrich_feedback
    except ImportError:
        out.skipped.append(
            "prioritisation and sentiment trends: feedback sentiment (cjwork.text.enrich_feedback) is not available in this installation"
        )
        return None
    return enrich_feedback(ws)


def _personas(ws, out: Analysis, random_state: int) -> pd.DataFrame | None:
    if ws.customers is None or len(ws.customers) == 0:
        out.skipped.append("funnel by persona: the workspace has no customers table")
        return None
    try:
        from cjwork.personas import assign_personas
    except ImportError:
        out.skipped.append(
            "funnel by persona: persona assignment (cjwork.personas.assign_personas) is not available"
        )
        return None
    try:
        return assign_personas(ws, random_state=random_state)
    except CjworkError as exc:
        out.skipped.append(
            f"funnel by persona: personas could not be assigned ({str(exc).splitlines()[0]})"
        )
        return None


def _touchpoints(ws, fb, journeys, random_state, out: Analysis) -> pd.DataFrame:
    volumes = out["loops"][["journey", "touchpoint", "events"]]
    extras = out["loops"][
        ["journey", "touchpoint", "repeat_cases", "repeat_share", "self_loops", "returns"]
    ]
    try:
        from cjwork.prioritize import prioritize_touchpoints
    except ImportError:
        prioritize_touchpoints = None
    frames = []
    for jid in journeys:
        vol = volumes[volumes["journey"] == jid][["touchpoint", "events"]]
        if prioritize_touchpoints is None:
            tpf = ws.journeys.touchpoints_frame()
            frame = tpf[tpf["journey"] == jid][["journey", "stage", "touchpoint", "owner"]].merge(
                vol, on="touchpoint", how="left"
            )
        else:
            frame = prioritize_touchpoints(fb, ws.journeys, jid, vol, random_state=random_state)
            frame = frame.drop(columns=["events"], errors="ignore").merge(
                vol, on="touchpoint", how="left"
            )
            if "journey" not in frame.columns:
                frame.insert(0, "journey", jid)
        frames.append(frame)
    if prioritize_touchpoints is None:
        out.skipped.append(
            "prioritisation columns of touchpoints.csv: cjwork.prioritize is not available"
        )
    df = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=CONTRACT["touchpoints"])
    )
    df["events"] = df["events"].fillna(0).astype("int64")
    return df.merge(extras, on=["journey", "touchpoint"], how="left")


def _trends(ws, fb, journeys, period, event_stats, out: Analysis) -> pd.DataFrame:
    try:
        from cjwork.trends import kpi_trends
    except ImportError:
        out.skipped.append("trends.csv: cjwork.trends is not available in this installation")
        return pd.DataFrame(columns=CONTRACT["trends"])
    frames = [
        kpi_trends(None, fb, ws.journeys, jid, period, event_stats=event_stats) for jid in journeys
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=CONTRACT["trends"])
    df = pd.concat(frames, ignore_index=True)
    if "period" in df.columns and pd.api.types.is_datetime64_any_dtype(df["period"]):
        df["period"] = df["period"].dt.strftime("%Y-%m-%d")
    return df


def write_analysis(
    tables: dict[str, pd.DataFrame],
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    inputs: Workspace | str | Path | Iterable[str | Path] | None = None,
    formula_guard: bool = True,
    guard: Any = None,
) -> list[Path]:
    """Write every table as ``OUT_DIR/<name>.csv`` (or ``.parquet``) as one complete set.

    The tables are staged and moved into place together;
    ``OUT_DIR/cjwork-complete-analyze.json`` is written last (see
    :func:`cjwork.io.outputs.staged_outputs`), so a killed run never leaves a set that
    looks complete and a rerun never mixes old and new tables.

    Parameters
    ----------
    tables : dict
        From :func:`analyze`.
    out_dir : str or Path
        Created when missing. Files that are inputs of the workspace are never overwritten.
    fmt : {"csv", "parquet"}
    inputs : Workspace or paths, optional
        Extra files to protect.
    formula_guard : bool, default True
        Neutralise CSV cells a spreadsheet would run as formulas
        (:func:`cjwork.io.outputs.neutralise_formulas`).
    guard : cjwork.io.outputs.OutputGuard, optional
        The output guard of the command (its claims and inputs are respected).

    Returns
    -------
    list of Path
        The files written, in table order.
    """
    from cjwork.io.outputs import OutputGuard, staged_outputs

    if fmt not in ("csv", "parquet"):
        raise UsageError(f"format must be csv or parquet, got '{fmt}'")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output {out_dir} is a file; choose a directory")
    if guard is None:
        guard = OutputGuard(inputs)
    elif inputs is not None:
        guard.add_inputs(inputs)
    written = []
    order = [t for t in (*TABLES, *EXTRA_TABLES) if t in tables] + [
        t for t in tables if t not in TABLES + EXTRA_TABLES
    ]
    with staged_outputs(out_dir, guard, command="analyze") as staged:
        for name in order:
            df = tables[name]
            if fmt == "csv":
                staged.write_csv(
                    df, f"{name}.csv", float_format=FLOAT_FORMAT, formula_guard=formula_guard
                )
            else:
                staged.write_parquet(df, f"{name}.parquet")
            written.append(out_dir / f"{name}.{fmt}")
    return written
