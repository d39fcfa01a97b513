"""Benchmark: journey analytics on a generated event log — cjwork vs. pm4py vs. retentioneering.

What it does
------------
1. Generates an event log in chunks of 1M events as Parquet files (vectorised numpy, on the
   four journeys of the bundled sample map ``cjwork/resources/sample/journeys.yml``): cases
   with loops, repeats, timestamp ties, one-event cases, drop-offs and rows out of time
   order within each chunk (``benchmarks/eventlog.py``, the generator shared with
   ``bench_scale.py``). ``--events`` (default 10M) for cjwork; ``--peer-events``
   (default 1M) for the side-by-side comparison.
2. Times cjwork (DuckDB, out of core over the Parquet files): prepare (cases, order,
   directly-follows), variants, transitions, funnel and timing, for every journey.
3. Times the same tasks with pm4py and retentioneering 5 on the same peer-size log,
   side by side in the same run, and prints the ratios. Each tool runs in its own
   subprocess so the peak memory (max RSS) is its own.
4. Checks agreement with pm4py's variants and directly-follows graph (counts, and median
   seconds against pm4py's performance DFG) on an events-only 1M-event log, and times
   ``cjwork analyze`` on that log as an events-only workspace (journeys.yml + events.parquet).

Usage::

    .venv/bin/python benchmarks/bench_events.py                 # 10M cjwork, 1M peers
    .venv/bin/python benchmarks/bench_events.py --events 1000000 --skip-peers
    .venv/bin/python benchmarks/bench_events.py --peer-events 10000000   # peers at 10M too

pm4py and retentioneering are optional benchmark dependencies (``pip install -e .[bench]``);
a missing one is reported and skipped. Data goes to ``benchmarks/data/`` (git-ignored).
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
CHUNK = 1_000_000


# --------------------------------------------------------------------------- generation


def generate(out_dir: Path, n_events: int, seed: int = 0, chunk: int = CHUNK) -> list[Path]:
    """Write about ``n_events`` events as Parquet chunks into ``out_dir``; return the files."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from eventlog import EVENTS_STYLE, event_chunks, vocabulary

    vocab = vocabulary(MAP)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("events-*.parquet"):
        old.unlink()
    files = []
    for k, c in enumerate(event_chunks(n_events, chunk, EVENTS_STYLE, seed=seed, vocab=vocab)):
        table = pa.table(
            {
                "customer_id": pc.binary_join_element_wise(
                    "c", pc.cast(pa.array(c["customer"], type=pa.int64()), pa.string()), ""
                ),
                "case_id": pc.binary_join_element_wise(
                    "k", pc.cast(pa.array(c["case"], type=pa.int64()), pa.string()), ""
                ),
                "timestamp": pa.array(c["ts"].astype("datetime64[s]")).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "journey": pa.DictionaryArray.from_arrays(
                    pa.array(c["journey"].astype(np.int32)), pa.array(vocab.journeys)
                ),
                "touchpoint": pa.DictionaryArray.from_arrays(
                    pa.array(c["touchpoint"].astype(np.int32)), pa.array(vocab.touchpoints)
                ),
                "wait_s": pa.array(c["wait_s"]),
            }
        )
        path = out_dir / f"events-{k:04d}.parquet"
        pq.write_table(table, path, row_group_size=256_000)
        files.append(path)
    return files


def _generated(out_dir: Path, n_events: int, seed: int, reuse: bool) -> list[Path]:
    """The log's Parquet files: generated, or (``reuse``) the ones already written for it."""
    stamp = out_dir / "generated.json"
    want = {"events": n_events, "seed": seed, "chunk": CHUNK}
    files = sorted(out_dir.glob("events-*.parquet"))
    if reuse and files and stamp.exists() and json.loads(stamp.read_text()) == want:
        return files
    files = generate(out_dir, n_events, seed=seed)
    stamp.write_text(json.dumps(want))
    return files


# --------------------------------------------------------------------------- phases (subprocesses)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu() -> float:
    """CPU seconds (user + system, all threads) of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def phase_cjwork(files: list[str], threads: int) -> dict:
    from cjwork.journeymap import load_journey_map
    from cjwork.journeys import funnel, paths, timing
    from cjwork.journeys.engine import prepare

    jmap = load_journey_map(MAP)
    t = {}
    t0, c0 = time.perf_counter(), _cpu()
    prep = prepare(files, jmap, threads=threads, dedupe=False)
    t["prepare"] = time.perf_counter() - t0
    t["prepare_cpu"] = _cpu() - c0
    for name, fn in [
        ("variants", lambda: paths.variants(prep)),
        ("transitions", lambda: paths.transitions(prep)),
        ("funnel", lambda: funnel.funnel(prep)),
        ("timing", lambda: timing.timing(prep)),
    ]:
        t1, c1 = time.perf_counter(), _cpu()
        out = fn()
        t[name] = time.perf_counter() - t1
        t[f"{name}_cpu"] = _cpu() - c1
        t[f"{name}_rows"] = len(out)
    t["events"] = prep.counts["events"]
    t["total"] = time.perf_counter() - t0
    t["total_cpu"] = _cpu() - c0
    t["peak_mb"] = _peak_mb()
    return t


def _load_pandas(files: list[str]):
    import pandas as pd

    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    for c in ("journey", "touchpoint"):
        df[c] = df[c].astype(str)
    return df


def phase_pm4py(files: list[str]) -> dict:
    import pm4py

    t = {}
    t0 = time.perf_counter()
    df = _load_pandas(files)
    t["load"] = time.perf_counter() - t0
    t["load_cpu"] = _cpu()
    t1 = time.perf_counter()
    log = pm4py.format_dataframe(
        df, case_id="case_id", activity_key="touchpoint", timestamp_key="timestamp"
    )
    t["prepare"] = time.perf_counter() - t1
    kw = {
        "activity_key": "concept:name",
        "case_id_key": "case:concept:name",
        "timestamp_key": "time:timestamp",
    }
    t1 = time.perf_counter()
    var = pm4py.get_variants(log, **kw)
    t["variants"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(log, **kw)
    perf, _, _ = pm4py.discover_performance_dfg(log, **kw)
    t["transitions"] = time.perf_counter() - t1
    t["funnel"] = None  # no funnel in pm4py
    t1 = time.perf_counter()
    durations = pm4py.get_all_case_durations(log, **kw)
    float(np.median(durations))
    t["timing"] = time.perf_counter() - t1
    t["variants_rows"], t["transitions_rows"] = len(var), len(dfg)
    t["total"] = time.perf_counter() - t0 - t["load"]
    t["total_cpu"] = _cpu() - t["load_cpu"]
    t["peak_mb"] = _peak_mb()
    return t


def phase_retentioneering(files: list[str]) -> dict:
    os.environ.setdefault("RETENTIONEERING_NO_TRACK", "1")
    from retentioneering.eventstream import Eventstream

    from cjwork.journeymap import load_journey_map

    jmap = load_journey_map(MAP)
    t = {}
    t0 = time.perf_counter()
    df = _load_pandas(files)
    t["load"] = time.perf_counter() - t0
    t["load_cpu"] = _cpu()
    t1 = time.perf_counter()
    stream = Eventstream(
        df[["case_id", "touchpoint", "timestamp"]],
        schema={"path_cols": ["case_id"], "event_col": "touchpoint", "timestamp_col": "timestamp"},
    )
    t["prepare"] = time.perf_counter() - t1
    t["variants"] = None  # no variants tool in retentioneering 5
    t1 = time.perf_counter()
    m = stream.transition_graph_data(edge_weight="count")
    stream.transition_graph_data(edge_weight="time_median")
    t["transitions"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    for j in jmap.journeys:  # one funnel per journey: the first touchpoint of each stage
        stream.funnel_data(steps=[s.touchpoints[0].id for s in j.stages])
    t["funnel"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    met = stream.get_metrics([{"metric": "duration"}])
    float(met.iloc[:, 0].median())
    t["timing"] = time.perf_counter() - t1
    t["transitions_rows"] = int((m.fillna(0).to_numpy() > 0).sum())
    t["total"] = time.perf_counter() - t0 - t["load"]
    t["total_cpu"] = _cpu() - t["load_cpu"]
    t["peak_mb"] = _peak_mb()
    return t


def phase_agreement(files: list[str], threads: int) -> dict:
    """Variants and directly-follows graph: cjwork vs. pm4py on the same log."""
    import pm4py

    from cjwork.journeymap import load_journey_map
    from cjwork.journeys import paths
    from cjwork.journeys.engine import prepare

    jmap = load_journey_map(MAP)
    prep = prepare(files, jmap, threads=threads, dedupe=False)
    ours_v = paths.variants(prep)
    ours_t = paths.transitions(prep)
    df = _load_pandas(files)
    log = pm4py.format_dataframe(
        df, case_id="case_id", activity_key="touchpoint", timestamp_key="timestamp"
    )
    kw = {
        "activity_key": "concept:name",
        "case_id_key": "case:concept:name",
        "timestamp_key": "time:timestamp",
    }
    var = pm4py.get_variants(log, **kw)
    theirs_v = {}
    for key, val in var.items():
        seq = tuple(key) if isinstance(key, tuple) else tuple(str(key).split(","))
        theirs_v[seq] = val if isinstance(val, int | np.integer) else len(val)
    ours = {}
    for v, c in zip(ours_v["variant"], ours_v["cases"], strict=True):
        seq = tuple(v.split(" > "))
        ours[seq] = ours.get(seq, 0) + int(
            c
        )  # same sequence in two journeys cannot happen (ids unique)
    dfg, _, _ = pm4py.discover_dfg(log, **kw)
    perf, _, _ = pm4py.discover_performance_dfg(log, **kw)
    ours_d = {
        (s, t): int(c)
        for s, t, c in zip(ours_t["source"], ours_t["target"], ours_t["count"], strict=True)
    }
    ours_m = {
        (s, t): float(m)
        for s, t, m in zip(ours_t["source"], ours_t["target"], ours_t["median_s"], strict=True)
    }
    med_diff = max(abs(ours_m[k] - float(perf[k]["median"])) for k in ours_m if k in perf)
    return {
        "events": prep.counts["events"],
        "variants_ours": len(ours),
        "variants_pm4py": len(theirs_v),
        "variants_equal": ours == theirs_v,
        "dfg_edges_ours": len(ours_d),
        "dfg_edges_pm4py": len(dfg),
        "dfg_equal": ours_d == {k: int(v) for k, v in dfg.items()},
        "median_s_max_abs_diff": med_diff,
    }


def phase_cli(data_dir: str, out_dir: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "cjwork"), "analyze", data_dir, "-o", out_dir, "--all"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = child.ru_maxrss / 1024.0
    return {
        "seconds": wall,
        "cpu_seconds": child.ru_utime + child.ru_stime,
        "exit_code": proc.returncode,
        "stdout": proc.stdout.strip(),
        "stderr": proc.stderr.strip()[-2000:],
        "peak_mb": peak,
    }


def run_phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh interpreter; return its JSON result (or the error)."""
    env = {**os.environ, "RETENTIONEERING_NO_TRACK": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, __file__, "_phase", name, *args], capture_output=True, text=True, env=env
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {
            "error": (proc.stderr or proc.stdout).strip().splitlines()[-1]
            if (proc.stderr or proc.stdout).strip()
            else f"exit {proc.returncode}"
        }
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- report


TASKS = ["prepare", "variants", "transitions", "funnel", "timing", "total"]


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:8.2f}"


def print_side_by_side(n: int, results: dict[str, dict]) -> None:
    print(f"\nSide by side on the same {n:,}-event log (seconds; ratio = tool / cjwork)")
    tools = [t for t in results if "error" not in results[t]]
    head = (
        f"{'task':<12}"
        + "".join(f"{t:>16}" for t in tools)
        + "".join(f"{t + ' ratio':>22}" for t in tools if t != "cjwork")
    )
    print(head)
    base = results.get("cjwork", {})
    for task in TASKS:
        row = f"{task:<12}" + "".join(f"{_fmt(results[t].get(task)):>16}" for t in tools)
        for t in tools:
            if t == "cjwork":
                continue
            a, b = results[t].get(task), base.get(task)
            row += f"{(f'{a / b:.1f}x' if a is not None and b else 'n/a'):>22}"
        print(row)
    print(
        f"{'total CPU s':<12}" + "".join(f"{_fmt(results[t].get('total_cpu')):>16}" for t in tools)
    )
    print(f"{'peak MB':<12}" + "".join(f"{results[t].get('peak_mb', 0):16.0f}" for t in tools))
    for t, r in results.items():
        if "error" in r:
            print(f"{t}: not run — {r['error']}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--peer-events", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-agreement", action="store_true")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="Reuse generated logs already in --data (same size and seed) instead of rewriting them.",
    )
    ap.add_argument(
        "--json", type=Path, default=None, help="Also write all figures to this JSON file."
    )
    args = ap.parse_args(argv)
    report: dict = {"cpu_count": os.cpu_count(), "threads": args.threads}

    big = args.data / f"log{args.events}"
    t0 = time.perf_counter()
    files = _generated(big, args.events, args.seed, args.reuse)
    print(
        f"generated {args.events:,} events in {len(files)} Parquet chunk(s) in {time.perf_counter() - t0:.1f}s -> {big}"
    )
    res = run_phase("cjwork", str(args.threads), *map(str, files))
    report["cjwork_full"] = res
    print(f"\ncjwork on {args.events:,} events, {args.threads} threads (seconds):")
    print(f"  {'task':<12}{'wall':>8}{'CPU':>9}")
    for task in TASKS:
        print(f"  {task:<12}{_fmt(res.get(task))}{_fmt(res.get(task + '_cpu'))}")
    print(
        f"  peak RSS    {res.get('peak_mb', float('nan')):8.0f} MB   (target: total <= 10 s, peak <= 4096 MB)"
    )
    if "error" in res:
        print("  error:", res["error"])

    small = args.data / f"log{args.peer_events}"
    if args.peer_events != args.events:
        pfiles = _generated(small, args.peer_events, args.seed, args.reuse)
    else:
        pfiles = files
    if not args.skip_peers:
        side = {"cjwork": run_phase("cjwork", str(args.threads), *map(str, pfiles))}
        side["pm4py"] = run_phase("pm4py", *map(str, pfiles))
        side["retentioneering"] = run_phase("retentioneering", *map(str, pfiles))
        report["side_by_side"] = {"events": args.peer_events, **side}
        print_side_by_side(args.peer_events, side)

    if not args.skip_agreement:
        n_agree = 1_000_000
        agree_dir = args.data / "events_only_1M"
        afiles = _generated(agree_dir / "chunks", n_agree, args.seed + 1, args.reuse)
        ag = run_phase("agreement", str(args.threads), *map(str, afiles))
        report["agreement"] = ag
        print(f"\nAgreement with pm4py on an events-only {n_agree:,}-event log:")
        for k, v in ag.items():
            print(f"  {k:<24}{v}")
        ws = agree_dir / "workspace"
        ws.mkdir(parents=True, exist_ok=True)
        shutil.copy(MAP, ws / "journeys.yml")
        import pyarrow.parquet as pq

        pq.write_table(pq.ParquetDataset([str(f) for f in afiles]).read(), ws / "events.parquet")
        cli = run_phase("cli", str(ws), str(agree_dir / "out"))
        report["cli_events_only"] = cli
        print(
            f"\n`cjwork analyze` on the events-only 1M workspace: {cli.get('seconds', float('nan')):.1f}s wall, "
            f"{cli.get('cpu_seconds', float('nan')):.1f}s CPU, exit {cli.get('exit_code')}, peak RSS {cli.get('peak_mb', float('nan')):.0f} MB"
        )
        if cli.get("stderr"):
            print("  " + cli["stderr"].replace("\n", "\n  "))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_phase":
        name, rest = sys.argv[2], sys.argv[3:]
        if name == "cjwork":
            out = phase_cjwork(rest[1:], int(rest[0]))
        elif name == "pm4py":
            out = phase_pm4py(rest)
        elif name == "retentioneering":
            out = phase_retentioneering(rest)
        elif name == "agreement":
            out = phase_agreement(rest[1:], int(rest[0]))
        elif name == "cli":
            out = phase_cli(rest[0], rest[1])
        else:
            raise SystemExit(f"unknown phase {name}")
        print(json.dumps(out, default=str))
    else:
        main()
