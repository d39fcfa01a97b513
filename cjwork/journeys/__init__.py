"""Event-level journey analytics on DuckDB: cases, paths, funnels, timing, process KPIs.

Every function takes a :class:`~cjwork.journeys.engine.Prepared` (the event table and the
journey map loaded into DuckDB by :func:`~cjwork.journeys.engine.prepare`) and returns a
small pandas DataFrame.
"""

from cjwork.journeys.engine import Prepared, prepare

__all__ = ["Prepared", "prepare"]
