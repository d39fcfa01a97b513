"""The persona of each customer id, looked up in Arrow (hashing, no Python string objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


class Assignments:
    """Persona of each customer id, looked up in Arrow (hashing, no Python string objects)."""

    def __init__(self, assignments: pd.DataFrame) -> None:
        import pyarrow as pa

        self.ids = arrow_strings(assignments["customer_id"])
        pid = pd.to_numeric(assignments["persona_id"], errors="coerce").to_numpy(dtype=float)
        self.persona = np.where(np.isnan(pid), -1, pid).astype(np.int64)  # -1: no persona
        has = self.persona >= 0
        self.frame = pa.table(
            {"customer_id": self.ids.filter(pa.array(has)), "persona_id": self.persona[has]}
        )

    def persona_of(self, customer_ids: ArrayLike) -> np.ndarray:
        """Persona id per customer id, -1 for ids without an assignment (or missing)."""
        import pyarrow.compute as pc

        pos = pc.index_in(arrow_strings(customer_ids), value_set=self.ids)
        pos = np.asarray(pos.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.where(pos >= 0, self.persona[np.maximum(pos, 0)], -1)


def arrow_strings(values):
    """Strings as an Arrow array (zero-copy for pandas' Arrow-backed string columns)."""
    import pyarrow as pa

    arr = pa.array(pd.Series(values).astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())
