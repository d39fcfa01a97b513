"""The journey analytics on a Dask cluster: the same DuckDB code per customer partition.

One implementation, two engines. Journeys are per customer (a case never spans
customers, see :mod:`cjwork.journeys.engine`), so the event log is split by
``hash(customer_id) % n`` into partitions that are analysed independently:

1. **On the workers**, each partition runs the existing engine
   (:func:`cjwork.journeys.engine.prepare` builds ``steps`` and ``cases`` with the very same
   SQL) and returns *partial aggregates* (:func:`event_partials`) that merge exactly:
   counts and sums (cases per variant, completed cases, transition counts, cases per funnel
   depth, loop counts, events) and value histograms ``(key, value) -> n`` for every median
   and p90 (case durations, time to complete, seconds to the next touchpoint, process
   metrics).
2. **On the client**, :func:`merge_partials` sums the partials and feeds them to the same
   ``_finish_*`` steps the DuckDB engine uses (names, shares, order, folding, tests), so
   the tables are the same tables — exactly equal on integer-valued data (see
   :mod:`cjwork.scale.merge` for the one caveat about means of fractional values).

Tasks are pure functions of their input (a frame embedded in the task, or a list of
Parquet files), so when a worker dies Dask simply runs the task again elsewhere.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from cjwork.errors import DataError, Problem, UsageError
from cjwork.journeymap import JourneyMap, select_journeys
from cjwork.journeys import funnel as _funnel
from cjwork.journeys import kpis as _kpis
from cjwork.journeys import paths as _paths
from cjwork.journeys import timing as _timing
from cjwork.journeys.engine import (
    DEFAULT_CASE_GAP,
    Prepared,
    connect,
    map_frame,
    period_expr,
    prepare,
)
from cjwork.scale.merge import hist_stats
from cjwork.scale.partition import split_by_customer
from cjwork.tables import CONTRACT, EventTables, contract_first, keep_journeys

if TYPE_CHECKING:
    from distributed import Client

    from cjwork.journeys.engine import EventsInput
    from cjwork.scale.lake import Lake

#: Parts of a partial; each is a DataFrame, concatenated over partitions before merging.
PARTS = ("seen", "variants", "vdur", "ttc", "trans", "loops", "depth", "metric")


# --------------------------------------------------------------------------- the cluster


@contextlib.contextmanager
def dask_client(scheduler: str | Client | None = None, n_workers: int = 2) -> Iterator[Client]:
    """A ``distributed.Client``: to ``scheduler`` when given, else to a new ``LocalCluster``.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``), or an existing
        ``distributed.Client`` to reuse. ``None`` starts a ``LocalCluster`` of
        ``n_workers`` worker processes (one thread each) for the duration of the block.
    n_workers : int
        Workers of the local cluster.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the installation
        raise UsageError(
            "engine 'dask' needs dask.distributed: pip install 'cjwork[scale]'"
        ) from None
    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # an existing Client
        return
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise UsageError(
                f"could not reach the Dask scheduler at {scheduler} ({exc}); check the address "
                "(e.g. tcp://host:8786) or leave --scheduler out to start a local cluster"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


# --------------------------------------------------------------------------- partials


def event_partials(
    events: EventsInput,
    jmap: JourneyMap,
    journeys: Sequence[str],
    *,
    period: str = "month",
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    dedupe: bool = True,
    groups: pd.DataFrame | None = None,
    channel_groups: bool = True,
    trend_stats: bool = False,
    threads: int | None = 1,
    memory_limit: str | None = None,
) -> dict:
    """Partial aggregates of one customer partition (runs on a worker).

    Parameters
    ----------
    events : DataFrame, pyarrow.Table or Parquet path(s)
        The events of a set of customers (every event of each of them).
    jmap : JourneyMap
    journeys : list of str
    period : str
        Period of the KPI periods and the funnel by period.
    case_gap, dedupe
        As :func:`cjwork.journeys.engine.prepare`.
    groups : DataFrame, optional
        ``customer_id`` and ``persona_id``: adds the funnel counts by persona.
    channel_groups : bool
        Add the funnel counts by channel (when the events have a channel).
    trend_stats : bool
        Add the per-period counts of the trends table
        (:func:`cjwork.trends.event_period_counts`, as ``trend_<name>``).
    threads, memory_limit : optional
        DuckDB settings on the worker.

    Returns
    -------
    dict
        DataFrames named in :data:`PARTS` plus ``events``, ``duplicates``, ``foreign``,
        ``metrics`` and ``has_channel``; an empty partition gives empty frames.
    """
    try:
        prep = prepare(
            events,
            jmap,
            list(journeys),
            case_gap=case_gap,
            dedupe=dedupe,
            threads=threads,
            memory_limit=memory_limit,
        )
    except DataError:
        # No rows, or no events for the selected journeys in this partition: nothing to add.
        return {"events": 0, "duplicates": 0, "foreign": 0, "metrics": [], "has_channel": False}
    try:
        out = _partials(prep, period, groups, channel_groups)
        if trend_stats:
            from cjwork.trends import event_period_counts

            for name, frame in event_period_counts(prep, period).items():
                out[f"trend_{name}"] = frame
        return out
    finally:
        prep.close()


def _partials(prep: Prepared, period: str, groups, channel_groups: bool) -> dict:
    out: dict = {
        "events": prep.counts["events"],
        "duplicates": prep.counts["duplicates"],
        "foreign": prep.counts["foreign"],
        "metrics": list(prep.metrics),
        "has_channel": prep.has_channel,
    }
    out["seen"] = prep.df("SELECT journey, count(*) AS cases FROM cases GROUP BY journey")
    # One row per case with its variant key: the touchpoint ids joined by " > " (the
    # engine's own variant expression) or, for an engine that keeps variants as lists of
    # touchpoint positions, those positions joined by ",".
    tables = set(prep.df("SELECT table_name FROM duckdb_tables()")["table_name"])
    packed = "case_table" in tables  # variants packed in words: decode them to names once
    case_cols = set(prep.df("DESCRIBE cases")["column_name"])
    if "variant" in case_cols and not packed:
        out["variant_style"] = "idx"
        vkey, length, src = "array_to_string(c.variant, ',')", "len(c.variant)", "cases c"
    else:
        from cjwork.journeys.casebuild import variant_sql

        out["variant_style"] = "name"
        vkey, length = variant_sql(prep.con, "c"), "c.n_events"
        src = """case_table c JOIN (SELECT journey, list(touchpoint ORDER BY tp_idx) AS names
                               FROM tpmap GROUP BY journey) nm USING (journey)"""
    prep.con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cv AS
            SELECT c.journey, {vkey} AS vkey, {length} AS length, c.complete,
                   epoch(c.end_ts) - epoch(c.start_ts) AS v
            FROM {src}"""
    )
    out["variants"] = prep.df(
        """SELECT journey, vkey, hash(vkey) AS vh, count(*) AS cases,
                  count(*) FILTER (WHERE complete) AS completed, any_value(length) AS length
           FROM _cv GROUP BY journey, vkey"""
    )
    # durations keyed by a 64-bit hash of the variant (checked for collisions when merging)
    out["vdur"] = prep.df(
        "SELECT journey, hash(vkey) AS vh, v, count(*) AS n FROM _cv GROUP BY ALL"
    )
    out["ttc"] = prep.df(
        """SELECT journey, epoch(complete_ts) - epoch(start_ts) AS v, count(*) AS n
           FROM cases WHERE complete GROUP BY ALL"""
    )
    out["trans"] = prep.df(
        """SELECT journey, tp_idx AS src, next_tp_idx AS dst, dt_next_s AS v, count(*) AS n
           FROM steps WHERE next_tp_idx IS NOT NULL GROUP BY ALL"""
    )
    # The per-(journey, touchpoint) loop counts: every column sums, max_per_case is a max.
    out["loops"] = prep.df(
        """WITH pc AS (
               SELECT journey, case_key, tp_idx, count(*) AS n,
                      count(*) FILTER (WHERE next_tp_idx = tp_idx) AS selfl
               FROM steps GROUP BY journey, case_key, tp_idx)
           SELECT journey, tp_idx, sum(n) AS events, count(*) AS cases,
                  count(*) FILTER (WHERE n >= 2) AS repeat_cases,
                  count(*) FILTER (WHERE n >= 3) AS cases_3plus,
                  max(n) AS max_per_case, sum(selfl) AS self_loops, sum(n - 1 - selfl) AS returns
           FROM pc GROUP BY journey, tp_idx"""
    )
    depth = [_funnel.depth_counts(prep, None, None).assign(by="")]
    for by, g in (("period", None), ("channel", None), ("persona", groups)):
        if by == "channel" and not (channel_groups and prep.has_channel):
            continue
        if by == "persona" and g is None:
            continue
        gsql, join = _funnel.funnel_group_sql(prep, by, g, period)
        depth.append(_funnel.depth_counts(prep, None, gsql, join).assign(by=by))
    out["depth"] = pd.concat(depth, ignore_index=True)
    if prep.metrics:
        cols = ", ".join(f'"{m}"' for m in prep.metrics)
        out["metric"] = prep.df(
            f"""WITH u AS (
                    UNPIVOT (SELECT journey, touchpoint, tp_idx,
                                    CAST({period_expr(period, "ts")} AS VARCHAR) AS period, {cols}
                             FROM steps)
                    ON {cols} INTO NAME metric VALUE v)
                SELECT journey, touchpoint, tp_idx, metric, period, v, count(*) AS n
                FROM u GROUP BY ALL"""
        )
    return out


# --------------------------------------------------------------------------- combine

#: How two partials combine: group keys and aggregations per part (sums, and a max).
COMBINE = {
    "seen": (["journey"], {"cases": "sum"}),
    "variants": (
        ["journey", "vkey"],
        {"vh": "first", "cases": "sum", "completed": "sum", "length": "first"},
    ),
    "vdur": (["journey", "vh", "v"], {"n": "sum"}),
    "ttc": (["journey", "v"], {"n": "sum"}),
    # case durations per journey (all variants), when "vdur" holds only the top candidates
    "cdur": (["journey", "v"], {"n": "sum"}),
    "trans": (["journey", "src", "dst", "v"], {"n": "sum"}),
    "loops": (
        ["journey", "tp_idx"],
        {
            "events": "sum",
            "cases": "sum",
            "repeat_cases": "sum",
            "cases_3plus": "sum",
            "max_per_case": "max",
            "self_loops": "sum",
            "returns": "sum",
        },
    ),
    "depth": (["by", "journey", "grp", "depth", "stage_mask"], {"n": "sum"}),
    "metric": (["journey", "touchpoint", "tp_idx", "metric", "period", "v"], {"n": "sum"}),
    "trend_touchpoints": (
        ["journey", "period", "touchpoint"],
        {"volume": "sum", "cases": "sum", "completed": "sum"},
    ),
    "trend_journeys": (["journey", "period"], {"cases": "sum", "completed": "sum"}),
    "trend_window": (["journey"], {"lo": "min", "hi": "max"}),
}


def combine_partials(a: dict, b: dict) -> dict:
    """Two partials as one (runs on a worker): counts summed, histograms summed per value.

    Used as a tree reduction before the client merges, so the client receives one partial
    whose histograms have one row per distinct ``(key, value)`` of the whole log — their
    size is bounded by the value range, not by the number of partitions or events.
    """
    out: dict = {k: a.get(k, 0) + b.get(k, 0) for k in ("events", "duplicates", "foreign")}
    out["partitions"] = a.get("partitions", 1) + b.get("partitions", 1)
    out["metrics"] = sorted(set(a.get("metrics", [])) | set(b.get("metrics", [])))
    out["has_channel"] = bool(a.get("has_channel") or b.get("has_channel"))
    out["variant_style"] = a.get("variant_style") or b.get("variant_style")
    out["tasks"] = list(a.get("tasks", [])) + list(b.get("tasks", []))
    for name, (keys, agg) in COMBINE.items():
        frames = [p[name] for p in (a, b) if name in p and len(p[name])]
        if len(frames) == 1:
            out[name] = frames[0]
        elif frames:
            both = pd.concat(frames, ignore_index=True)
            out[name] = both.groupby(keys, as_index=False, dropna=False, sort=False).agg(agg)
    return out


# --------------------------------------------------------------------------- merge


def _concat(parts: list[dict], name: str) -> pd.DataFrame | None:
    frames = [p[name] for p in parts if name in p and len(p[name])]
    return pd.concat(frames, ignore_index=True) if frames else None


def merge_partials(
    parts: list[dict],
    jmap: JourneyMap,
    journeys: Sequence[str],
    *,
    period: str = "month",
    max_variants: int | None = 500,
    source: str = "events",
    threads: int | None = None,
) -> EventTables:
    """Merge the partials of all partitions into the analysis tables (on the client).

    Parameters
    ----------
    parts : list of dict
        :func:`event_partials` of every partition.
    jmap : JourneyMap
    journeys : list of str
        The selected journeys, as given to :func:`event_partials`.
    period : str
    max_variants : int or None
        Variants kept per journey (the rest folded), as :func:`cjwork.analysis.analyze`.
    source : str
        File name for error messages.
    threads : int, optional
        DuckDB threads for the merge.

    Returns
    -------
    EventTables

    Raises
    ------
    DataError
        No events for any selected journey in any partition.
    """
    selected = list(journeys)
    metrics = sorted({m for p in parts for m in p.get("metrics", [])})
    has_channel = any(p.get("has_channel") for p in parts)
    con = connect(threads=threads)
    con.register("tpmap_src", map_frame(jmap, selected))
    con.execute("CREATE OR REPLACE TEMP TABLE tpmap AS SELECT * FROM tpmap_src")
    prep = Prepared(con=con, journeys=selected, jmap=jmap, metrics=metrics, has_channel=has_channel)
    try:
        return _merge(parts, prep, period, max_variants, source)
    finally:
        con.close()


def _merge(parts, prep: Prepared, period, max_variants, source) -> EventTables:
    selected = prep.journeys
    con = prep.con
    seen = _concat(parts, "seen")
    have = set(seen["journey"]) if seen is not None else set()
    if not have:
        raise DataError(
            [
                Problem(
                    source,
                    None,
                    "journey",
                    f"no events for journey '{j}'; check the journey column or choose another journey",
                )
                for j in selected
            ],
            summary=f"no events for the selected journey(s) in {source}",
        )
    counts = {k: int(sum(p.get(k, 0) for p in parts)) for k in ("events", "duplicates", "foreign")}
    notes = []
    if counts["foreign"]:
        notes.append(
            f"{counts['foreign']:,} event(s) name a touchpoint that does not belong to their journey and were left out"
        )
    if counts["duplicates"]:
        notes.append(
            f"{counts['duplicates']:,} duplicate event(s) (same case, touchpoint and timestamp as the previous event) were not counted"
        )
    t: dict[str, pd.DataFrame] = {}

    # variants: sums per variant, medians from the duration histograms
    var = (
        _concat(parts, "variants")
        .groupby(["journey", "vkey"], as_index=False, sort=False)
        .agg(
            cases=("cases", "sum"),
            completed=("completed", "sum"),
            length=("length", "first"),
            vh=("vh", "first"),
        )
    )
    con.register("_vdur", _concat(parts, "vdur"))
    med = hist_stats(con, "_vdur", ["journey", "vh"], quantiles={"median": 0.5}, mean=False)
    con.unregister("_vdur")
    if var.duplicated(["journey", "vh"]).any():  # pragma: no cover - a 64-bit hash collision
        raise RuntimeError("two variants share a 64-bit hash; rerun with the duckdb engine")
    var = var.merge(med[["journey", "vh", "median"]], on=["journey", "vh"], how="left")
    raw = pd.DataFrame(
        {
            "journey": var["journey"],
            "variant": [[int(x) for x in k.split(",")] for k in var["vkey"]]
            if any(p.get("variant_style") == "idx" for p in parts)
            else var["vkey"].astype(object),
            "cases": var["cases"].astype("int64"),
            "completion_rate": var["completed"] / var["cases"],
            "length": var["length"].astype("int64"),
            "median_duration_s": var["median"].astype("float64"),
        }
    )
    raw["share"] = raw["cases"] / raw.groupby("journey")["cases"].transform("sum")
    t["variants"] = _paths.finish_variants(prep, raw, max_variants)

    # transitions and the seconds to the next touchpoint: one histogram
    trans = _concat(parts, "trans")
    if trans is not None:
        con.register("_trans", trans)
        tr = hist_stats(con, "_trans", ["journey", "src", "dst"])
        to_next = hist_stats(con, "_trans", ["journey", "src"])
        con.unregister("_trans")
    else:
        tr = pd.DataFrame(columns=["journey", "src", "dst", "n", "median", "p90", "mean"])
        to_next = pd.DataFrame(columns=["journey", "src", "n", "median", "p90", "mean"])
    t["transitions"] = _paths.finish_transitions(
        prep,
        tr.rename(columns={"n": "count", "median": "median_s", "p90": "p90_s"}).drop(
            columns="mean"
        ),
    )

    # funnel and funnel by group: case counts per depth and stage mask
    depth = (
        _concat(parts, "depth")
        .assign(grp=lambda d: d["grp"].astype(object).where(d["grp"].notna(), None))
        .groupby(["by", "journey", "grp", "depth", "stage_mask"], dropna=False, as_index=False)["n"]
        .sum()
    )
    base = depth[depth["by"] == ""].drop(columns="by")
    t["funnel"] = _funnel.finish_funnel(prep, base, None)
    groups = []
    for by in ("period", "channel", "persona"):
        d = depth[depth["by"] == by].drop(columns="by")
        if len(d):
            groups.append(_funnel.finish_funnel_by(prep, d.reset_index(drop=True), by, None))
    t["funnel_groups"] = (
        pd.concat([g for g in groups if len(g)], ignore_index=True)
        if any(len(g) for g in groups)
        else pd.DataFrame(columns=_funnel.GROUP_COLUMNS)
    )

    # loops: sums, and the largest count per case
    loops = _concat(parts, "loops")
    if loops is not None:
        agg = {c: "sum" for c in loops.columns if c not in ("journey", "tp_idx")}
        agg["max_per_case"] = "max"
        loops = loops.groupby(["journey", "tp_idx"], as_index=False).agg(agg)
    else:
        loops = pd.DataFrame(columns=["journey", "tp_idx"])
    t["loops"] = _paths.finish_loops(prep, loops, None)

    # process metrics: one histogram per touchpoint, metric and period
    metric = _concat(parts, "metric")
    targets = _kpis.kpi_targets(prep, None)
    kpi_data = {}
    wait_frames = []
    if metric is not None and prep.metrics:
        con.register("_metric", metric)
        con.register(
            "kpi_targets_src",
            targets.astype({"journey": "string", "touchpoint": "string", "metric": "string"}),
        )
        for per in (None, period):
            keys = ["journey", "touchpoint", "metric"] + (["period"] if per else [])
            st = hist_stats(con, "_metric", keys)
            k = ", ".join(f"h.{c}" for c in keys)
            extra = con.execute(
                f"""SELECT {k},
                        CAST(sum(h.n) FILTER (WHERE (t.better = 'lower' AND h.v <= t.target)
                             OR (t.better = 'higher' AND h.v >= t.target)) AS DOUBLE) AS within,
                        any_value(t.better) AS better, bool_and(h.v IN (0, 1)) AS binary
                    FROM _metric h LEFT JOIN kpi_targets_src t USING (journey, touchpoint, metric)
                    GROUP BY ALL"""
            ).df()
            st = st.merge(extra, on=keys, how="left")
            has_target = st["better"].isin(["lower", "higher"])
            st["share_within_target"] = (st["within"].fillna(0) / st["n"]).where(has_target)
            kpi_data[per] = st[
                [*keys, "n", "median", "mean", "p90", "share_within_target", "binary"]
            ]
        waits = [m for m in prep.metrics if _timing.WAIT_PATTERN.search(m)]
        for m in waits:
            w = hist_stats(
                con, f"(SELECT * FROM _metric WHERE metric = '{m}')", ["journey", "tp_idx"]
            )
            if len(w):
                wait_frames.append(
                    w.assign(measure="wait", unit=m)[
                        ["journey", "measure", "tp_idx", "unit", "n", "median", "p90", "mean"]
                    ]
                )
        con.unregister("_metric")
    empty_kpi = pd.DataFrame(
        columns=[
            "journey",
            "touchpoint",
            "metric",
            "n",
            "median",
            "mean",
            "p90",
            "share_within_target",
            "binary",
        ]
    )
    t["kpis"] = _kpis.finish_kpis(prep, kpi_data.get(None, empty_kpi), targets, None)
    t["kpi_periods"] = _kpis.finish_kpis(
        prep,
        kpi_data.get(period, empty_kpi.assign(period=pd.Series(dtype=object))),
        targets,
        period,
    )

    # timing: time to complete, case duration, seconds to next, waits
    case_level = []
    ttc = _concat(parts, "ttc")
    if ttc is not None:
        con.register("_ttc", ttc)
        case_level.append(hist_stats(con, "_ttc", ["journey"]).assign(measure="time_to_complete"))
        con.unregister("_ttc")
    # every case's duration: the per-journey histogram when the variants' own histograms
    # were cut down to the top candidates (see analyze_events), else theirs summed
    cdur = _concat(parts, "cdur")
    con.register("_cdur", cdur if cdur is not None else _concat(parts, "vdur"))
    case_level.append(hist_stats(con, "_cdur", ["journey"]).assign(measure="case_duration"))
    con.unregister("_cdur")
    cl = pd.concat(case_level, ignore_index=True).assign(touchpoint="", unit="s")
    cl = cl[["journey", "measure", "touchpoint", "unit", "n", "median", "p90", "mean"]]
    tn = to_next.rename(columns={"src": "tp_idx"}).assign(measure="to_next", unit="s")[
        ["journey", "measure", "tp_idx", "unit", "n", "median", "p90", "mean"]
    ]
    t["timing"] = _timing.finish_timing(prep, cl, tn, wait_frames, None)

    ok = [j for j in selected if j in have]
    event_stats = _merge_event_stats(parts, ok) if any("trend_window" in p for p in parts) else None

    for name, cols in CONTRACT.items():
        if name in t:
            t[name] = contract_first(t[name], cols)
    return EventTables(
        tables={k: keep_journeys(v, ok) for k, v in t.items()},
        journeys=ok,
        notes=notes,
        counts=counts,
        partitions=int(sum(p.get("partitions", 1) for p in parts)),
        tasks=[t for p in parts for t in p.get("tasks", [])],
        event_stats=event_stats,
    )


def _merge_event_stats(parts: list[dict], journeys: list[str]) -> dict[str, pd.DataFrame]:
    """:func:`cjwork.trends.event_period_stats` of the whole log from the partials."""
    from cjwork.trends import combine_event_stats

    pieces = []
    for p in parts:
        piece = {k[len("trend_") :]: v for k, v in p.items() if k.startswith("trend_")}
        if "ttc" in p:
            piece["durations"] = p["ttc"]
        if "metric" in p and len(p["metric"]):
            m = p["metric"].drop(columns="tp_idx")
            piece["metrics"] = m.assign(period=pd.to_datetime(m["period"]))
        pieces.append(piece)
    stats = combine_event_stats(pieces)
    return {k: keep_journeys(v, journeys) for k, v in stats.items()}


# --------------------------------------------------------------------------- driver


def default_partitions(client: Client, n_events: int | None = None) -> int:
    """Partitions for an in-memory event table: 2 per worker thread, at least 1M events each."""
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # pragma: no cover - a client without workers yet
        threads = 2
    n = 2 * max(threads, 1)
    if n_events is not None:
        n = max(1, min(n, -(-n_events // 1_000_000) * max(threads, 1)))
    return n


def analyze_events(
    events: pd.DataFrame | Lake | Sequence[EventsInput],
    jmap: JourneyMap,
    journeys: str | Sequence[str] | None = None,
    *,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
    period: str = "month",
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    dedupe: bool = True,
    groups: pd.DataFrame | None = None,
    max_variants: int | None = 500,
    trend_stats: bool = False,
    memory_limit: str | None = None,
    retries: int = 3,
    source: str = "events.csv",
) -> EventTables:
    """The event-level journey analytics on a Dask cluster.

    Parameters
    ----------
    events : DataFrame, :class:`cjwork.scale.lake.Lake`, or list of partitions
        A pandas event table (split by customer here), a data lake
        (:func:`cjwork.scale.lake.open_lake`; each partition is read on its worker), or a
        list whose items are event frames / Parquet file lists, one per customer partition.
    jmap : JourneyMap
    journeys : str or list of str, optional
        Journey ids (default: all).
    scheduler : str or distributed.Client, optional
        Scheduler address or a client; ``None`` starts a ``LocalCluster`` of 2 workers.
    npartitions : int, optional
        Customer partitions for a pandas table (default: 2 per worker thread).
    period, case_gap, dedupe, max_variants
        As :func:`cjwork.analysis.analyze`.
    groups : DataFrame, optional
        ``customer_id`` and ``persona_id`` for the funnel by persona.
    trend_stats : bool
        Also merge the per-period counts of the trends table (``EventTables.event_stats``).
    memory_limit : str, optional
        DuckDB memory limit per task (it spills to disk beyond it), e.g. ``"2GB"``.
    retries : int
        Extra attempts of a task whose worker failed.
    source : str
        File name for error messages.

    Returns
    -------
    EventTables
    """
    from cjwork.scale.lake import Lake

    selected = select_journeys(jmap, journeys)
    with dask_client(scheduler) as client:
        if isinstance(events, pd.DataFrame):
            n = npartitions or default_partitions(client, len(events))
            pieces = split_by_customer(events, n)
        elif isinstance(events, Lake):
            pieces = events.customer_partitions(npartitions)
        else:
            pieces = list(events)
        groups_f = client.scatter(groups, broadcast=True) if groups is not None else None
        futures = [
            client.submit(
                _partition_task,
                piece,
                jmap,
                selected,
                period=period,
                case_gap=case_gap,
                dedupe=dedupe,
                groups=groups_f,
                trend_stats=trend_stats,
                memory_limit=memory_limit,
                key=f"cjwork-partial-{i}-{os.getpid()}-{id(pieces)}",
                retries=retries,
                pure=False,
            )
            for i, piece in enumerate(pieces)
        ]
        if max_variants is None:
            parts = [_tree_combine(client, futures, retries).result()]
        else:
            # Two rounds, so the variant-duration histograms (one row per variant and
            # duration: they grow with the number of cases) never travel in full. Round 1
            # combines everything else; the client finds the variants that can be among the
            # top ``max_variants`` of their journey (ties included); round 2 combines only
            # their duration histograms, cut out of the partials still held by the workers.
            rest = [client.submit(_without_vdur, f, retries=retries, pure=False) for f in futures]
            part = _tree_combine(client, rest, retries).result()
            candidates = client.scatter(
                top_variant_candidates(part["variants"], max_variants), broadcast=True
            )
            vdur = [
                client.submit(_vdur_of, f, candidates, retries=retries, pure=False) for f in futures
            ]
            durations = _tree_combine(client, vdur, retries).result().get("vdur")
            if durations is not None:
                part["vdur"] = durations
            del futures, rest, vdur
            parts = [part]
    return merge_partials(
        parts, jmap, selected, period=period, max_variants=max_variants, source=source
    )


def _tree_combine(client: Client, futures: list, retries: int):
    """Combine partial futures pairwise on the workers; return the future of the whole."""
    while len(futures) > 1:
        nxt = [
            client.submit(combine_partials, futures[i], futures[i + 1], retries=retries, pure=False)
            for i in range(0, len(futures) - 1, 2)
        ]
        if len(futures) % 2:
            nxt.append(futures[-1])
        futures = nxt
    return futures[0]


def top_variant_candidates(variants: pd.DataFrame, max_variants: int) -> pd.DataFrame:
    """``(journey, vh)`` of the variants that can rank within the top ``max_variants``.

    A journey's variants are ranked by cases (descending), ties by name; a variant with
    fewer cases than the journey's ``max_variants``-th largest count cannot make the top,
    so only the others (ties at that count included) need their durations.

    Parameters
    ----------
    variants : DataFrame
        The ``variants`` part of a combined partial (``journey``, ``vkey``, ``vh``, ``cases``).
    max_variants : int

    Returns
    -------
    DataFrame
        ``journey`` and ``vh`` of the candidates.
    """
    ranked = variants.sort_values(["journey", "cases"], ascending=[True, False], kind="mergesort")
    kth = (
        ranked.groupby("journey", sort=False)["cases"]
        .apply(lambda c: c.iloc[min(max_variants, len(c)) - 1])
        .rename("_kth")
    )
    cand = variants.merge(kth, left_on="journey", right_index=True)
    cand = cand[cand["cases"] >= cand["_kth"]]
    return cand[["journey", "vh"]].drop_duplicates().reset_index(drop=True)


def _without_vdur(part: dict) -> dict:
    """The partial without its variant-duration histogram, with the journeys' case durations."""
    out = {k: v for k, v in part.items() if k != "vdur"}
    vdur = part.get("vdur")
    if vdur is not None and len(vdur):
        out["cdur"] = vdur.groupby(["journey", "v"], as_index=False, sort=False)["n"].sum()
    return out


def _vdur_of(part: dict, candidates: pd.DataFrame) -> dict:
    vdur = part.get("vdur")
    if vdur is None or not len(vdur):
        return {"partitions": 0}
    keep = vdur.merge(candidates, on=["journey", "vh"], how="inner")
    return {"partitions": 0, "vdur": keep[list(vdur.columns)]}


def _partition_task(piece, jmap, selected, **kw) -> dict:
    import time

    from cjwork.scale.lake import read_partition

    wall, cpu = time.perf_counter(), time.process_time()
    events = read_partition(piece) if isinstance(piece, dict) else piece
    out = event_partials(events, jmap, selected, **kw)
    out["tasks"] = [
        {
            "events": int(out.get("events", 0)),
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
        }
    ]
    return out
