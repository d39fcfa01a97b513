"""Time the reports: one journey's papermill run against papermill on an empty notebook plus
the notebook's own code run without a kernel, and (with --batch) the whole `make reports` batch.

    .venv/bin/python benchmarks/bench_reports.py [--journey service] [--batch] [--data data/sample]

Prints one line per measurement; the load average is printed too, since the figures move a
lot on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
from nbformat.v4 import new_code_cell, new_notebook

import cjwork
from cjwork.reports.kernel import CurrentEnvKernelManager
from cjwork.reports.runner import default_notebook, run_reports
from cjwork.reports.shared import write_shared_tables
from cjwork.reports.worker import execute_journey


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="data/sample")
    ap.add_argument("--journey", default="service")
    ap.add_argument(
        "--batch", action="store_true", help="also time the whole batch (all journeys, 2 jobs)"
    )
    args = ap.parse_args()
    data = Path(args.data).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    print(f"load average before: {os.getloadavg()}")

    ws = cjwork.load(data)
    t = time.perf_counter()
    write_shared_tables(ws, tmp / "cache", with_personas=False)
    shared = time.perf_counter() - t

    empty = tmp / "empty.ipynb"
    nbformat.write(
        new_notebook(
            cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
        ),
        empty,
    )
    t = time.perf_counter()
    pm.execute_notebook(
        str(empty),
        str(tmp / "empty_out.ipynb"),
        parameters={"x": 2},
        kernel_name="python3",
        kernel_manager_class=CurrentEnvKernelManager,
        progress_bar=False,
        shutdown_kernel="immediate",
    )
    empty_s = time.perf_counter() - t

    j = args.journey
    r = execute_journey(
        {
            "journey": j,
            "notebook": str(default_notebook()),
            "tmp_notebook": str(tmp / f".{j}.tmp.ipynb"),
            "out_notebook": str(tmp / f"{j}.ipynb"),
            "out_html": str(tmp / f"{j}.html"),
            "title": j,
            "parameters": {"data_dir": str(data), "journey": j, "cache_dir": str(tmp / "cache")},
        }
    )

    nb = nbformat.read(str(default_notebook()), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    ns: dict = {}
    exec(code[0], ns)
    ns.update(data_dir=str(data), journey=j, cache_dir=str(tmp / "cache"))
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for src in code[1:]:
            exec(src, ns)
    alone = time.perf_counter() - t

    print(
        f"journey={j} outcome={r['outcome']} shared_tables={shared:.1f}s empty_notebook_papermill={empty_s:.1f}s "
        f"report_execute={r['execute_s']:.1f}s html_export={r.get('export_s', 0):.1f}s notebook_code_alone={alone:.1f}s "
        f"ratio_execute/(empty+code)={r['execute_s'] / (empty_s + alone):.2f}"
    )
    if args.batch:
        result = run_reports(data, None, tmp / "batch", jobs=2, progress=False)
        per = ", ".join(f"{x.journey} {x.duration_s:.1f}s" for x in result.results)
        print(
            f"batch: {result.manifest['duration_s']:.1f}s total (shared tables {result.manifest['shared_tables_s']:.1f}s); {per}"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
