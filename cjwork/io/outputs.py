"""Every file cjwork writes goes through here: one output guard, atomic writes, safe CSV.

Three promises, kept in one place:

Never an input
    Every file :func:`cjwork.load` reads is registered as an *input*; so are the input
    files of a workspace folder (``journeys.yml``, ``actions.yml``, ``customers`` /
    ``events`` / ``feedback`` as CSV or Parquet) given to an :class:`OutputGuard`.
    Writing over one raises :class:`~cjwork.errors.OutputError` (exit code 1). Paths are
    compared resolved (symlinks, ``..``) and by inode (hard links).
Never another output of the same run
    An :class:`OutputGuard` is made once per command; each target is *claimed* before
    any work is done, and a second claim of the same file (``--save-model
    OUT/personas.csv``, ``link -o X --candidates X``) is refused.
Atomic, and complete or visibly not
    Each file is written to a hidden temporary file in the target's folder and moved
    into place with :func:`os.replace`; the temporary file is removed on any error or
    interrupt. A set of tables (``analyze -o DIR``) is written with
    :func:`staged_outputs`: the files are staged in a hidden folder, moved into place
    together, tables of the previous run that this run does not write are removed, and
    only then is the marker ``cjwork-complete-<command>.json`` written. A folder without
    the marker is not a complete set. Each command has its own marker, so ``analyze`` and
    ``personas`` may write into the same folder without touching each other's files.

CSV cells that a spreadsheet would run as a formula are neutralised by :func:`write_csv`
(see :func:`neutralise_formulas`); ``formula_guard=False`` turns that off.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import OutputError

#: the completeness marker of one command's set of files in an output folder
COMPLETE_MARKER = "cjwork-complete-{command}.json"
STAGING_PREFIX = ".cjwork-staging-"
#: files of a workspace folder that are inputs (besides what the loader registers)
WORKSPACE_INPUT_NAMES = (
    "journeys.yml",
    "journeys.yaml",
    "actions.yml",
    "actions.yaml",
    *(f"{t}.{ext}" for t in ("customers", "events", "feedback") for ext in ("csv", "parquet")),
)
#: the first characters that make a spreadsheet read a cell as a formula (also after
#: leading blanks, and in their full-width forms, which some importers fold to ASCII)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_START = r"^(?:[\t\r\n]|[ \x{3000}\x{a0}]*[=+\-@\x{ff1d}\x{ff0b}\x{ff0d}\x{ff20}])"
_FORMULA_START_PY = re.compile(r"^(?:[\t\r\n]|[ \u3000\u00a0]*[=+\-@\uff1d\uff0b\uff0d\uff20])")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)*[.,]?|[.,]\d+)(?:[eE][+-]?\d+)?\s*%?$")
_TMP_FILE = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.tmp$")

_PROTECTED: dict[Path, str] = {}


# --------------------------------------------------------------------------- inputs


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


def workspace_inputs(directory: str | Path) -> list[Path]:
    """The input files present in a workspace folder (``journeys.yml``, tables, ``actions.yml``)."""
    directory = Path(directory)
    return [directory / n for n in WORKSPACE_INPUT_NAMES if (directory / n).exists()]


def _input_paths(inputs: Any) -> list[Path]:
    if inputs is None:
        return []
    files = getattr(inputs, "files", None)
    if isinstance(files, dict):
        paths = [Path(p) for p in files.values()]
        ws_path = getattr(inputs, "path", None)
        if ws_path is not None:
            paths += workspace_inputs(ws_path)
            paths.append(Path(ws_path) / "journeys.yml")
        return paths
    if isinstance(inputs, str | Path):
        p = Path(inputs)
        return workspace_inputs(p) if p.is_dir() else [p]
    out: list[Path] = []
    for item in inputs:
        out += _input_paths(item)
    return out


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False


def check_not_input(path: str | Path, inputs: Any = None) -> None:
    """Raise :class:`~cjwork.errors.OutputError` if ``path`` is an input file.

    Parameters
    ----------
    path : str or Path
        The file about to be written.
    inputs : Workspace, workspace folder, path or iterable of these, optional
        Further files to protect (the loader's registered inputs are always protected).
    """
    target = Path(path).resolve()
    candidates = {p.resolve(): str(p.parent) for p in _input_paths(inputs)}
    candidates.update(_PROTECTED)
    where = candidates.get(target)
    if where is None and target.exists():
        for p, ws in candidates.items():
            if _same_file(p, target):
                where = ws
                break
    if where is not None:
        raise OutputError(
            f"refusing to write {path}: it is an input file of the workspace {where}; "
            "choose another output directory or file name"
        )


# --------------------------------------------------------------------------- atomic files


@contextlib.contextmanager
def atomic_path(path: str | Path, inputs: Any = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place when the block succeeds.

    The temporary file is removed when the block raises (also on ``KeyboardInterrupt``),
    and the target is left as it was.
    """
    path = Path(path)
    check_not_input(path, inputs)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_why(path.parent, exc)}") from None
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


def _why(folder: Path, exc: OSError) -> str:
    """Why a folder cannot be written to, in words (a file in the way, no permission)."""
    for p in (folder, *folder.parents):
        if p.exists():
            if not p.is_dir():
                return f"{p} is a file, not a folder"
            break
    return str(exc.strerror or exc)


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


# --------------------------------------------------------------------------- safe CSV


def _guard_strings(values: pd.Series) -> tuple[pd.Series, int]:
    """Prefix ``'`` to the text values that start like a formula; returns (values, count)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        hit = pc.match_substring_regex(arr, _FORMULA_START).fill_null(False)
        mask = hit.to_numpy(zero_copy_only=False).astype(bool)
    elif arr is not None:  # nulls, numbers, dates, ...: no text to look at
        return values, 0
    else:  # mixed objects (numbers and text): only the text is looked at
        mask = np.fromiter(
            (isinstance(v, str) and _FORMULA_START_PY.match(v) is not None for v in values),
            dtype=bool,
            count=len(values),
        )
    if not mask.any():
        return values, 0
    pos = np.flatnonzero(mask)
    hits = values.to_numpy(dtype=object)[pos]
    # text that is just a number (-0.26, +3) is read by a spreadsheet as that number, never
    # as a formula: it is left as it is, so negative numbers stored as text stay numbers
    # a lone "-" or "+" (a placeholder) is not a formula either
    keep = np.array(
        [bool(_PLAIN_NUMBER.match(str(v).strip())) or str(v).strip() in ("-", "+") for v in hits],
        dtype=bool,
    )
    pos, hits = pos[~keep], hits[~keep]
    if not pos.size:
        return values, 0
    out = values.astype(object).copy()
    out.iloc[pos] = ["'" + str(v) for v in hits]
    return out, int(pos.size)


def neutralise_formulas(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Make text cells that a spreadsheet would run as a formula inert.

    A text cell (and a column name) that starts with ``=``, ``+``, ``-``, ``@`` (also after
    leading blanks, and their full-width forms), a tab, a carriage return or a line feed
    gets a leading apostrophe (``'=HYPERLINK(...)``), which Excel and LibreOffice show as
    text. Numbers are never changed: numeric columns are not looked
    at, and a text cell that is just a number (``-0.26``, ``+3``, ``-1,5``) or a lone
    ``-``/``+`` is left as it is because a spreadsheet reads it as that number (or text),
    not as a formula.

    Returns
    -------
    (DataFrame, int)
        A copy with the cells changed (the input itself when nothing changed) and the
        number of cells changed.
    """
    changed = 0
    out = df
    for k in range(df.shape[1]):
        s = df.iloc[:, k]
        dtype = s.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = pd.Series(dtype.categories.astype(object))
            fixed, n = _guard_strings(cats)
            if n:
                new = pd.Series(np.asarray(fixed, dtype=object)[s.cat.codes.clip(0)], index=s.index)
                new = new.where(s.notna().to_numpy())
                n = int(np.isin(s.cat.codes.to_numpy(), np.flatnonzero(fixed != cats)).sum())
            else:
                continue
        elif (
            pd.api.types.is_object_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
            and not pd.api.types.is_numeric_dtype(dtype)
        ):
            new, n = _guard_strings(s)
            if not n:
                continue
        else:
            continue
        if out is df:
            out = df.copy()
        out.isetitem(k, new)
        changed += n
    names = [str(c) for c in out.columns]
    fixed_names, n_names = _guard_strings(pd.Series(names, dtype=object))
    if n_names:
        if out is df:
            out = df.copy()
        out.columns = list(fixed_names)
        changed += n_names
    return out, changed


def write_csv(
    df: pd.DataFrame,
    path: str | Path,
    *,
    formula_guard: bool = True,
    index: bool = False,
    inputs: Any = None,
    **to_csv: Any,
) -> Path:
    """Write a DataFrame as a UTF-8 CSV file, safely: **the one CSV writer of cjwork**.

    Atomic (a temporary file beside the target, then :func:`os.replace`), never over an
    input file, ``\\n`` line ends, no index by default.

    Parameters
    ----------
    df : DataFrame
        The table.
    path : str or Path
        The target file.
    formula_guard : bool, default True
        Neutralise cells a spreadsheet would run as a formula (see
        :func:`neutralise_formulas`). Turn off only for files that no spreadsheet opens
        (the CLI flag ``--no-formula-guard``).
    index : bool, default False
        Write the index too.
    inputs : Workspace, folder or paths, optional
        Further files that must not be overwritten.
    **to_csv
        Passed on to :meth:`pandas.DataFrame.to_csv` (e.g. ``float_format``).

    Returns
    -------
    Path
    """
    to_csv.setdefault("lineterminator", "\n")
    if formula_guard and isinstance(df, pd.DataFrame):
        if index:
            df = df.reset_index()
            index = False
        df, _ = neutralise_formulas(df)
    return _write_with(path, lambda tmp: df.to_csv(tmp, index=index, **to_csv), inputs)


def write_csv_atomic(
    df: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    inputs: Any = None,
    formula_guard: bool = True,
    **to_csv: Any,
) -> Path:
    """Same as :func:`write_csv` (kept under its older name)."""
    return write_csv(df, path, formula_guard=formula_guard, index=index, inputs=inputs, **to_csv)


# --------------------------------------------------------------------------- one run


class OutputGuard:
    """The outputs of one run: each target is claimed once, never an input.

    Make one per command, claim every target *before* the work starts (so a bad path
    fails at once and nothing is written), then write through the guard.

    Parameters
    ----------
    inputs : Workspace, workspace folder, paths or an iterable of these, optional
        What this run reads; none of it may be written.

    Examples
    --------
    >>> guard = OutputGuard(inputs="data/sample")            # doctest: +SKIP
    >>> out = guard.claim("out/links.csv", "-o")              # doctest: +SKIP
    >>> guard.write_csv(links, out)                            # doctest: +SKIP
    """

    def __init__(self, inputs: Any = None) -> None:
        self.inputs = list(_input_paths(inputs))
        self._claims: dict[Path, str] = {}

    def add_inputs(self, inputs: Any) -> None:
        """Protect further inputs (a Workspace once it is loaded, a source file)."""
        self.inputs += _input_paths(inputs)
        for target in self._claims:
            check_not_input(target, self.inputs)

    def claim(self, path: str | Path, what: str | None = None) -> Path:
        """Register ``path`` as an output of this run; returns it.

        Raises
        ------
        OutputError
            When it is an input, a directory, or already claimed by another output.
        """
        path = Path(path)
        label = what or str(path)
        check_not_input(path, self.inputs)
        if path.is_dir():
            raise OutputError(f"cannot write {label} to {path}: it is a directory; give a file")
        target = path.resolve()
        other = self._claims.get(target)
        if other is None:
            for claimed, owner in self._claims.items():
                if _same_file(claimed, target):
                    other = owner
                    break
        if other is not None:
            raise OutputError(
                f"{label} ({path}) is also the output {other} of this command; "
                "give each output its own file"
            )
        self._claims[target] = label
        return path

    def claim_dir(self, directory: str | Path, names: Iterable[str], what: str = "-o") -> Path:
        """Claim the files ``names`` inside ``directory`` (which must not be a file)."""
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise OutputError(f"{what} {directory} is a file; give a directory")
        for name in names:
            self.claim(directory / name, f"{name} (in {what} {directory})")
        return directory

    def write_csv(self, df: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
        """:func:`write_csv` into a claimed path (claimed now if it was not)."""
        self._ensure(path)
        return write_csv(df, path, inputs=self.inputs, **kwargs)

    def write_text(self, text: str, path: str | Path) -> Path:
        """:func:`write_text_atomic` into a claimed path."""
        self._ensure(path)
        return write_text_atomic(text, path, inputs=self.inputs)

    def write_bytes(self, data: bytes, path: str | Path) -> Path:
        """:func:`write_bytes_atomic` into a claimed path."""
        self._ensure(path)
        return write_bytes_atomic(data, path, inputs=self.inputs)

    def write_with(self, path: str | Path, writer: Callable[[Path], None]) -> Path:
        """Write ``path`` atomically with ``writer(tmp_path)`` (e.g. ``joblib.dump``)."""
        self._ensure(path)
        return _write_with(path, writer, self.inputs)

    def _ensure(self, path: str | Path) -> None:
        if Path(path).resolve() not in self._claims:
            self.claim(path)


# --------------------------------------------------------------------------- sets of files


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_leftovers(directory: str | Path) -> list[Path]:
    """Remove what killed runs left in ``directory``: staging folders and ``.NAME.*.tmp`` files.

    A staging folder of a process that is still running is kept. Returns what was removed.
    """
    directory = Path(directory)
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for p in directory.iterdir():
        if p.name.startswith(STAGING_PREFIX) and p.is_dir():
            try:
                pid = int(p.name[len(STAGING_PREFIX) :].split("-")[0])
            except ValueError:
                pid = -1
            if pid != os.getpid() and _pid_alive(pid):
                continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
        elif _TMP_FILE.match(p.name) and p.is_file():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def marker_path(directory: str | Path, command: str) -> Path:
    """Where the completeness marker of ``command`` (``analyze``) lives in ``directory``."""
    slug = re.sub(r"[^a-z0-9_]+", "-", command.lower().removeprefix("cjwork ")).strip("-")
    return Path(directory) / COMPLETE_MARKER.format(command=slug or "output")


def read_marker(directory: str | Path, command: str) -> dict[str, Any] | None:
    """The completeness marker of ``command`` in an output folder; None when not complete."""
    path = marker_path(directory, command)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("complete") is True else None


class StagedOutputs:
    """Files being written as one set; see :func:`staged_outputs`."""

    def __init__(self, directory: Path, staging: Path, guard: OutputGuard) -> None:
        self.directory = directory
        self.staging = staging
        self.guard = guard
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """The staging path of the output file ``name`` (claimed as ``DIR/name``)."""
        if name in self.names:
            raise OutputError(f"{name} is written twice into {self.directory}")
        if "/" in name or "\\" in name or name.startswith("."):
            raise OutputError(f"not a plain file name for an output: {name!r}")
        final = self.directory / name
        if final.resolve() not in self.guard._claims:
            self.guard.claim(final, f"{name} (in {self.directory})")
        self.names.append(name)
        return self.staging / name

    def write_csv(self, df: pd.DataFrame, name: str, **kwargs: Any) -> Path:
        """Stage a CSV table (formula guard on unless ``formula_guard=False``)."""
        return write_csv(df, self.path(name), **kwargs)

    def write_parquet(self, df: pd.DataFrame, name: str, **kwargs: Any) -> Path:
        """Stage a Parquet table."""
        return write_parquet_atomic(df, self.path(name), **kwargs)

    def write_text(self, text: str, name: str) -> Path:
        """Stage a text file."""
        return write_text_atomic(text, self.path(name))


@contextlib.contextmanager
def staged_outputs(
    directory: str | Path,
    guard: OutputGuard | None = None,
    *,
    command: str,
) -> Iterator[StagedOutputs]:
    """Write a set of files into ``directory`` so that a reader never sees a mixed set.

    Files are staged in a hidden folder inside ``directory``. When the block succeeds,
    the marker ``cjwork-complete-<command>.json`` is removed, the staged files are moved
    into place, files listed by the previous marker of the same command that this run did
    not write are removed, and a new marker (command, files, time) is written last. When the block fails or is
    interrupted the staging folder is removed and the previous set stays as it was.
    Leftovers of killed runs (staging folders, ``.NAME.*.tmp``) are removed first.

    Yields
    ------
    StagedOutputs
        ``.path(name)``, ``.write_csv(df, name)``, ``.write_parquet(df, name)``.
    """
    directory = Path(directory)
    guard = guard or OutputGuard()
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"output {directory} is a file; choose a directory")
    marker_file = marker_path(directory, command)
    check_not_input(marker_file, guard.inputs)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        clean_leftovers(directory)
        staging = Path(tempfile.mkdtemp(dir=directory, prefix=f"{STAGING_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        raise OutputError(f"cannot write into {directory}: {_why(directory, exc)}") from None
    try:
        staged = StagedOutputs(directory, staging, guard)
        yield staged
        previous = read_marker(directory, command)
        with contextlib.suppress(FileNotFoundError):
            marker_file.unlink()
        for name in staged.names:
            check_not_input(directory / name, guard.inputs)
            os.replace(staging / name, directory / name)
        if previous is not None:
            for name in previous.get("files", []):
                old = directory / str(name)
                if (
                    str(name) not in staged.names
                    and "/" not in str(name)
                    and old.is_file()
                    and not old.is_symlink()
                ):
                    with contextlib.suppress(OutputError, OSError):
                        check_not_input(old, guard.inputs)
                        old.unlink()
        marker = {
            "complete": True,
            "command": command,
            "files": list(staged.names),
            "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        write_text_atomic(json.dumps(marker, indent=2) + "\n", marker_file, inputs=guard.inputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
