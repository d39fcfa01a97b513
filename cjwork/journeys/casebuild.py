"""The SQL that builds the ``steps`` and ``cases`` tables of :func:`cjwork.journeys.engine.prepare`.

The rules it implements are documented in :mod:`cjwork.journeys.cases` and
:mod:`cjwork.journeys.engine`. This module only writes SQL against a DuckDB connection that
holds ``events_raw`` and ``tpmap``; it knows nothing of :class:`~cjwork.journeys.engine.Prepared`,
so the engine can use it without an import cycle.
"""

from __future__ import annotations

import duckdb

#: Touchpoint positions are packed into 128-bit integers to identify a variant exactly
#: without an ordered list aggregate: ``bits`` bits per event, ``PACK_WORDS`` words.
PACK_WORDS = 2

#: Added to epoch microseconds so that they pack as non-negative 64-bit fields.
_TS_BIAS = 1 << 63


def pack_layout(max_tp: int) -> tuple[int, int]:
    """``(bits, per_word)``: bits per event for touchpoint indices up to ``max_tp`` and events per HUGEINT."""
    bits = max(1, int(max_tp + 1).bit_length())  # codes 1..max_tp+1, 0 = no event
    return bits, 126 // bits


def build_steps(
    con: duckdb.DuckDBPyConnection,
    *,
    ts_sql: str,
    case_sql: str,
    channel: bool,
    metrics: list[str],
    gap_s: float | None,
    dedupe: bool,
    derived: bool,
    hashed: bool = True,
    customer_sql: str = "CAST(e.customer_id AS VARCHAR)",
    channels: list[str] | None = None,
) -> None:
    """Create the ``steps`` table from ``events_raw`` and ``tpmap`` (see the module rules).

    One row per kept event: ``journey``, ``case_key`` (UBIGINT, one per case),
    ``case_given``, ``case_no``, ``customer_id``, ``ts``, ``_row``, ``tp_idx``,
    ``touchpoint``, ``stage_idx``, ``pos`` (0-based position in the case),
    ``first_in_case``, ``next_tp_idx``, ``dt_next_s``, ``channel`` (when present), the
    metric columns (as DOUBLE) and ``j_idx``, the journey as a small integer (``_tpkey``
    maps it to the id), so that per-journey aggregates group on integers.

    Windows are partitioned by a 64-bit hash of the case (``hashed=True``, fast); the
    cases table checks that no two cases share a hash and the engine rebuilds with the
    string keys (``hashed=False``) if they ever do.

    Only numbers travel through the window's sort: integer customer and case ids stay
    integers (``customer_sql`` / ``case_sql`` say how they are read) and the channel, when
    ``channels`` lists its values, is a small code. The internal view ``_steps_n`` has them
    so; the public view ``steps`` turns them back into text.
    """
    metric_sql = "".join(f', CAST(e."{m}" AS DOUBLE) AS "{m}"' for m in metrics)
    if not channel:
        channel_sql = ""
    elif channels is not None:
        channel_sql = (
            f", CAST(list_position({_sql_list(channels, 'VARCHAR')}, "
            "CAST(e.channel AS VARCHAR)) AS SMALLINT) AS channel"
        )
    else:
        channel_sql = ", CAST(e.channel AS VARCHAR) AS channel"
    if hashed:
        pk = "CASE WHEN e.case_given IS NULL THEN hash(m.journey, e.customer_id, 'derived') ELSE hash(m.journey, e.case_given) END"
    else:
        pk = "m.journey || chr(31) || CASE WHEN e.case_given IS NULL THEN 'd' || CAST(e.customer_id AS VARCHAR) ELSE 'g' || CAST(e.case_given AS VARCHAR) END"
    # The sort payload carries a small journey code (j_idx), not the journey id; the id,
    # the touchpoint name and the stage join back after the sort.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _tpkey AS
        SELECT journey, touchpoint, tp_idx, stage_idx, first_stage,
               CAST(dense_rank() OVER (ORDER BY journey) - 1 AS INTEGER) AS j_idx
        FROM tpmap"""
    )
    ctes = [
        f"""ev AS (
            SELECT e.customer_id, m.j_idx, e.case_given, {pk} AS pk,
                   {ts_sql} AS ts, e._row, m.tp_idx, m.first_stage
                   {channel_sql}{metric_sql}
            FROM (SELECT * REPLACE ({customer_sql} AS customer_id), {case_sql} AS case_given
                  FROM events_raw e) e
            JOIN _tpkey m ON CAST(e.journey AS VARCHAR) = m.journey AND CAST(e.touchpoint AS VARCHAR) = m.touchpoint
        )"""
    ]
    src = "ev"
    # Given cases with dedupe: one window pass computes the steps *and* flags duplicates;
    # only when a duplicate is found (rare: double exports) is the exact two-pass build run.
    optimistic = dedupe and not derived and not _force_two_pass(con)
    if optimistic:
        dedupe = False
    if derived or dedupe:
        gap_rule = (
            f"WHEN epoch(e.ts) - epoch(lag(e.ts) OVER w) > {gap_s} THEN 1"
            if gap_s is not None
            else ""
        )
        dup = (
            "coalesce(lag(e.tp_idx) OVER w = e.tp_idx AND lag(e.ts) OVER w = e.ts, false)"
            if dedupe
            else "false"
        )
        ctes.append(
            f"""flagged AS (
            SELECT e.*,
                CASE WHEN lag(e.ts) OVER w IS NULL THEN 1
                     WHEN e.case_given IS NOT NULL THEN 0
                     WHEN e.first_stage AND NOT lag(e.first_stage) OVER w THEN 1
                     {gap_rule}
                     ELSE 0 END AS new_case,
                {dup} AS dup
            FROM ev e
            WINDOW w AS (PARTITION BY e.pk ORDER BY e.ts, e._row))"""
        )
        src = "(SELECT * FROM flagged WHERE NOT dup)"
    if derived:
        ctes.append(
            f"""numbered AS (
            SELECT f.* EXCLUDE (new_case, dup),
                   CASE WHEN f.case_given IS NULL THEN sum(f.new_case) OVER w ELSE 0 END AS case_no
            FROM {src} f
            WINDOW w AS (PARTITION BY f.pk ORDER BY f.ts, f._row))"""
        )
        key = "hash(f.pk, f.case_no)" if hashed else "f.pk || chr(31) || CAST(f.case_no AS VARCHAR)"
        src = "numbered"
    else:
        key = "f.pk"
        src = (
            f"(SELECT * EXCLUDE (new_case, dup), 0 AS case_no FROM {src})"
            if (derived or dedupe)
            else "(SELECT *, 0 AS case_no FROM ev)"
        )
    extra = (", f.channel" if channel else "") + "".join(f', f."{m}"' for m in metrics)
    dup_flag = (
        ", coalesce(lag(f.tp_idx) OVER w = f.tp_idx AND lag(f.ts) OVER w = f.ts, false) AS _dup"
        if optimistic
        else ""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _steps AS
        WITH {", ".join(ctes)},
        keyed AS (SELECT f.*, {key} AS ck FROM {src} f)
        SELECT f.j_idx, f.ck AS case_key, f.case_given, f.case_no, f.customer_id, f.ts, f._row,
               f.tp_idx,
               CAST(row_number() OVER w - 1 AS INTEGER) AS pos,
               lead(f.tp_idx) OVER w AS next_tp_idx,
               epoch(lead(f.ts) OVER w) - epoch(f.ts) AS dt_next_s
               {extra}{dup_flag}
        FROM keyed f
        WINDOW w AS (PARTITION BY f.ck ORDER BY f.ts, f._row)"""
    )
    if optimistic and con.execute("SELECT bool_or(_dup) FROM _steps").fetchall()[0][0]:
        # duplicates present: build again with the dedupe pass (exact rule)
        con.execute("CREATE OR REPLACE TEMP TABLE _force_two_pass AS SELECT 1 AS x")
        try:
            build_steps(
                con,
                ts_sql=ts_sql,
                case_sql=case_sql,
                channel=channel,
                metrics=metrics,
                gap_s=gap_s,
                dedupe=True,
                derived=derived,
                hashed=hashed,
                customer_sql=customer_sql,
                channels=channels,
            )
        finally:
            con.execute("DROP TABLE IF EXISTS _force_two_pass")
        return
    # Journey, touchpoint and stage are looked up from j_idx and tp_idx when a query reads
    # them (constant lists, no join), so the table holds no copies of the names.
    keys = con.execute(
        "SELECT j_idx, tp_idx, journey, touchpoint, stage_idx FROM _tpkey"
    ).fetchall()
    width = max(k[1] for k in keys) + 1
    n_j = max(k[0] for k in keys) + 1
    journeys, tps, stages = [None] * n_j, [None] * (n_j * width), [None] * (n_j * width)
    for j, t, jid, tp, st in keys:
        journeys[j] = jid
        tps[j * width + t] = tp
        stages[j * width + t] = st
    cell = f"s.j_idx * {width} + s.tp_idx + 1"
    extra_s = extra.replace(", f.", ", s.")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW _steps_n AS
        SELECT {_sql_list(journeys, "VARCHAR")}[s.j_idx + 1] AS journey, s.case_key, s.case_given,
               s.case_no, s.customer_id, s.ts, s._row, s.pos, s.pos = 0 AS first_in_case,
               s.next_tp_idx, s.dt_next_s {extra_s}, s.tp_idx,
               {_sql_list(tps, "VARCHAR")}[{cell}] AS touchpoint,
               {_sql_list(stages, "INTEGER")}[{cell}] AS stage_idx, s.j_idx
        FROM _steps s"""
    )
    replace = [
        "CAST(customer_id AS VARCHAR) AS customer_id",
        "CAST(case_given AS VARCHAR) AS case_given",
    ]
    if channel and channels is not None:
        replace.append(f"{channel_decode_sql(channels, 'channel')} AS channel")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW steps AS SELECT * REPLACE ({', '.join(replace)}) FROM _steps_n"
    )


def channel_decode_sql(channels: list[str] | None, column: str) -> str:
    """SQL turning a channel code of ``_steps_n`` back into its text (``channels`` as coded)."""
    if channels is None:
        return column
    return f"{_sql_list(channels, 'VARCHAR')}[{column}]"


def _force_two_pass(con: duckdb.DuckDBPyConnection) -> bool:
    """True while :func:`build_steps` rebuilds after its one-pass build found duplicates."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_force_two_pass'"
        ).fetchall()[0][0]
    )


def _sql_list(values: list, sql_type: str) -> str:
    """A constant SQL list of strings or integers (``None`` → NULL)."""

    def lit(v: str | int | None) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        return str(int(v))

    return f"CAST([{', '.join(lit(v) for v in values)}] AS {sql_type}[])"


def build_cases(
    con: duckdb.DuckDBPyConnection, *, channel: bool, channels: list[str] | None = None
) -> bool:
    """Create the ``cases`` table (one row per case) from ``steps``.

    Columns: ``journey``, ``case_key``, ``case_id`` (as given, or ``customer_id#n`` when
    derived), ``customer_id``, ``start_ts``, ``end_ts``, ``n_events``, ``depth`` (furthest
    stage index), ``stage_mask`` (bit ``i`` = stage ``i`` visited), ``complete`` (reached the
    last stage), ``complete_ts`` (first event in the last stage), ``channel`` (of the first
    event) and ``v0`` … ``v5``: the touchpoint sequence packed into 128-bit integers
    (:func:`pack_layout`), exact for cases up to ``PACK_WORDS * per_word`` events; longer
    cases carry ``long_variant``, the list itself.

    Returns
    -------
    bool
        ``False`` when two different cases share a key (a hash collision), so the caller
        must rebuild with string keys.
    """
    max_tp = con.execute("SELECT max(tp_idx) FROM tpmap").fetchall()[0][0]
    bits, per = pack_layout(max_tp)
    limit = PACK_WORDS * per
    words = "".join(
        f", sum(CASE WHEN s.pos >= {w * per} AND s.pos < {(w + 1) * per} "
        f"THEN CAST(s.tp_idx + 1 AS HUGEINT) << CAST({bits} * (s.pos - {w * per}) AS INTEGER) ELSE 0 END) AS v{w}"
        for w in range(PACK_WORDS)
    )
    channel_case = (
        ", any_value(s.channel) FILTER (WHERE s.first_in_case) AS channel"
        if channel
        else ", CAST(NULL AS VARCHAR) AS channel"
    )
    chan_out = channel_decode_sql(channels, "channel") if channel else "channel"
    # the last stage of each journey (by j_idx) as an inline CASE, evaluated once per case
    last = con.execute("SELECT j_idx, max(stage_idx) FROM _tpkey GROUP BY j_idx").fetchall()
    last_sql = "CASE c.j_idx " + " ".join(f"WHEN {int(j)} THEN {int(i)}" for j, i in last) + " END"
    # The case's identity is part of the group key: (journey, case id as given, 0) or
    # (journey, customer id, case number >= 1). Two cases sharing a key hash give two rows
    # with one case_key; the window numbered their events together, so one of the rows has
    # max(pos) + 1 > n_events: that is the clash test (no second hash of every event).
    # ``deep`` packs (64 - stage index, first time in that stage): its minimum is the
    # deepest stage reached (depth) and the first time there (complete_ts when that stage
    # is the last one).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE case_table AS
        WITH c AS (
            SELECT s.case_key, s.j_idx, coalesce(s.case_given, s.customer_id) AS ident, s.case_no,
                   any_value(s.customer_id) AS customer_id,
                   min(s.ts) AS start_ts, max(s.ts) AS end_ts, count(*) AS n_events,
                   max(s.pos) + 1 AS span,
                   bit_or(CAST(1 AS BIGINT) << s.stage_idx) AS stage_mask,
                   min((CAST(64 - s.stage_idx AS HUGEINT) << 64) + (epoch_us(s.ts) + {_TS_BIAS})) AS deep
                   {channel_case}{words}
            FROM _steps_n s
            GROUP BY s.case_key, s.j_idx, coalesce(s.case_given, s.customer_id), s.case_no),
        d AS (
            SELECT k.journey, c.*, 64 - CAST(c.deep >> 64 AS INTEGER) AS depth, {last_sql} AS last_idx
            FROM c JOIN (SELECT DISTINCT j_idx, journey FROM _tpkey) k USING (j_idx))
        SELECT journey, case_key,
               CASE WHEN case_no = 0 THEN CAST(ident AS VARCHAR)
                    ELSE CAST(ident AS VARCHAR) || '#' || CAST(case_no AS VARCHAR) END AS case_id,
               CAST(CASE WHEN case_no = 0 THEN customer_id ELSE ident END AS VARCHAR) AS customer_id,
               start_ts, end_ts, n_events, depth, stage_mask, depth = last_idx AS complete,
               CASE WHEN depth = last_idx
                    THEN make_timestamp(CAST((deep & {(1 << 64) - 1}) - {_TS_BIAS} AS BIGINT)) END AS complete_ts,
               {chan_out} AS channel, {", ".join(f"v{w}" for w in range(PACK_WORDS))}, CAST(NULL AS INTEGER[]) AS long_variant,
               span <> n_events AS clash
        FROM d"""
    )
    # the list of tp_idx per case, decoded only when a query asks for it
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW cases AS
        SELECT *, CASE WHEN long_variant IS NOT NULL THEN long_variant ELSE {_decode_sql(bits, per, "")} END AS variant
        FROM case_table"""
    )
    if con.execute("SELECT coalesce(max(n_events), 0) FROM case_table").fetchall()[0][0] > limit:
        con.execute(
            f"""UPDATE case_table SET long_variant = x.l
            FROM (SELECT case_key, list(tp_idx ORDER BY pos) AS l FROM steps
                  WHERE case_key IN (SELECT case_key FROM case_table WHERE n_events > {limit}) GROUP BY case_key) x
            WHERE case_table.case_key = x.case_key"""
        )
    clash = con.execute("SELECT count(*) FROM case_table WHERE clash").fetchall()[0][0]
    con.execute("ALTER TABLE case_table DROP COLUMN clash")
    return clash == 0


def _decode_sql(bits: int, per: int, alias: str) -> str:
    """SQL: the packed words of a case back to its list of ``tp_idx``."""
    a = f"{alias}." if alias else ""
    word = (
        f"CASE i // {per} " + " ".join(f"WHEN {w} THEN {a}v{w}" for w in range(PACK_WORDS)) + " END"
    )
    idx = f"CAST(((({word}) >> CAST({bits} * (i % {per}) AS INTEGER)) & {(1 << bits) - 1}) - 1 AS INTEGER)"
    return f"list_transform(range({a}n_events), lambda i: {idx})"


def variant_sql(con: duckdb.DuckDBPyConnection, alias: str = "") -> str:
    """SQL expression turning a case's packed words back into its ``" > "``-joined touchpoint ids.

    Needs ``names`` (the journey's touchpoint ids in ``tp_idx`` order) in scope.
    """
    max_tp = con.execute("SELECT max(tp_idx) FROM tpmap").fetchall()[0][0]
    bits, per = pack_layout(max_tp)
    a = f"{alias}." if alias else ""
    # the packed code of an event is tp_idx + 1, i.e. the 1-based position in ``names``:
    # decode the codes, then pick the names with list_select (a lambda that reads ``names``
    # would copy the list for every event)
    word = (
        f"CASE i // {per} " + " ".join(f"WHEN {w} THEN {a}v{w}" for w in range(PACK_WORDS)) + " END"
    )
    code = (
        f"CAST((({word}) >> CAST({bits} * (i % {per}) AS INTEGER)) & {(1 << bits) - 1} AS INTEGER)"
    )
    codes = (
        f"CASE WHEN {a}long_variant IS NOT NULL THEN list_transform({a}long_variant, lambda x: x + 1) "
        f"ELSE list_transform(range({a}n_events), lambda i: {code}) END"
    )
    return f"array_to_string(list_select(names, {codes}), ' > ')"
