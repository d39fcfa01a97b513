"""A small phrase grammar for synthetic customer feedback in German and English.

A comment is built from an optional opener, a main clause about the touchpoint (either a
touchpoint-specific phrase or a generic frame around a noun phrase from the touchpoint's
vocabulary), an optional second aspect (same or contrasting polarity), an optional closer,
emoji, and then noise: ae/oe/ue spellings, lower case, typos, missing punctuation and,
for a few percent, personal data (e-mail addresses, phone numbers, IBANs, names after
Herr/Frau/Mr/Ms). All randomness comes from the generator passed in.

The phrases themselves are data: ``cjwork/resources/sample/feedback/de.yml`` and ``en.yml``
(frames, openers, closers, touchpoint vocabulary and clauses, personal-data templates) and
``common.yml`` (emoji, names, mail domains), read once at import into the tables below.
Phrases are drawn by their position in a list, so the order in the files is part of the
sample: the same files, ``--customers`` and ``--seed`` give the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources
from typing import Any

import numpy as np
import yaml

from cjwork.journeymap import JourneyMap

NEG, NEU, POS = 0, 1, 2
#: the label names the phrase files use, in the label codes of :func:`compose`
LABELS = {"negative": NEG, "neutral": NEU, "positive": POS}
#: where the phrase files live (inside the package)
PHRASES = "resources/sample/feedback"


def read_phrases(name: str) -> dict[str, Any]:
    """One phrase file of ``cjwork/resources/sample/feedback/`` (``de``, ``en``, ``common``)."""
    text = resources.files("cjwork").joinpath(f"{PHRASES}/{name}.yml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _labelled(table: dict[str, Any]) -> dict[Any, Any]:
    """Label names ("positive") as label codes (POS); other keys ("contrast_pos") stay."""
    return {LABELS.get(key, key): value for key, value in table.items()}


def _pairs(rows: list[list[str]]) -> list[tuple[str, ...]]:
    return [tuple(row) for row in rows]


_COMMON = read_phrases("common")
_LANG = {lang: read_phrases(lang) for lang in ("de", "en")}

# ------------------------------------------------------------------ the tables
# The same shapes as before the phrases moved to files: {language: {label: [phrase, ...]}}.

#: intensifier words: {lang: {"strong" | "weak": [...]}}
INTENS = {lang: doc["intensifiers"] for lang, doc in _LANG.items()}
#: generic frames: {N}: a noun phrase (nominative, with article) · {B}: the bare noun ·
#: {I}: intensifier
FRAMES = {lang: _labelled(doc["frames"]) for lang, doc in _LANG.items()}
#: frames usable with a generic noun (no bare-noun slot)
NOUN_FRAMES = {
    lang: {lab: [f for f in frames if "{B}" not in f] for lab, frames in by_label.items()}
    for lang, by_label in FRAMES.items()
}
#: generic noun phrases that mention no touchpoint at all (unlinkable texts)
GENERIC_NOUNS = {lang: _pairs(doc["generic_nouns"]) for lang, doc in _LANG.items()}
OPENERS = {lang: _labelled(doc["openers"]) for lang, doc in _LANG.items()}
CLOSERS = {lang: _labelled(doc["closers"]) for lang, doc in _LANG.items()}
SECOND = {lang: _labelled(doc["second"]) for lang, doc in _LANG.items()}
EMOJI = _labelled(_COMMON["emoji"])
GENERAL = {lang: _labelled(doc["general"]) for lang, doc in _LANG.items()}
#: per touchpoint and language: "N": noun phrases (nominative, article, bare) built from the
#: keyword vocabulary; POS/NEG: self-contained clauses that mention the touchpoint
#: ({m}: minutes waited)
TP = {
    tp: {
        lang: {
            ("N" if key == "nouns" else LABELS[key]): (_pairs(value) if key == "nouns" else value)
            for key, value in _LANG[lang]["touchpoints"][tp].items()
        }
        for lang in _LANG
    }
    for tp in _LANG["de"]["touchpoints"]
}

# ------------------------------------------------------------------ personal data

SURNAMES = tuple(_COMMON["surnames"])
FIRSTNAMES = tuple(_COMMON["firstnames"])
DOMAINS = tuple(_COMMON["domains"])
PII_TEMPLATES = {lang: _pairs(doc["personal_data"]) for lang, doc in _LANG.items()}


def _iban(u: np.ndarray) -> str:
    digits = "".join(str(int(x * 10) % 10) for x in u[:18])
    check = 98 - int(digits + "131400") % 97
    raw = f"DE{check:02d}{digits}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _phone(u: np.ndarray) -> str:
    d = "".join(str(int(x * 10) % 10) for x in u[1:10])
    kind = int(u[0] * 5)
    return [
        f"+49 170 {d[:7]}",
        f"0221-{d[:6]}",
        f"0176 {d[:8]}",
        f"+49 (0)30 {d[:7]}",
        f"089/{d[:7]}",
    ][kind]


def _email(u: np.ndarray) -> str:
    first = FIRSTNAMES[int(u[0] * len(FIRSTNAMES))]
    last = _ascii(SURNAMES[int(u[1] * len(SURNAMES))]).lower()
    dom = DOMAINS[int(u[2] * len(DOMAINS))]
    sep = "." if u[3] < 0.6 else "_"
    num = str(int(u[4] * 90) + 10) if u[5] < 0.4 else ""
    return f"{first}{sep}{last}{num}@{dom}"


_TRANS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def _ascii(text: str) -> str:
    return text.translate(_TRANS)


def _pick(seq, u: float):
    return seq[min(int(u * len(seq)), len(seq) - 1)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_DECAP = {
    "Der",
    "Die",
    "Das",
    "Den",
    "Dem",
    "The",
    "Your",
    "Energy",
    "Big",
    "Nothing",
    "Everything",
    "It",
    "This",
}


def _decap(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first.lower() + " " + rest if rest else first.lower()) if first in _DECAP else text


def _typo(text: str, u1: float, u2: float) -> str:
    words = text.split(" ")
    cands = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not cands:
        return text
    i = _pick(cands, u1)
    w = words[i]
    j = 2 + int(u2 * (len(w) - 3))  # never the first letter
    words[i] = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :] if u2 < 0.6 else w[:j] + w[j + 1 :]
    return " ".join(words)


N_U = 20  # uniforms per row


def compose(
    rng: np.random.Generator,
    touchpoints: list[str],
    label: np.ndarray,
    strength: np.ndarray,
    english: np.ndarray,
    generic: np.ndarray,
    pii: np.ndarray,
    wait_min: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Compose one feedback text per row.

    Parameters
    ----------
    touchpoints : list of str
        The touchpoint each text is about ("" for general comments).
    label : array of int
        0 negative, 1 neutral, 2 positive.
    strength : array of float
        |sentiment|; above 0.55 intensifiers are used.
    english, generic, pii : bool arrays
        English text; avoid the touchpoint vocabulary; add personal data.
    wait_min : int array
        Minutes waited (used by some hotline and chat phrases).

    Returns
    -------
    texts, pii_kinds : lists of str
    """
    n = len(touchpoints)
    U = rng.random((n, N_U))
    P = rng.random((n, 24))  # digits for personal data
    out: list[str] = []
    kinds: list[str] = []
    for i in range(n):
        u = U[i]
        lang = "en" if english[i] else "de"
        lab = int(label[i])
        tpid = touchpoints[i]
        strong = strength[i] > 0.55
        inten = _pick(INTENS[lang]["strong" if strong else "weak"], u[0])
        m = max(1, int(wait_min[i])) if wait_min[i] > 0 else int(5 + u[1] * 40)
        if not tpid:
            main = _pick(GENERAL[lang][lab], u[2])
        else:
            spec = TP[tpid][lang]
            phrases = spec.get(lab) if lab != NEU else None
            if not generic[i] and phrases and u[3] < 0.55:
                main = _pick(phrases, u[2])
            else:
                if generic[i]:
                    noun, bare = _pick(GENERIC_NOUNS[lang], u[4])
                    frames = NOUN_FRAMES[lang][lab]
                else:
                    noun, bare = _pick(spec["N"], u[4])
                    frames = FRAMES[lang][lab]
                main = _pick(frames, u[2]).replace("{N}", noun).replace("{B}", bare)
        main = main.replace("{I}", inten).replace("{m}", str(m))
        parts = []
        if u[5] < 0.25:
            parts.append(_pick(OPENERS[lang][lab], u[6]))
        sentence = main
        if lab != NEU and u[7] < 0.3:
            if u[8] < 0.4:
                key = "contrast_pos" if lab == POS else "contrast_neg"
                sentence += ", " + _pick(SECOND[lang][key], u[9])
            else:
                sentence += ", " + _pick(SECOND[lang][lab], u[9])
        end = "!" if (lab != NEU and strong and u[10] < 0.5) else "."
        if lab == NEG and strong and u[10] < 0.15:
            end = "!!!"
        after_comma = bool(parts) and (parts[-1].endswith(",") or parts[-1] == "Sorry, aber")
        parts.append(_decap(sentence) + end if after_comma else _cap(sentence) + end)
        if u[11] < 0.3:
            closer = _pick(CLOSERS[lang][lab], u[12])
            if closer:
                parts.append(closer)
        kind = ""
        if pii[i]:
            tmpl, kind = _pick(PII_TEMPLATES[lang], u[13])
            pu = P[i]
            parts.append(
                tmpl.format(
                    email=_email(pu[:6]),
                    phone=_phone(pu[6:16]),
                    iban=_iban(pu[6:24]),
                    name=_pick(SURNAMES, pu[0]),
                )
            )
        text = _cap(" ".join(parts))
        if u[14] < 0.12:
            text += " " + _pick(EMOJI[lab], u[15])
        if lang == "de" and u[16] < 0.12:
            text = _ascii(text)
        if u[17] < 0.07:
            text = _typo(text, u[18], u[19])
        if u[18] < 0.08 and not kind:
            text = text.lower()
        if u[19] < 0.1 and text.endswith("."):
            text = text[:-1]
        out.append(unicodedata.normalize("NFC", text))
        kinds.append(kind)
    return out, kinds


def _norm(text: str) -> str:
    return _ascii(text.lower())


def keyword_patterns(jmap: JourneyMap) -> dict[str, re.Pattern[str]]:
    """One regex per touchpoint matching any of its keywords (both languages) at a word start.

    Matching is case-insensitive and umlaut-insensitive (ä = ae) and matches prefixes, so
    German compounds count ("Hotlinewartezeit" mentions "hotline").
    """
    pats = {}
    for j in jmap.journeys:
        for t in j.touchpoints:
            words = sorted(
                {_norm(w) for ws in t.keywords.values() for w in ws}, key=len, reverse=True
            )
            if words:
                pats[t.id] = re.compile(
                    r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + ")"
                )
    return pats


def linkable(
    texts: list[str], tp_codes: np.ndarray, tp_ids: tuple[str, ...], jmap: JourneyMap
) -> np.ndarray:
    """Whether each text mentions the vocabulary of its (true) touchpoint."""
    pats = keyword_patterns(jmap)
    out = np.zeros(len(texts), dtype=bool)
    for i, (text, code) in enumerate(zip(texts, tp_codes.tolist(), strict=True)):
        if code >= 0:
            pat = pats.get(tp_ids[code])
            out[i] = bool(pat and pat.search(_norm(text)))
    return out
