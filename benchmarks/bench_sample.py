"""Benchmark: ``cjwork sample`` at scale — wall time, peak memory and output size.

Runs ``cjwork sample`` in a subprocess (so the peak resident memory is its own) for the
given number of customers, into ``benchmarks/data/`` (git-ignored), and prints rows,
bytes, seconds and max RSS. The generator streams chunks of customers, so memory should
stay flat however many customers are asked for.

Usage::

    .venv/bin/python benchmarks/bench_sample.py                       # 1,000,000 customers, CSV
    .venv/bin/python benchmarks/bench_sample.py --customers 100000 --format parquet
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"])
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    args = ap.parse_args()

    out = HERE / "data" / f"sample_{args.customers}_{args.format}"
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "cjwork",
        "sample",
        str(out),
        "--customers",
        str(args.customers),
        "--seed",
        str(args.seed),
        "--format",
        args.format,
        "--no-progress",
    ]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"cjwork sample failed ({done.returncode}):\n{done.stderr}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout)
    total = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        size = path.stat().st_size
        total += size
        print(f"  {path.relative_to(out).as_posix():<22}{size / 1e6:>10.1f} MB")
    print(
        f"customers={args.customers:,} format={args.format} seconds={seconds:.1f} "
        f"peak_rss_mb={peak_mb:.0f} total_mb={total / 1e6:.1f}"
    )
    if not args.keep:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
