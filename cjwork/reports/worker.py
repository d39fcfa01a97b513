"""Journey reports in a worker process: papermill, then the HTML export.

The batch runner keeps one worker process per job slot (``python -m cjwork.reports.worker
--serve``): it reads the path of a spec JSON per line on stdin, runs that journey and writes
the result JSON named in the spec. Imports (papermill, nbconvert, pandas) are paid once per
slot, not once per journey; a journey over its time limit is stopped by killing its worker
(and with it its kernel), and the slot starts a fresh one. :func:`execute_journey` is the
same work as a plain function.
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


def _stable_ids(path: Path) -> None:
    """Give papermill's injected-parameters cell a fixed id (papermill draws a random one)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, str(path))


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
            start_timeout=spec.get("start_timeout", 300),
            execution_timeout=spec.get("cell_timeout"),
            shutdown_kernel="immediate",
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
        _stable_ids(tmp_nb)
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


def _write_result(result: dict[str, Any], path: str | Path) -> None:
    out = Path(path)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, out)


#: the batch's private temporary folder (shared tables with feedback texts), set by the runner
WORKDIR_ENV = "CJWORK_REPORT_WORKDIR"


def _remove_workdir() -> None:
    """Remove the batch's temporary folder named in :data:`WORKDIR_ENV` (when the runner died)."""
    import shutil

    workdir = os.environ.get(WORKDIR_ENV)
    if workdir and Path(workdir).name.startswith("cjwork-report-"):
        shutil.rmtree(workdir, ignore_errors=True)


def serve(lines: Any = None) -> int:
    """Run one journey per spec path read from ``lines`` (stdin by default) until EOF.

    The worker ends (killing its kernel and removing the batch's temporary folder) as soon
    as the runner that started it is gone, and on ``SIGTERM``.
    """

    def parent_alive() -> None:
        return None

    if lines is None:
        from cjwork.reports.processes import exit_with_parent

        parent_alive = exit_with_parent(cleanup=_remove_workdir)
    import nbconvert  # noqa: F401 - warm the imports before the first journey arrives
    import papermill  # noqa: F401

    for line in lines if lines is not None else sys.stdin:
        spec_path = line.strip()
        if not spec_path:
            continue
        parent_alive()
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        result = execute_journey(spec)
        parent_alive()  # nothing more is written for a runner that is gone
        _write_result(result, spec["result"])
    parent_alive()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m cjwork.reports.worker (--serve | SPEC.json)``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--serve"]:
        return serve()
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    _write_result(execute_journey(spec), spec["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
