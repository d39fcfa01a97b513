"""The Dask engine gives exactly the tables of the DuckDB engine (sample data, 2 workers)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import cjwork
from cjwork.analysis import analyze
from cjwork.errors import UsageError
from cjwork.scale.dask_engine import analyze_events, split_by_customer
from cjwork.scale.lake import open_lake, write_lake
from cjwork.scale.merge import hist_stats

pytestmark = pytest.mark.xdist_group("dask")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
EVENT_TABLES = ("variants", "transitions", "funnel", "loops", "timing", "kpis", "kpi_periods")
#: Means of fractional values (lead_time_days = 11.4 ...) are float sums in another order:
#: equal to the last bit or two; everything else must be bit-identical.
FLOAT_SUM_COLUMNS = {"mean", "p_value", "p_adjusted"}


@pytest.fixture(scope="session")
def client():
    from scale_cluster import local_client

    return local_client()


@pytest.fixture(scope="session")
def ws():
    return cjwork.load(SAMPLE)


@pytest.fixture(scope="session")
def reference(ws):
    """The DuckDB engine's event tables (no feedback or personas needed for these)."""
    no_personas = pd.DataFrame({"customer_id": [], "persona_id": []})
    return analyze(
        ws, feedback=ws.feedback.iloc[:0].assign(sentiment_score=[]), personas=no_personas
    )


def assert_same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), name
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if col in FLOAT_SUM_COLUMNS:
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), rtol=1e-12, err_msg=f"{name}.{col}"
            )
        else:
            pd.testing.assert_series_equal(
                x, y, check_exact=True, check_dtype=False, obj=f"{name}.{col}"
            )


def test_event_tables_equal(ws, reference, client):
    got = analyze_events(ws.events, ws.journeys, scheduler=client, npartitions=5)
    assert got.partitions == 5
    for name in EVENT_TABLES:
        assert_same(reference[name], got.tables[name], name)
    assert got.notes == reference.notes
    fg = reference["funnel_groups"]
    fg = fg[fg["by"].isin(["period", "channel"])].reset_index(drop=True)
    assert_same(fg, got.tables["funnel_groups"], "funnel_groups")


@pytest.mark.parametrize("top", [1, 3])
def test_folded_variants_equal(ws, client, top):
    """With few variants kept, only the candidates' durations travel; the tables still match."""
    ref = analyze(
        ws,
        feedback=ws.feedback.iloc[:0].assign(sentiment_score=[]),
        personas=pd.DataFrame({"customer_id": [], "persona_id": []}),
        max_variants=top,
    )
    got = analyze_events(ws.events, ws.journeys, scheduler=client, npartitions=4, max_variants=top)
    assert ref["variants"]["variant"].str.startswith("(other:").any()
    for name in EVENT_TABLES:  # timing's case durations still cover every variant
        assert_same(ref[name], got.tables[name], name)


def test_top_variant_candidates_keep_ties_at_the_cut():
    from cjwork.scale.dask_engine import top_variant_candidates

    variants = pd.DataFrame(
        {
            "journey": ["a"] * 5 + ["b"] * 2,
            "vkey": ["1", "2", "3", "4", "5", "1", "2"],
            "vh": np.arange(7, dtype="uint64"),
            "cases": [9, 5, 5, 5, 1, 3, 2],
        }
    )
    got = top_variant_candidates(variants, 2)
    # journey a: 9, then three tied at 5 (any of them may rank second by name); b: both
    assert sorted(got["vh"].tolist()) == [0, 1, 2, 3, 5, 6]


def test_analyze_engine_dask_contract_tables(ws, client):
    personas = pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str)[
        ["customer_id", "persona_id"]
    ]
    fb = ws.feedback.iloc[:0].assign(sentiment_score=[])
    ref = analyze(ws, feedback=fb, personas=personas)
    got = analyze(ws, feedback=fb, personas=personas, engine="dask", scheduler=client)
    assert got.journeys == ref.journeys
    for name in ("variants", "transitions", "funnel", "kpis", "timing", "touchpoints", "trends"):
        assert_same(ref[name], got[name], name)
    # the event-based trend columns come from the partitions too, not only from feedback
    assert got["trends"]["volume"].notna().all() and got["trends"]["completion"].notna().any()
    assert {"kpi_wait_s", "cases", "completion_mature"} <= set(got["trends"].columns)
    assert not any("trends.csv" in s for s in got.skipped)
    by_persona = ref["funnel_groups"][ref["funnel_groups"]["by"] == "persona"]
    assert len(by_persona) > 0
    assert_same(ref["funnel_groups"], got["funnel_groups"], "funnel_groups")


def test_partitions_hold_whole_customers(ws):
    parts = split_by_customer(ws.events, 7)
    assert sum(len(p) for p in parts) == len(ws.events)
    owners = {}
    for i, p in enumerate(parts):
        for c in p["customer_id"].unique():
            assert owners.setdefault(c, i) == i
        assert p.index.is_monotonic_increasing  # input order kept: ties break the same way


def test_lake_partitions_equal(ws, reference, client, tmp_path):
    events = ws.events
    half = len(events) // 2
    write_lake(events.iloc[:half], tmp_path / "lake", buckets=6, part=0)
    write_lake(events.iloc[half:], tmp_path / "lake", buckets=6, part=1)
    lake = open_lake(tmp_path / "lake")
    assert lake.bucketed and len(lake.files) == 12
    got = analyze_events(lake, ws.journeys, scheduler=client, npartitions=3)
    assert got.partitions == 3
    for name in EVENT_TABLES:
        assert_same(reference[name], got.tables[name], name)


def test_hist_stats_matches_quantile_cont():
    import duckdb

    rng = np.random.default_rng(3)
    v = np.round(rng.exponential(500.0, 3001), 2)
    g = rng.integers(0, 7, v.size)
    con = duckdb.connect()
    frame = pd.DataFrame({"g": g, "v": v})
    con.register("raw", frame)
    want = con.execute(
        "SELECT g, count(*) AS n, quantile_cont(v, 0.5) AS median, quantile_cont(v, 0.9) AS p90 "
        "FROM raw GROUP BY g ORDER BY g"
    ).df()
    # three partitions' histograms, summed by hist_stats
    hists = [
        frame.iloc[i::3].groupby(["g", "v"], as_index=False).size().rename(columns={"size": "n"})
        for i in range(3)
    ]
    con.register("h", pd.concat(hists, ignore_index=True))
    got = hist_stats(con, "h", ["g"]).sort_values("g").reset_index(drop=True)
    assert got["n"].tolist() == want["n"].tolist()
    assert got["median"].tolist() == want["median"].tolist()
    assert got["p90"].tolist() == want["p90"].tolist()


def test_bad_engine_is_a_usage_error(ws):
    with pytest.raises(UsageError, match="engine must be"):
        analyze(ws, engine="spark")


def test_worker_killed_mid_run(ws, reference, client):
    """A worker process dies while partitions are being analysed: Dask reruns its tasks."""
    before = set(client.run(os.getpid).values())
    result: dict = {}

    def run() -> None:
        result["tables"] = analyze_events(ws.events, ws.journeys, scheduler=client, npartitions=12)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 60
    victim = None
    while time.time() < deadline and victim is None:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            victim = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        else:
            time.sleep(0.05)
    assert victim is not None, "no task started"
    os.kill(victim, signal.SIGKILL)
    t.join(timeout=300)
    assert "tables" in result
    for name in EVENT_TABLES:
        assert_same(reference[name], result["tables"].tables[name], name)
    client.wait_for_workers(2, timeout=60)
    after = set(client.run(os.getpid).values())
    assert victim not in after and after != before
