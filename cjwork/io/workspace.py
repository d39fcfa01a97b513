"""The validated :class:`Workspace`: one journey map plus up to three tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cjwork.errors import Problem
from cjwork.journeymap import JourneyMap

TABLES = ("customers", "events", "feedback")


@dataclass
class Workspace:
    """A journey workspace as loaded by :func:`cjwork.load`.

    Attributes
    ----------
    path : Path
        The data directory.
    journeys : JourneyMap
        The journey map from ``journeys.yml``.
    customers, events, feedback : pandas.DataFrame or None
        The tables with proper dtypes (ids and text as strings, ``journey``/``touchpoint``/
        ``channel`` as categoricals, ``timestamp`` as UTC ``datetime64``), ``None`` where
        the file is absent.
    files : dict
        Table name → the file it was read from.
    rejected : dict
        Table name → rows set aside in lenient mode (with a ``problem`` column); empty
        when loading strictly.
    warnings : list of Problem
        Things worth knowing that did not stop loading.
    """

    path: Path
    journeys: JourneyMap
    customers: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)
    rejected: dict[str, pd.DataFrame] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame | None:
        """Return a table by name (``customers``, ``events`` or ``feedback``)."""
        if name not in TABLES:
            raise KeyError(f"unknown table '{name}'; tables are {', '.join(TABLES)}")
        return getattr(self, name)

    def require(self, *names: str) -> None:
        """Raise a clear :class:`~cjwork.errors.DataError` if a needed table is absent."""
        from cjwork.errors import DataError

        missing = [n for n in names if self.table(n) is None]
        if missing:
            raise DataError(
                [
                    Problem(
                        f"{n}.csv",
                        None,
                        None,
                        f"this analysis needs {n}.csv or {n}.parquet in {self.path}",
                    )
                    for n in missing
                ],
                summary=f"missing table(s): {', '.join(missing)}",
            )

    def __repr__(self) -> str:
        def size(df: pd.DataFrame | None) -> str:
            return "absent" if df is None else f"{len(df):,} rows"

        return (
            f"Workspace({str(self.path)!r}, journeys={len(self.journeys)}, "
            f"customers={size(self.customers)}, events={size(self.events)}, "
            f"feedback={size(self.feedback)})"
        )
