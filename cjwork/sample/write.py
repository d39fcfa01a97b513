"""Writing a sample workspace: streamed in chunks of customers, atomically, byte-stable."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cjwork.errors import UsageError
from cjwork.io.schemas import known_columns
from cjwork.sample import company as co
from cjwork.sample import generate as gen
from cjwork.sample.truth import Observed, effects_document, readme_text

#: customers per chunk; part of the output's identity (chunk k uses the seed [seed, k])
CHUNK = 25_000
FORMATS = ("csv", "parquet")

CUSTOMER_COLUMNS = (
    "customer_id",
    "age",
    "segment",
    "region",
    "area",
    "tenure_months",
    "tariff",
    "contract_type",
    "household_size",
    "annual_kwh",
    "payment_method",
    "paperless",
    "solar",
    "electric_vehicle",
    "online_account",
    "preferred_channel",
    "product_bundle",
    "monthly_instalment_eur",
)
_CUSTOMER_VOCAB = {
    "segment": ("private", "business"),
    "region": co.REGIONS,
    "area": co.AREAS,
    "tariff": co.TARIFFS,
    "contract_type": co.CONTRACT_TYPES,
    "payment_method": co.PAYMENT_METHODS,
    "preferred_channel": co.PREFERRED_CHANNELS,
    "product_bundle": co.PRODUCT_BUNDLES,
}
#: the data contract's event columns in contract order, then the sample's process metrics
EVENT_COLUMNS = (*known_columns("events"), *gen.METRICS)
FEEDBACK_COLUMNS = (
    "feedback_id",
    "customer_id",
    "timestamp",
    "channel",
    "language",
    "journey",
    "touchpoint",
    "rating",
    "nps",
    "text",
)
TRUTH_FEEDBACK_COLUMNS = (
    "feedback_id",
    "journey",
    "touchpoint",
    "sentiment",
    "sentiment_label",
    "linkable",
    "has_pii",
    "language",
    "pii_kind",
)
TRUTH_CUSTOMER_COLUMNS = ("customer_id", "persona_id", "persona_name", "persona_key")


def _strings(vocab: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(list(vocab), pa.string()).take(pa.array(codes, pa.int64()))


def _ints(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    mask = np.isnan(values)
    return pa.array(np.where(mask, 0, values).astype(np.int64), pa.int64(), mask=mask)


def _floats(values: np.ndarray, decimals: int) -> pa.Array:
    values = np.round(np.asarray(values, dtype=np.float64), decimals) + 0.0  # no "-0"
    return pa.array(values, pa.float64(), from_pandas=True)


def _timestamps(t: np.ndarray, fmt: str) -> pa.Array:
    ts = pa.array(np.asarray(t, dtype=np.int64), pa.int64()).cast(pa.timestamp("s", tz="UTC"))
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ") if fmt == "csv" else ts


class _TableWriter:
    """Appends chunks to one CSV or Parquet file with a fixed header.

    ``quoting="none"`` is for tables whose strings come from fixed vocabularies (pyarrow
    refuses to write a value that would need quotes); free text uses ``"needed"``.
    """

    def __init__(
        self, path: Path, columns: tuple[str, ...], fmt: str, quoting: str = "none"
    ) -> None:
        self.path = path
        self.columns = columns
        self.fmt = fmt
        self._pq: pq.ParquetWriter | None = None
        self._fh = None
        if fmt == "csv":
            self._fh = open(path, "wb")  # closed in close()
            self._fh.write((",".join(columns) + "\n").encode())
            self._opts = pacsv.WriteOptions(include_header=False, quoting_style=quoting)

    def write(self, table: pa.Table) -> None:
        table = table.select(list(self.columns))
        if self.fmt == "csv":
            pacsv.write_csv(table, self._fh, self._opts)
        else:
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._pq.write_table(table)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()


def _id_width(n_customers: int) -> int:
    return max(6, len(str(n_customers)))


def write_sample(
    out_dir: str | os.PathLike,
    n_customers: int = 3000,
    seed: int = 42,
    fmt: str = "csv",
    progress: bool = True,
) -> str:
    """Write a complete sample workspace for the fictional Rheinstrom Energie AG.

    The directory gets ``journeys.yml``, ``customers``, ``events`` and ``feedback`` (CSV or
    Parquet) and ``truth/`` with the planted answers (``customers.csv``, ``feedback.csv``,
    ``effects.json``, ``README.md``). Generation is streamed in chunks of customers, so
    millions of customers fit in little memory; the same ``seed`` and ``n_customers`` give
    the same bytes. Everything is written into a temporary directory next to ``out_dir``
    and moved into place at the end.

    Parameters
    ----------
    out_dir : path
        A new or empty directory (anything else is refused, so nothing is overwritten).
    n_customers : int
        Number of customers (≥ 10).
    seed : int
        Random seed (≥ 0).
    fmt : {"csv", "parquet"}
        Format of the three tables (the truth files are always CSV/JSON).
    progress : bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    str
        A short printable summary.

    Raises
    ------
    UsageError
        For bad parameters or an output directory that exists and is not empty.
    """
    if (
        isinstance(n_customers, bool)
        or not isinstance(n_customers, int | np.integer)
        or n_customers < 10
    ):
        raise UsageError(f"n_customers must be an int >= 10, got {n_customers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UsageError(f"seed must be an int >= 0, got {seed!r}")
    if fmt not in FORMATS:
        raise UsageError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise UsageError(
                f"{out} exists and is not a directory; choose a new or empty directory"
            )
        if any(out.iterdir()):
            what = "a workspace (journeys.yml)" if (out / "journeys.yml").exists() else "files"
            raise UsageError(
                f"{out} already contains {what}; cjwork sample never overwrites data. "
                "Choose a new or empty directory"
            )
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    started = time.perf_counter()
    try:
        counts = _generate_into(tmp, int(n_customers), int(seed), fmt, progress)
        if out.exists():
            for entry in sorted(tmp.iterdir()):
                os.replace(entry, out / entry.name)
            tmp.rmdir()
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    ext = "csv" if fmt == "csv" else "parquet"
    return (
        f"Wrote the sample workspace of {co.COMPANY} to {out} (seed {seed}, {seconds:.1f} s):\n"
        f"  journeys.yml      {len(gen.JOURNEY_IDS)} journeys, {len(gen.TP_IDS)} touchpoints\n"
        f"  customers.{ext:<8}{counts['customers']:>12,} rows\n"
        f"  events.{ext:<11}{counts['events']:>12,} rows\n"
        f"  feedback.{ext:<9}{counts['feedback']:>12,} rows\n"
        f"  truth/            planted personas, sentiment and effects (see truth/README.md)"
    )


def _generate_into(
    tmp: Path, n_customers: int, seed: int, fmt: str, progress: bool
) -> dict[str, int]:
    from tqdm.auto import tqdm

    (tmp / "journeys.yml").write_text(co.journeys_yml_text(), encoding="utf-8")
    (tmp / "truth").mkdir()
    ext = "csv" if fmt == "csv" else "parquet"
    writers = {
        "customers": _TableWriter(tmp / f"customers.{ext}", CUSTOMER_COLUMNS, fmt),
        "events": _TableWriter(tmp / f"events.{ext}", EVENT_COLUMNS, fmt),
        "feedback": _TableWriter(tmp / f"feedback.{ext}", FEEDBACK_COLUMNS, fmt, quoting="needed"),
        "truth_customers": _TableWriter(
            tmp / "truth" / "customers.csv", TRUTH_CUSTOMER_COLUMNS, "csv"
        ),
        "truth_feedback": _TableWriter(
            tmp / "truth" / "feedback.csv", TRUTH_FEEDBACK_COLUMNS, "csv"
        ),
    }
    width = _id_width(n_customers)
    case_base = dict.fromkeys(gen.JOURNEY_IDS, 1)
    observed = Observed()
    counts = {"customers": 0, "events": 0, "feedback": 0}
    n_feedback = 0
    bar = tqdm(
        total=n_customers,
        unit=" customers",
        desc="cjwork sample",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    try:
        for k, first in enumerate(range(0, n_customers, CHUNK)):
            n = min(CHUNK, n_customers - first)
            chunk = gen.generate_chunk(seed, k, n, case_base)  # advances case_base
            ids = pa.array([f"C{first + i + 1:0{width}d}" for i in range(n)], pa.string())
            tables = _tables(chunk, ids, n_feedback, fmt)
            for name, table in tables.items():
                writers[name].write(table)
            observed.add(chunk)
            counts["customers"] += n
            counts["events"] += len(chunk.events["tp"])
            counts["feedback"] += len(chunk.feedback["tp"])
            n_feedback += len(chunk.feedback["tp"])
            bar.update(n)
    finally:
        bar.close()
        for w in writers.values():
            w.close()
    doc = effects_document(observed, n_customers=n_customers, seed=seed)
    (tmp / "truth" / "effects.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (tmp / "truth" / "README.md").write_text(readme_text(doc), encoding="utf-8")
    _write_loop_plants(tmp)
    return counts


def _write_loop_plants(tmp: Path) -> None:
    """actions.yml and truth/loop.json of :mod:`cjwork.sample.loop_plants`."""
    from cjwork.sample import loop_plants

    (tmp / "actions.yml").write_text(loop_plants.ACTIONS_YML, encoding="utf-8")
    (tmp / "truth" / "loop.json").write_text(
        json.dumps(loop_plants.loop_truth(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _case_ids(e: dict[str, np.ndarray]) -> pa.Array:
    key = e["journey"].astype(np.int64) * 10**12 + e["case"]
    uniq, inv = np.unique(key, return_inverse=True)
    prefixes = [gen.CASE_PREFIX[j] for j in gen.JOURNEY_IDS]
    labels = [f"{prefixes[int(u // 10**12)]}{int(u % 10**12):08d}" for u in uniq.tolist()]
    return pa.array(labels, pa.string()).take(pa.array(inv.astype(np.int64)))


def _tables(chunk: gen.Chunk, ids: pa.Array, fb_offset: int, fmt: str) -> dict[str, pa.Table]:
    c = chunk.customers
    cust_cols: dict[str, pa.Array] = {"customer_id": ids}
    for name in CUSTOMER_COLUMNS[1:]:
        if name in _CUSTOMER_VOCAB:
            cust_cols[name] = _strings(_CUSTOMER_VOCAB[name], c[name])
        else:
            cust_cols[name] = pa.array(c[name], pa.int64())

    e = chunk.events
    tpc = pa.array(e["tp"], pa.int64())
    ev_cols: dict[str, pa.Array] = {
        "customer_id": ids.take(pa.array(e["cust"], pa.int64())),
        "timestamp": _timestamps(e["t"], fmt),
        "journey": _strings(gen.JOURNEY_IDS, e["journey"]),
        "touchpoint": pa.array(list(gen.TP_IDS), pa.string()).take(tpc),
        "channel": _strings(gen.CHANNELS, gen.TP_CHANNEL[e["tp"]]),
        "case_id": _case_ids(e),
        "outcome": _strings(gen.OUTCOMES, e["outcome"]),
    }
    for m in gen.METRICS:
        ev_cols[m] = _ints(e[m]) if m in gen.INT_METRICS else _floats(e[m], 1)

    f = chunk.feedback
    nf = len(f["tp"])
    fids = pa.array([f"F{fb_offset + i + 1:07d}" for i in range(nf)], pa.string())
    has_tp = f["tp"] >= 0
    tp_true = np.maximum(f["tp"], 0)
    journey_true = np.where(has_tp, gen.TP_JOURNEY[tp_true], 0)
    lang = np.where(f["english"], 1, 0)
    null_str = pa.nulls(nf, pa.string())

    def masked(arr: pa.Array, keep: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(keep), arr, null_str)

    tp_str = pa.array(list(gen.TP_IDS), pa.string()).take(pa.array(tp_true, pa.int64()))
    j_str = _strings(gen.JOURNEY_IDS, journey_true)
    lang_str = _strings(("de", "en"), lang)
    fb_cols = {
        "feedback_id": fids,
        "customer_id": ids.take(pa.array(f["cust"], pa.int64())),
        "timestamp": _timestamps(f["t"], fmt),
        "channel": _strings(co.FEEDBACK_CHANNELS, f["channel"]),
        "language": masked(lang_str, f["lang_filled"]),
        "journey": masked(j_str, f["explicit"]),
        "touchpoint": masked(tp_str, f["explicit"]),
        "rating": _ints(f["rating"]),
        "nps": _ints(f["nps"]),
        "text": pa.array(f["text"], pa.string()),
    }
    truth_fb = {
        "feedback_id": fids,
        "journey": masked(j_str, has_tp),
        "touchpoint": masked(tp_str, has_tp),
        "sentiment": _floats(f["sentiment"], 3),
        "sentiment_label": _strings(gen.LABELS, f["label"]),
        "linkable": pa.array(f["linkable"], pa.bool_()),
        "has_pii": pa.array(f["pii"], pa.bool_()),
        "language": lang_str,
        "pii_kind": pa.array(f["pii_kind"], pa.string()),
    }
    names = [p.name for p in co.PERSONAS]
    keys = [p.key for p in co.PERSONAS]
    truth_c = {
        "customer_id": ids,
        "persona_id": pa.array(chunk.persona, pa.int64()),
        "persona_name": _strings(tuple(names), chunk.persona),
        "persona_key": _strings(tuple(keys), chunk.persona),
    }
    return {
        "customers": pa.table(cust_cols),
        "events": pa.table(ev_cols),
        "feedback": pa.table(fb_cols),
        "truth_customers": pa.table(truth_c),
        "truth_feedback": pa.table(truth_fb),
    }
