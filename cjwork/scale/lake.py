"""Event logs in a data lake: hive-partitioned Parquet directories, local or remote.

A lake is a directory of Parquet files, optionally hive-partitioned
(``events/customer_bucket=07/year=2025/part-0.parquet``), on a local disk or any fsspec
file system (``s3://``, ``gs://``, ``abfs://`` … when the user has ``s3fs``, ``gcsfs`` …
installed). :func:`open_lake` only *lists* the files; nothing is read in the client.

Customer partitions
-------------------
The analyses need every event of a customer in one partition
(:mod:`cjwork.scale.dask_engine`). When the lake is partitioned by a customer key — a
hive column (default ``customer_bucket``) whose value is a function of ``customer_id``
(e.g. ``hash(customer_id) % 64``, which is how :func:`write_lake` and the benchmark write
it) — each bucket's files are one partition and each worker reads only its own files:
with DuckDB, out of core, for local files; with pyarrow through fsspec for remote ones.
Files are kept in lake order (sorted paths), so timestamp ties break exactly as when one
process reads the whole lake.

A lake without such a column is re-partitioned by ``hash(customer_id)`` with a Dask
DataFrame shuffle (:meth:`Lake.customer_partitions` with ``shuffle=True``); the global
file-row order is carried along and restored in every partition.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import DataError, Problem, UsageError

if TYPE_CHECKING:
    import pyarrow as pa

HIVE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([^/]+)")
DEFAULT_BUCKET_KEY = "customer_bucket"


@dataclass
class Lake:
    """The Parquet files of a lake (listed, not read).

    Attributes
    ----------
    url : str
    files : list of str
        Full paths or URLs, sorted (lake order).
    hive : DataFrame
        One row per file: the hive key values found in its path (strings).
    storage_options : dict
        Passed to fsspec for remote file systems.
    bucket_key : str
        The hive column that partitions customers.
    """

    url: str
    files: list[str]
    hive: pd.DataFrame
    storage_options: dict = field(default_factory=dict)
    bucket_key: str = DEFAULT_BUCKET_KEY

    @property
    def is_local(self) -> bool:
        """True for plain paths and ``file://`` URLs (read by DuckDB directly)."""
        return "://" not in self.url or self.url.startswith("file://")

    @property
    def bucketed(self) -> bool:
        """True when the lake is hive-partitioned by :attr:`bucket_key`."""
        return self.bucket_key in self.hive.columns and self.hive[self.bucket_key].notna().all()

    def customer_partitions(self, npartitions: int | None = None, shuffle: bool = False) -> list:
        """Partition specs for :func:`read_partition`: one per customer bucket.

        Parameters
        ----------
        npartitions : int, optional
            Group the buckets into this many partitions (default: one per bucket).
        shuffle : bool
            Allow re-partitioning a lake that is not bucketed by customer (a Dask shuffle).

        Returns
        -------
        list of dict
            ``{"files": [...], "local": bool, "storage_options": {...}}`` per partition,
            or pandas frames when the lake was shuffled.
        """
        if not self.bucketed:
            if not shuffle:
                raise UsageError(
                    f"the lake {self.url} is not partitioned by '{self.bucket_key}'; write it "
                    f"with a {self.bucket_key}=hash(customer_id) % N hive column "
                    "(cjwork.scale.lake.write_lake) or allow a shuffle"
                )
            return shuffle_by_customer(self, npartitions or 16)
        keys = sorted(self.hive[self.bucket_key].unique(), key=_natural)
        n = len(keys) if npartitions is None else max(1, min(npartitions, len(keys)))
        groups: list[list[str]] = [[] for _ in range(n)]
        for i, k in enumerate(keys):
            groups[i % n].append(k)
        out = []
        for g in groups:
            sel = set(g)
            files = [
                f for f, k in zip(self.files, self.hive[self.bucket_key], strict=True) if k in sel
            ]
            out.append(
                {"files": files, "local": self.is_local, "storage_options": self.storage_options}
            )
        return out


def _natural(value: str):
    return (0, int(value)) if str(value).isdigit() else (1, str(value))


def open_lake(
    url: str | os.PathLike,
    storage_options: dict | None = None,
    bucket_key: str = DEFAULT_BUCKET_KEY,
) -> Lake:
    """List the Parquet files of a lake directory (local path or fsspec URL).

    Parameters
    ----------
    url : str or path
        ``/data/events``, ``file:///data/events``, ``s3://bucket/events`` …
    storage_options : dict, optional
        fsspec options (credentials, endpoint) for remote file systems.
    bucket_key : str
        Hive column that partitions customers.

    Raises
    ------
    UsageError
        The file system package for the URL is not installed.
    DataError
        No Parquet files under ``url``.
    """
    url = str(url)
    storage_options = dict(storage_options or {})
    if "://" not in url or url.startswith("file://"):
        root = Path(url.removeprefix("file://"))
        if not root.exists():
            raise DataError(
                [Problem(str(root), None, None, "no such directory; give the lake's root folder")],
                summary=f"lake {url} not found",
            )
        files = sorted(str(p) for p in root.rglob("*.parquet")) if root.is_dir() else [str(root)]
        rel = [str(Path(f).relative_to(root)) if root.is_dir() else "" for f in files]
    else:
        try:
            import fsspec

            fs, path = fsspec.core.url_to_fs(url, **storage_options)
        except ImportError as exc:
            raise UsageError(
                f"reading {url} needs the file system package for it ({exc.name}); "
                "e.g. pip install s3fs for s3://, gcsfs for gs://, adlfs for abfs://"
            ) from None
        found = sorted(p for p in fs.find(path) if p.endswith(".parquet"))
        proto = url.split("://", 1)[0]
        files = [f"{proto}://{p}" for p in found]
        rel = [p[len(path.rstrip("/")) + 1 :] for p in found]
    if not files:
        raise DataError(
            [
                Problem(
                    url,
                    None,
                    None,
                    "no .parquet files found; point at the events folder of the lake",
                )
            ],
            summary=f"no Parquet files in {url}",
        )
    hive = pd.DataFrame([dict(HIVE.findall(r)) for r in rel], index=range(len(files)))
    return Lake(
        url=url, files=files, hive=hive, storage_options=storage_options, bucket_key=bucket_key
    )


def read_partition(spec: dict) -> list[str] | pa.Table:
    """The events of one partition spec (on a worker).

    Local files are returned as paths, for DuckDB to read out of core; remote files are
    read with pyarrow through fsspec into one Arrow table.
    """
    files = spec["files"]
    if spec.get("local", True):
        return files
    import fsspec
    import pyarrow.parquet as pq

    tables = []
    for f in files:
        with fsspec.open(f, "rb", **spec.get("storage_options", {})) as fh:
            tables.append(pq.read_table(fh))
    import pyarrow as pa

    return pa.concat_tables(tables, promote_options="default")


def shuffle_by_customer(lake: Lake, npartitions: int) -> list:
    """Re-partition a lake that is not bucketed by customer: a Dask DataFrame shuffle.

    The global row order (file order, then row in file) is kept in ``_lake_row`` and each
    partition is sorted by it, so ties break as in a single read. Returns lazy pandas
    partitions as Dask ``delayed`` objects, one per customer partition.
    """
    import dask.dataframe as dd

    from cjwork.scale.partition import customer_bucket

    ddf = dd.read_parquet(lake.files, storage_options=lake.storage_options or None)
    lengths = ddf.map_partitions(len).compute()
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    def _rows(part: pd.DataFrame, offset: int) -> pd.DataFrame:
        return part.assign(
            _lake_row=np.arange(offset, offset + len(part), dtype=np.int64),
            _bucket=customer_bucket(part["customer_id"], npartitions),
        )

    parts = [
        ddf.get_partition(i).map_partitions(_rows, int(offsets[i])) for i in range(ddf.npartitions)
    ]
    shuffled = dd.concat(parts).shuffle("_bucket", npartitions=npartitions)
    return [
        d
        for d in shuffled.map_partitions(
            lambda p: p.sort_values("_lake_row", kind="stable").drop(
                columns=["_lake_row", "_bucket"]
            )
        ).to_delayed()
    ]


def write_lake(
    events: pd.DataFrame, out_dir: str | os.PathLike, buckets: int = 16, part: int = 0
) -> list[Path]:
    """Write events as a lake bucketed by customer (``customer_bucket=NN/part-PPPPP.parquet``).

    Call it repeatedly with increasing ``part`` to append chunks (rows of a customer keep
    their order across chunks because the file names sort in chunk order).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cjwork.scale.partition import customer_bucket

    out = Path(out_dir)
    b = customer_bucket(events["customer_id"], buckets)
    written = []
    for i in range(buckets):
        idx = np.flatnonzero(b == i)
        if not len(idx):
            continue
        d = out / f"{DEFAULT_BUCKET_KEY}={i:03d}"
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"part-{part:05d}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(pa.Table.from_pandas(events.iloc[idx], preserve_index=False), tmp)
        os.replace(tmp, path)
        written.append(path)
    return written
