"""Sniffing files as they come out of real systems: encoding, delimiter, decimals, timestamps.

Every function here is vectorised (pyarrow / pandas string kernels); none loops over rows.

Encoding
    A byte-order mark decides first (UTF-8, UTF-16). Otherwise the file is checked as
    *strict* UTF-8, streaming through it in chunks; if that fails it is read as
    Windows-1252, the encoding of "CSV (Trennzeichen-getrennt)" exports from Excel on
    German Windows. This rule is deterministic and exact: a Windows-1252 file that
    contains any umlaut, ß or € is (practically) never valid UTF-8, and a valid UTF-8
    file is never mistaken for something else. A statistical detector such as
    charset-normalizer guesses from byte frequencies, which goes wrong on short files
    with few non-ASCII characters (it happily names cp1250, latin-1 or mac_roman), and it
    must sample a large file instead of checking all of it. charset-normalizer is only
    asked for a *hint* in the error message when neither rule fits.
Delimiter
    Counted in the header line (column names rarely contain delimiters), confirmed on the
    first lines of data.
Decimal commas
    ``12,5`` is read as 12.5 in numeric columns; ``1.234,5`` as 1234.5 when the column uses
    decimal commas. A column that mixes ``12,5`` and ``12.5`` is ambiguous and an error.
Timestamps
    ISO 8601 with or without offset (``2024-03-05T14:30:00+01:00``, ``...Z``,
    ``2024-03-05 14:30``, ``2024-03-05``) and German ``DD.MM.YYYY HH:MM[:SS]`` /
    ``DD.MM.YYYY``. Values without an offset are local time in the journey map's
    ``timezone``; all are converted to UTC. Every timestamp must lie in
    1900-01-01 … 2200-12-31 (:data:`TIMESTAMP_MIN`, :data:`TIMESTAMP_MAX`).
Daylight saving
    A local time in the hour that occurs twice when the clocks go back is read as the
    *second* occurrence when an earlier row of the same case (``order_keys``) has a later
    time in that hour (the export went on in time, the clock went back), otherwise as the
    first occurrence. A local time that does not exist (the hour skipped when the clocks
    go forward) is read as if the clock had not been put forward yet (02:30 → 03:30 local
    time, the same instant as 02:30 in the old offset). Both are counted in a warning.
Files that are not text
    An Excel workbook, a ZIP/gzip/bzip2/xz/zstd archive, a Parquet, PDF or SQLite file
    named ``.csv`` is named as such (:func:`binary_kind`), never parsed as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CHUNK = 1 << 23  # 8 MiB
DELIMITERS = (",", ";", "\t", "|")
TIMESTAMP_UNIT = "us"
UTC_DTYPE = pd.DatetimeTZDtype(unit=TIMESTAMP_UNIT, tz="UTC")
#: the range of timestamps cjwork accepts (anything outside is a typo or a placeholder)
TIMESTAMP_MIN = pd.Timestamp("1900-01-01T00:00:00Z")
TIMESTAMP_MAX = pd.Timestamp("2200-12-31T23:59:59.999999Z")
RANGE_HELP = "timestamps must lie between 1900-01-01 and 2200-12-31; check the year"

#: leading bytes of files that are not text: (signature, what it is, what to do)
_MAGIC = (
    (b"PAR1", "a Parquet file", "rename it to .parquet"),
    (b"\x1f\x8b", "a gzip-compressed file", "unpack it first (gunzip) and load the .csv inside"),
    (b"BZh", "a bzip2-compressed file", "unpack it first and load the .csv inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "unpack it first and load the .csv inside"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "unpack it first and load the .csv inside"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel workbook (.xls)",
        "open it in Excel and save it as 'CSV UTF-8 (comma delimited)'",
    ),
    (b"%PDF", "a PDF document", "export the table as CSV"),
    (b"SQLite format 3\x00", "an SQLite database", "export the table as CSV"),
    (b"ARROW1", "an Arrow/Feather file", "convert it to Parquet or CSV"),
)


class SniffError(ValueError):
    """A file whose layout cannot be determined; carries the line (or None) and the fix."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class CsvDialect:
    """What :func:`sniff_csv` found out about a delimited text file."""

    encoding: str
    delimiter: str
    header: list[str]
    skip: int = 0  # lines before the header: blank lines, Excel's "sep=;" line

    @property
    def encoding_label(self) -> str:
        """A human name of the encoding."""
        return {
            "utf-8": "UTF-8",
            "utf-8-sig": "UTF-8 with BOM",
            "cp1252": "Windows-1252",
            "utf-16": "UTF-16",
            "utf-32": "UTF-32",
            "utf-16-le": "UTF-16 (little-endian, no BOM)",
            "utf-16-be": "UTF-16 (big-endian, no BOM)",
            "utf-32-le": "UTF-32 (little-endian, no BOM)",
            "utf-32-be": "UTF-32 (big-endian, no BOM)",
        }.get(self.encoding, self.encoding)


# --------------------------------------------------------------------------- file kind


def binary_kind(path: str | Path) -> tuple[str, str] | None:
    """What a file that is not text is (``("an Excel workbook (.xlsx)", fix)``), or None."""
    with Path(path).open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"xl/" in head or b"[Content_Types].xml" in head and b"word/" not in head:
            return (
                "an Excel workbook (.xlsx)",
                "open it in Excel and save it as 'CSV UTF-8 (comma delimited)', or export Parquet",
            )
        if b"opendocument.spreadsheet" in head:
            return (
                "an OpenDocument spreadsheet (.ods)",
                "open it and save it as CSV (UTF-8, comma delimited)",
            )
        return "a ZIP archive", "unpack it first and load the .csv inside"
    for magic, what, fix in _MAGIC:
        if head.startswith(magic):
            return what, fix
    return None


def check_text_file(path: str | Path) -> None:
    """Raise :class:`SniffError` when a ``.csv`` file is really a workbook, archive, ...."""
    kind = binary_kind(path)
    if kind is not None:
        what, fix = kind
        raise SniffError(
            f"this file looks like {what}, not CSV text, although it is named "
            f"{Path(path).name}; {fix}",
            line=None,
        )


def _bomless_unicode(head: bytes) -> str | None:
    """UTF-16/32 without a byte-order mark: told by where the NUL bytes of ASCII text are.

    Looked at in the first line (the header, whose column names are ASCII) and in the
    first 4 KiB.
    """
    newline = head.find(b"\n")
    header = head[: newline + 2] if newline >= 0 else b""
    for part in (header, head[:4096]):
        found = _nul_layout(part)
        if found is not None:
            return found
    return None


def _nul_layout(head: bytes) -> str | None:
    n = len(head) - len(head) % 4
    if n < 8 or b"\x00" not in head[:n]:
        return None
    quads = n // 4
    zero = [head[i:n:4].count(0) / quads for i in range(4)]
    if zero[1] > 0.9 and zero[2] > 0.9 and zero[3] > 0.9:
        return "utf-32-le"
    if zero[0] > 0.9 and zero[1] > 0.9 and zero[2] > 0.9:
        return "utf-32-be"
    if zero[1] > 0.7 and zero[3] > 0.7 and zero[0] < 0.3 and zero[2] < 0.3:
        return "utf-16-le"
    if zero[0] > 0.7 and zero[2] > 0.7 and zero[1] < 0.3 and zero[3] < 0.3:
        return "utf-16-be"
    return None


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _bomless_unicode(head)


# --------------------------------------------------------------------------- encoding


def head_encoding(path: str | Path, size: int = 1 << 16) -> str:
    """Like :func:`detect_encoding` but looking at the first ``size`` bytes only.

    Cheap; the loader uses it first and lets pyarrow check UTF-8 while it reads the whole
    file (it validates every text column anyway), falling back to :func:`detect_encoding`
    only when that check fails. So a large UTF-8 file is not read twice.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(size)
    bom = _bom_encoding(head)
    if bom is not None:
        return bom
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=len(head) < size)
        return "utf-8"
    except UnicodeDecodeError:
        return detect_encoding(path)


def detect_encoding(path: str | Path) -> str:
    """Return the encoding of a text file: ``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp1252``.

    Parameters
    ----------
    path : str or Path
        The file.

    Raises
    ------
    SniffError
        When the file is neither UTF-8 nor Windows-1252 (with the line of the first byte
        that fits neither, and a hint from charset-normalizer).
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
        bom = _bom_encoding(head)
        if bom is not None:
            return bom
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        offset = 0
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk, final=False)
                offset += len(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    # Not UTF-8: Windows-1252 decodes every byte but five; check them.
    bad = _first_undefined_cp1252(path)
    if bad is None:
        return "cp1252"
    byte_offset, line = bad
    hint = _charset_hint(path)
    raise SniffError(
        f"cannot tell the text encoding: not UTF-8 and not Windows-1252 (byte {byte_offset}){hint}; "
        "save the file as 'CSV UTF-8' (Excel: Save as > CSV UTF-8) and try again",
        line=line,
    )


def _first_undefined_cp1252(path: Path) -> tuple[int, int] | None:
    undefined = np.array([0x81, 0x8D, 0x8F, 0x90, 0x9D], dtype=np.uint8)
    offset = 0
    lines = 1
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            arr = np.frombuffer(chunk, dtype=np.uint8)
            hits = np.flatnonzero(np.isin(arr, undefined))
            if hits.size:
                first = int(hits[0])
                return offset + first, lines + chunk.count(b"\n", 0, first)
            lines += chunk.count(b"\n")
            offset += len(chunk)
    return None


def _charset_hint(path: Path) -> str:
    try:
        from charset_normalizer import from_bytes

        with path.open("rb") as fh:
            best = from_bytes(fh.read(1 << 20)).best()
        if best is not None:
            return f"; it looks like {best.encoding}"
    except Exception:
        pass
    return ""


# --------------------------------------------------------------------------- delimiter


def sniff_csv(path: str | Path, full_check: bool = True) -> CsvDialect:
    """Find encoding, delimiter and header of a delimited text file.

    The delimiter is the candidate (``,`` ``;`` tab ``|``) that splits the first data lines
    into as many fields as the header, preferring the one that gives more columns.
    ``full_check=False`` decides the encoding from the head of the file only
    (:func:`head_encoding`).

    Raises
    ------
    SniffError
        Empty file, or a header that no delimiter splits consistently.
    """
    path = Path(path)
    check_text_file(path)
    encoding = detect_encoding(path) if full_check else head_encoding(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if len(head) == 1 << 16 and lines:
        lines = lines[:-1]  # the last line may be cut
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    forced = None
    if skip < len(lines) and re.fullmatch(r'"?sep=(.)"?', lines[skip].strip()):
        forced = re.fullmatch(r'"?sep=(.)"?', lines[skip].strip()).group(1)  # type: ignore[union-attr]
        skip += 1
    lines = [ln for ln in lines[skip:200] if ln.strip()]
    if not lines:
        raise SniffError("the file is empty; it needs a header line with the column names", line=1)
    header_line = lines[0]
    if forced is not None:
        header = [h.strip() for h in _split(header_line, forced)]
        return CsvDialect(encoding=encoding, delimiter=forced, header=header, skip=skip)
    scores: list[tuple[int, int, str]] = []
    for cand in DELIMITERS:
        fields = _split(header_line, cand)
        if len(fields) < 2:
            continue
        sample = [_split(ln, cand) for ln in lines[1:50]]
        consistent = sum(len(f) == len(fields) for f in sample)
        scores.append((consistent, len(fields), cand))
    if not scores:
        delimiter = ","
    else:
        scores.sort(reverse=True)
        delimiter = scores[0][2]
    header = [h.strip() for h in _split(header_line, delimiter)]
    return CsvDialect(encoding=encoding, delimiter=delimiter, header=header, skip=skip)


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return [line]


# --------------------------------------------------------------------------- helpers


def _arrow(s: pd.Series) -> pa.Array:
    """The values of a string Series as a pyarrow string array (zero-copy when possible)."""
    if s.dtype != "str":
        s = s.astype("str")
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return arr


def fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """Boolean mask: which values match ``pattern`` entirely (pyarrow RE2; nulls → False).

    Calls pyarrow directly, so pandas never falls back to Python's ``re`` row by row.
    """
    if len(s) == 0:
        return np.zeros(0, dtype=bool)
    hit = pc.match_substring_regex(_arrow(s), f"^(?:{pattern})$")
    return hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _contains(s: pd.Series, text: str) -> np.ndarray:
    if len(s) == 0:
        return np.zeros(0, dtype=bool)
    hit = pc.match_substring(_arrow(s), text)
    return hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


# --------------------------------------------------------------------------- numbers

_DOT_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMMA_NUMBER = r"[-+]?\d+,\d+"
_GROUPED_COMMA = r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"


@dataclass
class Parsed:
    """The result of a vectorised parse: values, the rows that failed and why."""

    values: pd.Series
    bad: np.ndarray  # boolean mask of rows that could not be read
    reasons: pd.Series | None = None  # message per bad row (aligned with the values)
    note: str | None = None  # something worth a warning (e.g. decimal commas read)


def parse_numbers(values: pd.Series, *, what: str = "a number") -> Parsed:
    """Read a column as float64, accepting decimal commas.

    Parameters
    ----------
    values : Series
        Strings or numbers; empty strings and nulls become NaN.
    what : str
        How the expected value is described in messages.

    Returns
    -------
    Parsed
        ``values`` as float64; ``bad`` marks non-empty values that are not numbers or
        that are ambiguous (``12.5`` in a column that otherwise uses decimal commas).
    """
    n = len(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        return Parsed(values.astype("float64"), np.zeros(n, dtype=bool))
    if pd.api.types.is_numeric_dtype(values.dtype):
        return Parsed(values.astype("float64"), np.zeros(n, dtype=bool))
    s = values.astype("str").str.strip()
    missing = (s.isna() | (s == "")).to_numpy()
    comma = fullmatch(s, _COMMA_NUMBER)
    grouped = fullmatch(s, _GROUPED_COMMA)
    reasons = None
    note = None
    bad_ambiguous = np.zeros(n, dtype=bool)
    if comma.any() or (grouped & _contains(s, ",")).any():
        # the column uses decimal commas: '.' can only be a thousands separator
        dotted = _contains(s, ".")
        bad_ambiguous = dotted & ~grouped
        cleaned = s.where(~grouped, s.str.replace(".", "", regex=False))
        cleaned = cleaned.str.replace(",", ".", regex=False)
        note = "decimal commas read as decimal points"
    else:
        cleaned = s
    # only values shaped like numbers go to to_numeric (text would take its slow path)
    shaped = fullmatch(cleaned, _DOT_NUMBER)
    skip = missing | bad_ambiguous | ~shaped
    candidates = _arrow(cleaned)
    candidates = pc.if_else(pa.array(skip), pa.scalar(None, candidates.type), candidates)
    try:  # every candidate is shaped like a number: pyarrow's cast reads them in C++
        floats = pc.cast(candidates, pa.float64()).to_numpy(zero_copy_only=False)
        nums = pd.Series(floats, index=s.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        nums = pd.to_numeric(cleaned.where(~pd.Series(skip, index=s.index)), errors="coerce")
        nums = nums.astype("float64")
    not_number = np.isnan(nums.to_numpy()) & ~missing & ~bad_ambiguous
    bad = not_number | bad_ambiguous
    if bad.any():
        reasons = pd.Series(pd.NA, index=values.index, dtype="object")
        if not_number.any():
            reasons[not_number] = f"is not {what}"
        if bad_ambiguous.any():
            reasons[bad_ambiguous] = (
                "is ambiguous: this column uses decimal commas (12,5) but this value has a "
                "decimal point; write every number the same way"
            )
        nums = nums.where(~bad)
    return Parsed(nums, bad, reasons, note)


def numeric_share(values: pd.Series) -> float:
    """Share of the non-empty values that :func:`parse_numbers` can read (0 … 1)."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return 1.0
    s = values.astype("str").str.strip()
    present = ~(s.isna() | (s == ""))
    if not present.any():
        return 0.0
    parsed = parse_numbers(values)
    return float((~parsed.bad & present.to_numpy()).sum() / present.sum())


# --------------------------------------------------------------------------- timestamps

_ISO_NAIVE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
_ISO_AWARE = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)? ?(?:Z|[+-]\d{2}(?::?\d{2})?)"
)
_DE_FORMATS = (
    (r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}:\d{2}", "%d.%m.%Y %H:%M:%S"),
    (r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}", "%d.%m.%Y %H:%M"),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"),
)
_SLASHED = r"\d{1,2}/\d{1,2}/\d{2,4}.*"
_TWO_DIGIT_YEAR = r"\d{1,2}\.\d{1,2}\.\d{2}(?: .*)?"

TIMESTAMP_HELP = "write ISO 8601 (2024-03-05T14:30:00+01:00) or DD.MM.YYYY HH:MM"


def parse_timestamps(
    values: pd.Series, tz: str = "UTC", *, order_keys: pd.DataFrame | None = None
) -> Parsed:
    """Read a timestamp column into tz-aware UTC ``datetime64[us, UTC]``.

    Parameters
    ----------
    values : Series
        Strings (ISO 8601 with or without offset, ``DD.MM.YYYY[ HH:MM[:SS]]``),
        naive or tz-aware datetimes, or dates.
    tz : str
        The IANA time zone of values without an offset (the journey map's ``timezone``).
    order_keys : DataFrame, optional
        Columns that identify a case (aligned with ``values``, rows in file order); they
        decide which occurrence a local time in the repeated daylight-saving hour is.

    Returns
    -------
    Parsed
        ``bad`` marks values that cannot be read, are not real dates or lie outside
        1900-01-01 … 2200-12-31; empty values are NaT and not bad. Local times at
        daylight-saving changes are resolved (see the module docstring) and counted in
        ``note``.
    """
    return _in_range(_parse_timestamps(values, tz, order_keys))


def _in_range(parsed: Parsed) -> Parsed:
    """Timestamps outside TIMESTAMP_MIN … TIMESTAMP_MAX become bad rows (vectorised)."""
    values = parsed.values
    ints = values.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT")).view(np.int64)
    nat = np.iinfo(np.int64).min
    lo = TIMESTAMP_MIN.value // 1000  # .value is in nanoseconds
    hi = TIMESTAMP_MAX.value // 1000
    out = (ints != nat) & ((ints < lo) | (ints > hi))
    if not out.any():
        return parsed
    reasons = parsed.reasons
    if reasons is None:
        reasons = pd.Series(pd.NA, index=values.index, dtype="object")
    reasons = reasons.copy()
    reasons[out] = "is outside the supported range; " + RANGE_HELP
    return Parsed(values.where(~out), parsed.bad | out, reasons, parsed.note)


def _parse_timestamps(values: pd.Series, tz: str, order_keys: pd.DataFrame | None) -> Parsed:
    n = len(values)
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return Parsed(values.dt.tz_convert("UTC").astype(UTC_DTYPE), np.zeros(n, dtype=bool))
    if pd.api.types.is_datetime64_dtype(dtype):
        return _localize(values, tz, np.zeros(n, dtype=bool), None, order_keys)
    if pd.api.types.is_object_dtype(dtype) and _all_dates(values):
        return _localize(pd.to_datetime(values), tz, np.zeros(n, dtype=bool), None, order_keys)
    if pd.api.types.is_numeric_dtype(dtype):
        present = values.notna().to_numpy()
        reasons = pd.Series(pd.NA, index=values.index, dtype="object")
        reasons[present] = f"is a number, not a timestamp; {TIMESTAMP_HELP}"
        empty = pd.Series(pd.NaT, index=values.index, dtype=UTC_DTYPE)
        return Parsed(empty, present, reasons)

    s = values.astype("str").str.strip()
    missing = (s.isna() | (s == "")).to_numpy()
    index = values.index
    fast = _cast_whole_column(s, missing, tz, order_keys)
    if fast is not None:
        return fast
    out_naive = pd.Series(pd.NaT, index=index, dtype=f"datetime64[{TIMESTAMP_UNIT}]")
    out_aware = pd.Series(pd.NaT, index=index, dtype=UTC_DTYPE)
    matched = missing.copy()
    aware_mask = np.zeros(n, dtype=bool)

    def fm(pattern: str) -> np.ndarray:
        return fullmatch(s, pattern) & ~matched

    m = fm(_ISO_NAIVE)
    if m.any():
        sub = s[m].str.replace(",", ".", regex=False)
        out_naive[m] = pd.to_datetime(sub, format="ISO8601", errors="coerce").astype(
            out_naive.dtype
        )
        matched |= m
    m = fm(_ISO_AWARE) if not matched.all() else np.zeros(n, dtype=bool)
    if m.any():
        sub = s[m].str.replace(",", ".", regex=False).str.replace(" Z", "Z", regex=False)
        out_aware[m] = pd.to_datetime(sub, format="ISO8601", utc=True, errors="coerce").astype(
            UTC_DTYPE
        )
        matched |= m
        aware_mask |= m
    for pattern, fmt in _DE_FORMATS:
        if matched.all():
            break
        m = fm(pattern)
        if m.any():
            out_naive[m] = _strptime_strict(s[m], fmt)
            matched |= m

    reasons = pd.Series(pd.NA, index=index, dtype="object")
    unreadable = ~matched
    if unreadable.any():
        slashed = fullmatch(s, _SLASHED) & unreadable
        two_digit = fullmatch(s, _TWO_DIGIT_YEAR) & unreadable
        reasons[unreadable] = "cannot be read as a timestamp; " + TIMESTAMP_HELP
        reasons[slashed] = (
            "is ambiguous: with slashes the order of day and month is unknown; " + TIMESTAMP_HELP
        )
        reasons[two_digit] = (
            "has a two-digit year; write the year with four digits (DD.MM.YYYY HH:MM)"
        )
    invalid = (
        matched
        & ~missing
        & np.where(aware_mask, out_aware.isna().to_numpy(), out_naive.isna().to_numpy())
    )
    if invalid.any():
        reasons[invalid] = "is not a real date or time (e.g. 31.02. or 25:00); " + TIMESTAMP_HELP
    bad = unreadable | invalid
    local = _localize(out_naive, tz, bad | aware_mask, reasons, order_keys)
    lost = local.bad & ~(bad | aware_mask)
    result = local.values.where(~aware_mask, out_aware)
    return Parsed(result.astype(UTC_DTYPE), bad | lost, local.reasons, local.note)


def _cast_whole_column(
    s: pd.Series, missing: np.ndarray, tz: str, order_keys: pd.DataFrame | None = None
) -> Parsed | None:
    """Fast path: a column that is entirely ISO 8601 with offsets, or entirely without.

    pyarrow's string → timestamp cast parses it in C++; it fails (and the caller takes the
    general path) as soon as one value has another shape.
    """
    # a failing cast is slow, so try only what a sample of the values suggests
    sample = s[~missing].head(1000)
    if sample.empty:
        return None
    if fullmatch(sample, _ISO_AWARE).all():
        target = pa.timestamp(TIMESTAMP_UNIT, "UTC")
    elif fullmatch(sample, _ISO_NAIVE).all():
        target = pa.timestamp(TIMESTAMP_UNIT)
    else:
        return None
    arr = _arrow(s)
    if missing.any():
        arr = pc.if_else(pa.array(missing), pa.scalar(None, arr.type), arr)
    n = len(s)
    try:
        cast = pc.cast(arr, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if target.tz is not None:
        values = cast.to_pandas().set_axis(s.index).astype(UTC_DTYPE)
        return Parsed(values, np.zeros(n, dtype=bool))
    naive = cast
    naive_values = naive.to_pandas().set_axis(s.index)
    return _localize(naive_values, tz, np.zeros(n, dtype=bool), None, order_keys)


_DE_PARTS = (
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"
    r"(?: (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


def _strptime_strict(sub: pd.Series, fmt: str) -> pd.Series:
    """``DD.MM.YYYY[ HH:MM[:SS]]`` → naive datetimes with pyarrow; impossible dates → NaT.

    pyarrow's strptime is fast but rolls 31.02. over into March, so every part it read is
    compared with the digits in the text; a value whose parts differ is not a real date.
    """
    arr = _arrow(sub)
    parsed = pc.strptime(arr, format=fmt, unit=TIMESTAMP_UNIT, error_is_null=True)
    parts = pc.extract_regex(arr, _DE_PARTS)
    ok = pc.is_valid(parsed)
    for name, fn in (
        ("d", pc.day),
        ("m", pc.month),
        ("y", pc.year),
        ("H", pc.hour),
        ("M", pc.minute),
        ("S", pc.second),
    ):
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        written = pc.cast(text, pa.int64())
        same = pc.equal(written, pc.cast(fn(parsed), pa.int64()))
        # parts that are not written (no time, no seconds) are not compared
        ok = pc.and_(ok, pc.fill_null(pc.or_kleene(same, pc.is_null(written)), False))
    parsed = pc.if_else(ok, parsed, pa.scalar(None, parsed.type))
    return parsed.to_pandas().set_axis(sub.index).astype(f"datetime64[{TIMESTAMP_UNIT}]")


def _all_dates(values: pd.Series) -> bool:
    import datetime as _dt

    first = values.dropna()
    return bool(len(first)) and isinstance(first.iloc[0], _dt.date)


def _second_occurrence(
    naive: pd.Series, positions: np.ndarray, order_keys: pd.DataFrame | None
) -> np.ndarray:
    """Which of the ambiguous rows (positions, file order) are the second occurrence.

    A row is the second occurrence when an earlier row of the same case, in the same
    repeated hour, shows a later local time: the case went on, the clock went back.
    """
    second = np.zeros(positions.size, dtype=bool)
    if order_keys is None or positions.size < 2:
        return second
    keys = order_keys.iloc[positions].reset_index(drop=True).astype("object")
    if keys.empty or keys.shape[1] == 0:
        return second
    frame = keys.copy()
    frame.columns = [f"k{i}" for i in range(frame.shape[1])]
    stamp = naive.iloc[positions].to_numpy(dtype="datetime64[us]")
    frame["_day"] = stamp.astype("datetime64[D]")
    frame["_t"] = stamp.view(np.int64)
    groups = [*frame.columns[:-2], "_day"]
    known = frame[groups].notna().all(axis=1).to_numpy()
    if not known.any():
        return second
    sub = frame[known]
    before = sub.groupby(groups, sort=False, dropna=True)["_t"].transform(
        lambda t: t.cummax().shift(1)
    )
    second[np.flatnonzero(known)] = (before.to_numpy(dtype="float64") > sub["_t"].to_numpy()) & (
        before.notna().to_numpy()
    )
    return second


def _localize(
    naive: pd.Series,
    tz: str,
    bad: np.ndarray,
    reasons: pd.Series | None,
    order_keys: pd.DataFrame | None = None,
) -> Parsed:
    """Naive local times in ``tz`` → UTC, resolving daylight-saving gaps and overlaps.

    See the module docstring for the rules; what was resolved is counted in ``note``.
    """
    naive = naive.astype(f"datetime64[{TIMESTAMP_UNIT}]")
    if tz == "UTC":
        out = naive.dt.tz_localize("UTC")
        return Parsed(out.astype(UTC_DTYPE), bad, reasons)
    local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    lost = local.isna().to_numpy() & naive.notna().to_numpy() & ~bad
    note = None
    if lost.any():
        pos = np.flatnonzero(lost)
        sub = naive.iloc[pos]
        first = sub.dt.tz_localize(tz, ambiguous=np.ones(len(sub), dtype=bool), nonexistent="NaT")
        gap = first.isna().to_numpy()
        resolved = first.copy()
        notes = []
        if (~gap).any():
            amb_pos = pos[~gap]
            second = _second_occurrence(naive, amb_pos, order_keys)
            amb = naive.iloc[amb_pos].dt.tz_localize(tz, ambiguous=~second)
            resolved.iloc[np.flatnonzero(~gap)] = amb.to_numpy()
            example = naive.iloc[amb_pos[0]].strftime("%Y-%m-%d %H:%M")
            n_second = int(second.sum())
            notes.append(
                f"{amb_pos.size:,} local time(s) fall in the hour that happens twice when the "
                f"clocks go back in {tz} (e.g. {example}): {n_second:,} read as the second "
                "occurrence (an earlier row of the same case shows a later time in that hour), "
                f"{amb_pos.size - n_second:,} as the first; write UTC offsets to avoid the guess"
            )
        if gap.any():
            gap_rows = naive.iloc[pos[gap]]
            shifted = gap_rows.dt.tz_localize(tz, nonexistent=pd.Timedelta(hours=1))
            if shifted.isna().any():
                shifted = shifted.fillna(gap_rows.dt.tz_localize(tz, nonexistent="shift_forward"))
            resolved.iloc[np.flatnonzero(gap)] = shifted.to_numpy()
            example = gap_rows.iloc[0].strftime("%Y-%m-%d %H:%M")
            notes.append(
                f"{int(gap.sum()):,} local time(s) do not exist in {tz} (the hour skipped when "
                f"the clocks go forward, e.g. {example}): read as if the clock had not been put "
                "forward yet (02:30 is read as 03:30); write UTC offsets to avoid the guess"
            )
        local = local.copy()
        local.iloc[pos] = resolved.dt.tz_convert(tz).to_numpy()
        note = "; ".join(notes)
    return Parsed(local.dt.tz_convert("UTC").astype(UTC_DTYPE), bad, reasons, note)
