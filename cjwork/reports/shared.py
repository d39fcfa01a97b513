"""Workspace-wide tables every journey's report needs: computed once per batch.

Enriched feedback (:func:`cjwork.text.enrich_feedback`) and persona assignments
(:func:`cjwork.personas.assign_personas`) do not depend on the journey. The batch runner
computes them once before the kernels start and writes them to a private cache directory
(the notebook parameter ``cache_dir``); each report reads them from there. A notebook run
on its own (empty ``cache_dir``, or the cache gone) computes them itself — same functions,
same seed, same result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cjwork.errors import CjworkError
from cjwork.io.workspace import Workspace
from cjwork.io.writing import write_parquet_atomic

FILES = {"feedback": "enriched_feedback.parquet", "personas": "personas.parquet"}
READY, FAILED, PREPARING = "READY", "FAILED", "PREPARING"


class WriteGuard:
    """Lets the runner stop a preparing thread from writing once the batch is cancelled.

    Every write of :func:`prepare_shared` happens inside :meth:`writing`, which says whether
    it may still write; :meth:`close` waits for a write in progress, then refuses all later
    ones, so the runner can remove the temporary folder for good while the thread computes.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._closed = False

    def writing(self) -> Any:
        """A context manager giving ``True`` while writing is allowed."""
        from contextlib import contextmanager

        @contextmanager
        def _cm() -> Any:
            with self._lock:
                yield not self._closed

        return _cm()

    def close(self) -> None:
        """Refuse every later write (waits for one in progress)."""
        with self._lock:
            self._closed = True


class _Open:
    """The guard of a write nobody can cancel."""

    def writing(self) -> Any:
        from contextlib import nullcontext

        return nullcontext(True)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_preparing(cache_dir: Path) -> None:
    """Say that this process is filling ``cache_dir`` (kernels wait while it is alive)."""
    import os

    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / PREPARING).write_text(str(os.getpid()), encoding="utf-8")


def wait_for_cache(cache: Path | None, poll: float = 0.1) -> bool:
    """Whether to read shared tables from ``cache``, waiting while the batch runner fills it.

    ``True`` once the runner's ``READY`` marker is there, or when nobody is filling the
    directory (no marker, or the process that was is gone: files are written atomically, so
    what is there is complete; what is missing is computed). ``False`` for a missing
    directory (a notebook run on its own, or the cache of a finished batch) or a ``FAILED``
    marker. The batch's per-journey timeout bounds the wait.
    """
    import time

    if cache is None or not cache.is_dir():
        return False
    while True:
        if (cache / READY).exists():
            return True
        if (cache / FAILED).exists():
            return False
        marker = cache / PREPARING
        try:
            pid = int(marker.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return True
        if not _alive(pid):
            return True
        time.sleep(poll)


def prepare_shared(
    ws: Workspace,
    cache_dir: Path,
    n_personas: str | int = "auto",
    seed: int = 0,
    with_personas: bool = True,
    owners_period: str | None = None,
    timing: dict | None = None,
    guard: WriteGuard | None = None,
    language: str = "en",
) -> None:
    """Write the shared tables (and, with ``owners_period``, the all-journeys analysis) to
    ``cache_dir``, then the ``READY`` marker — or ``FAILED`` with the reason. For a thread;
    ``guard`` lets the runner stop every write once the batch is cancelled."""
    import time

    t0 = time.perf_counter()
    timing = timing if timing is not None else {}
    g = guard if guard is not None else _Open()
    with g.writing() as ok:
        if ok and not (cache_dir / PREPARING).exists():
            mark_preparing(cache_dir)
    try:
        write_shared_tables(
            ws, cache_dir, n_personas, seed, with_personas=with_personas, guard=g, language=language
        )
        if owners_period is not None:
            write_all_journeys_analysis(ws, cache_dir, owners_period, seed, guard=g)
        with g.writing() as ok:
            if ok:
                (cache_dir / READY).write_text("", encoding="utf-8")
    except Exception as exc:  # the reports then compute what they need themselves
        timing["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        with g.writing() as ok:
            if ok:
                (cache_dir / FAILED).write_text(timing["error"], encoding="utf-8")
    finally:
        timing["seconds"] = round(time.perf_counter() - t0, 3)


ANALYSIS_TABLES = ("touchpoints", "kpis", "trends", "themes", "actions")


def enriched_feedback(ws: Workspace, seed: int = 0) -> pd.DataFrame | None:
    """The workspace's feedback scored and linked (``None`` without feedback).

    Exactly what :func:`cjwork.analysis.analyze` and ``cjwork analyze`` compute
    (``enrich_feedback(ws)`` with its defaults), so the report shows the same numbers;
    ``seed`` is accepted for symmetry and not passed on.
    """
    if ws.feedback is None or len(ws.feedback) == 0:
        return None
    from cjwork.text import enrich_feedback

    return enrich_feedback(ws)


def personas(
    ws: Workspace, n_personas: str | int = "auto", seed: int = 0, language: str = "en"
) -> pd.DataFrame | None:
    """Persona assignments, named in ``language`` (``None`` without customers or when no
    model fits the data)."""
    if ws.customers is None or len(ws.customers) == 0:
        return None
    from cjwork.personas import assign_personas

    try:
        return assign_personas(ws, n_personas=n_personas, random_state=seed, language=language)
    except CjworkError:
        return None


def write_shared_tables(
    ws: Workspace,
    cache_dir: str | Path,
    n_personas: str | int = "auto",
    seed: int = 0,
    with_personas: bool = True,
    guard: WriteGuard | _Open | None = None,
    language: str = "en",
) -> dict[str, Path]:
    """Compute the shared tables once and write them (Parquet) to ``cache_dir``.

    Personas are computed only ``with_personas`` (the runner asks for them when the report
    notebook has a ``section-personas`` cell: nothing else in the report uses them).
    ``guard`` (:class:`WriteGuard`) stops the writes of a cancelled batch.
    """
    cache = Path(cache_dir)
    g = guard if guard is not None else _Open()
    written = {}
    tables = [("feedback", enriched_feedback(ws, seed))]
    if with_personas:
        tables.append(("personas", personas(ws, n_personas, seed, language)))
    for name, frame in tables:
        if frame is not None:
            path = cache / FILES[name]
            with g.writing() as ok:
                if not ok:
                    return written
                cache.mkdir(parents=True, exist_ok=True)
                write_parquet_atomic(frame, path)
            written[name] = path
    return written


def shared_tables(
    ws: Workspace,
    cache_dir: str | Path = "",
    n_personas: str | int = "auto",
    seed: int = 0,
    compute_personas: bool = True,
    language: str = "en",
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """``(enriched feedback, personas)`` from ``cache_dir`` when there, else computed
    (personas only when ``compute_personas``)."""
    cache = Path(cache_dir) if cache_dir else None
    if not wait_for_cache(cache):
        cache = None

    def cached(name: str) -> pd.DataFrame | None:
        if cache is not None and (cache / FILES[name]).is_file():
            return pd.read_parquet(cache / FILES[name])
        return None

    fb = cached("feedback")
    if fb is None:
        fb = enriched_feedback(ws, seed)
    pers = cached("personas")
    if pers is None and compute_personas:
        pers = personas(ws, n_personas, seed, language)
    return fb, pers


def all_journeys_analysis(
    ws: Workspace, period: str = "month", seed: int = 0, feedback: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """:func:`cjwork.analysis.analyze` over every journey (without the persona funnel), the
    tables the owner view needs."""
    from cjwork.analysis import analyze

    no_personas = pd.DataFrame(
        {"customer_id": pd.Series(dtype="string"), "persona_id": pd.Series(dtype="int64")}
    )
    result = analyze(
        ws, journeys=None, period=period, feedback=feedback, personas=no_personas, random_state=seed
    )
    if "actions" not in result:  # no actions.yml in the workspace
        from cjwork.loop.actions import ACTION_COLUMNS

        result["actions"] = pd.DataFrame({c: pd.Series(dtype="string") for c in ACTION_COLUMNS})
    return {name: result[name] for name in ANALYSIS_TABLES}


def write_all_journeys_analysis(
    ws: Workspace,
    cache_dir: str | Path,
    period: str,
    seed: int,
    guard: WriteGuard | _Open | None = None,
) -> None:
    """Compute :func:`all_journeys_analysis` once and write its tables to ``cache_dir``."""
    cache = Path(cache_dir)
    g = guard if guard is not None else _Open()
    path = cache / FILES["feedback"]
    fb = pd.read_parquet(path) if path.is_file() else enriched_feedback(ws, seed)
    for name, frame in all_journeys_analysis(ws, period, seed, fb).items():
        with g.writing() as ok:
            if not ok:
                return
            cache.mkdir(parents=True, exist_ok=True)
            write_parquet_atomic(frame, cache / f"analysis_{period}_{name}.parquet")


def cached_all_journeys_analysis(
    ws: Workspace, cache_dir: str | Path, period: str, seed: int
) -> dict[str, pd.DataFrame]:
    """The all-journeys tables from ``cache_dir`` when the runner wrote them, else computed."""
    cache = Path(cache_dir) if cache_dir else None
    if wait_for_cache(cache) and all(
        (cache / f"analysis_{period}_{n}.parquet").is_file() for n in ANALYSIS_TABLES
    ):
        return {
            n: pd.read_parquet(cache / f"analysis_{period}_{n}.parquet") for n in ANALYSIS_TABLES
        }
    fb, _ = shared_tables(ws, cache_dir, seed=seed, compute_personas=False)
    return all_journeys_analysis(ws, period, seed, fb)
