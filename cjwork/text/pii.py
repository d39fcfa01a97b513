"""Masking personal data in quotes: e-mail addresses, IBANs, phone numbers and names after
a salutation.

Use :func:`mask_pii` everywhere a customer's words are shown (reports, owner reports,
persona cards, the explorer, tables). The rules, in the order they are applied:

* **e-mail addresses** (``name@host.tld``, any case, any script in the local part);
* **IBANs** in any case, with or without spaces (``DE89 3704 0044 0532 0130 00``,
  ``de89370400440532013000``, ``GB29 NWBK 6016 1331 9268 19``): two letters, two check
  digits and letters/digits in groups, 15–34 characters with at least 8 digits (an ISIN,
  12 characters, is not masked);
* **phone numbers** in national and international formats (``+49 (0) 171 / 234 56 78``,
  ``0049 171 2345678``, ``+1 (555) 123-4567``, ``0171-2345678``, ``(0221) 123456``):
  7–17 digits in groups separated by spaces, ``/``, ``-``, ``.`` or parentheses. Dates
  (``12.03.2024``, ``31. 12. 2015``, ``2024-03-12``), times, amounts (``120 €``,
  ``1.234,56``, ``149 480 000``), year ranges (``1743–1812``) and numbers of fewer than 7
  digits are left alone;
* **names after a salutation** in any case and script: ``Herr``/``Herrn``/``Hr.``,
  ``Frau``/``Fr.``, ``Mr``/``Mrs``/``Ms``/``Miss``/``Mx``, ``Dr``, ``Prof``, ``Sr``/``Sra``/
  ``Srta``, ``Don``/``Doña``, ``Mme``/``Mlle``/``Madame``/``Monsieur``, ``Sig.``/
  ``Signora``, ``Pan``/``Pani`` — with titles in between (``Frau Prof. Dr. Łukasiewicz``),
  name particles (``Herr von der Heide``), apostrophes and hyphens (``Mr. O'Neill``,
  ``Frau Schulze-Meyer``), also after an article (``die nette Frau Müller``). A salutation
  alone (``Frau``), after a possessive (``meine Frau hat angerufen``), followed by an
  ordinary word (``die frau am telefon``) or, when capitalised, by a lower-case word
  (``eine Frau unter der Brücke``, ``Mo-Fr geöffnet``) is kept; lower-case names count
  after lower-case salutations (``herr meier``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["has_pii", "mask_pii"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# IBAN: country code, check digits, then the BBAN in groups (spaces optional), any case
_IBAN = re.compile(
    r"(?<![^\W_])[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,4})?(?![^\W_])",
    re.IGNORECASE,
)
# phone numbers: +49 / 0049 / 0 prefixes, digit groups with spaces, slashes, dashes, dots
# and parentheses between them; 7 to 17 digits in all
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00|\()?\s?\d(?:[ \u00a0\t/().\-–]{0,4}\d){6,16}(?:\))?(?!\w|,\d)"
)
_DATE = re.compile(
    r"\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})|\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?"
)
# not phone numbers: thousands-grouped amounts (1 234 567, 149.480.000) and year ranges
# (1743–1812) that do not start like a phone number (+, 00, 0, a bracket)
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:[ .\u00a0]\d{3})+|\d{4}\s?[-–]\s?\d{4}")

_LETTER = r"[^\W\d_]"
#: salutations, longest first within a family; matched in any case, "." optional
_SALUTATIONS = (
    "herrn|herr|hrn|hr|frau|fräulein|frl|fr|mrs|mr|ms|miss|mx|dr|prof|"
    "señora|señorita|señor|sra|srta|sr|doña|don|dona|"
    "madame|mademoiselle|monsieur|mme|mlle|signora|signorina|signor|sig\\.ra|sig|"
    "pani|pan|sir|madam|dame|lady|lord"
)
_TITLES = r"(?:(?:dr|prof|dipl|ing|med|rer|nat|phil|jur|mag)\.?\s+)*"
_PARTICLES = (
    r"(?:(?:von|van|vom|zu|zur|de|der|den|del|della|di|da|du|dos|das|le|la|ten|ter|af|av)\s+)*"
)
_NAME_WORD = rf"{_LETTER}(?:{_LETTER}|['’\-]{_LETTER})*"
_NAME = re.compile(
    rf"(?<!{_LETTER})(?P<sal>{_SALUTATIONS})(?P<gap>(?:\.\s*|\s+){_TITLES})"
    rf"(?P<particles>{_PARTICLES})(?P<first>{_NAME_WORD})(?P<rest>\s+{_NAME_WORD})?",
    re.IGNORECASE,
)
#: salutations written with a full stop (a full word before a "." ends a sentence)
_ABBREVIATIONS = frozenset(
    "hr hrn fr frl mr mrs ms mx dr prof sr sra srta mme mlle sig sig.ra dipl".split()
)
#: salutations that are also ordinary words: a name only when written with a capital
_AMBIGUOUS = frozenset("miss don dona pan dame lady lord sir madam".split())
#: lower-case words after a salutation that show it is an ordinary noun, not a name
_NOT_A_NAME = frozenset(
    """
    am an auf aus bei beim bin bitte da dass das dem den der des die doch dort du ein eine
    einem einen einer eines er es gab ganz gar gerade gestern hat hatte hatten heute hier ich
    ihr im in ist ja jetzt kam kann konnte leider man mir mich mit muss nach nicht noch nun
    nur ob oder ruft rief sagt sagte schon sehr sei sich sie sind so sofort soll über um und
    uns vom von vor war waren was weil wer wie wieder will wir wird wo wollte wurde zu zum zur
    a about after again also an and are as asked at be because but by called can could did
    does for from had has have he her here him his how i if in is it just later my no not now
    of on or our please really said says she so still that the then there they this to told
    very was we were what when where which who will with would yes you your
    """.split()
)
#: possessives before a salutation make it a noun ("meine Frau", "unsere Frau vom Service");
#: articles and adjectives do not ("die nette Frau Müller" names her)
_NOUN_BEFORE = re.compile(
    r"(?:\b(?:meine|meiner|meinem|meines|seine|seiner|seinem|ihre|ihrer|ihrem|deine|deiner|"
    r"unsere|unserer|eure|eurer|jede|jeder|keine|keiner|my|his|her|your|our|their|every|no)"
    r"\s+)$",
    re.IGNORECASE,
)


def _iban(m: re.Match[str], marker: str) -> str:
    """The marker for an IBAN-like match, keeping a trailing word the pattern took
    (``LU12 5015 4413 und``); the text unchanged when what is left is no IBAN."""
    text = m.group(0)
    head, sep, last = text.rpartition(" ")
    if sep and not any(ch.isdigit() for ch in last):
        text, tail = head, sep + last
    else:
        tail = ""
    chars = [ch for ch in text if ch.isalnum()]
    digits = sum(ch.isdigit() for ch in chars)
    # IBANs are 15 (Norway) to 34 characters; shorter codes (ISINs, 12) are not IBANs
    if digits >= 8 and 15 <= len(chars) <= 34:
        return marker + tail
    return m.group(0)


def _phone(m: re.Match[str]) -> bool:
    """Whether a phone-like match is a phone number (not a date, time or amount)."""
    text = m.group(0).strip()
    if _DATE.search(text) or _AMOUNT.fullmatch(text.strip("() ")):
        return False
    digits = sum(ch.isdigit() for ch in text)
    return 7 <= digits <= 17


def _name(m: re.Match[str], name: str) -> str:
    sal, first, rest = m.group("sal"), m.group("first"), m.group("rest")
    if sal.lower() in _AMBIGUOUS and not sal[0].isupper():
        return m.group(0)
    if m.group("gap").startswith(".") and sal.lower() not in _ABBREVIATIONS:
        return m.group(0)  # "der jungen Frau. Sag ihr": a full stop, not an abbreviation
    if first.lower() in _NOT_A_NAME and not first[0].isupper():
        return m.group(0)
    if sal[0].isupper() and first[0].islower() and not sal.isupper():
        return m.group(0)  # "eine Frau unter der Brücke": who writes "Frau", writes "Meier"
    if m.group("particles") and not first[0].isupper() and not sal.islower():
        return m.group(0)  # "Frau von nebenan"
    if _NOUN_BEFORE.search(m.string[max(0, m.start() - 20) : m.start()]):
        return m.group(0)  # "meine Frau", "the doctor"
    head = f"{sal}{m.group('gap')}{name}"
    if rest is None:
        return head
    word = rest.strip()
    # a second capitalised word after a capitalised name is the surname: "Mr. John Smith"
    if first[0].isupper() and word[0].isupper() and word.lower() not in _NOT_A_NAME:
        return head
    return head + rest


def _mask_text(text: str, email: str, phone: str, iban: str, name: str) -> str:
    text = _EMAIL.sub(email, text)
    text = _IBAN.sub(lambda m: _iban(m, iban), text)
    text = _PHONE.sub(lambda m: _keep_edges(m, phone) if _phone(m) else m.group(0), text)
    return _NAME.sub(lambda m: _name(m, name), text)


def _keep_edges(m: re.Match[str], marker: str) -> str:
    """The marker, keeping a space the phone pattern took at its start and unmatched
    parentheses outside the number (``(Tel. 0171 2345678)`` keeps its closing bracket)."""
    text = m.group(0)
    lead = text[: len(text) - len(text.lstrip())]
    tail = ")" if text.endswith(")") and text.count("(") < text.count(")") else ""
    return f"{lead}{marker}{tail}"


def mask_pii(
    texts: str | Sequence[Any] | pd.Series,
    email: str = "[E-MAIL]",
    phone: str = "[PHONE]",
    iban: str = "[IBAN]",
    name: str = "[NAME]",
) -> str | list[Any] | pd.Series:
    """Mask e-mail addresses, IBANs, phone numbers and names after salutations.

    The rules are listed in the module's documentation (:mod:`cjwork.text.pii`).

    Parameters
    ----------
    texts : str, sequence of str or pandas.Series
        Texts to mask; missing values (and other non-strings) stay as they are.
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
    >>> mask_pii(["IBAN de89 3704 0044 0532 0130 00 bitte prüfen", "frau łukasiewicz was kind"])
    ['IBAN [IBAN] bitte prüfen', 'frau [NAME] was kind']
    >>> mask_pii("Ruf mich an: +49 (0) 171 / 234 56 78, 120 € am 12.03.2024")
    'Ruf mich an: [PHONE], 120 € am 12.03.2024'
    """
    if isinstance(texts, str):
        return _mask_text(texts, email, phone, iban, name)
    s = pd.Series(texts, dtype=object) if not isinstance(texts, pd.Series) else texts
    out = s.map(
        lambda t: _mask_text(t, email, phone, iban, name) if isinstance(t, str) else t,
        na_action=None,
    ).astype(object)
    if isinstance(texts, pd.Series):
        out.index = texts.index
        out.name = texts.name
        return out
    return out.tolist()


def has_pii(texts: Sequence[Any] | pd.Series) -> pd.Series:
    """Whether each text contains something :func:`mask_pii` would mask (bool Series)."""
    s = pd.Series(texts, dtype=object)
    masked = pd.Series(mask_pii(s.tolist()), dtype=object)
    return (masked != s).fillna(False).astype(bool).reset_index(drop=True)
