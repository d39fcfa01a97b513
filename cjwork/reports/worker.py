"""One journey's report in its own process: papermill, then the HTML export.

The batch runner starts ``python -m cjwork.reports.worker SPEC.json`` per journey (so a
journey can be stopped on its timeout without touching the others) and reads the result
JSON the worker writes. :func:`execute_journey` is the same work as a plain function.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

OK, FAILED, TIMEOUT, KERNEL_DIED = "ok", "failed", "timeout", "kernel_died"


def _first_lines(text: str, n: int = 6) -> str:
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    more = len(lines) - n
    return "\n".join(lines[:n] + ([f"... and {more} more line(s)"] if more > 0 else []))


def execute_journey(spec: dict[str, Any]) -> dict[str, Any]:
    """Execute the report notebook for one journey and export it.

    Parameters
    ----------
    spec : dict
        ``journey``, ``notebook`` (template path), ``tmp_notebook`` (where papermill writes,
        next to the final file), ``out_notebook``, ``out_html``, ``parameters``,
        ``start_timeout``, ``title``, ``kicker``, ``footer``, ``toc_title``.

    Returns
    -------
    dict
        ``outcome`` (``ok`` | ``failed`` | ``timeout`` | ``kernel_died``), ``reason``,
        ``execute_s``, ``export_s``, ``records``, ``failed_cell``.
    """
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from cjwork.reports.display import read_records
    from cjwork.reports.html import export_html
    from cjwork.reports.kernel import CurrentEnvKernelManager

    result: dict[str, Any] = {"outcome": OK, "reason": None, "failed_cell": None, "records": {}}
    tmp_nb = Path(spec["tmp_notebook"])
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(
            spec["notebook"],
            str(tmp_nb),
            parameters=spec["parameters"],
            kernel_name="python3",
            kernel_manager_class=CurrentEnvKernelManager,
            progress_bar=False,
            log_output=False,
            start_timeout=spec.get("start_timeout", 120),
            execution_timeout=spec.get("cell_timeout"),
            cwd=str(Path(spec["notebook"]).parent),
        )
    except PapermillExecutionError as exc:
        result.update(
            outcome=FAILED,
            reason=f"{exc.ename}: {_first_lines(exc.evalue)}",
            failed_cell=exc.exec_count,
        )
    except DeadKernelError as exc:
        result.update(outcome=KERNEL_DIED, reason=f"the kernel died: {_first_lines(str(exc), 2)}")
    except CellTimeoutError as exc:
        result.update(outcome=TIMEOUT, reason=f"a cell timed out: {_first_lines(str(exc), 2)}")
    except Exception as exc:  # anything else papermill/nbclient raise (kernel start-up ...)
        result.update(outcome=FAILED, reason=f"{type(exc).__name__}: {_first_lines(str(exc))}")
        result["traceback"] = traceback.format_exc()
    result["execute_s"] = round(time.perf_counter() - t0, 3)

    if tmp_nb.exists():
        os.replace(tmp_nb, spec["out_notebook"])
    if result["outcome"] != OK:
        return result

    t1 = time.perf_counter()
    nb = nbformat.read(spec["out_notebook"], as_version=4)
    result["records"] = read_records(nb)
    body = export_html(
        nb,
        title=spec["title"],
        kicker=spec.get("kicker", "Journey report"),
        footer=spec.get("footer", ""),
        toc_title=spec.get("toc_title", "Contents"),
    )
    from cjwork.io.writing import write_text_atomic

    write_text_atomic(body, spec["out_html"])
    result["export_s"] = round(time.perf_counter() - t1, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m cjwork.reports.worker SPEC.json``: run one journey, write ``spec['result']``."""
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result = execute_journey(spec)
    out = Path(spec["result"])
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
