"""Keyword linking: the touchpoint vocabularies of ``journeys.yml`` matched in texts.

The de and en keywords of every touchpoint (and its multi-word keywords) are folded,
compound-aware (``Hotlinewartezeit`` matches ``hotline`` and ``wartezeit``) and stemmed
(Snowball) for inflected forms. Keywords are matched once per distinct token (and per
distinct n-gram), then summed per text with a sparse matrix product. Used by
:mod:`cjwork.text.linking` (the ``text`` method) and :mod:`cjwork.text.linkmodel` (keyword
scores as features).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cjwork.journeymap import JourneyMap
from cjwork.text.normalize import clean_texts, fold, stem, tokenize_corpus


@dataclass
class Vocabulary:
    """Touchpoint keywords compiled for matching."""

    touchpoints: list[str]
    journeys: list[str]
    single: dict[str, list[tuple[int, float]]]  # keyword → [(touchpoint index, weight)]
    multi: dict[tuple[str, ...], list[tuple[int, float]]]  # stemmed word tuple → [...]
    pattern: re.Pattern | None
    max_words: int


def _trie_regex(words: list[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (fast, longest match first)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        if "" in node and len(node) == 1:
            return ""
        alts = []
        optional = False
        for ch in sorted(node, key=lambda c: (c == "", c)):
            if ch == "":
                optional = True
                continue
            alts.append(re.escape(ch) + build(node[ch]))
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if optional else body

    return build(trie)


def compile_vocabulary(journey_map: JourneyMap) -> Vocabulary:
    """Compile the de/en keywords (and touchpoint names) of a journey map for matching."""
    tps = journey_map.touchpoints_frame()
    touchpoints = tps["touchpoint"].tolist()
    journeys = tps["journey"].tolist()
    raw_single: dict[str, set[int]] = {}
    raw_multi: dict[tuple[str, ...], set[int]] = {}
    for i, tid in enumerate(touchpoints):
        tp = journey_map.touchpoint(tid)
        words = [w for lang in ("de", "en") for w in tp.keywords.get(lang, ())]
        for kw in words:
            f = fold(kw).replace("-", " ").strip()
            parts = [p for p in re.split(r"[\s/]+", f) if p]
            if not parts:
                continue
            if len(parts) == 1:
                raw_single.setdefault(parts[0], set()).add(i)
                st = stem(parts[0], "de")
                if len(st) >= 5 and st != parts[0]:
                    raw_single.setdefault(st, set()).add(i)
                ste = stem(parts[0], "en")
                if len(ste) >= 5 and ste not in (parts[0], st):
                    raw_single.setdefault(ste, set()).add(i)
            else:
                raw_multi.setdefault(
                    tuple(stem(p, "en" if p.isascii() else "de") for p in parts), set()
                ).add(i)
                joined = "".join(parts)
                if len(joined) >= 6:  # "smart meter" is also written "Smartmeter"
                    raw_single.setdefault(joined, set()).add(i)
    single = {k: [(i, 1.0 / len(v)) for i in sorted(v)] for k, v in raw_single.items()}
    multi = {k: [(i, 1.5 / len(v)) for i in sorted(v)] for k, v in raw_multi.items()}
    keys = sorted(single, key=len, reverse=True)
    pattern = re.compile(_trie_regex(keys)) if keys else None
    max_words = max((len(k) for k in multi), default=1)
    return Vocabulary(touchpoints, journeys, single, multi, pattern, max_words)


def _token_hits(vocab: Vocabulary, tokens: np.ndarray) -> sp.csr_matrix:
    """Distinct token × touchpoint keyword weights (compound-aware)."""
    rows, cols, vals = [], [], []
    pat = vocab.pattern
    if pat is not None:
        for r, tok in enumerate(tokens):
            if not tok[:1].isalpha():
                continue
            flat = tok.replace("-", "").replace("'", "")
            for m in pat.finditer(flat):
                kw = m.group(0)
                hits = vocab.single.get(kw)
                if not hits:
                    continue
                start = m.start()
                # short keywords only as the whole word (plus a plural s), long ones anywhere
                if len(kw) < 4 and not (start == 0 and len(flat) <= len(kw) + 1):
                    continue
                if len(kw) < 5 and start != 0:
                    continue
                for i, w in hits:
                    rows.append(r)
                    cols.append(i)
                    vals.append(w)
    shape = (len(tokens), len(vocab.touchpoints))
    return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)


@dataclass
class TextLinks:
    """Result of :func:`link_text`."""

    touchpoint: np.ndarray  # best touchpoint id or ""
    journey: np.ndarray
    confidence: np.ndarray
    scores: sp.csr_matrix  # feedback × touchpoint
    touchpoints: list[str] = field(default_factory=list)


def link_text(
    texts: Sequence[Any] | pd.Series | np.ndarray,
    journey_map: JourneyMap,
    journeys: Sequence[Any] | pd.Series | np.ndarray | None = None,
    vocabulary: Vocabulary | None = None,
) -> TextLinks:
    """Link texts to touchpoints by their vocabulary.

    Parameters
    ----------
    texts : sequence of str
    journey_map : JourneyMap
    journeys : sequence, optional
        A journey per text; where given, only that journey's touchpoints are candidates.
    vocabulary : Vocabulary, optional
        Precompiled keywords (from :func:`compile_vocabulary`).
    """
    vocab = vocabulary or compile_vocabulary(journey_map)
    clean, _ = clean_texts(texts)
    n = len(clean)
    n_tp = len(vocab.touchpoints)
    stream = tokenize_corpus(clean)
    if len(stream.ids) == 0 or n_tp == 0:
        S = sp.csr_matrix((n, n_tp))
    else:
        W = _token_hits(vocab, stream.vocab)
        word = ~pd.Series(stream.vocab, dtype=object).str.match(r"[\W\x01]").to_numpy(dtype=bool)
        keep = word[stream.ids]
        doc, ids = stream.doc[keep], stream.ids[keep]
        C = sp.csr_matrix((np.ones(len(ids)), (doc, ids)), shape=(n, len(stream.vocab)))
        C.data = np.minimum(C.data, 2.0)
        S = C @ W
        if vocab.multi:
            S = S + _multi_hits(vocab, stream.vocab, ids, doc, n)
    S = sp.csr_matrix(S)
    if journeys is not None:
        jr = pd.Series(journeys, dtype=object).reset_index(drop=True).astype("string")
        given = jr.notna() & (jr.str.len() > 0)
        if given.any():
            tp_j = np.asarray(vocab.journeys, dtype=object)
            rows_given = np.flatnonzero(given.to_numpy())
            Sg = S[rows_given].tocoo()
            ok = tp_j[Sg.col] == jr.to_numpy(dtype=object)[rows_given][Sg.row]
            mask = sp.csr_matrix(
                (np.ones(ok.sum()), (rows_given[Sg.row[ok]], Sg.col[ok])), shape=S.shape
            )
            keep_rows = sp.diags((~given.to_numpy()).astype(float))
            S = keep_rows @ S + S.multiply(mask)
            S = sp.csr_matrix(S)
    S.eliminate_zeros()
    best = np.full(n, "", dtype=object)
    jbest = np.full(n, "", dtype=object)
    conf = np.zeros(n)
    if S.nnz:
        dense_best = np.asarray(S.argmax(axis=1)).ravel()
        top = np.asarray(S.max(axis=1).todense()).ravel()
        total = np.asarray(S.sum(axis=1)).ravel()
        has = top > 0
        tp_arr = np.asarray(vocab.touchpoints, dtype=object)
        j_arr = np.asarray(vocab.journeys, dtype=object)
        best[has] = tp_arr[dense_best[has]]
        jbest[has] = j_arr[dense_best[has]]
        second = total - top  # mass on the other touchpoints
        conf[has] = (top / (top + second + 0.5))[has]
        conf = np.clip(conf, 0, 0.95)
    return TextLinks(best, jbest, np.round(conf, 3), S, list(vocab.touchpoints))


def _multi_hits(
    vocab: Vocabulary, tokens: np.ndarray, ids: np.ndarray, doc: np.ndarray, n: int
) -> sp.csr_matrix:
    n_tp = len(vocab.touchpoints)
    stems = np.array(
        [stem(t, "en" if t.isascii() else "de") if t[:1].isalpha() else t for t in tokens],
        dtype=object,
    )
    # German stems for ascii words too: try both when looking up
    stems_de = np.array([stem(t, "de") if t[:1].isalpha() else t for t in tokens], dtype=object)
    out = sp.csr_matrix((n, n_tp))
    firsts = {k[0] for k in vocab.multi}
    # per distinct token (not per position): can it start a multi-word keyword?
    can_start = np.fromiter(
        (a in firsts or b in firsts for a, b in zip(stems, stems_de, strict=True)),
        dtype=bool,
        count=len(stems),
    )
    for k in range(2, vocab.max_words + 1):
        if len(ids) < k:
            break
        same = doc[: len(doc) - k + 1] == doc[k - 1 :]
        start_ok = can_start[ids[: len(ids) - k + 1]]
        pos = np.flatnonzero(same & start_ok)
        if not len(pos):
            continue
        grams = np.stack([ids[pos + j] for j in range(k)], axis=1)
        uniq, inv = np.unique(grams, axis=0, return_inverse=True)
        rows, cols, vals = [], [], []
        for u, g in enumerate(uniq):
            for table in (stems, stems_de):
                key = tuple(table[g])
                hits = vocab.multi.get(key)
                if hits:
                    for i, w in hits:
                        rows.append(u)
                        cols.append(i)
                        vals.append(w)
                    break
        if not rows:
            continue
        G = sp.csr_matrix((vals, (rows, cols)), shape=(len(uniq), n_tp))
        D = sp.csr_matrix((np.ones(len(pos)), (doc[pos], inv.ravel())), shape=(n, len(uniq)))
        out = out + D @ G
    return sp.csr_matrix(out)
