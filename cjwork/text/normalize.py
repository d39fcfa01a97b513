"""Cleaning, folding and tokenising feedback text — vectorised over a whole corpus.

The text pipeline never loops over tokens in Python: a corpus is joined with a separator,
lower-cased and umlaut-folded once (``ä→ae``, ``ö→oe``, ``ü→ue``, ``ß→ss``), tokenised by
one regular expression and factorised into integer ids. Everything that depends on a word
(its valence, whether it negates, which touchpoint it names) is computed once per *distinct*
token and then broadcast to the token stream with numpy indexing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import snowballstemmer

#: Texts longer than this are cut before analysis (the cut is counted, never silent).
MAX_CHARS = 10_000

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'", "`": "'", "´": "'"})
_SEP = "\x01"

_EMOJI = "[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2705\u274c]\ufe0f?"
_EMOTICON = r"(?<![^\s\x01])(?:[:;][-']?[)(dp/]|<3)(?![^\s.,!?])"
TOKEN_RE = re.compile(rf"[^\W\d_][^\W_]*(?:['\-][^\W_]+)*|{_SEP}|{_EMOTICON}|[.!?;]+|,|{_EMOJI}")
#: URLs, @mentions and the domain of e-mail addresses carry no sentiment and no touchpoint
_NOISE = re.compile(r"https?://[^\s\x01]+|www\.[^\s\x01]+|@[\w.-]+")
_MOJIBAKE = re.compile("Ã[\x80-\xbf¤¶¼„–œŸ]|â€")


def fold(text: str) -> str:
    """Lower-case and fold German umlauts and ß so that ``Verspätung`` equals ``Verspaetung``.

    >>> fold("Größte Verspätung")
    'groesste verspaetung'
    """
    return text.lower().translate(_FOLD)


@dataclass
class CleanReport:
    """What :func:`clean_texts` had to do to the input, counted per kind."""

    n: int = 0
    missing: int = 0
    empty: int = 0
    non_text: int = 0
    truncated: int = 0
    decoded: int = 0
    repaired_encoding: int = 0
    rows: dict[str, list[int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (for printing or a manifest)."""
        return {
            "n": self.n,
            "missing": self.missing,
            "empty": self.empty,
            "non_text": self.non_text,
            "truncated": self.truncated,
            "decoded": self.decoded,
            "repaired_encoding": self.repaired_encoding,
        }

    def __str__(self) -> str:
        parts = [
            f"{v:,} {k.replace('_', ' ')}" for k, v in self.as_dict().items() if k != "n" and v
        ]
        return f"{self.n:,} texts" + (f" ({', '.join(parts)})" if parts else "")


def _decode_bytes(value: bytes) -> str:
    for enc in ("utf-8", "cp1252"):
        try:
            return value.decode(enc)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def _repair_mojibake(text: str) -> str:
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def clean_texts(
    values: Sequence[Any] | pd.Series | np.ndarray, max_chars: int = MAX_CHARS
) -> tuple[list[str], CleanReport]:
    """Turn any column of "text" into clean Python strings, counting every repair.

    Parameters
    ----------
    values : sequence or pandas.Series
        Texts as they came: strings, missing values, numbers, bytes in UTF-8 or
        Windows-1252, UTF-8 read as Windows-1252 (``VerspÃ¤tung``), very long strings.
    max_chars : int
        Texts are cut to this many characters for analysis.

    Returns
    -------
    texts : list of str
        One string per input value ('' for missing, empty or unusable values).
    report : CleanReport
        How many values were missing, empty, non-text, decoded from bytes, repaired or cut.
    """
    s = (
        pd.Series(values, dtype=object)
        if not isinstance(values, pd.Series)
        else values.astype(object)
    )
    s = s.reset_index(drop=True)
    report = CleanReport(n=len(s))
    is_str = s.map(type).eq(str).to_numpy() if len(s) else np.zeros(0, bool)
    na = s.isna().to_numpy()
    out = s.where(is_str, "")
    other = ~is_str & ~na
    if other.any():
        for i in np.flatnonzero(other):
            v = s.iat[i]
            if isinstance(v, bytes | bytearray):
                out.iat[i] = _decode_bytes(bytes(v))
                report.decoded += 1
            else:
                report.non_text += 1
                report.rows.setdefault("non_text", []).append(int(i))
    report.missing = int(na.sum())
    out = out.astype(str)
    bad = out.str.contains(_MOJIBAKE, regex=True).to_numpy() if len(out) else np.zeros(0, bool)
    if bad.any():
        for i in np.flatnonzero(bad):
            fixed = _repair_mojibake(out.iat[i])
            if fixed != out.iat[i]:
                out.iat[i] = fixed
                report.repaired_encoding += 1
    lengths = out.str.len().to_numpy() if len(out) else np.zeros(0, int)
    long = lengths > max_chars
    if long.any():
        report.truncated = int(long.sum())
        report.rows["truncated"] = np.flatnonzero(long).tolist()
        out[long] = out[long].str.slice(0, max_chars)
    blank = (out.str.strip().str.len() == 0).to_numpy() if len(out) else np.zeros(0, bool)
    report.empty = int((blank & ~na & ~other).sum())
    # the separator character must never occur inside a text
    texts = out.str.replace(_SEP, " ", regex=False).tolist()
    return texts, report


@dataclass
class TokenStream:
    """A corpus as one flat stream of token ids.

    Attributes
    ----------
    vocab : numpy.ndarray of str
        Distinct (folded) tokens; ``vocab[ids]`` is the token stream.
    ids : numpy.ndarray of int
        Token id per position, separators between documents included.
    doc : numpy.ndarray of int
        Document index per position.
    n_docs : int
        Number of documents.
    sep_id : int
        Id of the separator token (-1 when there is only one document).
    umlaut : numpy.ndarray of bool
        Per distinct token: whether it was written with ä, ö, ü or ß.
    """

    vocab: np.ndarray
    ids: np.ndarray
    doc: np.ndarray
    n_docs: int
    sep_id: int
    umlaut: np.ndarray


def tokenize_corpus(texts: list[str]) -> TokenStream:
    """Tokenise a list of clean texts at once (see :func:`clean_texts`).

    Tokens are words (with inner hyphens and apostrophes), emoji, emoticons and the
    punctuation marks ``. ! ? ; ,`` (which bound negation scope).
    """
    n = len(texts)
    joined = _NOISE.sub(" ", _SEP.join(texts)).lower()
    tokens = TOKEN_RE.findall(joined)
    if not tokens:
        return TokenStream(
            np.array([], dtype=object),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            n,
            -1,
            np.zeros(0, bool),
        )
    codes, uniques = pd.factorize(pd.Series(tokens, dtype=object), sort=False)
    # fold only the distinct tokens, then merge ids that fold to the same word
    raw_vocab = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    umlaut_raw = raw_vocab.str.contains("[äöüß]", regex=True).to_numpy(dtype=bool)
    folded = raw_vocab.str.translate(_FOLD)
    fcodes, funiques = pd.factorize(folded, sort=False)
    codes = fcodes[codes].astype(np.int64)
    vocab = np.asarray(funiques, dtype=object)
    umlaut = np.zeros(len(vocab), bool)
    np.logical_or.at(umlaut, fcodes, umlaut_raw)
    hit = np.flatnonzero(vocab == _SEP)
    sep_id = int(hit[0]) if len(hit) else -1
    doc = np.cumsum(codes == sep_id) if sep_id >= 0 else np.zeros(len(codes), np.int64)
    return TokenStream(vocab, codes, doc.astype(np.int64), n, sep_id, umlaut)


_STEMMERS = {"de": snowballstemmer.stemmer("german"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=500_000)
def stem(word: str, language: str = "de") -> str:
    """Snowball stem of a folded word (``language`` ``de`` or ``en``), cached."""
    return _STEMMERS[language].stemWord(word)


def stem_many(words: Iterable[str], language: str = "de") -> list[str]:
    """Snowball stems of many words (uses the stemmer's batch call, with the cache)."""
    return [stem(w, language) for w in words]
