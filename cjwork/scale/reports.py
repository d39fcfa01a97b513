"""Batch reports on a Dask cluster: one papermill run per journey, each on a worker.

:func:`run_reports_dask` is :func:`cjwork.reports.runner.run_reports` — same checks, shared
tables, retries, manifest and outputs — with its job slots replaced by :class:`DaskSlot`:
each journey's notebook is executed by ``cjwork.reports.worker.execute_journey`` inside a
Dask task. The workers must see the same paths as the client (the data directory, the
output directory and the batch's temporary folder): true on a ``LocalCluster`` and on a
cluster with a shared file system (NFS, a Kubernetes volume, HPC scratch).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjwork.scale.dask_engine import dask_client

if TYPE_CHECKING:
    from collections.abc import Iterable

    from distributed import Client

    from cjwork.reports.runner import BatchResult


def _execute(spec: dict[str, Any]) -> dict[str, Any]:
    from cjwork.reports.worker import execute_journey

    return execute_journey(spec)


class DaskSlot:
    """A report job slot whose journeys run as Dask tasks (the interface of the runner's slots).

    Parameters
    ----------
    client : distributed.Client
    workdir : Path
        The batch's temporary folder.
    index : int
        Slot number.
    threads : int
        Ignored (a Dask worker has its own thread settings).
    """

    def __init__(self, client: Client, workdir: Path, index: int, threads: int = 1) -> None:
        self.client = client
        self.workdir = workdir
        self.index = index
        self.future = None

    def run(self, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run one journey on a worker; stop waiting after ``timeout`` seconds."""
        from distributed import KilledWorker

        from cjwork.reports.runner import FAILED, TIMEOUT, WORKER_DIED

        key = f"cjwork-report-{spec['journey']}-{spec['attempt']}-{uuid.uuid4().hex[:8]}"
        self.future = self.client.submit(_execute, spec, key=key, pure=False)
        try:
            return self.future.result(timeout=timeout)
        except TimeoutError:
            self.kill()
            return {"outcome": TIMEOUT, "reason": f"stopped after the time limit of {timeout:g} s"}
        except KilledWorker as exc:  # the worker died under the task: the runner retries
            return {"outcome": WORKER_DIED, "reason": f"the Dask worker was lost ({exc})"}
        except Exception as exc:  # an error outside the notebook: this journey fails
            return {"outcome": FAILED, "reason": f"{type(exc).__name__}: {exc}"}
        finally:
            self.future = None

    def kill(self) -> None:
        """Cancel the running task."""
        if self.future is not None:
            self.future.cancel()

    def close(self) -> None:
        """Nothing to close: the workers belong to the cluster."""
        self.kill()


def run_reports_dask(
    data_dir: str | Path,
    journeys: Iterable[str] | None,
    out_dir: str | Path,
    *,
    scheduler: str | Client | None = None,
    jobs: int | None = None,
    **kwargs: Any,
) -> BatchResult:
    """:func:`cjwork.reports.runner.run_reports` with every journey run on a Dask worker.

    Parameters
    ----------
    data_dir, journeys, out_dir
        As ``run_reports``.
    scheduler : str or distributed.Client, optional
        Scheduler address; ``None`` starts a ``LocalCluster`` of 2 workers.
    jobs : int, optional
        Journeys in flight at once (default: the number of worker threads).
    **kwargs
        Further ``run_reports`` arguments (``params``, ``timeout``, ``progress``, ...).

    Returns
    -------
    BatchResult
    """
    from cjwork.reports.runner import run_reports

    with dask_client(scheduler) as client:
        n = jobs or max(1, sum(client.nthreads().values()))

        def factory(workdir: Path, index: int, threads: int = 1) -> DaskSlot:
            return DaskSlot(client, workdir, index, threads)

        return run_reports(data_dir, journeys, out_dir, jobs=n, slot_factory=factory, **kwargs)
