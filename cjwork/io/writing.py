"""Atomic writers and the input guard (kept for existing imports).

Everything lives in :mod:`cjwork.io.outputs`; new code imports from there, and writes
every CSV file with :func:`cjwork.io.outputs.write_csv`.
"""

from __future__ import annotations

import os  # noqa: F401  (tests patch ``writing.os.replace``)

from cjwork.io.outputs import (
    atomic_path,
    check_not_input,
    protect_inputs,
    release_inputs,
    write_bytes_atomic,
    write_csv,
    write_csv_atomic,
    write_parquet_atomic,
    write_text_atomic,
)

__all__ = [
    "atomic_path",
    "check_not_input",
    "protect_inputs",
    "release_inputs",
    "write_bytes_atomic",
    "write_csv",
    "write_csv_atomic",
    "write_parquet_atomic",
    "write_text_atomic",
]
