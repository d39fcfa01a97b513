"""Paths: variants, directly-follows transitions, loops and repeats per touchpoint.

Definitions
-----------
variant
    The complete sequence of touchpoint ids of a case, in case order (time, ties in file
    order), joined by ``" > "``. ``cases`` counts cases with that sequence, ``share`` is
    ``cases`` over all cases of the journey, ``completion_rate`` the share of those cases
    that reached the journey's last stage.
transition
    A directly-follows pair ``source → target``: two consecutive events of one case.
    ``count`` counts pairs; ``median_s`` and ``p90_s`` are the linear-interpolated median
    and 90th percentile of the seconds between them (as ``pandas.Series.quantile``).
repeat / loop
    At a touchpoint: ``repeat_cases`` are cases with two or more events there (the customer
    who calls the hotline three times), ``self_loops`` directly-follows pairs ``A → A``,
    ``returns`` re-visits after at least one other touchpoint in between.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.journeys.engine import Prepared

SEPARATOR = " > "

VARIANT_COLUMNS = [
    "journey",
    "variant",
    "cases",
    "share",
    "completion_rate",
    "length",
    "median_duration_s",
    "rank",
]
TRANSITION_COLUMNS = [
    "journey",
    "source",
    "target",
    "count",
    "median_s",
    "p90_s",
    "share_of_source",
    "source_stage",
    "target_stage",
]
#: ``steps.j_idx`` → journey id, and the ``j_idx`` of the journey bound to ``?``.
JOURNEY_KEYS = "(SELECT DISTINCT j_idx, journey FROM _tpkey)"
J_IDX = "(SELECT any_value(j_idx) FROM _tpkey WHERE journey = ?)"

LOOP_COLUMNS = [
    "journey",
    "touchpoint",
    "events",
    "cases",
    "repeat_cases",
    "repeat_share",
    "cases_3plus",
    "max_per_case",
    "self_loops",
    "returns",
]


def _journey_filter(prep: Prepared, journey: str | None, alias: str = "") -> tuple[str, list]:
    col = f"{alias}journey" if alias else "journey"
    if journey is None:
        return "", []
    return f"WHERE {col} = ?", [journey]


def variants(prep: Prepared, journey: str | None = None, top: int | None = None) -> pd.DataFrame:
    """Variants per journey with ``cases``, ``share`` and ``completion_rate``.

    Parameters
    ----------
    prep : Prepared
    journey : str, optional
        One journey (default: all selected).
    top : int, optional
        Keep the ``top`` most frequent variants per journey and fold the rest into one row
        ``"(other: N variants)"`` so that shares still sum to 1.

    Returns
    -------
    DataFrame
        :data:`VARIANT_COLUMNS`, sorted by journey (map order), cases descending, variant.
        ``length`` is the number of events, ``median_duration_s`` the median case duration.
    """
    from cjwork.journeys.casebuild import PACK_WORDS, pack_layout, variant_sql

    where, params = _journey_filter(prep, journey)
    words = ", ".join(f"v{w}" for w in range(PACK_WORDS))
    and_where = where.replace("WHERE", "AND")
    stats = """count(*) AS cases, avg(CAST(complete AS DOUBLE)) AS completion_rate,
               quantile_cont(epoch(end_ts) - epoch(start_ts), 0.5) AS median_duration_s"""
    # each packed word as two unsigned 64-bit halves, for the sort keys (see _variant_order)
    halves = "".join(
        f", CAST(v.v{w} & {(1 << 64) - 1} AS UBIGINT) AS _lo{w}, CAST(v.v{w} >> 64 AS UBIGINT) AS _hi{w}"
        for w in range(PACK_WORDS)
    )
    # short cases are keyed by their packed words alone; the few long ones by their list
    sql = f"""WITH v AS (
                SELECT journey, n_events, {words}, CAST(NULL AS INTEGER[]) AS long_variant,
                       {stats}
                FROM case_table WHERE long_variant IS NULL {and_where} GROUP BY journey, n_events, {words}
                UNION ALL
                SELECT journey, n_events, {", ".join(f"any_value(v{w})" for w in range(PACK_WORDS))},
                       long_variant, {stats}
                FROM case_table WHERE long_variant IS NOT NULL {and_where} GROUP BY journey, n_events, long_variant),
            nm AS (SELECT journey, list(touchpoint ORDER BY tp_idx) AS names FROM tpmap GROUP BY journey),
            jr AS (SELECT unnest(?::VARCHAR[]) AS journey, unnest(range(len(?::VARCHAR[]))) AS jr),
            tot AS (SELECT journey, sum(cases) AS total FROM v GROUP BY journey),
            named AS (
                SELECT v.journey, {variant_sql(prep.con, "v")} AS variant, v.cases, v.completion_rate,
                       v.n_events AS length, v.median_duration_s, v.cases / t.total AS share,
                       jr.jr AS _j{halves}
                FROM v JOIN tot t USING (journey) JOIN nm USING (journey) JOIN jr USING (journey))
            SELECT * FROM named"""
    qparams = [*params, *params, prep.journeys, prep.journeys]
    tpm = prep.tpmap()
    max_tp = int(tpm["tp_idx"].max())
    bits, per = pack_layout(max_tp)
    ranks = _name_ranks(prep, tpm, max_tp)
    if ranks is None:  # names that do not sort like their sequences: sort the strings
        df = prep.df(f"{sql} ORDER BY _j, cases DESC, variant", qparams)
    else:
        df = prep.df(sql, qparams)
        df = df.iloc[_variant_order(df, ranks, bits, per, PACK_WORDS)]
    df = df.drop(columns=[c for c in df.columns if c.startswith(("_lo", "_hi"))])
    return finish_variants(prep, df.reset_index(drop=True), top, presorted=True)


def _name_ranks(prep: Prepared, tpm: pd.DataFrame, max_tp: int) -> np.ndarray | None:
    """Per journey (map order) and packed code (``tp_idx + 1``), the rank of the touchpoint id.

    Returns ``None`` unless comparing variants position by position on these ranks
    (a shorter sequence first when it is a prefix) orders them exactly as their
    ``" > "``-joined strings: that holds unless an id extends a shorter id of the same
    journey with a character that sorts before the space of the separator.
    """
    out = np.zeros((len(prep.journeys), max_tp + 2), dtype=np.uint64)
    for j, jid in enumerate(prep.journeys):
        t = tpm[tpm["journey"] == jid]
        ids = sorted(t["touchpoint"])
        for a in ids:
            for b in ids:
                if b != a and b.startswith(a) and b[len(a)] <= SEPARATOR[0]:
                    return None
        rank = {tp: r + 1 for r, tp in enumerate(ids)}
        for tp, i in zip(t["touchpoint"], t["tp_idx"], strict=True):
            out[j, int(i) + 1] = rank[tp]
    return out


def _variant_order(
    df: pd.DataFrame, ranks: np.ndarray, bits: int, per: int, words: int
) -> np.ndarray:
    """Row order journey (map order), cases descending, variant string — from integers.

    The touchpoint codes are unpacked from the 128-bit words (as 64-bit halves), mapped to
    the rank of their id and packed most significant first into 64-bit sort keys, so that
    one lexsort over integers replaces a sort of long strings. Rows whose keys tie (two
    long variants equal on every packed position) fall back to sorting the strings.
    """
    n = len(df)
    jr = df["_j"].to_numpy(dtype=np.int64)
    length = df["length"].to_numpy(dtype=np.int64)
    positions = min(int(length.max()), words * per) if n else 0
    per_key = 64 // bits
    keys = [np.zeros(n, dtype=np.uint64) for _ in range(-(-positions // per_key))]
    mask = np.uint64((1 << bits) - 1)
    rows = np.arange(n)
    for i in range(positions):
        rows = rows[length[rows] > i]  # only the variants that are this long
        w, p = divmod(i, per)
        p *= bits
        lo = df[f"_lo{w}"].to_numpy(dtype=np.uint64)[rows]
        hi = df[f"_hi{w}"].to_numpy(dtype=np.uint64)[rows]
        if p + bits <= 64:
            code = (lo >> np.uint64(p)) & mask
        elif p >= 64:
            code = (hi >> np.uint64(p - 64)) & mask
        else:
            code = ((lo >> np.uint64(p)) | (hi << np.uint64(64 - p))) & mask
        k, q = divmod(i, per_key)
        shift = np.uint64(bits * (per_key - 1 - q))
        keys[k][rows] |= ranks[jr[rows], code.astype(np.int64)] << shift
    cases = df["cases"].to_numpy(dtype=np.int64)
    order = np.lexsort([*reversed(keys), -cases, jr])
    if n > 1:
        cols = [jr, cases, *keys]
        same = np.ones(n - 1, dtype=bool)
        for c in cols:
            c = c[order]
            same &= c[1:] == c[:-1]
        if same.any():
            return (
                df.assign(_c=-cases)
                .sort_values(["_j", "_c", "variant"], kind="mergesort")
                .index.to_numpy()
            )
    return order


def finish_variants(
    prep: Prepared, df: pd.DataFrame, top: int | None, presorted: bool = False
) -> pd.DataFrame:
    """Names, order, rank and fold of the per-variant aggregate (also fed by merged partials).

    ``presorted``: rows already come in journey (map) order, cases descending, variant.
    """
    if df.empty:
        return pd.DataFrame(columns=VARIANT_COLUMNS)
    if len(df) and not isinstance(df["variant"].iloc[0], str):  # lists of tp_idx (merged partials)
        names = _names(prep)
        df["variant"] = [
            SEPARATOR.join(names[j][i] for i in v)
            for j, v in zip(df["journey"], df["variant"], strict=True)
        ]
    if "_j" not in df.columns:
        df = prep.order_journeys(df)
    if not presorted:
        df = df.sort_values(
            ["_j", "cases", "variant"], ascending=[True, False, True], kind="mergesort"
        )
    df["rank"] = df.groupby("_j", sort=False).cumcount() + 1
    if top is not None:
        df = _fold_rest(df, top)
    return df[VARIANT_COLUMNS].reset_index(drop=True)


def _fold_rest(df: pd.DataFrame, top: int) -> pd.DataFrame:
    keep = df[df["rank"] <= top]
    rest = df[df["rank"] > top]
    if rest.empty:
        return keep
    w = rest["cases"]
    agg = (
        rest.assign(_c=rest["completion_rate"] * w, _len=rest["length"] * w)
        .groupby(["_j", "journey"], sort=False)
        .agg(
            cases=("cases", "sum"), share=("share", "sum"), _c=("_c", "sum"), _n=("variant", "size")
        )
        .reset_index()
    )
    agg["completion_rate"] = agg["_c"] / agg["cases"]
    agg["variant"] = [f"(other: {n} variants)" for n in agg["_n"]]
    agg["length"] = pd.NA
    agg["median_duration_s"] = float("nan")
    agg["rank"] = top + 1
    out = pd.concat([keep, agg[keep.columns.intersection(agg.columns)]], ignore_index=True)
    return out.sort_values(["_j", "rank"], kind="mergesort")


def transitions(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """Directly-follows transitions with ``count``, ``median_s`` and ``p90_s``.

    Returns
    -------
    DataFrame
        :data:`TRANSITION_COLUMNS`, sorted by journey, source and target in map order.
        ``share_of_source`` is the pair's share of all transitions leaving ``source``.

    Notes
    -----
    For a partitioned engine the exact merge keeps the histogram
    ``(journey, source, target, dt_next_s) → n`` per partition; summing histograms and
    reading quantiles from the cumulative counts gives exactly these figures.
    """
    where, params = _journey_filter(prep, journey)
    cond = "next_tp_idx IS NOT NULL" + (f" AND j_idx = {J_IDX}" if journey else "")
    df = prep.df(
        f"""SELECT k.journey, a.src, a.dst, a.count, a.median_s, a.p90_s
            FROM (SELECT j_idx, tp_idx AS src, next_tp_idx AS dst, count(*) AS count,
                         quantile_cont(dt_next_s, [0.5, 0.9])[1] AS median_s,
                         quantile_cont(dt_next_s, [0.5, 0.9])[2] AS p90_s
                  FROM steps WHERE {cond} GROUP BY j_idx, tp_idx, next_tp_idx) a
            JOIN {JOURNEY_KEYS} k USING (j_idx)""",
        params,
    )
    return finish_transitions(prep, df)


def finish_transitions(prep: Prepared, df: pd.DataFrame) -> pd.DataFrame:
    """Shares, names and order of the per-pair aggregate (also fed by merged partials)."""
    if df.empty:
        return pd.DataFrame(columns=TRANSITION_COLUMNS)
    df["share_of_source"] = df["count"] / df.groupby(["journey", "src"])["count"].transform("sum")
    tpm = prep.tpmap()
    names = _names(prep)
    df["source"] = [names[j][i] for j, i in zip(df["journey"], df["src"], strict=True)]
    df["target"] = [names[j][i] for j, i in zip(df["journey"], df["dst"], strict=True)]
    stage = {(r.journey, r.tp_idx): r.stage for r in tpm.itertuples()}
    df["source_stage"] = [stage[(j, i)] for j, i in zip(df["journey"], df["src"], strict=True)]
    df["target_stage"] = [stage[(j, i)] for j, i in zip(df["journey"], df["dst"], strict=True)]
    df = prep.order_journeys(df).sort_values(["_j", "src", "dst"], kind="mergesort")
    return df[TRANSITION_COLUMNS].reset_index(drop=True)


def loops(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """Loops and repeats per touchpoint (every touchpoint of the map, zeros where unused).

    Returns
    -------
    DataFrame
        :data:`LOOP_COLUMNS` in map order.
    """
    cond = f"WHERE s.j_idx = {J_IDX}" if journey else ""
    params = [journey] if journey else []
    df = prep.df(
        f"""WITH pc AS (
                SELECT s.j_idx, s.case_key, s.tp_idx, count(*) AS n,
                       count(*) FILTER (WHERE s.next_tp_idx = s.tp_idx) AS selfl
                FROM steps s {cond} GROUP BY s.j_idx, s.case_key, s.tp_idx)
            SELECT k.journey, pc.tp_idx, sum(n) AS events, count(*) AS cases,
                   count(*) FILTER (WHERE n >= 2) AS repeat_cases,
                   count(*) FILTER (WHERE n >= 3) AS cases_3plus,
                   max(n) AS max_per_case, sum(selfl) AS self_loops,
                   sum(n - 1 - selfl) AS returns
            FROM pc JOIN {JOURNEY_KEYS} k USING (j_idx) GROUP BY k.journey, pc.tp_idx""",
        params,
    )
    return finish_loops(prep, df, journey)


def finish_loops(prep: Prepared, df: pd.DataFrame, journey: str | None) -> pd.DataFrame:
    """Every touchpoint of the map with its loop counts (also fed by merged partials)."""
    tpm = prep.tpmap()
    if journey:
        tpm = tpm[tpm["journey"] == journey]
    out = tpm[["journey", "touchpoint", "tp_idx"]].merge(df, on=["journey", "tp_idx"], how="left")
    for c in [
        "events",
        "cases",
        "repeat_cases",
        "cases_3plus",
        "max_per_case",
        "self_loops",
        "returns",
    ]:
        out[c] = out[c].fillna(0).astype("int64")
    out["repeat_share"] = (out["repeat_cases"] / out["cases"]).where(out["cases"] > 0)
    out = prep.order_journeys(out).sort_values(["_j", "tp_idx"], kind="mergesort")
    return out[LOOP_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- helpers


def _names(prep: Prepared) -> dict[str, dict[int, str]]:
    tpm = prep.tpmap()
    out: dict[str, dict[int, str]] = {}
    for j, i, t in zip(tpm["journey"], tpm["tp_idx"], tpm["touchpoint"], strict=True):
        out.setdefault(j, {})[int(i)] = t
    return out
