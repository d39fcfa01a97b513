"""Customer partitions: a stable hash of ``customer_id`` decides where a customer's rows go.

A case never spans customers, so every per-customer partition can be analysed alone; the
Dask engine, the lake writer and the distributed text/persona steps all split the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.errors import UsageError


def customer_bucket(customer_id: pd.Series, n: int) -> np.ndarray:
    """The partition of each event: a stable hash of ``customer_id`` modulo ``n``."""
    h = pd.util.hash_pandas_object(customer_id.astype("string"), index=False).to_numpy()
    return (h % np.uint64(n)).astype(np.int64)


def split_by_customer(events: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    """Split an event frame into ``n`` customer partitions, keeping the row order in each."""
    if n < 1:
        raise UsageError(f"npartitions must be >= 1, got {n}")
    b = customer_bucket(events["customer_id"], n)
    return [events.iloc[np.flatnonzero(b == i)] for i in range(n)]
