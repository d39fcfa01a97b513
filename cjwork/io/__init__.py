"""Reading and sniffing files, schemas and validation, the :class:`Workspace`."""

from cjwork.io.loader import ValidationReport, load_workspace, validate_workspace, write_rejected
from cjwork.io.workspace import TABLES, Workspace
from cjwork.io.writing import (
    check_not_input,
    write_bytes_atomic,
    write_csv_atomic,
    write_parquet_atomic,
    write_text_atomic,
)

__all__ = [
    "TABLES",
    "ValidationReport",
    "Workspace",
    "check_not_input",
    "load_workspace",
    "validate_workspace",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_parquet_atomic",
    "write_rejected",
    "write_text_atomic",
]
