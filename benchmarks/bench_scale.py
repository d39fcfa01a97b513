"""Benchmark: the journey analytics on one DuckDB process vs. a Dask cluster, same tables.

What it does
------------
1. Generates an event log of ``--events`` events (default 100M) **in chunks** of
   ``--chunk`` events into a data lake bucketed by customer
   (``customer_bucket=NNN/part-KKKKK.parquet``, :func:`cjwork.scale.lake.write_lake`), on
   the four journeys of the bundled sample map (``benchmarks/eventlog.py``, the generator
   shared with ``bench_events.py``): customers with one or more journeys, cases
   derived from the events (no ``case_id``: gaps and restarts), loops, repeats, one-event
   cases, drop-offs, timestamps to the second and a ``wait_s`` metric at the hotline-like
   touchpoints. Every chunk holds new customers, so memory stays flat while writing.
2. **duckdb**: one process reads the whole lake out of core
   (``prepare(files, memory_limit=...)``) and computes variants, transitions, funnel,
   loops, timing, KPIs and KPI periods for all journeys.
3. **dask**: a ``LocalCluster`` (``--workers`` processes, 1 thread each), one task per
   customer bucket reading only its own files (:func:`cjwork.scale.dask_engine.analyze_events`),
   partials merged on the client.
4. Checks the tables are equal (exactly; the ``mean`` columns of fractional values to
   1e-12), and reports wall times, per-partition throughput (events per second of task
   compute time, from Dask's task stream) and the peak resident memory of every process
   (the DuckDB process, the Dask client, each worker).

Each engine runs in its own subprocess so that its peak memory (max RSS) is its own.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                       # 100M events
    .venv/bin/python benchmarks/bench_scale.py --events 2000000      # a quick check
    .venv/bin/python benchmarks/bench_scale.py --reuse               # keep the generated lake

Data goes to ``benchmarks/data/`` (git-ignored); results to ``benchmarks/data/scale-N.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAP = ROOT / "cjwork" / "resources" / "sample" / "journeys.yml"
TABLES = ("variants", "transitions", "funnel", "loops", "timing", "kpis", "kpi_periods")


# --------------------------------------------------------------------------- generation


def generate(out_dir: Path, n_events: int, chunk: int, buckets: int, seed: int = 0) -> dict:
    """Write about ``n_events`` events into a lake bucketed by customer; return a summary."""
    import pandas as pd
    from eventlog import SCALE_STYLE, event_chunks, vocabulary

    from cjwork.scale.lake import write_lake

    vocab = vocabulary(MAP)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written, k, t0 = 0, 0, time.perf_counter()
    for c in event_chunks(n_events, chunk, SCALE_STYLE, seed=seed, vocab=vocab):
        frame = pd.DataFrame(
            {
                "customer_id": pd.array(
                    np.char.add("c", c["customer"].astype(str)), dtype="string"
                ),
                "timestamp": pd.to_datetime(c["ts"], unit="s", utc=True),
                "journey": pd.Categorical.from_codes(c["journey"], vocab.journeys),
                "touchpoint": pd.Categorical.from_codes(c["touchpoint"], vocab.touchpoints),
                "wait_s": c["wait_s"],
            }
        )
        write_lake(frame, out_dir, buckets=buckets, part=k)
        written += len(frame)
        k += 1
        print(
            f"  generated {written:,} events ({time.perf_counter() - t0:.0f}s)",
            file=sys.stderr,
            flush=True,
        )
    size = sum(f.stat().st_size for f in out_dir.rglob("*.parquet"))
    return {
        "events": written,
        "chunks": k,
        "buckets": buckets,
        "files": len(list(out_dir.rglob("*.parquet"))),
        "bytes": size,
        "seconds": time.perf_counter() - t0,
    }


# --------------------------------------------------------------------------- engines


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _save(tables: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_pickle(out / f"{name}.pkl")


def phase_duckdb(lake: str, out: str, threads: int, memory_limit: str) -> dict:
    from cjwork.journeymap import load_journey_map
    from cjwork.journeys import funnel, kpis, paths, timing
    from cjwork.journeys.engine import connect, prepare
    from cjwork.scale.lake import open_lake

    jmap = load_journey_map(MAP)
    files = open_lake(lake).files
    con = connect(threads=threads, memory_limit=memory_limit)
    tmp = Path(out) / "duckdb_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{tmp}'")
    t: dict = {}
    t0 = time.perf_counter()
    prep = prepare(files, jmap, con=con)
    t["prepare_s"] = time.perf_counter() - t0
    tables = {}
    for name, fn in [
        ("variants", lambda: paths.variants(prep, top=500)),
        ("transitions", lambda: paths.transitions(prep)),
        ("funnel", lambda: funnel.funnel(prep)),
        ("loops", lambda: paths.loops(prep)),
        ("timing", lambda: timing.timing(prep)),
        ("kpis", lambda: kpis.kpis(prep)),
        ("kpi_periods", lambda: kpis.kpis(prep, period="month")),
    ]:
        t1 = time.perf_counter()
        tables[name] = fn()
        t[f"{name}_s"] = time.perf_counter() - t1
    t["total_s"] = time.perf_counter() - t0
    t["events"] = prep.counts["events"]
    t["peak_mb"] = _peak_mb()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    t["cpu_s"] = ru.ru_utime + ru.ru_stime
    from cjwork.tables import CONTRACT, contract_first

    for name, cols in CONTRACT.items():
        if name in tables:
            tables[name] = contract_first(tables[name], cols)
    _save(tables, Path(out) / "duckdb")
    shutil.rmtree(tmp, ignore_errors=True)
    return t


def phase_dask(lake: str, out: str, workers: int, memory_limit: str) -> dict:
    from distributed import Client, LocalCluster

    from cjwork.journeymap import load_journey_map
    from cjwork.scale.dask_engine import analyze_events
    from cjwork.scale.lake import open_lake

    jmap = load_journey_map(MAP)
    t: dict = {}
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit="8GB",
    )
    client = Client(cluster)
    t["cluster_start_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    from distributed import get_task_stream

    with get_task_stream(client) as ts:
        res = analyze_events(
            open_lake(lake),
            jmap,
            scheduler=client,
            period="month",
            memory_limit=memory_limit,
        )
    t["total_s"] = time.perf_counter() - t1
    tasks = []
    for rec in ts.data:
        if not str(rec.get("key", "")).startswith("cjwork-partial"):
            continue
        compute = sum(s["stop"] - s["start"] for s in rec["startstops"] if s["action"] == "compute")
        tasks.append(compute)
    t["partitions"] = res.partitions
    t["events"] = res.counts["events"]
    t["task_compute_s"] = tasks
    t["tasks"] = res.tasks  # per partition: events, wall_s, cpu_s (measured in the task)
    t["worker_peak_mb"] = list(
        client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0).values()
    )
    t["client_peak_mb"] = _peak_mb()
    client.close()
    cluster.close()
    _save(res.tables, Path(out) / "dask")
    return t


def run_phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh interpreter (own peak RSS); return its JSON result."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", name, *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(out: Path) -> dict:
    """Equal tables? Exact, except means of fractional values (rtol 1e-12)."""
    import pandas as pd

    res = {}
    for name in TABLES:
        a = pd.read_pickle(out / "duckdb" / f"{name}.pkl").reset_index(drop=True)
        b = pd.read_pickle(out / "dask" / f"{name}.pkl").reset_index(drop=True)
        ok = list(a.columns) == list(b.columns) and len(a) == len(b)
        if ok:
            for c in a.columns:
                if c == "mean":
                    ok &= bool(
                        np.allclose(
                            a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, equal_nan=True
                        )
                    )
                else:
                    try:
                        pd.testing.assert_series_equal(
                            a[c], b[c], check_exact=True, check_dtype=False
                        )
                    except AssertionError:
                        ok = False
        res[name] = {"equal": bool(ok), "rows": len(a)}
    return res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--chunk", type=int, default=5_000_000)
    ap.add_argument("--buckets", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads of the one process")
    ap.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit (one process)")
    ap.add_argument("--task-memory", default="3GB", help="DuckDB memory limit per Dask task")
    ap.add_argument("--reuse", action="store_true", help="reuse a lake generated before")
    ap.add_argument("--skip", choices=["duckdb", "dask"], default=None)
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args(argv)
    if args.phase:
        fn = {"duckdb": phase_duckdb, "dask": phase_dask}[args.phase]
        lake, out, a, b = rest
        print(json.dumps(fn(lake, out, int(a), b)))
        return
    data = HERE / "data"
    lake = data / f"lake{args.events}"
    out = data / f"scale{args.events}"
    report: dict = {"machine": {"cpus": os.cpu_count()}}
    if args.reuse and lake.exists():
        report["generate"] = {"reused": True}
    else:
        print(f"generating {args.events:,} events into {lake} ...", file=sys.stderr)
        report["generate"] = generate(lake, args.events, args.chunk, args.buckets)
    if args.skip != "duckdb":
        print("duckdb engine ...", file=sys.stderr, flush=True)
        report["duckdb"] = run_phase(
            "duckdb", str(lake), str(out), str(args.threads), args.memory_limit
        )
        print(json.dumps(report["duckdb"]), file=sys.stderr, flush=True)
    if args.skip != "dask":
        print("dask engine ...", file=sys.stderr, flush=True)
        report["dask"] = run_phase("dask", str(lake), str(out), str(args.workers), args.task_memory)
    if (out / "duckdb").exists() and (out / "dask").exists():
        report["equal"] = compare(out)
    d = report.get("dask")
    if d:
        tasks = np.array(d["task_compute_s"])
        per_part = d["events"] / max(d["partitions"], 1)
        d["events_per_partition"] = per_part
        d["partition_throughput_events_per_s"] = {
            "median": float(per_part / np.median(tasks)),
            "min": float(per_part / tasks.max()),
            "max": float(per_part / tasks.min()),
        }
        cpu = np.array([x["cpu_s"] for x in d.get("tasks", [])] or [np.nan])
        ev = np.array([x["events"] for x in d.get("tasks", [])] or [np.nan])
        d["partition_cpu_throughput_events_per_cpu_s"] = {
            "median": float(np.median(ev / cpu)),
            "total": float(ev.sum() / cpu.sum()),
        }
        d["task_compute_s"] = {
            "n": len(tasks),
            "median": float(np.median(tasks)),
            "max": float(tasks.max()),
            "sum": float(tasks.sum()),
        }
    path = data / f"scale-{args.events}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
