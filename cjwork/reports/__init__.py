"""Reports: the report notebook's building blocks, the papermill batch runner, the manifest
and the HTML export.

>>> from cjwork.reports import run_reports                       # doctest: +SKIP
>>> result = run_reports("data/sample", ["onboarding"], "reports")  # doctest: +SKIP
>>> result.exit_code                                            # doctest: +SKIP
0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cjwork.reports.params import DEFAULTS, ReportParams, validate_params

if TYPE_CHECKING:
    from cjwork.reports.runner import BatchResult

__all__ = ["DEFAULTS", "ReportParams", "run_reports", "validate_params"]


def run_reports(*args: Any, **kwargs: Any) -> BatchResult:
    """Run the report notebook for journeys (see :func:`cjwork.reports.runner.run_reports`)."""
    from cjwork.reports.runner import run_reports as _run

    return _run(*args, **kwargs)
