"""Reading and sniffing files, schemas and validation, the :class:`Workspace`."""

from cjwork.io.loader import ValidationReport, load_workspace, validate_workspace, write_rejected
from cjwork.io.outputs import (
    OutputGuard,
    check_not_input,
    staged_outputs,
    write_bytes_atomic,
    write_csv,
    write_csv_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from cjwork.io.workspace import TABLES, Workspace

__all__ = [
    "OutputGuard",
    "TABLES",
    "ValidationReport",
    "Workspace",
    "check_not_input",
    "load_workspace",
    "staged_outputs",
    "validate_workspace",
    "write_bytes_atomic",
    "write_csv",
    "write_csv_atomic",
    "write_parquet_atomic",
    "write_rejected",
    "write_text_atomic",
]
