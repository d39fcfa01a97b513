"""The report output folder: one run at a time, and one run's files at a time.

* :class:`OutputLock` — an exclusive ``fcntl`` lock on the output folder for the whole
  batch. A second ``cjwork report`` into the same folder stops at once with a clear message
  (exit 1) instead of mixing its files with the first one's.
* :func:`staging_dir` / :func:`publish` — a batch writes into a hidden staging folder inside
  the output folder (same file system: every move is a rename). Only at the end are the
  previous run's reports (those its ``manifest.json`` lists, every ``<journey>.ipynb/.html``
  of the map and ``owners/``) removed and the new ones moved in; ``manifest.json`` goes
  last, so a folder with a manifest always holds exactly one run's set. A killed run leaves
  the folder as it was (plus a staging folder that the next run removes).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cjwork.errors import CjworkError, OutputError

STAGING_PREFIX = ".cjwork-staging-"
MANIFEST = "manifest.json"
OWNERS_DIR = "owners"


class OutputBusyError(CjworkError):
    """Another run holds the output folder (exit 1)."""


def check_output_path(out_dir: Path) -> None:
    """Refuse an output path that is an existing file, or lies below one (exit 1, like
    every output the guard refuses).

    Raises
    ------
    OutputError
        ``-o`` names a file, or a path inside a file.
    """
    for p in (out_dir, *out_dir.parents):
        if p.exists() and not p.is_dir():
            where = "is a file" if p == out_dir else f"lies inside the file {p}"
            raise OutputError(
                f"the output folder {out_dir} {where}; reports need a folder: "
                "give a new or existing folder with -o"
            )


class OutputLock:
    """An exclusive, non-blocking lock on an output folder (created when missing).

    The folder itself is locked (``flock`` on its file descriptor), so nothing is left
    behind; the lock goes with the process, also when it is killed.

    Parameters
    ----------
    out_dir : Path
        The output folder.
    command : str
        Named in the message a second run gets.
    """

    def __init__(self, out_dir: Path, command: str = "cjwork report") -> None:
        self.out_dir = Path(out_dir)
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock, or raise :class:`OutputBusyError` naming the folder."""
        import fcntl

        self.out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out_dir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputBusyError(
                f"another {self.command} is writing to {self.out_dir}; wait until it has "
                "finished, or write to another folder with -o"
            ) from None
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def staging_dir(out_dir: Path) -> Path:
    """A fresh hidden staging folder inside ``out_dir`` (call while holding the lock).

    Staging folders of earlier runs that were killed are removed first: under the lock no
    other run can be using them.
    """
    for old in out_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(old, ignore_errors=True)
    stage = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
    stage.mkdir()
    return stage


REPORT_SUFFIXES = (".ipynb", ".html")


def previous_outputs(
    out_dir: Path, journey_ids: Iterable[str], keep: Iterable[Path] = ()
) -> list[Path]:
    """The files of an earlier report run in ``out_dir``: the notebooks and HTML files its
    manifest lists (inside ``out_dir`` only), every ``<journey>.ipynb``/``.html`` of the map,
    the notebooks and HTML files in ``owners/`` and the manifest — never a path of ``keep``
    (the inputs)."""
    found: set[Path] = set()
    manifest = out_dir / MANIFEST
    try:
        old = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    for section in ("journeys", "owners"):
        entries = old.get(section) if isinstance(old, dict) else None
        for entry in (entries or {}).values() if isinstance(entries, dict) else ():
            for key in ("notebook", "html"):
                rel = entry.get(key) if isinstance(entry, dict) else None
                if isinstance(rel, str) and rel and rel.endswith(REPORT_SUFFIXES):
                    p = (out_dir / rel).resolve()
                    if out_dir.resolve() in p.parents:  # never outside the folder
                        found.add(out_dir / rel)
    for jid in journey_ids:
        found.update(out_dir / f"{jid}{ext}" for ext in (".ipynb", ".html"))
    owners = out_dir / OWNERS_DIR
    if owners.is_dir():
        found.update(p for p in owners.iterdir() if p.suffix in REPORT_SUFFIXES)
    found.add(manifest)
    kept = {Path(p).resolve() for p in keep}
    return sorted(p for p in found if (p.is_file() or p.is_symlink()) and p.resolve() not in kept)


def publish(
    stage: Path, out_dir: Path, journey_ids: Iterable[str], keep: Iterable[Path] = ()
) -> dict[Path, Path]:
    """Replace the previous run's reports in ``out_dir`` by the staged ones.

    The old ``manifest.json`` goes first and the new one is written by the caller after
    this returns, so the folder never shows a manifest over a mixed set.

    Returns
    -------
    dict
        Staged path → final path of every file moved.
    """
    old = previous_outputs(out_dir, journey_ids, keep)
    manifest = out_dir / MANIFEST
    if manifest in old:
        manifest.unlink()
    for p in old:
        if p != manifest:
            p.unlink(missing_ok=True)
    moved: dict[Path, Path] = {}
    for src in sorted(stage.rglob("*")):
        if src.is_dir() or src.name.startswith("."):
            continue  # attempts' temporary notebooks stay behind and go with the stage
        dst = out_dir / src.relative_to(stage)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        moved[src] = dst
    shutil.rmtree(stage, ignore_errors=True)
    owners = out_dir / OWNERS_DIR
    if owners.is_dir() and not any(owners.iterdir()):
        owners.rmdir()
    return moved


def discard(stage: Path | None) -> None:
    """Remove a staging folder and everything in it (idempotent)."""
    if stage is not None:
        shutil.rmtree(stage, ignore_errors=True)


def relocate(value: Any, moved: dict[Path, Path]) -> Any:
    """A path string of a staged file as its final path (other values unchanged)."""
    if isinstance(value, str) and Path(value) in moved:
        return str(moved[Path(value)])
    return value
