"""Time loading and validating a workspace with N events (default 1M).

Usage::

    .venv/bin/python benchmarks/bench_io.py --events 1000000 [--dir /tmp/cjwork_bench_1m]
        [--format csv|parquet] [--german] [--what load|validate|both]

The data directory is generated once (journeys.yml with 4 journeys / 16 touchpoints,
customers, events) and reused on later runs. ``--german`` writes the events as a German
Excel export would (Windows-1252, ``;``, decimal commas, ``DD.MM.YYYY HH:MM``), which
takes the slower, string-parsing path. Wall and CPU seconds are printed (CPU time counts
all threads; on a busy machine it is the steadier figure). Run under ``/usr/bin/time -v``
for peak memory.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

JOURNEYS = {
    "purchase": ["tariff_calculator", "offer", "order_form", "order_confirmation"],
    "onboarding": ["welcome_letter", "smart_meter_installation", "first_bill", "app_login"],
    "service": ["hotline", "chat", "email_support", "callback"],
    "cancellation": ["cancellation_form", "retention_call", "final_bill", "farewell_mail"],
}


def journeys_yml() -> str:
    """A journeys.yml with four journeys of four touchpoints each."""
    lines = ["company: Bench AG", "timezone: Europe/Berlin", "journeys:"]
    for j, tps in JOURNEYS.items():
        lines += [f"  - id: {j}", f"    name: {j.title()}", "    stages:"]
        for k, tp in enumerate(tps):
            lines += [f"      - id: s{k}", f"        name: Stage {k}", "        touchpoints:"]
            lines += [f"          - id: {tp}", f"            name: {tp}"]
            if tp == "hotline":
                lines += ["            kpis:", "              wait_s: {target: 120, better: lower}"]
    return "\n".join(lines) + "\n"


def generate(
    directory: Path, n_events: int, fmt: str, german: bool, seed: int = 0, corrupt: float = 0.0
) -> None:
    """Write journeys.yml, customers and events with ``n_events`` rows to ``directory``.

    ``corrupt`` > 0 misspells that share of the touchpoints and breaks that share of the
    timestamps, to time validation when there is a lot to report.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "journeys.yml").write_text(journeys_yml(), encoding="utf-8")
    n_customers = max(n_events // 20, 10)
    cust_ids = np.char.add("C", np.arange(n_customers).astype(str))
    customers = pa.table(
        {
            "customer_id": cust_ids,
            "age": rng.integers(18, 90, n_customers),
            "segment": rng.choice(["private", "business"], n_customers),
        }
    )
    pacsv.write_csv(customers, directory / "customers.csv")
    j_names = list(JOURNEYS)
    j = rng.integers(0, 4, n_events)
    k = rng.integers(0, 4, n_events)
    tp_table = np.array([JOURNEYS[name] for name in j_names])
    # office hours only: local times between 6:00 and 22:00 never fall into a DST change
    days = rng.integers(0, 365, n_events).astype("timedelta64[D]")
    secs = rng.integers(6 * 3600, 22 * 3600, n_events).astype("timedelta64[s]")
    ts = np.datetime64("2024-01-01T00:00:00") + days + secs
    wait = np.round(rng.exponential(100, n_events), 1)
    events = {
        "customer_id": cust_ids[rng.integers(0, n_customers, n_events)],
        "case_id": np.char.add("K", rng.integers(0, n_events // 5 + 1, n_events).astype(str)),
        "journey": np.array(j_names)[j],
        "touchpoint": tp_table[j, k],
        "channel": rng.choice(["web", "phone", "app", "letter"], n_events),
    }
    if german:
        # DD.MM.YYYY HH:MM local time, decimal commas, semicolons, Windows-1252
        iso = np.datetime_as_string(ts, unit="m")
        de = np.char.add(
            np.char.add(
                np.char.add(
                    np.char.add(
                        np.char.add(
                            np.char.add([s[8:10] for s in iso], "."), [s[5:7] for s in iso]
                        ),
                        ".",
                    ),
                    [s[0:4] for s in iso],
                ),
                " ",
            ),
            [s[11:16] for s in iso],
        )
        events["timestamp"] = de
        events["wait_s"] = np.char.replace(wait.astype(str), ".", ",")
        table = pa.table(events)
        path = directory / "events.csv"
        tmp = directory / "events.utf8.csv"
        pacsv.write_csv(table, tmp, pacsv.WriteOptions(delimiter=";", quoting_style="none"))
        path.write_bytes(tmp.read_bytes().decode("utf-8").encode("cp1252"))
        tmp.unlink()
        return
    events["timestamp"] = np.char.add(np.datetime_as_string(ts, unit="s"), "Z")
    events["wait_s"] = wait
    if corrupt > 0:
        bad_tp = rng.random(n_events) < corrupt
        events["touchpoint"] = np.where(
            bad_tp, np.char.add(events["touchpoint"], "x"), events["touchpoint"]
        )
        bad_ts = rng.random(n_events) < corrupt
        events["timestamp"] = np.where(bad_ts, "31.02.2024 10:00", events["timestamp"])
    table = pa.table(events)
    if fmt == "parquet":
        pq.write_table(table, directory / "events.parquet")
    else:
        pacsv.write_csv(table, directory / "events.csv")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--german", action="store_true")
    parser.add_argument("--what", choices=["load", "validate", "both"], default="both")
    parser.add_argument(
        "--corrupt", type=float, default=0.0, help="share of bad rows (validate only)"
    )
    args = parser.parse_args()
    tag = f"{args.events // 1000}k_{'de' if args.german else args.format}"
    if args.corrupt:
        tag += f"_bad{args.corrupt:g}"
    directory = args.dir or Path("/tmp") / f"cjwork_bench_{tag}"
    if not (directory / "journeys.yml").exists():
        t0 = time.perf_counter()
        generate(directory, args.events, args.format, args.german, corrupt=args.corrupt)
        print(f"generated {directory} in {time.perf_counter() - t0:.1f} s")

    import cjwork
    from cjwork.io import validate_workspace

    if args.what in ("load", "both") and not args.corrupt:
        t0, c0 = time.perf_counter(), time.process_time()
        ws = cjwork.load(directory)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"load:     {wall:6.1f} s wall, {cpu:6.1f} s CPU  {ws!r}")
        del ws
    if args.what in ("validate", "both"):
        t0, c0 = time.perf_counter(), time.process_time()
        report = validate_workspace(directory)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"validate: {wall:6.1f} s wall, {cpu:6.1f} s CPU  {report.summary()}")


if __name__ == "__main__":
    main()
