"""Atomic writers used by every part of cjwork, with a guard that protects input files.

Each writer writes to a temporary file in the target's directory and then moves it into
place with :func:`os.replace`, so the target never exists half-written: a reader sees the
old file or the complete new one, and a crash leaves at most a hidden ``.NAME.*.tmp``
file behind (removed when the writer itself fails).

Every file :func:`cjwork.load` reads is registered as an *input*; writing over an input
raises :class:`~cjwork.errors.UsageError` ("choose another output directory"). Pass
``inputs=`` (a Workspace or paths) to protect further files explicitly.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from cjwork.errors import UsageError

_PROTECTED: dict[Path, str] = {}


def protect_inputs(paths: Iterable[str | Path], workspace: str | Path | None = None) -> None:
    """Register files as inputs that no writer may overwrite (done by the loader)."""
    for p in paths:
        _PROTECTED[Path(p).resolve()] = (
            str(workspace) if workspace is not None else str(Path(p).parent)
        )


def release_inputs(paths: Iterable[str | Path] | None = None) -> None:
    """Forget registered inputs (all of them when ``paths`` is None)."""
    if paths is None:
        _PROTECTED.clear()
        return
    for p in paths:
        _PROTECTED.pop(Path(p).resolve(), None)


def _input_paths(inputs: Any) -> list[Path]:
    if inputs is None:
        return []
    files = getattr(inputs, "files", None)
    if isinstance(files, dict):
        paths = list(files.values())
        ws_path = getattr(inputs, "path", None)
        if ws_path is not None:
            paths.append(Path(ws_path) / "journeys.yml")
        return [Path(p) for p in paths]
    if isinstance(inputs, str | Path):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


def check_not_input(path: str | Path, inputs: Any = None) -> None:
    """Raise :class:`UsageError` if ``path`` is an input file (registered or given).

    Parameters
    ----------
    path : str or Path
        The file about to be written.
    inputs : Workspace, path or iterable of paths, optional
        Further files to protect.
    """
    target = Path(path).resolve()
    candidates = {p.resolve(): str(p.parent) for p in _input_paths(inputs)}
    candidates.update(_PROTECTED)
    where = candidates.get(target)
    if where is None and target.exists():
        for p, ws in candidates.items():
            with contextlib.suppress(OSError):
                if p.exists() and os.path.samefile(p, target):
                    where = ws
                    break
    if where is not None:
        raise UsageError(
            f"refusing to write {path}: it is an input file of the workspace {where}; "
            "choose another output directory"
        )


@contextlib.contextmanager
def atomic_path(path: str | Path, inputs: Any = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place when the block succeeds.

    The temporary file is removed when the block raises, and the target is left as it was.
    """
    path = Path(path)
    check_not_input(path, inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_with(path: str | Path, writer: Callable[[Path], None], inputs: Any) -> Path:
    with atomic_path(path, inputs) as tmp:
        writer(tmp)
    return Path(path)


def write_bytes_atomic(data: bytes, path: str | Path, *, inputs: Any = None) -> Path:
    """Write bytes to ``path`` atomically; returns the path."""
    return _write_with(path, lambda tmp: tmp.write_bytes(data), inputs)


def write_text_atomic(
    text: str, path: str | Path, *, encoding: str = "utf-8", inputs: Any = None
) -> Path:
    """Write text to ``path`` atomically (UTF-8, ``\\n`` line ends); returns the path."""
    return _write_with(path, lambda tmp: tmp.write_bytes(text.encode(encoding)), inputs)


def write_csv_atomic(
    df: pd.DataFrame, path: str | Path, *, index: bool = False, inputs: Any = None, **to_csv: Any
) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically (``index=False`` by default); returns the path.

    Further keyword arguments go to :meth:`pandas.DataFrame.to_csv`.
    """
    to_csv.setdefault("lineterminator", "\n")
    return _write_with(path, lambda tmp: df.to_csv(tmp, index=index, **to_csv), inputs)


def write_parquet_atomic(
    df: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    inputs: Any = None,
    **to_parquet: Any,
) -> Path:
    """Write a DataFrame as Parquet atomically (pyarrow engine); returns the path."""
    return _write_with(
        path, lambda tmp: df.to_parquet(tmp, index=index, engine="pyarrow", **to_parquet), inputs
    )
