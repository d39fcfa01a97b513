"""Reading a data directory into a validated :class:`~cjwork.io.workspace.Workspace`.

:func:`load_workspace` (``cjwork.load``) reads ``journeys.yml`` and each of
``customers``, ``events``, ``feedback`` (``.csv`` or ``.parquet``), types every column by
the contract in :mod:`cjwork.io.schemas`, and checks every rule at once:

* per column (pandera, ``lazy=True``): required values present, ``customer_id`` and
  ``feedback_id`` unique, ``rating`` 1 … 5, ``nps`` 0 … 10 whole, ``language`` de/en;
* while reading: timestamps and numbers that cannot be read unambiguously;
* across tables: journey and touchpoint ids known to ``journeys.yml`` and consistent with
  each other; customers referred to by events/feedback present in ``customers`` (a
  warning).

Every problem names the file, the line a person sees in it (CSV header = line 1; for
Parquet the 1-based row number), the column and the fix. Strict loading raises
:class:`~cjwork.errors.DataError` with all of them; lenient loading sets bad rows aside
in ``ws.rejected`` and reports them in ``ws.warnings``. Everything is vectorised: no
Python loop runs over rows.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cjwork.errors import DataError, JourneyMapError, Problem
from cjwork.io import schemas
from cjwork.io.outputs import protect_inputs, write_csv_atomic
from cjwork.io.sniff import (
    Parsed,
    SniffError,
    check_text_file,
    detect_encoding,
    parse_numbers,
    parse_timestamps,
    sniff_csv,
)
from cjwork.io.workspace import TABLES, Workspace
from cjwork.journeymap import JourneyMap, closest, load_journey_map

MAX_ROWS_PER_RULE = 20  # per file, column and rule: further rows are summed up in one line
MAX_LINES_LISTED = 5  # line numbers listed for a grouped problem (unknown ids)
MAX_IDS_LISTED = 50  # unknown ids reported one by one
NUMERIC_SHARE = 0.95  # an open column is numeric when this share of its values are numbers
MAX_CONTROL_MESSAGES = 1000  # rows with control characters described one by one
_CONTROL = r"[\x00-\x1f\x7f]"
_CONTROL_NAMES = {0: "NUL", 9: "tab", 10: "line feed", 13: "carriage return", 0x7F: "DEL"}


# --------------------------------------------------------------------------- results


@dataclass
class ValidationReport:
    """What :func:`validate_workspace` found.

    Attributes
    ----------
    path : Path
        The data directory.
    problems : list of Problem
        Errors: the workspace cannot be loaded strictly while there is any.
    warnings : list of Problem
        Worth knowing, not blocking.
    counts : dict
        ``journeys``, ``touchpoints`` and row counts of the tables present.
    """

    path: Path
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    label: str | None = None

    @property
    def ok(self) -> bool:
        """Whether there are no problems (warnings allowed)."""
        return not self.problems

    def summary(self) -> str:
        """One line: ``DIR: OK — 4 journeys, ...`` or ``DIR: N problems``."""
        label = self.label or str(self.path)
        singular = {
            "journeys": "journey",
            "touchpoints": "touchpoint",
            "customers": "customer",
            "events": "event",
        }
        parts = [
            f"{self.counts[k]:,} {singular.get(k, k) if self.counts[k] == 1 else k}"
            for k in ("journeys", "touchpoints", *TABLES)
            if k in self.counts
        ]
        warn = (
            f" ({len(self.warnings):,} warning{'s' if len(self.warnings) != 1 else ''})"
            if self.warnings
            else ""
        )
        if self.ok:
            return f"{label}: OK — {', '.join(parts)}{warn}"
        n = len(self.problems)
        return f"{label}: {n:,} problem{'s' if n != 1 else ''}{warn}"

    def lines(self) -> list[str]:
        """One ``FILE:ROW:COLUMN: message`` line per problem, then warnings, then the summary."""
        out = [str(p) for p in self.problems]
        out += [
            str(Problem(w.file, w.row, w.column, f"warning: {w.message}")) for w in self.warnings
        ]
        out.append(self.summary())
        return out


@dataclass
class _Issue:
    """Rows of one table that break one rule (positions are raw row positions)."""

    column: str | None
    positions: np.ndarray
    messages: np.ndarray | str
    rule: str
    values: np.ndarray | None = None


class _Table:
    """One table while it is read and checked."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.file = path.name
        self.is_csv = path.suffix.lower() == ".csv"
        self.raw: pa_arrow.Table | None = None
        self.df: pd.DataFrame | None = None
        self.issues: list[_Issue] = []
        self.file_problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.malformed: list[tuple[int | None, str, str]] = []  # (line, text, message)
        self._line_base: np.ndarray | None = None
        self.header_lines = 1

    # ---- line numbers

    def lines(self, positions: np.ndarray) -> np.ndarray:
        """The line a person sees for raw row positions."""
        positions = np.asarray(positions, dtype=np.int64)
        if not self.is_csv:
            return positions + 1
        if self._line_base is None:
            self._line_base = self._compute_line_base()
        base = self._line_base[positions]
        skipped = sorted(ln for ln, _, _ in self.malformed if ln is not None)
        for ln in skipped:
            base = base + (base >= ln)
        return base

    def _compute_line_base(self) -> np.ndarray:
        assert self.raw is not None
        n = self.raw.num_rows
        extra = np.zeros(n, dtype=np.int64)
        for col in self.raw.columns:
            typ = col.type
            if pa_arrow.types.is_dictionary(typ):
                col = col.cast(pa_arrow.string())
                typ = col.type
            if pa_arrow.types.is_string(typ) or pa_arrow.types.is_large_string(typ):
                counts = pc.count_substring(col, "\n")
                arr = counts.to_numpy(zero_copy_only=False)
                arr = np.nan_to_num(arr.astype("float64"), nan=0).astype(np.int64)
                if arr.any():
                    extra += arr
        before = np.concatenate([[0], np.cumsum(extra)[:-1]]) if n else extra
        return np.arange(n, dtype=np.int64) + self.header_lines + 1 + before

    # ---- recording

    def issue(
        self,
        column: str | None,
        positions: np.ndarray,
        messages: np.ndarray | str,
        rule: str,
        values: np.ndarray | None = None,
    ) -> None:
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size:
            self.issues.append(_Issue(column, positions, messages, rule, values))

    def problem(self, message: str, column: str | None = None, row: int | None = None) -> None:
        self.file_problems.append(Problem(self.file, row, column, message))

    def warn(self, message: str, column: str | None = None, row: int | None = None) -> None:
        self.warnings.append(Problem(self.file, row, column, message))


# --------------------------------------------------------------------------- public API


def find_table_file(directory: Path, name: str) -> tuple[Path | None, Problem | None]:
    """The file of table ``name`` in ``directory`` (``.csv`` or ``.parquet``), or a problem."""
    found = [
        directory / f"{name}{ext}"
        for ext in (".csv", ".parquet")
        if (directory / f"{name}{ext}").is_file()
    ]
    if len(found) > 1:
        return None, Problem(
            found[0].name,
            None,
            None,
            f"both {name}.csv and {name}.parquet exist; keep only one of them",
        )
    return (found[0] if found else None), None


def load_workspace(path: str | Path, lenient: bool = False) -> Workspace:
    """Load and validate a journey workspace.

    Parameters
    ----------
    path : str or Path
        The data directory: ``journeys.yml`` and optionally ``customers``, ``events``,
        ``feedback`` as ``.csv`` or ``.parquet``.
    lenient : bool, default False
        Keep going when rows are bad: set them aside in ``ws.rejected[table]`` (with a
        ``line`` and a ``problem`` column) and report them in ``ws.warnings``. Problems
        that concern a whole file (missing columns, unreadable file, a broken
        ``journeys.yml``) still raise.

    Returns
    -------
    Workspace

    Raises
    ------
    DataError
        With every problem found (file, line, column, fix).
    """
    ws, problems, _ = _load(Path(path), lenient=lenient)
    if problems:
        raise DataError(
            problems, summary=f"{len(problems):,} problem(s) in {path}; nothing was loaded"
        )
    assert ws is not None
    return ws


def validate_workspace(path: str | Path) -> ValidationReport:
    """Check a data directory against the contract without raising.

    Returns
    -------
    ValidationReport
        ``.ok``, ``.problems``, ``.warnings``, ``.lines()``.
    """
    path = Path(path)
    _, problems, report = _load(path, lenient=False)
    report.problems = problems
    report.label = str(path).rstrip("/") or str(path)
    return report


def write_rejected(ws: Workspace, out_dir: str | Path) -> list[Path]:
    """Write the rows set aside in lenient mode as ``<table>.rejected.csv`` into ``out_dir``.

    Returns the paths written (none when nothing was rejected). Never writes over an input.
    """
    out_dir = Path(out_dir)
    written = []
    for table, frame in ws.rejected.items():
        if frame is None or frame.empty:
            continue
        written.append(write_csv_atomic(frame, out_dir / f"{table}.rejected.csv", inputs=ws))
    return written


# --------------------------------------------------------------------------- the work


def _load(
    directory: Path, lenient: bool
) -> tuple[Workspace | None, list[Problem], ValidationReport]:
    report = ValidationReport(path=directory)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not directory.is_dir():
        problems.append(
            Problem(
                str(directory),
                None,
                None,
                "not a directory; give the folder that holds journeys.yml",
            )
        )
        return None, problems, report

    jmap: JourneyMap | None = None
    try:
        jmap = load_journey_map(directory / "journeys.yml")
        report.counts["journeys"] = len(jmap)
        report.counts["touchpoints"] = len(jmap.touchpoint_ids)
        if jmap.encoding != "utf-8":
            label = {"cp1252": "Windows-1252"}.get(jmap.encoding, jmap.encoding.upper())
            warnings.append(
                Problem(
                    "journeys.yml",
                    None,
                    None,
                    f"read as {label} (not UTF-8); check the names and save the file as UTF-8",
                )
            )
    except JourneyMapError as exc:
        problems.extend(exc.problems)
    tz = jmap.timezone if jmap is not None else "UTC"

    tables: dict[str, _Table] = {}
    for name in TABLES:
        file, prob = find_table_file(directory, name)
        if prob is not None:
            problems.append(prob)
            continue
        if file is None:
            continue
        t = _Table(name, file)
        tables[name] = t
        _read(t)
        if t.raw is not None and not t.file_problems:
            _type_and_check(t, jmap, tz)

    if jmap is not None:
        _check_ids(tables, jmap)
    _check_customer_refs(tables)

    file_level = [p for t in tables.values() for p in t.file_problems]
    problems.extend(file_level)
    for t in tables.values():
        warnings.extend(t.warnings)
        if t.df is not None:
            report.counts[t.name] = len(t.df)

    row_problems = {name: _render(t) for name, t in tables.items()}
    if not lenient or problems or jmap is None:
        for name in TABLES:
            problems.extend(row_problems.get(name, []))
        report.warnings = warnings
        if problems:
            return None, problems, report

    assert jmap is not None
    ws = Workspace(path=directory, journeys=jmap)
    for name, t in tables.items():
        df = t.df
        assert df is not None
        bad = _bad_positions(t)
        if bad.size or t.malformed:
            ws.rejected[name] = _rejected_frame(t, bad)
            df = df.drop(index=bad, errors="ignore")
            warnings.extend(
                Problem(p.file, p.row, p.column, f"set aside: {p.message}")
                for p in row_problems[name]
            )
            warnings.append(
                Problem(
                    t.file,
                    None,
                    None,
                    f"{len(ws.rejected[name]):,} row(s) set aside (lenient mode); see ws.rejected['{name}'] "
                    "or write them out with cjwork.io.write_rejected(ws, DIR)",
                )
            )
        df = _finalise(name, df)
        setattr(ws, name, df)
        ws.files[name] = t.path
    ws.warnings = warnings
    protect_inputs([directory / "journeys.yml", *ws.files.values()], workspace=directory)
    report.warnings = warnings
    return ws, [], report


# --------------------------------------------------------------------------- reading


def _read(t: _Table) -> None:
    try:
        if t.is_csv:
            _read_csv(t)
        else:
            check_text_file_is_parquet(t.path)
            names = pq.read_schema(t.path).names
            categories = [c for c in names if schemas.kind_of(t.name, c.strip()) == "category"]
            # dictionary-encoded while decoding: no hashing of 10M strings in pandas later
            t.raw = pq.read_table(t.path, read_dictionary=categories or None)
    except SniffError as exc:
        t.problem(str(exc), row=exc.line)
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowException, OSError, UnicodeDecodeError) as exc:
        what = "CSV" if t.is_csv else "Parquet"
        t.problem(
            f"cannot read the file as {what}: {str(exc).splitlines()[0]}; export it again or convert it to CSV UTF-8"
        )
        return
    if t.raw is None:
        return
    names = [str(c).strip() for c in t.raw.column_names]
    t.raw = t.raw.rename_columns(names)
    # columns without a name: empty ones (Excel's trailing ';;;') are dropped, others reported
    unnamed = [i for i, n in enumerate(names) if not n]
    if unnamed:
        empty = [i for i in unnamed if t.raw.column(i).null_count == t.raw.num_rows]
        for i in unnamed:
            if i not in empty:
                t.problem(
                    f"column {i + 1} has values but no name in the header; name it or delete it",
                    row=t.header_lines if t.is_csv else None,
                )
        if empty:
            t.raw = t.raw.select([i for i in range(len(names)) if i not in empty])
            names = [n for i, n in enumerate(names) if i not in empty]
            t.warn(f"{len(empty)} empty column(s) without a name ignored")
    _check_header(t, [n for n in names if n])


def _read_csv(t: _Table) -> None:
    dialect = sniff_csv(t.path, full_check=False)
    t.header_lines = dialect.skip + 1
    names = dialect.header
    types: dict[str, pa_arrow.DataType] = {}
    for col in names:
        kind = schemas.kind_of(t.name, col)
        if kind in ("id", "text", "string", "language"):
            types[col] = pa_arrow.string()
        elif kind == "category":
            types[col] = pa_arrow.dictionary(pa_arrow.int32(), pa_arrow.string())
    malformed: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append(row)
        return "skip"

    encoding = {"utf-8-sig": "utf8", "utf-8": "utf8"}.get(dialect.encoding, dialect.encoding)

    def read(use_threads: bool) -> pa_arrow.Table:
        return pacsv.read_csv(
            t.path,
            read_options=pacsv.ReadOptions(
                encoding=encoding,
                column_names=names,
                skip_rows=dialect.skip + 1,
                use_threads=use_threads,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                true_values=["true", "True", "TRUE"],
                false_values=["false", "False", "FALSE"],
            ),
        )

    try:
        t.raw = read(use_threads=True)
        # pyarrow infers invalid UTF-8 in untyped columns as binary instead of failing
        if encoding == "utf8" and any(
            pa_arrow.types.is_binary(f.type) or pa_arrow.types.is_large_binary(f.type)
            for f in t.raw.schema
        ):
            raise pa_arrow.ArrowInvalid("invalid UTF8 data in an inferred column")
    except pa_arrow.ArrowInvalid as exc:
        if "UTF8" not in str(exc) or encoding != "utf8":
            raise
        # the head looked like UTF-8, the rest is not: check the whole file, then re-read
        encoding = detect_encoding(t.path)
        dialect = replace(dialect, encoding=encoding)
        malformed.clear()
        t.raw = read(use_threads=True)
    if malformed and any(r.number is None for r in malformed):
        malformed.clear()
        t.raw = read(use_threads=False)  # only this way pyarrow knows the line numbers
    for r in malformed:
        t.malformed.append(
            (
                r.number,
                r.text,
                f"has {r.actual_columns} field(s) but the header has {r.expected_columns}; "
                f"check the delimiter '{dialect.delimiter}' and the quoting of this line",
            )
        )
    if dialect.encoding == "cp1252":
        t.warn("read as Windows-1252 (not UTF-8); save as 'CSV UTF-8' to avoid surprises")
    elif dialect.encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        t.warn(f"read as {dialect.encoding_label}; save as 'CSV UTF-8' to avoid surprises")


def _check_header(t: _Table, names: list[str]) -> None:
    if any(re.search(_CONTROL, n) for n in names):
        t.problem(
            "the header holds NUL or other control characters: the file looks like UTF-16 or "
            "UTF-32 without a byte-order mark, or is not a text file; save it as 'CSV UTF-8'",
            row=t.header_lines if t.is_csv else None,
        )
        t.malformed.clear()  # every line would be "malformed": the one message says it all
        return
    seen: set[str] = set()
    for col in names:
        if col in seen:
            t.problem(
                f"column '{col}' appears twice in the header; rename or remove one",
                column=col,
                row=t.header_lines if t.is_csv else None,
            )
        seen.add(col)
    for col in schemas.required_columns(t.name):
        if col in names:
            continue
        near = difflib.get_close_matches(col, names, n=1, cutoff=0.6) or [
            n for n in names if n.lower().replace(" ", "_") == col
        ]
        hint = (
            f"; did you mean '{near[0]}'? Rename that column to '{col}'"
            if near
            else f"; columns found: {', '.join(names)}"
        )
        t.problem(
            f"required column '{col}' is missing{hint}",
            column=col,
            row=t.header_lines if t.is_csv else None,
        )


# --------------------------------------------------------------------------- typing


def _trim(col: pa_arrow.ChunkedArray) -> pa_arrow.ChunkedArray:
    """Trim surrounding whitespace and turn empty strings into nulls (only when needed)."""
    padded = False
    for ws_char in (" ", "\t", "\r", "\n", "\u00a0"):
        if pc.any(pc.or_(pc.starts_with(col, ws_char), pc.ends_with(col, ws_char))).as_py():
            padded = True
            break
    if padded:
        col = pc.utf8_trim(col, " \t\r\n\u00a0")
    if pc.any(pc.equal(col, "")).as_py():
        col = pc.if_else(pc.equal(col, ""), pa_arrow.scalar(None, col.type), col)
    return col


def _type_and_check(t: _Table, jmap: JourneyMap | None, tz: str) -> None:
    raw = t.raw
    assert raw is not None
    kpi_metrics = set(jmap.kpis_frame()["metric"]) if jmap is not None else set()
    # trim identifiers on the Arrow side (fast); dictionaries are trimmed later, on their values
    arrays = {}
    for name in raw.column_names:
        col = raw.column(name)
        kind = schemas.kind_of(t.name, name)
        if kind in ("id", "string", "language"):
            if not pa_arrow.types.is_string(col.type) and not pa_arrow.types.is_large_string(
                col.type
            ):
                col = col.cast(pa_arrow.string())
            col = _trim(col)
        if kind in ("id", "string", "language", "category"):
            _check_control_characters(t, name, col)
        arrays[name] = col
    df = pa_arrow.table(arrays).to_pandas()
    empty_rows = df.isna().all(axis=1).to_numpy()
    if empty_rows.any():
        n_empty = int(empty_rows.sum())
        pos = np.flatnonzero(empty_rows)
        first = ", ".join(str(x) for x in t.lines(pos[:MAX_LINES_LISTED]))
        t.warn(
            f"{n_empty:,} empty row(s) ignored (line(s) {first}{', ...' if n_empty > MAX_LINES_LISTED else ''})"
        )
        df = df.loc[~empty_rows]

    for name in list(df.columns):
        kind = schemas.kind_of(t.name, name)
        s = df[name]
        if kind == "timestamp":
            keys = _case_keys(t, df)
            _apply(t, df, name, parse_timestamps(s, tz, order_keys=keys), "timestamp")
        elif kind == "rating":
            parsed = parse_numbers(s, what="a number from 1 to 5")
            parsed.values = parsed.values.astype("Float64")
            _apply(t, df, name, parsed, "number")
        elif kind == "nps":
            parsed = parse_numbers(s, what="a whole number from 0 to 10")
            parsed.values = parsed.values.astype("Float64")
            _apply(t, df, name, parsed, "number")
        elif kind == "language":
            df[name] = s.str.lower()
        elif kind == "category":
            if not isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype("str").astype("category")
            cats = pd.Index(s.cat.categories.astype("str").str.strip())
            if not cats.is_unique or (cats == "").any():
                s = pd.Series(
                    pd.Categorical(np.asarray(cats, dtype=object)[s.cat.codes.clip(0)]),
                    index=s.index,
                ).where(s.notna())
                s = s.where(s != "")
                s = s.astype("category")
            else:
                s = s.cat.rename_categories(cats)
            df[name] = s
        elif kind in ("id", "text", "string"):
            if s.dtype != "str":
                df[name] = s.astype("str")
        elif kind is None:
            _open_column(t, df, name, kpi_metrics, tz)
    t.df = df
    _pandera(t)


def _case_keys(t: _Table, df: pd.DataFrame) -> pd.DataFrame | None:
    """The columns that identify a case of the event log (for daylight-saving order)."""
    if t.name != "events":
        return None
    if "case_id" in df.columns:
        return df[["case_id"]]
    cols = [c for c in ("customer_id", "journey") if c in df.columns]
    return df[cols] if cols else None


def check_text_file_is_parquet(path: Path) -> None:
    """Raise :class:`SniffError` when a ``.parquet`` file is not Parquet (CSV text, a workbook)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return
    try:
        check_text_file(path)
    except SniffError as exc:
        raise SniffError(str(exc).replace("not CSV text", "not Parquet")) from None
    raise SniffError(
        f"this file is not Parquet although it is named {path.name} (it does not start "
        "with 'PAR1'); if it is CSV text, rename it to .csv"
    )


def _control_buffers_clean(col: pa_arrow.ChunkedArray) -> bool:
    """Fast pre-check on the raw bytes: no byte below 0x20 and no DEL anywhere."""
    for chunk in col.chunks:
        if pa_arrow.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary
        if not (pa_arrow.types.is_string(chunk.type) or pa_arrow.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is None:
            continue
        arr = np.frombuffer(data, dtype=np.uint8)
        if arr.size and ((arr < 0x20).any() or (arr == 0x7F).any()):
            return False
    return True


def visible(value: str) -> str:
    """A value with its control characters written out (``hot\\x00line``)."""
    return re.sub(_CONTROL, lambda m: f"\\x{ord(m.group()):02x}", value)


def _check_control_characters(t: _Table, name: str, col: pa_arrow.ChunkedArray) -> None:
    """Ids and categories with NUL or other control characters: one problem per row."""
    if col.null_count == len(col) or _control_buffers_clean(col):
        return
    if pa_arrow.types.is_dictionary(col.type):
        col = col.cast(pa_arrow.string())
    elif not (pa_arrow.types.is_string(col.type) or pa_arrow.types.is_large_string(col.type)):
        return
    hit = pc.match_substring_regex(col, _CONTROL).fill_null(False)
    mask = hit.to_numpy(zero_copy_only=False).astype(bool)
    if not mask.any():
        return
    pos = np.flatnonzero(mask)
    values = col.take(pa_arrow.array(pos[:MAX_CONTROL_MESSAGES])).to_pylist()
    messages = np.full(pos.size, "contains a control character; remove it", dtype=object)
    for k, value in enumerate(values):
        m = re.search(_CONTROL, value)
        assert m is not None
        code = ord(m.group())
        what = _CONTROL_NAMES.get(code, f"control character U+{code:04X}")
        hint = " (a file full of NULs was saved as UTF-16 or UTF-32: save it as 'CSV UTF-8')"
        messages[k] = (
            f"'{visible(value)[:60]}' contains a {what} character (\\x{code:02x}) at position "
            f"{m.start() + 1}; ids and names may not contain control characters: remove it"
            + (hint if code == 0 else "")
        )
    t.issue(name, pos, messages, "control")


def _apply(t: _Table, df: pd.DataFrame, name: str, parsed: Parsed, rule: str) -> None:
    df[name] = parsed.values
    if parsed.bad.any():
        pos = df.index.to_numpy()[parsed.bad]
        raw_values = t.raw.column(name).take(pa_arrow.array(pos)).to_pylist()  # type: ignore[union-attr]
        reasons = (
            parsed.reasons.to_numpy()[parsed.bad]
            if parsed.reasons is not None
            else np.full(pos.size, "cannot be read")
        )
        t.issue(
            name, pos, np.asarray(reasons, dtype=object), rule, np.asarray(raw_values, dtype=object)
        )
    if parsed.note:
        t.warn(parsed.note, column=name)


def _open_column(t: _Table, df: pd.DataFrame, name: str, kpi_metrics: set[str], tz: str) -> None:
    """A column the contract leaves open: numeric when (almost) all its values are numbers."""
    s = df[name]
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        if t.name == "events":
            df[name] = s.astype("float64")
        return
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        # another date column (e.g. contract_start): to UTC like `timestamp`
        _apply(t, df, name, parse_timestamps(s, tz), "timestamp")
        return
    parsed = parse_numbers(s)
    present = s.notna().to_numpy() & (s.astype("str").str.strip() != "").fillna(False).to_numpy(
        dtype=bool
    )
    n_present = int(present.sum())
    share = float((present & ~parsed.bad).sum() / n_present) if n_present else 0.0
    must_be_numeric = t.name == "events" and name in kpi_metrics
    if share >= NUMERIC_SHARE or must_be_numeric:
        _apply(
            t, df, name, Parsed(parsed.values, parsed.bad, parsed.reasons, parsed.note), "number"
        )
    else:
        df[name] = s.astype("str")
        if t.name == "events":
            t.warn(
                f"column '{name}' holds text ({share:.0%} numbers), so it is kept as text and not used as a process metric",
                column=name,
            )


def _pandera(t: _Table) -> None:
    df = t.df
    assert df is not None
    schema = schemas.SCHEMAS[t.name]
    try:
        schema.validate(df, lazy=True, inplace=True)
        return
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    # rows already reported for a column while reading (e.g. an unreadable timestamp is
    # also empty afterwards) are not reported twice
    already: dict[str, np.ndarray] = {}
    for i in t.issues:
        if i.column is not None:
            already[i.column] = np.concatenate(
                [already.get(i.column, np.array([], np.int64)), i.positions]
            )
    for (column, check, check_number), group in fc.groupby(
        ["column", "check", "check_number"], dropna=False, sort=False
    ):
        index = pd.to_numeric(group["index"], errors="coerce")
        present = index.notna().to_numpy()
        idx = index.to_numpy()[present].astype(np.int64)
        failure_values = group["failure_case"].to_numpy()[present]
        if column in already:
            fresh = ~np.isin(idx, already[column])
            idx, failure_values = idx[fresh], failure_values[fresh]
        if idx.size == 0:
            continue
        if check == "not_nullable":
            t.issue(column, idx, f"is empty; every row needs a {column}", "empty")
        elif check == "field_uniqueness":
            s = df[column]
            first = s[~s.duplicated(keep="first")]
            first_pos = pd.Series(first.index.to_numpy(), index=first.to_numpy())
            later = s.duplicated(keep="first").to_numpy()
            later_pos = df.index.to_numpy()[later]
            values = s.to_numpy()[later]
            firsts = first_pos.reindex(values).to_numpy()
            first_lines = t.lines(firsts.astype(np.int64))
            msgs = np.array(
                [
                    f"duplicate {column} '{v}' (first on line {ln}); every {column} must be unique"
                    for v, ln in zip(values, first_lines, strict=True)
                ],
                dtype=object,
            )
            t.issue(column, later_pos, msgs, "duplicate")
        else:
            col = schema.columns[column]
            try:
                error = col.checks[int(check_number)].error or str(check)
            except (TypeError, ValueError, IndexError):
                error = f"breaks the rule {check}"
            t.issue(column, idx, f"{error}", str(check), failure_values)


# --------------------------------------------------------------------------- cross-table


def _check_ids(tables: dict[str, _Table], jmap: JourneyMap) -> None:
    tp_frame = jmap.touchpoints_frame()
    journeys = list(jmap.journey_ids)
    touchpoints = list(tp_frame["touchpoint"]) if len(tp_frame) else []
    tp_journey = (
        np.array([journeys.index(j) for j in tp_frame["journey"]], dtype=np.int64)
        if len(tp_frame)
        else np.array([], dtype=np.int64)
    )
    for name in ("events", "feedback"):
        t = tables.get(name)
        if t is None or t.df is None:
            continue
        codes: dict[str, np.ndarray] = {}
        for column, known in (("journey", journeys), ("touchpoint", touchpoints)):
            if column not in t.df.columns:
                continue
            s = t.df[column]
            cats = s.cat.categories
            mapped = pd.Index(known).get_indexer(cats.astype("str"))
            raw_codes = s.cat.codes.to_numpy()
            new = (
                np.where(raw_codes >= 0, mapped[raw_codes.clip(0)], -1)
                if len(cats)
                else np.full(len(s), -1)
            )
            has_control = np.array([bool(re.search(_CONTROL, str(c))) for c in cats], dtype=bool)
            unknown_cats = np.flatnonzero((mapped < 0) & ~has_control)
            for k, cat_code in enumerate(unknown_cats):
                pos = t.df.index.to_numpy()[raw_codes == cat_code]
                value = str(cats[cat_code])
                if k >= MAX_IDS_LISTED:
                    rest = unknown_cats[k:]
                    n_rows = int(np.isin(raw_codes, rest).sum())
                    t.issue(
                        column,
                        t.df.index.to_numpy()[np.isin(raw_codes, rest)],
                        f"{len(rest):,} further unknown {column} ids in {n_rows:,} rows",
                        "unknown_more_" + column,
                    )
                    break
                near = closest(value, known)
                hint = (
                    f"closest known: {', '.join(near)}"
                    if near
                    else f"known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}"
                )
                t.issue(
                    column,
                    pos,
                    f"unknown {column} id '{value}' ({{rows}}); {hint}; fix the value or add it to journeys.yml",
                    f"unknown_{column}:{value}",
                )
            codes[column] = new
            cat = (
                pd.Categorical.from_codes(new, categories=pd.Index(known, dtype="str"))
                if known
                else s
            )
            t.df[column] = pd.Series(cat, index=t.df.index)
        if "journey" in codes and "touchpoint" in codes:
            j, tp = codes["journey"], codes["touchpoint"]
            both = (j >= 0) & (tp >= 0)
            wrong = np.zeros(len(j), dtype=bool)
            wrong[both] = tp_journey[tp[both]] != j[both]
            if wrong.any():
                pairs = j[wrong].astype(np.int64) * max(len(touchpoints), 1) + tp[wrong]
                index = t.df.index.to_numpy()[wrong]
                for pair in np.unique(pairs):
                    jj, tt = divmod(int(pair), max(len(touchpoints), 1))
                    pos = index[pairs == pair]
                    owner = journeys[tp_journey[tt]]
                    t.issue(
                        "touchpoint",
                        pos,
                        f"touchpoint '{touchpoints[tt]}' belongs to journey '{owner}', not '{journeys[jj]}' ({{rows}}); "
                        f"fix the journey or the touchpoint of these rows",
                        f"mismatch:{pair}",
                    )


def _check_customer_refs(tables: dict[str, _Table]) -> None:
    customers = tables.get("customers")
    if customers is None or customers.df is None or "customer_id" not in customers.df.columns:
        return
    known = customers.df["customer_id"].dropna().unique()
    for name in ("events", "feedback"):
        t = tables.get(name)
        if t is None or t.df is None or "customer_id" not in t.df.columns:
            continue
        s = t.df["customer_id"]
        values = (
            pa_arrow.array(s.to_numpy(dtype=object, na_value=None), type=pa_arrow.string())
            if s.dtype != "str"
            else pa_arrow.array(s.array)
        )
        found = pc.is_in(
            values, value_set=pa_arrow.array(known.astype(object), type=pa_arrow.string())
        )
        missing = ~found.to_numpy(zero_copy_only=False).astype(bool) & s.notna().to_numpy()
        if not missing.any():
            continue
        pos = t.df.index.to_numpy()[missing]
        ids = s.to_numpy()[missing]
        uniq = pd.unique(ids)
        shown = ", ".join(f"'{visible(str(v))}'" for v in uniq[:5])
        first = ", ".join(str(x) for x in t.lines(pos[:MAX_LINES_LISTED]))
        t.warn(
            f"{pos.size:,} row(s) refer to {len(uniq):,} customer_id(s) not in {customers.file} "
            f"(e.g. {shown}; line(s) {first}{', ...' if pos.size > MAX_LINES_LISTED else ''}); "
            "they are kept, but persona results will not cover them",
            column="customer_id",
        )


# --------------------------------------------------------------------------- rendering


def _fmt_value(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    text = visible(str(v))
    if isinstance(v, float) and v.is_integer():
        text = str(int(v))
    return text if len(text) <= 40 else text[:37] + "..."


def _render(t: _Table) -> list[Problem]:
    """Problems of one table in line order; a summary line follows the rows it sums up."""
    keyed: list[tuple[float, int, Problem]] = []

    def add(anchor: float, problem: Problem) -> None:
        keyed.append((anchor, len(keyed), problem))

    for line, _text, msg in t.malformed[:MAX_ROWS_PER_RULE]:
        add(line or 0, Problem(t.file, line, None, f"this line {msg}"))
    if len(t.malformed) > MAX_ROWS_PER_RULE:
        last = t.malformed[MAX_ROWS_PER_RULE - 1][0] or 0
        n_more = len(t.malformed) - MAX_ROWS_PER_RULE
        add(last + 0.5, Problem(t.file, None, None, f"... and {n_more:,} more malformed lines"))
    for issue in t.issues:
        n = issue.positions.size
        if isinstance(issue.messages, str) and "{rows}" in issue.messages:
            # one problem for the whole group, listing the first lines
            lines = t.lines(issue.positions[:MAX_LINES_LISTED])
            listed = ", ".join(str(x) for x in lines)
            plural = "s" if n != 1 else ""
            more = ", ..." if n > MAX_LINES_LISTED else ""
            rows = f"{n:,} row{plural}: line{plural} {listed}{more}"
            msg = issue.messages.replace("{rows}", rows)
            add(int(lines[0]), Problem(t.file, int(lines[0]), issue.column, msg))
            continue
        shown = issue.positions[:MAX_ROWS_PER_RULE]
        lines = t.lines(shown)
        for k, line in enumerate(lines):
            msg = issue.messages if isinstance(issue.messages, str) else str(issue.messages[k])
            if issue.values is not None:
                msg = f"'{_fmt_value(issue.values[k])}' {msg}"
            add(int(line), Problem(t.file, int(line), issue.column, msg))
        rest = n - shown.size
        if rest > 0:
            more_lines = t.lines(issue.positions[shown.size : shown.size + MAX_LINES_LISTED])
            listed = ", ".join(str(x) for x in more_lines)
            tail = ", ..." if rest > MAX_LINES_LISTED else ""
            msg = f"... and {rest:,} more row(s) with problems in this column (line(s) {listed}{tail})"
            add(int(lines[-1]) + 0.5, Problem(t.file, None, issue.column, msg))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in keyed]


def _bad_positions(t: _Table) -> np.ndarray:
    if not t.issues:
        return np.array([], dtype=np.int64)
    return np.unique(np.concatenate([i.positions for i in t.issues]))


def _rejected_frame(t: _Table, bad: np.ndarray) -> pd.DataFrame:
    """The bad rows as read from the file (before typing), with ``line`` and ``problem``."""
    assert t.raw is not None
    raw = t.raw.take(pa_arrow.array(bad, type=pa_arrow.int64())) if bad.size else t.raw.slice(0, 0)
    frame = raw.to_pandas()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("str")
    frame.insert(0, "line", t.lines(bad) if bad.size else np.array([], dtype=np.int64))
    reasons: dict[int, list[str]] = {}
    order = {int(p): k for k, p in enumerate(bad)}
    for issue in t.issues:
        for k, p in enumerate(issue.positions):
            msg = issue.messages if isinstance(issue.messages, str) else str(issue.messages[k])
            msg = msg.replace(" ({rows})", "")
            if issue.values is not None:
                msg = f"'{_fmt_value(issue.values[k])}' {msg}"
            label = f"{issue.column}: {msg}" if issue.column else msg
            reasons.setdefault(order[int(p)], []).append(label)
    frame["problem"] = ["; ".join(reasons.get(k, [])) for k in range(len(frame))]
    if t.malformed:
        extra = pd.DataFrame(
            {
                "line": [ln for ln, _, _ in t.malformed],
                "raw": [text for _, text, _ in t.malformed],
                "problem": [f"this line {msg}" for _, _, msg in t.malformed],
            }
        )
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame.reset_index(drop=True)


def _finalise(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Final dtypes after bad rows are gone (nps → Int64) and a clean RangeIndex."""
    if "nps" in df.columns:
        df["nps"] = df["nps"].round().astype("Int64")
    if "channel" in df.columns and isinstance(df["channel"].dtype, pd.CategoricalDtype):
        # the channels seen in the kept rows, sorted (bincount: no sort over the rows)
        s = df["channel"]
        codes = s.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        keep = sorted(str(c) for c, u in zip(s.cat.categories, used, strict=True) if u)
        if keep != list(s.cat.categories):
            df["channel"] = s.cat.set_categories(pd.Index(keep, dtype="str"))
    return df.reset_index(drop=True)
