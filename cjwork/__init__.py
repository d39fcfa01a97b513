"""cjwork — a Jupyter-based workbench for customer journey management.

>>> import cjwork
>>> ws = cjwork.load("data/sample")          # doctest: +SKIP
>>> ws.journeys.journey_ids                  # doctest: +SKIP
['purchase', 'onboarding', 'service', 'cancellation']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cjwork._version import __version__
from cjwork.errors import CjworkError, DataError, JourneyMapError, Problem, UsageError
from cjwork.io import Workspace
from cjwork.journeymap import JourneyMap, load_journey_map

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "CjworkError",
    "DataError",
    "JourneyMap",
    "JourneyMapError",
    "Problem",
    "UsageError",
    "Workspace",
    "__version__",
    "load",
    "load_journey_map",
]


def load(path: str | Path, *, lenient: bool = False) -> Workspace:
    """Load and validate a journey workspace (see :func:`cjwork.io.load_workspace`)."""
    from cjwork.io.loader import load_workspace

    return load_workspace(path, lenient=lenient)
