"""Dates, periods and small words in the report's language (``en`` or ``de``).

Numbers are formatted by :mod:`cjwork.formatting`; this module adds what a sentence needs
beside them: a date (``03.08.2026`` in German, ``3 Aug 2026`` in English), a reporting
period (``August 2026``, ``Woche ab 03.08.2026``, ``3. Quartal 2026``) and the translation
of the few fixed words that appear in generated text.

>>> format_period("2026-08-01", "month", "de")
'August 2026'
>>> format_date("2026-08-03", "de")
'03.08.2026'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["LANGUAGES", "format_date", "format_period", "pick", "MONTHS"]

LANGUAGES = ("en", "de")

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}


def pick(value: Any, language: str = "en") -> str:
    """One text from a ``{de: …, en: …}`` mapping (or the value itself when it is a string):
    the ``language`` entry, else English, else the first one."""
    if isinstance(value, Mapping):
        for key in (language, "en", *value.keys()):
            if value.get(key):
                return str(value[key])
        return ""
    return "" if value is None else str(value)


def _timestamp(value: Any) -> pd.Timestamp | None:
    if value is None or value is pd.NaT:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts


def format_date(value: Any, language: str = "en") -> str:
    """A day: ``03.08.2026`` in German, ``2026-08-03`` (ISO) in English; ``–`` when missing."""
    ts = _timestamp(value)
    if ts is None:
        return "–"
    return f"{ts:%d.%m.%Y}" if language == "de" else f"{ts:%Y-%m-%d}"


def format_period(start: Any, period: str = "month", language: str = "en") -> str:
    """A reporting period from its first day: ``August 2026`` (month), ``week of 2026-08-03``
    / ``Woche ab 03.08.2026`` (week), ``Q3 2026`` / ``3. Quartal 2026`` (quarter)."""
    ts = _timestamp(start)
    if ts is None:
        return "–" if start is None else str(start)
    if period == "week":
        day = format_date(ts, language)
        return f"Woche ab {day}" if language == "de" else f"week of {day}"
    if period == "quarter":
        q = (ts.month - 1) // 3 + 1
        return f"{q}. Quartal {ts.year}" if language == "de" else f"Q{q} {ts.year}"
    months = MONTHS.get(language, MONTHS["en"])
    return f"{months[ts.month - 1]} {ts.year}"
