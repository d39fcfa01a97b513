"""DuckDB engine for event-level work: register the event table, build cases, run SQL.

Every event-level analysis in :mod:`cjwork.journeys` is a function of two things: the
**events relation** and the **journey map**. This module turns both into DuckDB tables:

``events_raw``
    The event table as given — a pandas DataFrame, a pyarrow Table, or one or more
    Parquet files (read out of core) — plus ``_row``, the position of the event in the
    input (file order), used only to break timestamp ties.
``tpmap``
    One row per touchpoint of the journey map: ``journey``, ``touchpoint``, ``tp_idx``
    (position in the journey, map order), ``stage``, ``stage_idx``, ``first_stage``,
    ``last_stage``.
``steps``
    The *prepared* events of the selected journeys, one row per kept event, with the case
    it belongs to and what follows it in that case (see :func:`prepare`). A view over the
    table ``_steps`` written by the window pass: journey, touchpoint and stage are looked up
    from the integer codes ``j_idx`` / ``tp_idx`` only when a query reads them.
``cases``
    One row per case (journey instance) with its variant, start, end, depth and
    completion (see :func:`prepare`).

Rules (documented once, here, and in the README)
-------------------------------------------------
Cases
    With a ``case_id`` column, a case is ``(journey, case_id)`` as given. Events without a
    ``case_id`` (no column, or an empty cell) get a derived case per customer and journey:
    events are taken in time order and a **new case starts** at the customer's first event
    in the journey, when the gap since the previous event exceeds ``case_gap`` (default
    30 days), or when a touchpoint of the journey's **first stage** follows a touchpoint of
    a later stage (the journey starts again). Consecutive first-stage events stay in one
    case.
Order and ties
    Within a case events are ordered by ``timestamp``; events with identical timestamps keep
    the order of the input (``_row``). Events out of time order in the file are therefore
    simply sorted.
Duplicates
    With ``dedupe=True`` (the default) an event with the same touchpoint and timestamp as
    the event right before it in its case is a duplicate (a double export) and is not
    counted; the number removed is reported in the notes. ``dedupe=False`` keeps them (they
    then show as self-loops with 0 s).
Foreign touchpoints
    An event whose touchpoint does not belong to the journey named in its ``journey``
    column cannot be placed on the map; it is left out and counted in the notes.
Completion
    A case is *complete* when it reaches the journey's last stage (any touchpoint of it).
    In a one-stage journey every case is complete.

Distribution
------------
All windows are partitioned by case, and a case never spans customers (a derived case is
per customer; a given ``case_id`` is assumed to be one customer's journey instance). So the
``steps`` and ``cases`` tables of a customer-partitioned event log are the union of the
per-partition tables, and every count in the analyses is a sum of per-partition counts
(``cases``, ``reached``, transition ``count``, ...). Medians and p90 merge exactly from the
per-partition histograms ``(key, value) -> count`` (see :func:`cjwork.journeys.paths.transitions`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cjwork.errors import DataError, Problem, UsageError
from cjwork.io.schemas import known_columns, required_columns
from cjwork.journeymap import Journey, JourneyMap, select_journeys
from cjwork.periods import ENGINE_PERIODS, check_period

#: Columns of the event table with a fixed meaning (the data contract's, and the engine's
#: row number); every other numeric column is a process metric.
RESERVED_COLUMNS = (*known_columns("events"), "_row")
#: The columns every event needs (the data contract's required ones).
REQUIRED_COLUMNS = tuple(required_columns("events"))
DEFAULT_CASE_GAP = pd.Timedelta(days=30)
#: Channels are carried through the steps' sort as a code when there are at most this many.
MAX_CODED_CHANNELS = 1000
#: Integer id types kept as integers through the steps' sort (see :func:`prepare`).
_ID_INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")

_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "BOOLEAN",
)

EventsInput = pd.DataFrame | pa.Table | str | os.PathLike | Sequence[str | os.PathLike]


def connect(
    threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection set up for cjwork (UTC, insertion order kept).

    Parameters
    ----------
    threads : int, optional
        Worker threads (default: DuckDB's default, all cores).
    memory_limit : str, optional
        E.g. ``"3GB"``; DuckDB spills to disk beyond it.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute("SET TimeZone = 'UTC'")
    except duckdb.Error:  # pragma: no cover - ICU missing; naive timestamps are UTC anyway
        pass
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def register_events(
    con: duckdb.DuckDBPyConnection, events: EventsInput, name: str = "events_raw"
) -> list[str]:
    """Make the event table available to ``con`` as the view ``name`` with a ``_row`` column.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    events : DataFrame, pyarrow.Table, path or list of paths
        Parquet paths (or globs) are read lazily, out of core; ``_row`` then is the row
        number within the file list (files in the order given).
    name : str
        View name.

    Returns
    -------
    list of str
        The column names of the view (including ``_row``).
    """
    if isinstance(events, pd.DataFrame):
        frame = events.reset_index(drop=True)
        frame = frame.assign(_row=np.arange(len(frame), dtype=np.int64))
        con.register(f"{name}_src", frame)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_src")
    elif isinstance(events, pa.Table):
        table = events.append_column("_row", pa.array(np.arange(events.num_rows, dtype=np.int64)))
        con.register(f"{name}_src", table)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_src")
    else:
        paths = [events] if isinstance(events, str | os.PathLike) else list(events)
        if not paths:
            raise UsageError("no Parquet files given for the event table")
        files = [str(Path(p)) for p in paths]
        # file_row_number restarts per file; the file's position in the list goes in the high bits.
        parts = " UNION ALL ".join(
            "SELECT * EXCLUDE (file_row_number), "
            f"(CAST({i} AS BIGINT) << 40) + file_row_number AS _row "
            "FROM read_parquet('" + f.replace("'", "''") + "', file_row_number = true)"
            for i, f in enumerate(files)
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {parts}")
    return [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]


def column_types(con: duckdb.DuckDBPyConnection, name: str = "events_raw") -> dict[str, str]:
    """Column name → DuckDB type of a registered relation."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()}


def metric_columns(types: dict[str, str]) -> list[str]:
    """The numeric process-metric columns: numeric and not one of :data:`RESERVED_COLUMNS`."""
    return [
        c
        for c, t in types.items()
        if c not in RESERVED_COLUMNS and (t in _NUMERIC_TYPES or t.startswith("DECIMAL"))
    ]


def map_frame(jmap: JourneyMap, journeys: Iterable[str]) -> pd.DataFrame:
    """The ``tpmap`` table for the selected journeys (see module docstring)."""
    rows = []
    for jid in journeys:
        j = jmap.journey(jid)
        n = len(j.stages)
        for s_idx, st in enumerate(j.stages):
            for tp in st.touchpoints:
                rows.append((j.id, tp.id, tp.order, st.id, s_idx, s_idx == 0, s_idx == n - 1))
    return pd.DataFrame(
        rows,
        columns=[
            "journey",
            "touchpoint",
            "tp_idx",
            "stage",
            "stage_idx",
            "first_stage",
            "last_stage",
        ],
    ).astype(
        {
            "journey": "string",
            "touchpoint": "string",
            "stage": "string",
            "tp_idx": "int32",
            "stage_idx": "int32",
        }
    )


def period_expr(period: str, column: str) -> str:
    """SQL for the start date of ``column``'s period (``day`` … ``year``)."""
    check_period(period, ENGINE_PERIODS)
    return f"CAST(date_trunc('{period}', {column}) AS DATE)"


@dataclass
class Prepared:
    """A connection holding ``steps`` and ``cases`` for the selected journeys.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
    journeys : list of str
        Selected journey ids, map order.
    jmap : JourneyMap
    metrics : list of str
        Numeric process-metric columns carried into ``steps``.
    has_channel : bool
    notes : list of str
        Plain sentences about rules applied (duplicates removed, foreign events, ...).
    counts : dict
        ``events`` (kept), ``duplicates``, ``foreign`` per selected journeys.
    """

    con: duckdb.DuckDBPyConnection
    journeys: list[str]
    jmap: JourneyMap
    metrics: list[str] = field(default_factory=list)
    has_channel: bool = False
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    _tpmap: pd.DataFrame | None = field(default=None, init=False, repr=False)

    def df(self, sql: str, params: Sequence | None = None) -> pd.DataFrame:
        """Run ``sql`` and return a (small) pandas frame."""
        return self.con.execute(sql, params or []).df()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Register a pandas frame as view ``name`` (first finishing any pending result)."""
        self.con.execute("SELECT 1").fetchall()
        self.con.register(name, frame)

    def journey(self, jid: str) -> Journey:
        """The :class:`~cjwork.journeymap.Journey` ``jid``."""
        return self.jmap.journey(jid)

    def stage_ids(self, jid: str) -> list[str]:
        """Stage ids of journey ``jid`` in map order."""
        return [s.id for s in self.jmap.journey(jid).stages]

    def tpmap(self) -> pd.DataFrame:
        """The ``tpmap`` table as pandas (journey, touchpoint, tp_idx, stage, …), read once."""
        if self._tpmap is None:
            self._tpmap = self.df("SELECT * FROM tpmap ORDER BY journey, tp_idx")
        return self._tpmap

    def order_journeys(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with ``_j``, the position of its ``journey`` among the selected journeys
        (map order), to sort by."""
        rank = {j: i for i, j in enumerate(self.journeys)}
        return df.assign(_j=df["journey"].map(rank))

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


def prepare(
    events: EventsInput,
    jmap: JourneyMap,
    journeys: str | Iterable[str] | None = None,
    *,
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    dedupe: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    source: str = "events.csv",
) -> Prepared:
    """Build the ``steps`` and ``cases`` tables for the selected journeys.

    Parameters
    ----------
    events : DataFrame, pyarrow.Table, Parquet path(s)
        Needs ``customer_id``, ``timestamp``, ``journey``, ``touchpoint``; optional
        ``case_id``, ``channel`` and numeric process metrics.
    jmap : JourneyMap
    journeys : str or list of str, optional
        Journey ids (default: all, map order).
    case_gap : Timedelta or str, optional
        Inactivity gap that starts a new derived case (``None``: never split on gaps).
    dedupe : bool
        Drop duplicate events (same case, touchpoint and timestamp as the previous event).
    con : DuckDB connection, optional
        Reuse a connection (default: a new one from :func:`connect`).
    threads, memory_limit : optional
        Passed to :func:`connect`.
    source : str
        File name used in error messages.

    Returns
    -------
    Prepared

    Raises
    ------
    DataError
        Missing columns or an empty event table.
    UsageError
        Unknown journey id.

    Notes
    -----
    ``steps`` columns: ``journey``, ``case_key``, ``customer_id``, ``ts`` (naive UTC),
    ``_row``, ``tp_idx``, ``touchpoint``, ``stage_idx``, ``first_in_case``, ``next_tp_idx``,
    ``dt_next_s`` (seconds to the next event of the case), ``channel`` (if present), the
    metric columns and ``j_idx`` (the journey as an integer, see ``_tpkey``). ``cases`` columns: ``journey``, ``case_key``, ``customer_id``,
    ``start_ts``, ``end_ts``, ``n_events``, ``depth`` (highest stage index reached),
    ``stage_mask`` (bit ``i`` set when stage ``i`` was visited), ``complete``,
    ``complete_ts`` (first event in the last stage), ``channel`` (of the first event),
    ``variant`` (list of ``tp_idx`` in case order).
    """
    selected = select_journeys(jmap, journeys)
    con = con or connect(threads=threads, memory_limit=memory_limit)
    cols = register_events(con, events)
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise DataError(
            [
                Problem(
                    source,
                    1,
                    c,
                    f"column '{c}' is missing; events need {', '.join(REQUIRED_COLUMNS)}",
                )
                for c in missing
            ],
            summary=f"{source} lacks required column(s)",
        )
    types = column_types(con)
    n_total = con.execute("SELECT count(*) FROM events_raw").fetchall()[0][0]
    if n_total == 0:
        raise DataError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "the event table has no rows; export events for at least one journey",
                )
            ],
            summary=f"{source} is empty",
        )
    metrics = metric_columns(types)
    has_channel = "channel" in types
    has_case = "case_id" in types
    con.register("tpmap_src", map_frame(jmap, selected))
    con.execute("CREATE OR REPLACE TEMP TABLE tpmap AS SELECT * FROM tpmap_src")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sel AS SELECT UNNEST(?::VARCHAR[]) AS journey", [selected]
    )

    ts_type = types["timestamp"]
    if ts_type.startswith("TIMESTAMP WITH TIME ZONE"):
        # the same instant as naive UTC; cheaper than timezone('UTC', ...) (no ICU lookup per row)
        ts_sql = 'make_timestamp(epoch_us(e."timestamp"))'
    elif ts_type.startswith("TIMESTAMP"):
        ts_sql = 'CAST(e."timestamp" AS TIMESTAMP)'
    else:
        ts_sql = 'CAST(e."timestamp" AS TIMESTAMP)'  # strings: ISO 8601 parse by DuckDB
    gap_s = None if case_gap is None else pd.Timedelta(case_gap).total_seconds()
    # Integer ids stay integers through the sort (text only in the views): much less to move.
    native_ids = types["customer_id"] in _ID_INT_TYPES and (
        not has_case or types["case_id"] in _ID_INT_TYPES
    )
    if native_ids:
        customer_sql = "CAST(e.customer_id AS BIGINT)"
        case_sql = "CAST(e.case_id AS BIGINT)" if has_case else "CAST(NULL AS BIGINT)"
    else:
        customer_sql = "CAST(e.customer_id AS VARCHAR)"
        case_sql = "NULLIF(CAST(e.case_id AS VARCHAR), '')" if has_case else "CAST(NULL AS VARCHAR)"
    chan_key = ", CAST(e.channel AS VARCHAR) AS ch" if has_channel else ", NULL AS ch"

    # Per-journey counts, including events whose touchpoint is foreign to the journey.
    # counted per (journey, touchpoint) as stored, then matched with the map (a few rows)
    # (and the channels seen, so that the steps carry a small channel code, not its text)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jtc AS
            SELECT e.journey, e.touchpoint{chan_key}, count(*) AS n,
                   count(*) FILTER (WHERE {case_sql} IS NULL) AS no_case
            FROM events_raw e GROUP BY ALL"""
    )
    channels = None
    if has_channel:
        seen_channels = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT ch FROM _jtc WHERE ch IS NOT NULL ORDER BY ch"
            ).fetchall()
        ]
        if len(seen_channels) <= MAX_CODED_CHANNELS:
            channels = seen_channels
    per_journey = con.execute(
        """WITH g AS (SELECT journey, touchpoint, sum(n) AS n, sum(no_case) AS no_case
                      FROM _jtc GROUP BY ALL)
            SELECT CAST(g.journey AS VARCHAR) AS journey, CAST(sum(g.n) AS BIGINT) AS n,
                   CAST(coalesce(sum(g.n) FILTER (WHERE m.touchpoint IS NULL), 0) AS BIGINT) AS foreign_n,
                   CAST(sum(g.no_case) AS BIGINT) AS no_case
            FROM g JOIN sel s ON CAST(g.journey AS VARCHAR) = s.journey
            LEFT JOIN tpmap m ON CAST(g.journey AS VARCHAR) = m.journey AND CAST(g.touchpoint AS VARCHAR) = m.touchpoint
            GROUP BY 1"""
    ).df()
    seen = dict(
        zip(per_journey["journey"], per_journey["n"] - per_journey["foreign_n"], strict=True)
    )
    empty = [j for j in selected if seen.get(j, 0) == 0]
    if len(empty) == len(selected):
        raise DataError(
            [
                Problem(
                    source,
                    None,
                    "journey",
                    f"no events for journey '{j}'; check the journey column or choose another journey",
                )
                for j in empty
            ],
            summary=f"no events for the selected journey(s) in {source}",
        )
    notes: list[str] = []
    for j in empty:
        notes.append(f"journey '{j}' has no events; its tables are empty")
    foreign = int(per_journey["foreign_n"].sum())
    if foreign:
        notes.append(
            f"{foreign:,} event(s) name a touchpoint that does not belong to their journey and were left out"
        )

    from cjwork.journeys.casebuild import build_cases, build_steps

    derived = bool(per_journey["no_case"].sum() > 0)
    spec = {
        "ts_sql": ts_sql,
        "case_sql": case_sql,
        "channel": has_channel,
        "metrics": metrics,
        "gap_s": gap_s,
        "dedupe": dedupe,
        "derived": derived,
        "customer_sql": customer_sql,
        "channels": channels,
    }
    build_steps(con, **spec)
    # a 64-bit hash collision: rebuild exactly
    if not build_cases(con, channel=has_channel, channels=channels):
        build_steps(con, **spec, hashed=False)
        build_cases(con, channel=has_channel, channels=channels)
    con.execute("DROP TABLE IF EXISTS _jtc")
    n_kept = con.execute("SELECT count(*) FROM steps").fetchall()[0][0]
    n_dup = int(sum(seen.values()) - n_kept)
    if n_dup:
        notes.append(
            f"{n_dup:,} duplicate event(s) (same case, touchpoint and timestamp as the previous event) were not counted"
        )
    return Prepared(
        con=con,
        journeys=selected,
        jmap=jmap,
        metrics=metrics,
        has_channel=has_channel,
        notes=notes,
        counts={"events": int(n_kept), "duplicates": int(n_dup), "foreign": foreign},
    )


def tp_names(prep: Prepared) -> pd.DataFrame:
    """``tpmap`` as pandas (journey, touchpoint, tp_idx, stage, stage_idx, ...)."""
    return prep.df("SELECT * FROM tpmap ORDER BY journey, tp_idx")
