"""Masking personal data in quotes: e-mail addresses, phone numbers, IBANs and names
after a salutation (Herr/Frau/Mr/Ms/Mrs/Dr).

Use :func:`mask_pii` everywhere a customer's words are shown (reports, profiles, tables).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# phone numbers: +49 / 0049 / 0 prefixes, digit groups with spaces, slashes, dashes, dots
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s/().-]{0,2}\d){6,16}(?!\w)")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}")
_NAME = re.compile(
    r"\b(Herrn?|Frau|Fr\.|Hr\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.?|Prof\.?)(\s+(?:Dr\.?\s+|Prof\.?\s+)?)"
    r"((?:[A-ZÄÖÜ]|[a-zäöüß]+[A-ZÄÖÜ])[\w'’-]*(?:\s+[A-ZÄÖÜ][\w'’-]+)?)"
)


def _mask_one(series: pd.Series, pattern: re.Pattern, repl) -> pd.Series:
    return series.str.replace(pattern, repl, regex=True)


def mask_pii(
    texts: str | Sequence[Any] | pd.Series,
    email: str = "[E-MAIL]",
    phone: str = "[PHONE]",
    iban: str = "[IBAN]",
    name: str = "[NAME]",
) -> str | list[Any] | pd.Series:
    """Mask e-mail addresses, IBANs, phone numbers and names after salutations.

    Parameters
    ----------
    texts : str, sequence of str or pandas.Series
        Texts to mask; missing values stay missing.
    email, phone, iban, name : str
        Replacement markers.

    Returns
    -------
    str, list of str or pandas.Series
        The same shape as the input.

    Examples
    --------
    >>> mask_pii("Herr Müller (mueller@example.de, 0171 2345678) bat um Rückruf.")
    'Herr [NAME] ([E-MAIL], [PHONE]) bat um Rückruf.'
    >>> mask_pii(["IBAN DE89 3704 0044 0532 0130 00 bitte prüfen", "Ms Smith was kind"])
    ['IBAN [IBAN] bitte prüfen', 'Ms [NAME] was kind']
    """
    single = isinstance(texts, str)
    series_in = isinstance(texts, pd.Series)
    s = pd.Series([texts] if single else texts, dtype=object)
    is_str = s.map(type).eq(str) if len(s) else pd.Series([], dtype=bool)
    work = s.where(is_str, "").astype(str)
    work = _mask_one(work, _EMAIL, email)
    work = _mask_one(work, _IBAN, iban)
    work = _mask_one(
        work, _PHONE, lambda m: m.group(0) if _DATE.fullmatch(m.group(0).strip()) else phone
    )
    work = _mask_one(work, _NAME, lambda m: f"{m.group(1)}{m.group(2)}{name}")
    out = s.where(~is_str, work)
    if single:
        return out.iat[0]
    if series_in:
        out.index = texts.index
        out.name = texts.name
        return out
    return out.tolist()


def has_pii(texts: Sequence[Any] | pd.Series) -> pd.Series:
    """Whether each text contains something :func:`mask_pii` would mask (bool Series)."""
    s = pd.Series(texts, dtype=object)
    masked = pd.Series(mask_pii(s.tolist()), dtype=object)
    return (masked != s).fillna(False).astype(bool).reset_index(drop=True)
