"""Words and numbers of the figures in the report's language (``en`` or ``de``).

Each figure module keeps its own texts as ``{"en": {...}, "de": {...}}``; :func:`texts` picks
one. An unknown language falls back to English, as the persona cards and the report's
tables do. In German, numbers the figure writes as text get a decimal comma and a thousands
point (``3.310``, ``+0,42``, ``14 %``), and plain numeric tick labels a decimal comma.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from matplotlib.ticker import ScalarFormatter

from cjwork.formatting import german_marks

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LANGUAGES = ("en", "de")


def texts(table: Mapping[str, Mapping[str, str]], language: str) -> Mapping[str, str]:
    """The entry of ``table`` for ``language`` (English for any other language)."""
    return table.get(language, table["en"])


def number(value: float, spec: str, language: str) -> str:
    """``format(value, spec)``; in German with ``,`` as decimal and ``.`` as thousands mark."""
    out = format(value, spec)
    return german_marks(out) if language == "de" else out


def percent(value: float, language: str, digits: int = 0) -> str:
    """A share as percent: ``14%`` in English, ``14 %`` in German."""
    if language == "de":
        return number(value * 100, f",.{digits}f", language) + " %"
    return format(value, f".{digits}%")


class _CommaFormatter(ScalarFormatter):
    """Matplotlib's default tick labels with a decimal comma."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")

    def get_offset(self) -> str:
        return super().get_offset().replace(".", ",")


def decimal_comma(ax: Axes, language: str) -> None:
    """In German, give ``ax``'s plain numeric tick labels a decimal comma (dates, fixed
    labels and other formatters stay as they are)."""
    if language != "de":
        return
    for axis in (ax.xaxis, ax.yaxis):
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(_CommaFormatter())
