"""Offline language identification (German / English / other) from stopword profiles.

Each distinct token is looked up once in a German and an English stopword list (words that
are not words in the other language), plus the sentiment lexicons for short texts without
stopwords; umlauts and ß count for German. A text is ``de`` or ``en`` when one side has
more evidence, ``other`` when neither has any. Measured at well over 100,000 texts/s
(``benchmarks/bench_sentiment.py``). A ``language`` column in the data always wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.text.normalize import TokenStream, clean_texts, tokenize_corpus

LANGUAGES = ("de", "en", "other")

DE_STOPWORDS = frozenset(
    """der die das dem den des war ein eine einen einem einer eines und ist nicht mit auf fuer von
    zu zum zur im ich sie er es wir ihr mich mir dich dir uns euch sich mein meine meinen
    meinem meiner dein deine sein seine ihre ihren unser unsere auch noch schon nur sehr
    aber oder wenn dass weil bei nach aus ueber unter vor durch gegen ohne um wie wo wer
    warum wurde wurden worden wird werden bin bist sind seid hatte hatten habe haben hast
    kann koennen konnte muss musste soll sollte will wollte wieder immer nie kein keine
    keinen nichts jetzt heute gestern morgen hier dort da dann denn doch mal ja nein
    bitte danke leider gut schlecht viel viele mehr alle alles diese dieser dieses diesen
    jede jeder seit bis waehrend trotz ganz gar etwa ob also sowie zwar einfach so geht ging
    gibt gab naja tja erste ersten hallo kurz gesagt ehrlich endlich nix nichts fertig
    rein raus mehr weniger sich ihm ihn uns""".split()
)
EN_STOPWORDS = frozenset(
    """the a of and is are was were be been being to for with on at by from this that these
    those it its i you he she we they me him her us them my your his our their not no
    never very too just only also but or if because when while where who what which why how
    have has had do does did done can could would should will shall may might must been
    there here then than so such again still already always any some all more most much
    many every each other into over under after before about against without through
    during until since yet please thank thanks good bad great nothing got get getting
    really don't didn't doesn't isn't wasn't won't can't i'm i've it's that's""".split()
)
_DE_SHAPE = (
    r"(?:ung|ungen|keit|heit|chen|lich|isch|schaft|ieren|iert|gen|ten|den|ern)$|sch|ae|ue|oe|tz|ei"
)
_EN_SHAPE = r"(?:ing|ed|ly|tion|tions|ness|ment|ful|ous|ity|th|y)$|^wh|ee|oo|ea"

# words in both lists carry no evidence
_DE_ONLY = DE_STOPWORDS - EN_STOPWORDS
_EN_ONLY = EN_STOPWORDS - DE_STOPWORDS


def _evidence(stream: TokenStream) -> tuple[np.ndarray, np.ndarray]:
    from cjwork.text.lexicon import load_lexicon

    vocab = pd.Series(stream.vocab, dtype=object)
    de_lex = load_lexicon("de").words.keys()
    en_lex = load_lexicon("en").words.keys()
    alpha = vocab.str.match(r"[^\W\d_]").to_numpy(dtype=bool)
    in_de, in_en = vocab.isin(de_lex).to_numpy() & alpha, vocab.isin(en_lex).to_numpy() & alpha
    st_de, st_en = vocab.isin(_DE_ONLY).to_numpy(), vocab.isin(_EN_ONLY).to_numpy()
    w_de = np.where(st_de, 1.0, np.where(in_de & ~in_en, 0.5, 0.0))
    w_en = np.where(st_en, 1.0, np.where(in_en & ~in_de, 0.5, 0.0))
    # character profile of the remaining words: typical German and English endings
    rest = np.flatnonzero((w_de == 0) & (w_en == 0) & alpha)
    if len(rest):
        sub = vocab.iloc[rest]
        de_shape = sub.str.contains(_DE_SHAPE, regex=True).to_numpy(dtype=bool)
        en_shape = sub.str.contains(_EN_SHAPE, regex=True).to_numpy(dtype=bool)
        w_de[rest[de_shape & ~en_shape]] = 0.3
        w_en[rest[en_shape & ~de_shape]] = 0.3
    n = stream.n_docs
    de = (
        np.bincount(stream.doc, weights=w_de[stream.ids], minlength=n)[:n]
        if len(stream.ids)
        else np.zeros(n)
    )
    en = (
        np.bincount(stream.doc, weights=w_en[stream.ids], minlength=n)[:n]
        if len(stream.ids)
        else np.zeros(n)
    )
    return de, en


def languages_from_stream(texts: list[str], stream: TokenStream) -> np.ndarray:
    """Language per document of an already tokenised corpus (see :func:`detect_language`)."""
    de, en = _evidence(stream)
    if len(stream.ids):
        n = stream.n_docs
        umlaut = np.bincount(
            stream.doc, weights=stream.umlaut[stream.ids].astype(float), minlength=n
        )[:n]
        de = de + np.minimum(umlaut, 3) * 0.7
    out = np.full(len(texts), "other", dtype=object)
    out[de > en] = "de"
    out[en > de] = "en"
    tie = (de == en) & (de > 0)
    out[tie] = "de"
    return out


def detect_language(
    texts: Sequence[Any] | pd.Series | np.ndarray,
    override: Sequence[Any] | pd.Series | np.ndarray | None = None,
) -> np.ndarray:
    """Detect the language of each text: ``de``, ``en`` or ``other``.

    Parameters
    ----------
    texts : sequence of str (or anything :func:`~cjwork.text.normalize.clean_texts` accepts)
    override : sequence, optional
        A ``language`` column: where it holds ``de`` or ``en`` (any case) it wins;
        missing or other values fall back to detection.

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> detect_language(["Die Hotline war sehr freundlich", "The hotline was great", "12345"]).tolist()
    ['de', 'en', 'other']
    """
    clean, _ = clean_texts(texts)
    stream = tokenize_corpus(clean)
    detected = languages_from_stream(clean, stream)
    return apply_override(detected, override)


def apply_override(
    detected: np.ndarray, override: Sequence[Any] | pd.Series | np.ndarray | None
) -> np.ndarray:
    """Replace detected languages by valid values of a ``language`` column."""
    if override is None:
        return detected
    ov = pd.Series(override, dtype=object).reset_index(drop=True)
    if len(ov) != len(detected):
        raise UsageError(f"language override has {len(ov)} values for {len(detected)} texts")
    ov = ov.astype("string").str.strip().str.lower()
    ok = ov.isin(["de", "en"]).fillna(False).to_numpy(dtype=bool)
    out = detected.copy()
    out[ok] = ov[ok].to_numpy(dtype=object)
    return out
