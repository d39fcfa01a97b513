"""Reading and sniffing files, schemas and validation, the :class:`Workspace`."""

from cjwork.io.workspace import TABLES, Workspace

__all__ = ["TABLES", "Workspace"]
