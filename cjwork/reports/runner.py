"""The batch runner behind ``cjwork report``: one papermill run per journey, in parallel.

For each journey a worker process (:mod:`cjwork.reports.worker`) executes
``notebooks/journey_report.ipynb`` with papermill and exports the HTML. The runner

* validates the parameters and loads the data once, up front, before any kernel starts
  (bad input → a clear error, exit 1; wrong usage → exit 2);
* refuses output directories that would mix reports with the inputs;
* runs up to ``jobs`` journeys at once with a progress bar over journeys; a journey that
  runs longer than ``timeout`` seconds is stopped; a journey whose kernel died is retried
  once; a failing journey never stops the others, and its executed notebook is kept with
  the failing cell;
* writes ``<journey>.ipynb``, ``<journey>.html`` and ``manifest.json`` atomically;
* locks the output folder for the batch and writes through a staging folder, so a folder
  holds one run's set (:mod:`cjwork.reports.batch_lock`);
* on SIGINT/SIGTERM cancels the queued journeys, kills the running workers and kernels,
  removes its temporary folder, keeps what finished and writes the manifest (exit
  128 + signal); workers end with the runner however it ends
  (:mod:`cjwork.reports.processes`).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cjwork._version import __version__
from cjwork.errors import CjworkError, DataError, Problem, UsageError
from cjwork.reports import batch_lock as bl
from cjwork.reports import manifest as mf
from cjwork.reports.params import DEFAULTS, validate_params
from cjwork.reports.worker import FAILED, KERNEL_DIED, OK, TIMEOUT

WORKER_DIED = "worker_died"
CANCELLED = "cancelled"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS")
RETRY_ON = (KERNEL_DIED, WORKER_DIED)


def default_notebook() -> Path:
    """``notebooks/journey_report.ipynb`` of the source tree, else the copy a wheel carries.

    Raises
    ------
    CjworkError
        Neither exists (a broken installation).
    """
    here = Path(__file__).resolve()
    for folder in (here.parents[2] / "notebooks", here.parents[1] / "resources" / "notebooks"):
        if (folder / "journey_report.ipynb").is_file():
            return folder / "journey_report.ipynb"
    raise CjworkError(
        f"the report notebook journey_report.ipynb was not found in {here.parents[2] / 'notebooks'} "
        f"or {here.parents[1] / 'resources' / 'notebooks'}; reinstall cjwork"
    )


@dataclass
class JourneyResult:
    """How one journey's report went."""

    journey: str
    outcome: str
    reason: str | None = None
    kind: str = "journey"
    attempts: int = 1
    duration_s: float = 0.0
    execute_s: float | None = None
    export_s: float | None = None
    failed_cell: int | None = None
    notebook: str | None = None
    html: str | None = None
    records: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the report was written (``outcome`` is ``"ok"``)."""
        return self.outcome == OK

    @property
    def key(self) -> str:
        """``journey id``, or ``owner:<exact owner name>`` for an owner report."""
        if self.kind == "owner":
            return f"owner:{self.journey}"
        return self.journey


@dataclass
class BatchResult:
    """The outcome of a batch: per-journey results, the manifest and its path."""

    out_dir: Path
    results: list[JourneyResult]
    manifest: dict[str, Any]
    manifest_path: Path
    warnings: list[str] = field(default_factory=list)
    interrupted: int | None = None

    @property
    def exit_code(self) -> int:
        """0 when every journey's report was written; 128 + the signal number when the batch
        was interrupted (130 for SIGINT, 143 for SIGTERM); else 1."""
        if self.interrupted is not None:
            return 128 + int(self.interrupted)
        return 0 if all(r.ok for r in self.results) else 1

    @property
    def failed(self) -> list[JourneyResult]:
        """The results of the reports that were not written."""
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        """A few lines for people: one per journey, failures with their reason."""
        n_ok = sum(r.ok for r in self.results)
        lines = [
            f"reports: {n_ok} of {len(self.results)} report(s) written to {self.out_dir} "
            f"in {self.manifest['duration_s']:.1f} s"
        ]
        width = max((len(r.journey) for r in self.results), default=0)
        for r in self.results:
            if r.outcome == CANCELLED:
                lines.append(f"  {r.journey:<{width}}  CANCELLED  {r.reason}")
            elif r.ok:
                lines.append(f"  {r.journey:<{width}}  ok      {r.duration_s:6.1f} s  {r.html}")
            else:
                first, *rest = (r.reason or "unknown reason").splitlines()
                kept = f" (executed notebook kept: {r.notebook})" if r.notebook else ""
                cell = f" in cell [{r.failed_cell}]" if r.failed_cell is not None else ""
                lines.append(
                    f"  {r.journey:<{width}}  FAILED  {r.duration_s:6.1f} s  {r.outcome}{cell}: {first}{kept}"
                )
                lines.extend(f"  {'':<{width}}          {ln}" for ln in rest)
        lines.extend(f"warning: {w}" for w in self.warnings)
        lines.append(f"manifest: {self.manifest_path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- checks


def check_output_dir(out_dir: Path, data_dir: Path, protected: Iterable[Path] = ()) -> None:
    """Refuse an output directory that is the data directory or lies inside it, or that
    holds a protected file under a name the batch writes."""
    out, data = out_dir.resolve(), data_dir.resolve()
    if out == data:
        raise UsageError(
            f"refusing to write reports into the data directory {data_dir}; choose another output directory (-o)"
        )
    if data in out.parents:
        raise UsageError(
            f"refusing to write reports inside the data directory {data_dir} ({out_dir}); "
            "choose an output directory outside it (-o)"
        )
    for p in protected:
        if p.resolve().parent == out:
            raise UsageError(
                f"refusing to write reports into {out_dir}: it holds the input {p}; choose another output directory (-o)"
            )


def _has_section(notebook: Path, name: str) -> bool:
    """Whether the report notebook has a cell tagged ``section-<name>``."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return any(f"section-{name}" in c.metadata.get("tags", []) for c in nb.cells)


def _entry(r: JourneyResult, out_dir: Path) -> dict[str, Any]:
    """One result as it goes into the manifest (paths relative to the output directory)."""
    entry = {k: v for k, v in asdict(r).items() if k not in ("journey", "kind")}
    for field_ in ("notebook", "html"):
        value = getattr(r, field_)
        entry[field_] = str(Path(value).relative_to(out_dir)) if value else None
    return entry


def _journey_problems(
    ws: Any, journeys: list[str], lenient: bool
) -> tuple[list[Problem], list[str]]:
    """Rejected rows that stop every journey (customers) and warnings for rows of no journey."""
    from cjwork.reports.overview import rejected_for

    stopping: list[Problem] = []
    warnings: list[str] = []
    rejected = ws.rejected or {}
    if not lenient and "customers" in rejected and len(rejected["customers"]):
        from cjwork.reports.notebook import rejected_problems

        stopping = [p for p in rejected_problems(ws, journeys[0]) if p.file.startswith("customers")]
    attributed = {t: 0 for t in rejected}
    for j in ws.journeys.journey_ids:
        for table, rows in rejected_for(ws, j).items():
            if table != "customers":
                attributed[table] += len(rows)
    for table, rows in sorted(rejected.items()):
        if table != "customers" and rows is not None and len(rows) > attributed.get(table, 0):
            warnings.append(
                f"{len(rows) - attributed[table]} rejected row(s) of {table} belong to no journey of journeys.yml; "
                "they are in no report"
            )
    return stopping, warnings


# --------------------------------------------------------------------------- running


class _Slot:
    """One job slot: a long-lived worker process that runs journeys one after another."""

    def __init__(self, workdir: Path, index: int, threads: int = 1) -> None:
        self.workdir = workdir
        self.index = index
        self.threads = threads
        self.proc: subprocess.Popen | None = None
        self.log = workdir / f"worker{index}.log"
        self.cancelled = False
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen | None:
        from cjwork.reports.worker import WORKDIR_ENV

        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JUPYTER_PLATFORM_DIRS": "1"}
        env[WORKDIR_ENV] = str(self.workdir)  # removed by the worker if the runner dies
        # the worker's and its kernel's temporary files (kernel connection files) live in the
        # batch's folder, so they go with it, however the batch ends
        tmp = self.workdir / f"tmp{self.index}"
        tmp.mkdir(exist_ok=True)
        env["TMPDIR"] = env["TEMP"] = env["TMP"] = str(tmp)
        # jobs x threads <= cores: parallel kernels must not oversubscribe the CPU with
        # OpenMP/BLAS threads (scikit-learn, numpy); the user's own settings win.
        for var in THREAD_VARS:
            env.setdefault(var, str(self.threads))
        with self._lock, open(self.log, "ab") as fh:
            if self.cancelled:
                return None
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cjwork.reports.worker", "--serve"],
                stdin=subprocess.PIPE,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                text=True,
            )
        return self.proc

    def run(self, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run one journey; stop it (and its kernel) after ``timeout`` seconds."""
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        if proc is None:
            return {"outcome": CANCELLED, "reason": "cancelled"}
        spec_path = self.workdir / f"{spec['journey']}.attempt{spec['attempt']}.json"
        result_path = spec_path.with_suffix(".result.json")
        spec = {**spec, "result": str(result_path)}
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        try:
            assert proc.stdin is not None
            proc.stdin.write(f"{spec_path}\n")
            proc.stdin.flush()
        except OSError:
            pass  # the worker is gone; noticed below
        deadline = time.monotonic() + timeout
        while not result_path.exists():
            if proc.poll() is not None:
                self.proc = None
                if self.cancelled:
                    return {"outcome": CANCELLED, "reason": "cancelled"}
                log = self.log.read_text(encoding="utf-8", errors="replace")
                tail = " | ".join(log.strip().splitlines()[-3:])
                return {
                    "outcome": WORKER_DIED,
                    "reason": f"the report process ended with code {proc.returncode}: {tail}",
                }
            if time.monotonic() > deadline:
                self.kill()
                return {
                    "outcome": TIMEOUT,
                    "reason": f"stopped after the time limit of {timeout:g} s{_running_cell(spec)}",
                }
            time.sleep(0.05)
        return json.loads(result_path.read_text(encoding="utf-8"))

    def kill(self) -> None:
        """Kill the worker, its process group and everything below it (the kernel runs in a
        session of its own)."""
        from cjwork.reports.processes import kill_tree

        proc = self.proc
        if proc is None:
            return
        kill_tree(proc.pid)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait
            pass
        self.proc = None

    def cancel(self) -> None:
        """Kill the running journey and refuse to start another one (the batch was interrupted)."""
        with self._lock:
            self.cancelled = True
        self.kill()

    def close(self) -> None:
        """Let the worker finish (end of its stdin), or kill it when it does not."""
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=15)
            self.proc = None
        except (subprocess.TimeoutExpired, OSError):
            self.kill()


def _running_cell(spec: dict[str, Any]) -> str:
    """Move a partly executed notebook into place and say which cell was running."""
    tmp = Path(spec["tmp_notebook"])
    if not tmp.exists():
        return ""
    try:
        nb = json.loads(tmp.read_text(encoding="utf-8"))
        os.replace(tmp, spec["out_notebook"])
    except (OSError, ValueError):
        return ""
    for cell in nb.get("cells", []):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            return f" (in cell [{cell.get('execution_count')}])"
    return ""


def run_reports(
    data_dir: str | Path,
    journeys: Iterable[str] | None,
    out_dir: str | Path,
    jobs: int = 2,
    params: dict[str, Any] | None = None,
    timeout: float = 600.0,
    *,
    notebook: str | Path | None = None,
    start_timeout: float = 300.0,
    retries: int = 1,
    progress: bool = True,
    by_owner: bool = False,
    slot_factory: Callable[..., Any] | None = None,
) -> BatchResult:
    """Run the report notebook for each journey and write notebooks, HTML and the manifest.

    Parameters
    ----------
    data_dir : str or Path
        The data directory (``journeys.yml`` plus tables).
    journeys : iterable of str or None
        Journey ids; ``None`` for every journey of ``journeys.yml``.
    out_dir : str or Path
        Where ``<journey>.ipynb``, ``<journey>.html`` and ``manifest.json`` go (created when
        missing). Must not be the data directory or lie inside it.
    jobs : int
        Journeys run at the same time (each has its own kernel).
    params : dict, optional
        Further notebook parameters (``period``, ``language``, ``seed``, ...).
    timeout : float
        Seconds a journey's report may take before it is stopped.
    notebook : str or Path, optional
        The report notebook (``notebooks/journey_report.ipynb`` by default).
    start_timeout : float
        Seconds a kernel may take to start.
    retries : int
        Extra attempts for a journey whose kernel (or worker process) died.
    progress : bool
        Show a progress bar over journeys on stderr.
    by_owner : bool
        Also write one short report per touchpoint owner across all journeys
        (``owners/<owner>.html``).
    slot_factory : callable, optional
        ``(workdir, index, threads) -> slot`` with ``run(spec, timeout)`` and ``close()``:
        where a journey runs (default: a local worker process;
        :func:`cjwork.scale.reports.run_reports_dask` sends them to Dask workers).

    Returns
    -------
    BatchResult
        With ``exit_code`` 0 when every report was written, 128 + the signal number when
        interrupted, else 1.

    Raises
    ------
    UsageError
        Bad parameters, unknown journeys, an output directory that mixes with the inputs,
        or an output path that is a file.
    OutputBusyError
        Another run is writing to ``out_dir`` (exit 1).
    DataError
        Data that cannot be loaded at all (checked once, before any kernel starts).
    """
    import cjwork
    from cjwork.io.writing import check_not_input

    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    notebook = Path(notebook) if notebook is not None else default_notebook()
    params = dict(params or {})
    if jobs < 1:
        raise UsageError(f"jobs must be >= 1, got {jobs}")
    if timeout <= 0:
        raise UsageError(f"timeout must be > 0 seconds, got {timeout}")
    if not notebook.is_file():
        raise UsageError(f"report notebook not found: {notebook}")
    if not data_dir.is_dir():
        raise UsageError(f"data directory not found: {data_dir}")
    bl.check_output_path(out_dir)
    for key in ("data_dir", "journey"):
        params.pop(key, None)

    # 1. the journeys and the parameters (usage errors, exit 2)
    journey_map = cjwork.load_journey_map(data_dir / "journeys.yml")
    known = journey_map.journey_ids
    wanted = list(dict.fromkeys(journeys)) if journeys is not None else list(known)
    if not wanted:
        raise UsageError("no journeys to report on; give --journey ID or --all")
    unknown = [j for j in wanted if j not in known]
    if unknown:  # exit 1 with the closest known ids, as in every command
        from cjwork.journeymap import unknown_ids_error

        raise unknown_ids_error("journey", unknown, known, journey_map.source)
    checked = validate_params(data_dir=data_dir, journey=wanted[0], **params)
    common = {
        k: v for k, v in checked.as_dict().items() if k not in ("data_dir", "journey", "cache_dir")
    }

    # 2. the data, once, before any kernel starts (bad input, exit 1)
    ws = cjwork.load(data_dir, lenient=True)
    stopping, warnings = _journey_problems(ws, wanted, checked.lenient)
    if stopping:
        raise DataError(
            stopping,
            summary=f"{len(stopping)} customer row(s) cannot be used; no report was started",
        )
    inputs = mf.input_files(data_dir, ws.files)
    input_hashes = mf.file_hashes(inputs)  # what the reports are made from, taken before they run
    protected = [*inputs.values(), notebook, notebook.parent / "owner_report.ipynb"]
    check_output_dir(out_dir, data_dir, protected)
    tasks: dict[str, tuple[str, str]] = {j: ("journey", j) for j in wanted}
    final = {j: (out_dir / f"{j}.ipynb", out_dir / f"{j}.html") for j in wanted}
    owner_notebook = notebook.parent / "owner_report.ipynb"
    if by_owner:
        from cjwork.reports.owners import owner_file_names, owners

        if not owner_notebook.is_file():
            raise UsageError(f"owner report notebook not found: {owner_notebook}")
        # one file per owner, also for names that slug alike ("Field Service", "field service")
        for owner, stem in owner_file_names(owners(journey_map)).items():
            key = f"owner:{owner}"
            tasks[key] = ("owner", owner)
            final[key] = (
                out_dir / bl.OWNERS_DIR / f"{stem}.ipynb",
                out_dir / bl.OWNERS_DIR / f"{stem}.html",
            )
    for nb_path, html_path in final.values():
        check_not_input(nb_path, protected)
        check_not_input(html_path, protected)
    check_not_input(out_dir / bl.MANIFEST, protected)

    # 3. the output folder: one run at a time (lock), written through a staging folder
    interrupt = _Interrupt().install()
    lock = bl.OutputLock(out_dir)
    stage: Path | None = None
    try:
        lock.acquire()
        stage = bl.staging_dir(out_dir)
        return _run_batch(
            data_dir=data_dir,
            out_dir=out_dir,
            stage=stage,
            ws=ws,
            journey_map=journey_map,
            notebook=notebook,
            owner_notebook=owner_notebook,
            checked=checked,
            common=common,
            tasks=tasks,
            final=final,
            inputs=inputs,
            input_hashes=input_hashes,
            protected=protected,
            warnings=warnings,
            jobs=jobs,
            timeout=timeout,
            start_timeout=start_timeout,
            retries=retries,
            progress=progress,
            by_owner=by_owner,
            slot_factory=slot_factory,
            interrupt=interrupt,
            started_at=started_at,
            t0=t0,
        )
    finally:
        bl.discard(stage)
        lock.release()
        interrupt.restore()


def _run_batch(
    *,
    data_dir: Path,
    out_dir: Path,
    stage: Path,
    ws: Any,
    journey_map: Any,
    notebook: Path,
    owner_notebook: Path,
    checked: Any,
    common: dict[str, Any],
    tasks: dict[str, tuple[str, str]],
    final: dict[str, tuple[Path, Path]],
    inputs: dict[str, Path],
    input_hashes: dict[str, Any],
    protected: list[Path],
    warnings: list[str],
    jobs: int,
    timeout: float,
    start_timeout: float,
    retries: int,
    progress: bool,
    by_owner: bool,
    slot_factory: Callable[..., Any] | None,
    interrupt: _Interrupt,
    started_at: datetime,
    t0: float,
) -> BatchResult:
    """The journeys in parallel worker processes, then the published set and the manifest."""
    outputs = {
        k: (stage / nb.relative_to(out_dir), stage / h.relative_to(out_dir))
        for k, (nb, h) in final.items()
    }
    if by_owner:
        (stage / bl.OWNERS_DIR).mkdir(exist_ok=True)
    company = journey_map.company_label(checked.language) or data_dir.resolve().name
    results: dict[str, JourneyResult] = {}
    slots: list[Any] = []
    slots_lock = threading.Lock()

    running: dict[str, str] = {}  # key -> the notebook papermill is writing (progress words)

    def spec_for(key: str, attempt: int) -> dict[str, Any]:
        kind, name = tasks[key]
        nb_path, html_path = outputs[key]
        tmp = nb_path.parent / f".{nb_path.stem}.attempt{attempt}.{os.getpid()}.tmp.ipynb"
        running[key] = str(tmp)
        de = checked.language == "de"
        if kind == "owner":
            params_ = {k: common[k] for k in ("period", "language", "seed", "lenient")}
            params_ = {"data_dir": str(data_dir.resolve()), "owner": name, **params_}
            label, template = (
                ("Bericht für Verantwortliche" if de else "Owner report"),
                owner_notebook,
            )
            title = f"{company} — {name}"
        else:
            params_ = {"data_dir": str(data_dir.resolve()), "journey": name, **common}
            label, template = ("Journey-Report" if de else "Journey report"), notebook
            title = f"{company} — {journey_map.journey(name).label(checked.language)}"
        return {
            "journey": key if kind == "journey" else f"owner-{_short_hash(name)}",
            "attempt": attempt,
            "notebook": str(template.resolve()),
            "tmp_notebook": str(tmp),
            "out_notebook": str(nb_path),
            "out_html": str(html_path),
            "parameters": {**params_, "cache_dir": str(cache_dir)},
            "start_timeout": start_timeout,
            "title": title,
            "kicker": f"{company} · {label}",
            "footer": f"cjwork {__version__} · {'Daten' if de else 'data'}: {data_dir.resolve().name} · "
            f"{'Parameter' if de else 'parameters'}: "
            + ", ".join(f"{k}={v}" for k, v in sorted(common.items())),
            "toc_title": "Inhalt" if de else "Contents",
        }

    def cancelled_result(key: str, running: bool, start: float | None = None) -> JourneyResult:
        how = "stopped while it ran" if running else "cancelled before it started"
        return JourneyResult(
            journey=tasks[key][1],
            kind=tasks[key][0],
            outcome=CANCELLED,
            reason=f"{how} ({interrupt.name})",
            attempts=1 if running else 0,
            duration_s=round(time.perf_counter() - start, 3) if start is not None else 0.0,
        )

    def run_one(key: str, slot: Any) -> JourneyResult:
        start = time.perf_counter()
        attempt = 0
        while True:
            if interrupt.is_set():
                return cancelled_result(key, attempt > 0, start)
            attempt += 1
            raw = slot.run(spec_for(key, attempt), timeout)
            if interrupt.is_set() and raw["outcome"] != OK:
                return cancelled_result(key, True, start)
            if raw["outcome"] in RETRY_ON and attempt <= retries:
                continue
            break
        running.pop(key, None)
        nb_path, html_path = outputs[key]
        ok = raw["outcome"] == OK
        if not ok and html_path.exists():
            html_path.unlink()  # never leave an older report that looks current
        return JourneyResult(
            journey=tasks[key][1],
            kind=tasks[key][0],
            outcome=raw["outcome"],
            reason=raw.get("reason"),
            attempts=attempt,
            duration_s=round(time.perf_counter() - start, 3),
            execute_s=raw.get("execute_s"),
            export_s=raw.get("export_s"),
            failed_cell=raw.get("failed_cell"),
            notebook=str(nb_path) if nb_path.exists() else None,
            html=str(html_path) if ok else None,
            records=raw.get("records") or {},
        )

    from tqdm.auto import tqdm

    from cjwork.reports.shared import WriteGuard, mark_preparing, prepare_shared

    guard = WriteGuard()
    with tempfile.TemporaryDirectory(prefix="cjwork-report-") as tmp:
        workdir = Path(tmp)
        # 4. what every journey needs (enriched feedback, personas): once, not per kernel,
        # computed while the workers and kernels start; a kernel waits for the marker file.
        cache_dir = workdir / "shared"
        mark_preparing(cache_dir)  # before any kernel can look
        shared_timing: dict[str, float] = {}
        preparing = threading.Thread(
            target=prepare_shared,
            kwargs={
                "ws": ws,
                "cache_dir": cache_dir,
                "n_personas": checked.n_personas,
                "seed": checked.seed,
                "with_personas": _has_section(notebook, "personas"),
                "owners_period": checked.period if by_owner else None,
                "timing": shared_timing,
                "guard": guard,
                "language": checked.language,
            },
            daemon=True,
        )
        preparing.start()
        todo: queue.Queue[str] = queue.Queue()
        for key in tasks:
            todo.put(key)
        done: queue.Queue[JourneyResult] = queue.Queue()

        n_slots = min(jobs, len(tasks))

        def work(index: int) -> None:
            slot = (slot_factory or _Slot)(
                workdir, index, threads=max(1, (os.cpu_count() or 1) // n_slots)
            )
            with slots_lock:
                slots.append(slot)
                if interrupt.is_set():
                    _cancel_slot(slot)
            try:
                while not interrupt.is_set():
                    try:
                        key = todo.get_nowait()
                    except queue.Empty:
                        return
                    done.put(run_one(key, slot))
            finally:
                slot.close()

        bar = tqdm(
            total=len(tasks), desc="reports", unit="report", disable=not progress, file=sys.stderr
        )
        with ThreadPoolExecutor(max_workers=n_slots) as pool:
            futures = [pool.submit(work, i) for i in range(n_slots)]
            from cjwork.reports.progress import progress_text, running_step

            last_words = 0.0
            while len(results) < len(tasks):
                if interrupt.is_set():
                    # 5. interrupted: nothing new starts, the running journeys and their
                    # kernels are killed, the shared tables are no longer written
                    with slots_lock:
                        for slot in slots:
                            _cancel_slot(slot)
                    break
                try:
                    res = done.get(timeout=0.2)
                except queue.Empty:
                    failed = [f for f in futures if f.done() and f.exception() is not None]
                    if failed:
                        failed[0].result()  # a bug in the runner itself: raise it
                    if progress and time.perf_counter() - last_words > 1.0:  # the running steps
                        last_words = time.perf_counter()
                        steps = {tasks[k][1]: running_step(p) for k, p in list(running.items())}
                        if preparing.is_alive():
                            steps = {"shared": "shared", **steps}
                        bar.set_postfix_str(progress_text(steps, checked.language))
                    continue
                results[res.key] = res
                bar.set_postfix_str(f"{res.journey}: {res.outcome}")
                bar.update(1)
        while not done.empty():
            res = done.get_nowait()
            results.setdefault(res.key, res)
        bar.close()
        for key in tasks:
            if _result_key(tasks[key]) not in results:
                res = cancelled_result(key, False)
                results[res.key] = res
        if interrupt.is_set():
            guard.close()  # the preparing thread may still compute; it writes nothing more
        else:
            preparing.join()
        shared_s = shared_timing.get("seconds", 0.0)
        if "error" in shared_timing:
            warnings.append(
                f"shared tables could not be computed once ({shared_timing['error']}); each report computed its own"
            )

    # 6. the set: the previous run's reports out, the new ones in, the manifest last
    moved = bl.publish(stage, out_dir, journey_map.journey_ids, keep=protected)
    ordered = [results[_result_key(tasks[k])] for k in tasks]
    for r in ordered:
        r.notebook = bl.relocate(r.notebook, moved)
        r.html = bl.relocate(r.html, moved)
        if r.notebook is not None and not Path(r.notebook).is_file():
            r.notebook = None
    journey_results = [r for r in ordered if r.kind == "journey"]
    owner_results = [r for r in ordered if r.kind == "owner"]
    after = {name: p for name, p in inputs.items() if p.is_file()}
    if mf.file_hashes(after) != input_hashes:
        warnings.append(
            f"input files in {data_dir} changed while the reports ran; run again for consistent reports"
        )
    n_cancelled = sum(r.outcome == CANCELLED for r in ordered)
    if interrupt.is_set():
        warnings.append(
            f"interrupted by {interrupt.name}: {n_cancelled} report(s) cancelled; "
            "the finished ones were kept"
        )
    finished_at = datetime.now(UTC)
    manifest = {
        "cjwork_version": __version__,
        "command": "cjwork report",
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 3),
        "data_dir": str(data_dir.resolve()),
        "out_dir": str(out_dir.resolve()),
        "notebook": {"path": str(notebook.resolve()), "sha256": mf.sha256_file(notebook)},
        "company": journey_map.company,
        "parameters": common,
        "defaults": {
            k: v for k, v in DEFAULTS.items() if k not in ("data_dir", "journey", "cache_dir")
        },
        "jobs": jobs,
        "timeout_s": timeout,
        "shared_tables_s": shared_s,
        "inputs": input_hashes,
        "journeys_yml_sha256": input_hashes.get("journeys.yml", {}).get("sha256"),
        "packages": mf.package_versions(),
        "environment": mf.environment(),
        "warnings": warnings,
        "interrupted": interrupt.name if interrupt.is_set() else None,
        "outcome": {
            "ok": sum(r.ok for r in ordered),
            "failed": sum(not r.ok and r.outcome != CANCELLED for r in ordered),
            **({"cancelled": n_cancelled} if n_cancelled else {}),
        },
        "journeys": {r.journey: _entry(r, out_dir) for r in journey_results},
    }
    if by_owner:
        manifest["owner_notebook"] = {
            "path": str(owner_notebook.resolve()),
            "sha256": mf.sha256_file(owner_notebook),
        }
        manifest["owners"] = {r.journey: _entry(r, out_dir) for r in owner_results}
    manifest_path = mf.write_manifest(manifest, out_dir / bl.MANIFEST, inputs=protected)
    return BatchResult(
        out_dir=out_dir,
        results=ordered,
        manifest=manifest,
        manifest_path=manifest_path,
        warnings=warnings,
        interrupted=interrupt.signum if interrupt.is_set() else None,
    )


def _result_key(task: tuple[str, str]) -> str:
    """The key of a task's :class:`JourneyResult` (:attr:`JourneyResult.key`)."""
    kind, name = task
    return f"owner:{name}" if kind == "owner" else name


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _cancel_slot(slot: Any) -> None:
    """Stop a slot's running journey: its worker, the worker's kernel, everything below."""
    try:
        (getattr(slot, "cancel", None) or slot.kill)()
    except Exception:
        pass


class _Interrupt:
    """SIGINT/SIGTERM during a batch: remembered, not raised, so the runner can stop its
    workers, keep what finished and write the manifest (installed in the main thread only)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.signum is None:
            self.signum = signum
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


__all__ = ["FAILED", "KERNEL_DIED", "OK", "TIMEOUT", "BatchResult", "JourneyResult", "run_reports"]
