"""Numbers in running text in the report's language (``en`` or ``de``).

One place for the German number marks (decimal comma, thousands point, ``20 %``) that the
tables (:mod:`cjwork.reports.display`), the figures (:mod:`cjwork.plots`) and the sentences
of the analyses (e.g. :func:`cjwork.journeys.process_feedback.describe_band_effect`) share.
"""

from __future__ import annotations

import math
import numbers
import string
from typing import Any

import pandas as pd


def german_marks(text: str) -> str:
    """``1,234.5`` → ``1.234,5``: swap the decimal and thousands marks of formatted numbers."""
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class _GermanFormatter(string.Formatter):
    """``str.format`` that writes numbers German-style: decimal comma, thousands point and
    ``20 %`` for the ``%`` format."""

    def format_field(self, value: Any, format_spec: str) -> str:
        out = format(value, format_spec)
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            out = german_marks(out)
            if format_spec.endswith("%"):
                out = out[:-1] + " %"
        return out


def format_text(template: str, language: str = "en", /, **values: Any) -> str:
    """``template.format(**values)``; in German the numbers get a decimal comma, a thousands
    point and ``20 %`` (``{n:,}`` → ``1.060``, ``{d:+.2f}`` → ``-0,26``, ``{r:.0%}`` → ``20 %``)."""
    if language == "de":
        return _GermanFormatter().format(template, **values)
    return template.format(**values)


def format_p(p: Any, language: str = "en", spec: str = ".2g") -> str:
    """A p-value with its ``p``: ``p = 0.023`` (``spec``) in English; in German one style
    everywhere: ``p < 0,001`` below 0.001, else ``p = 0,023`` (two significant digits)."""
    if p is None or p is pd.NA or not math.isfinite(float(p)):
        return "p n. v." if language == "de" else "p n/a"
    if language == "de":
        return "p < 0,001" if p < 0.001 else "p = " + german_marks(format(float(p), ".2g"))
    return f"p = {p:{spec}}"
