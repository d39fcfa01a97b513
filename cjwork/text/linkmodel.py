"""The touchpoint link model: sentence-embedding similarity, learned from explicit links.

:class:`TouchpointLinker` scores every text against every touchpoint of a journey map.

**Zero-shot (no explicit links at all).** Each touchpoint is described by its name(s) and
its German and English keywords. Texts and descriptions are embedded with the shipped
multilingual sentence encoder (:mod:`cjwork.text.embeddings`, Universal Sentence Encoder
multilingual v3 in numpy). The similarity of a text to a touchpoint is the mean of (a) the
cosine to the touchpoint's centroid and (b) the best cosine to one of its phrases, over the
whole-text and the sentence-mean embedding. Keyword hits (:func:`~cjwork.text.keywords.link_text`)
are added as a bonus; a softmax with temperature ``temperature`` turns the scores into
probabilities. A German text finds an English keyword and vice versa.

**Learned (explicit links given).** A linear SVM (one-vs-rest, liblinear) reads the
embeddings, word and character TF-IDF, the similarity scores and the keyword scores; its
decision values become probabilities by a softmax whose temperature is fitted to the
out-of-fold decisions (temperature scaling: calibration by log loss). They are blended with
the zero-shot ones, ``p = w * p_model + (1 - w) * p_zero`` (touchpoints
without any explicit link keep their zero-shot chance). ``C`` and ``w`` are chosen by
cross-validation on the explicit links alone (out-of-fold accuracy), and so is the
abstention threshold.

**Abstention.** A text whose best probability is below ``threshold_`` gets no touchpoint.
With explicit links, ``threshold_`` is the confidence that maximises, out of fold, the right
links minus ``wrong_link_cost`` (2) times the wrong ones — a link is made where it is right
at least two times in three; zero-shot it is the documented default
:data:`ZERO_SHOT_THRESHOLD`.

Texts are deduplicated before they are embedded (digits masked: ``Kd-Nr 4711`` and
``Kd-Nr 0815`` are the same text to the model).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.text.keywords import link_text
from cjwork.text.normalize import clean_texts, fold

#: Default abstention threshold of the zero-shot linker (no explicit links): the top
#: probability a text needs to be linked. Set on the bundled sample company's feedback
#: (data/sample), never on the GermEval benchmark.
ZERO_SHOT_THRESHOLD = 0.5
#: Softmax temperature of the zero-shot similarities (cosines of about 0.1 … 0.6).
TEMPERATURE = 0.05
#: Bonus, in cosine units, per keyword hit (capped at two hits).
KEYWORD_BONUS = 0.1

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def dedupe_key(texts: Sequence[str]) -> list[str]:
    """Texts as the model sees them: digits masked, white space collapsed.

    >>> dedupe_key(["Kd-Nr 4711  ok", "Kd-Nr 0815 ok"])
    ['Kd-Nr 0 ok', 'Kd-Nr 0 ok']
    """
    return [_SPACE.sub(" ", _DIGITS.sub("0", t)).strip() for t in texts]


def _name_parts(name: Any) -> list[str]:
    if isinstance(name, dict):
        return [str(v) for v in name.values() if v]
    if not name:
        return []
    return [p.strip() for p in str(name).split(" / ") if p.strip()]


def touchpoint_phrases(journey_map: JourneyMap) -> dict[str, list[str]]:
    """Every touchpoint's descriptive phrases: names (each language), description, keywords.

    Parameters
    ----------
    journey_map : JourneyMap

    Returns
    -------
    dict
        Touchpoint id → list of phrases (at least the id itself, readable).
    """
    out: dict[str, list[str]] = {}
    for tid in journey_map.touchpoints_frame()["touchpoint"]:
        tp = journey_map.touchpoint(tid)
        phrases = _name_parts(getattr(tp, "names", None) or tp.name)
        if getattr(tp, "description", None):
            phrases.append(str(tp.description))
        for lang in sorted(tp.keywords):
            phrases.extend(str(k) for k in tp.keywords[lang])
        if not phrases:
            phrases = [tid.replace("_", " ")]
        out[tid] = list(dict.fromkeys(phrases))
    return out


def _embed(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of texts, encoded together in this one call.

    No memory across calls: the encoder's float sums follow the batch a text is encoded
    in, so a text embedded next to other texts elsewhere could differ in the last bits and
    flip a link that sits on the threshold. The same call gives the same links in every
    process.
    """
    from cjwork.text.embeddings import embed_texts

    return embed_texts(texts)


def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


#: temperatures tried when the SVM's decision values are turned into probabilities
_TEMPERATURES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)


def _fit_temperature(decision: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the least log loss of the true classes."""
    best, best_t = np.inf, 1.0
    rows = np.arange(len(truth))
    for t in _TEMPERATURES:
        p = _softmax(decision / t)
        loss = -np.mean(np.log(np.maximum(p[rows, truth], 1e-12)))
        if loss < best - 1e-12:
            best, best_t = loss, t
    return best_t


def accuracy_coverage(
    y_true: Sequence[str] | np.ndarray,
    y_pred: Sequence[str] | np.ndarray,
    confidence: Sequence[float] | np.ndarray,
    coverages: Sequence[float] = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2),
) -> pd.DataFrame:
    """Accuracy of the most confident predictions at each coverage.

    Parameters
    ----------
    y_true, y_pred : sequence of str
    confidence : sequence of float
        Higher is surer; the most confident ``coverage`` share of the rows is kept.
    coverages : sequence of float

    Returns
    -------
    pandas.DataFrame
        ``coverage``, ``n``, ``accuracy``, ``min_confidence``.
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    conf = np.asarray(confidence, dtype=float)
    order = np.argsort(-conf, kind="stable")
    right = (y_true == y_pred)[order]
    rows = []
    for c in coverages:
        k = max(1, int(round(c * len(order)))) if len(order) else 0
        rows.append(
            {
                "coverage": float(c),
                "n": k,
                "accuracy": float(right[:k].mean()) if k else float("nan"),
                "min_confidence": float(conf[order][k - 1]) if k else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def choose_threshold(
    correct: np.ndarray, confidence: np.ndarray, wrong_link_cost: float = 2.0
) -> float:
    """The confidence threshold that maximises right links minus ``wrong_link_cost`` × wrong ones.

    Rows are kept from the most confident down; an abstention counts 0. With a cost of 2 a
    link is worth making where it is right at least two times in three.

    Parameters
    ----------
    correct : array of bool
        Whether each (out-of-fold) prediction was right.
    confidence : array of float
    wrong_link_cost : float

    Returns
    -------
    float
        The threshold (1.0 when no threshold gains anything).
    """
    conf = np.asarray(confidence, dtype=float)
    if not len(conf):
        return ZERO_SHOT_THRESHOLD
    order = np.argsort(-conf, kind="stable")
    c = conf[order]
    ok = np.asarray(correct, dtype=float)[order]
    gain = np.cumsum(ok - wrong_link_cost * (1 - ok))
    # only where the confidence changes (a threshold keeps all rows of equal confidence)
    last = np.flatnonzero(np.r_[c[1:] != c[:-1], True])
    best = last[np.argmax(gain[last])]
    return float(c[best]) if gain[best] > 0 else 1.0


def _rows(f: dict, idx: np.ndarray) -> dict:
    return {k: (v[idx] if v is not None else None) for k, v in f.items()}


class TouchpointLinker(BaseEstimator):
    """Link texts to the touchpoints of a journey map; zero-shot, or learned from links.

    Parameters
    ----------
    journey_map : JourneyMap
        The touchpoints (ids, names, de/en keywords).
    embeddings : bool
        Use the sentence embeddings (False: keyword scores and TF-IDF only, much faster).
    Cs : sequence of float
        Inverse regularisation strengths tried for the linear SVM.
    weights : sequence of float
        Weights ``w`` of the learned model in the blend with the zero-shot scores tried.
    wrong_link_cost : float
        The abstention threshold maximises, out of fold, right links minus this many times
        the wrong ones (2: link where right at least two times in three).
    threshold : float or "auto"
        A fixed abstention threshold instead of the one chosen in the folds.
    cv : int
        Folds of the internal cross-validation.
    random_state : int
        Seed of the folds and solvers.

    Attributes
    ----------
    classes_ : numpy.ndarray
        Touchpoint ids (columns of :meth:`predict_proba`).
    threshold_ : float
        The abstention threshold in use.
    auto_threshold_ : float
        The threshold chosen out of fold (or :data:`ZERO_SHOT_THRESHOLD`), also when a fixed
        ``threshold`` is in use.
    C_, weight_, temperature_ : float or None
        Chosen in cross-validation (None zero-shot; temperature 1).
    features_ : {"embeddings", "tfidf"}
        Chosen in cross-validation: the learned model with the embeddings (blended with the
        zero-shot similarities) or without any (TF-IDF and keyword scores, no blend).
    oof_proba_ : numpy.ndarray or None
        Out-of-fold probabilities of the training texts with the chosen ``C_``/``weight_``.
    cv_accuracy_ : float or None
        Out-of-fold accuracy (full coverage) with the chosen ``C_``/``weight_``.
    """

    def __init__(
        self,
        journey_map: JourneyMap,
        *,
        embeddings: bool = True,
        Cs: Sequence[float] = (0.1, 0.3, 1.0),
        weights: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
        wrong_link_cost: float = 2.0,
        threshold: float | str = "auto",
        cv: int = 3,
        random_state: int = 0,
    ) -> None:
        self.journey_map = journey_map
        self.embeddings = embeddings
        self.Cs = Cs
        self.weights = weights
        self.wrong_link_cost = wrong_link_cost
        self.threshold = threshold
        self.cv = cv
        self.random_state = random_state

    # ---- features -------------------------------------------------------------------
    def _prepare(self, texts: Any, embed: bool = True) -> tuple[dict, np.ndarray]:
        """Features of the distinct texts (digits masked) and each text's row among them."""
        clean, _ = clean_texts(texts)
        codes, uniq = pd.factorize(pd.Series(dedupe_key(clean), dtype=object), sort=False)
        uniq = [str(u) for u in uniq]
        scores = link_text(uniq, self.journey_map).scores
        K = np.minimum(np.asarray(sp.csr_matrix(scores).todense(), dtype=float), 2.0)
        out: dict = {"keys": np.asarray(uniq, dtype=object), "K": K}
        if self.embeddings and embed:
            E = _embed(uniq)
            out["E"] = E
            out["S"] = self._similarity(E)
        else:
            out["E"] = None
            out["S"] = np.zeros_like(K)
        return out, np.asarray(codes, dtype=np.int64)

    def _similarity(self, E: np.ndarray) -> np.ndarray:
        from cjwork.text.embeddings import DIM

        sims = []
        for half in (E[:, :DIM], E[:, DIM:]):
            h = _unit(half.astype(np.float64))
            cen = h @ self.centroids_.T
            best = np.full((len(h), len(self.classes_)), -1.0)
            P = h @ self.phrase_emb_.T
            for k in range(len(self.classes_)):
                best[:, k] = P[:, self.phrase_owner_ == k].max(axis=1)
            sims.append(0.5 * (cen + best))
        return 0.5 * (sims[0] + sims[1])

    def _zero_shot(self, f: dict) -> np.ndarray:
        score = f["S"] + KEYWORD_BONUS * f["K"]
        return _softmax(score / TEMPERATURE)

    def _design(
        self, f: dict, fit: bool, tfidf: Any = None, emb: bool = True
    ) -> tuple[sp.csr_matrix, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        docs = [fold(t) for t in f["keys"]]
        if fit:
            tfidf = make_union(
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=30_000
                ),
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=50_000,
                ),
            )
            T = tfidf.fit_transform(docs)
        else:
            T = tfidf.transform(docs)
        blocks = [T * (1 / np.sqrt(2)), sp.csr_matrix(f["K"] * 0.5)]
        if emb and f["E"] is not None:
            # one 512-d block: the mean of the whole-text and sentence-mean embeddings
            from cjwork.text.embeddings import DIM

            E = f["E"].astype(np.float64)
            blocks.append(sp.csr_matrix(_unit(E[:, :DIM] + E[:, DIM:]) * 0.75))
            blocks.append(sp.csr_matrix(f["S"] * 3.0))
        return sp.hstack(blocks, format="csr"), tfidf

    def _decision(self, model: Any, X: sp.csr_matrix) -> np.ndarray:
        """Decision values over all touchpoints (``-inf`` where never seen in training)."""
        d = np.full((X.shape[0], len(self.classes_)), -np.inf)
        scores = model.decision_function(X)
        if len(model.classes_) == 2:
            scores = np.column_stack([-scores, scores]) / 2
        d[:, self._cols(model.classes_)] = scores
        return d

    def _cols(self, labels: np.ndarray) -> np.ndarray:
        index = {t: i for i, t in enumerate(self.classes_)}
        return np.array([index[t] for t in labels], dtype=int)

    # ---- estimator API --------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Sequence[str] | np.ndarray | None = None,
    ) -> TouchpointLinker:
        """Describe the touchpoints; with labels ``y``, learn from them.

        Parameters
        ----------
        X : sequence of str
            Texts.
        y : sequence of str, optional
            Their touchpoint ids (explicit links); None or all empty → zero-shot.

        Returns
        -------
        self
        """
        from sklearn.model_selection import KFold, StratifiedKFold
        from sklearn.svm import LinearSVC
        from threadpoolctl import threadpool_limits

        phrases = touchpoint_phrases(self.journey_map)
        self.classes_ = np.asarray(list(phrases), dtype=object)
        if not len(self.classes_):
            raise UsageError("the journey map has no touchpoints to link to")
        if self.embeddings:
            flat = [p for ps in phrases.values() for p in ps]
            owner = np.repeat(np.arange(len(phrases)), [len(ps) for ps in phrases.values()])
            from cjwork.text.embeddings import DIM

            emb = _unit(_embed(flat)[:, :DIM].astype(np.float64))
            self.phrase_emb_ = emb
            self.phrase_owner_ = owner
            cen = np.zeros((len(phrases), DIM))
            np.add.at(cen, owner, emb)
            self.centroids_ = _unit(cen)
        self.model_ = self.tfidf_ = None
        self.C_ = self.weight_ = self.oof_proba_ = self.cv_accuracy_ = None
        self.temperature_ = 1.0
        self.features_ = "embeddings" if self.embeddings else "tfidf"
        self.threshold_ = self.auto_threshold_ = ZERO_SHOT_THRESHOLD
        texts = list(X)
        labels = (
            None if y is None else np.asarray(pd.Series(y, dtype=object).fillna(""), dtype=object)
        )
        if labels is not None and len(labels) != len(texts):
            raise UsageError(
                f"X and y must have the same length, got {len(texts)} and {len(labels)}"
            )
        if labels is not None:
            unknown = set(labels[labels != ""]) - set(self.classes_)
            if unknown:
                raise UsageError(
                    f"y names touchpoints the journey map does not know: {sorted(unknown)[:5]}"
                )
        keep = np.flatnonzero(labels != "") if labels is not None else np.array([], dtype=int)
        if len(keep) < 10 or len(set(labels[keep])) < 2:
            if self.threshold != "auto":
                self.threshold_ = float(self.threshold)
            return self
        texts = [texts[i] for i in keep]
        yk = labels[keep]
        f_u, rows = self._prepare(texts)
        f = _rows(f_u, rows)
        p_zero = self._zero_shot(f)
        counts = pd.Series(yk).value_counts()
        n_splits = max(2, min(self.cv, len(yk) // 5))
        if counts.min() >= n_splits:
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        else:
            folds = KFold(n_splits, shuffle=True, random_state=self.random_state)
        splits = list(folds.split(np.zeros(len(yk)), yk))
        # embeddings on (blended with the zero-shot scores) or off (TF-IDF and keyword
        # scores alone, no blend): chosen with C and w on the same folds
        variants = {"embeddings": list(self.weights)} if self.embeddings else {}
        variants["tfidf"] = [1.0]
        truth = self._cols(yk)
        oof = {
            (v, C): np.full((len(yk), len(self.classes_)), -np.inf)
            for v in variants
            for C in self.Cs
        }
        with threadpool_limits(1, user_api="blas"):
            for train, test in splits:
                if len(set(yk[train])) < 2:
                    continue
                for v in variants:
                    emb = v == "embeddings"
                    Xtr, tf = self._design(_rows(f, train), fit=True, emb=emb)
                    Xte, _ = self._design(_rows(f, test), False, tf, emb=emb)
                    for C in self.Cs:
                        m = LinearSVC(
                            C=C, tol=1e-3, max_iter=300, random_state=self.random_state
                        ).fit(Xtr, yk[train])
                        oof[v, C][test] = self._decision(m, Xte)
        best: tuple = (-1.0, -np.inf, "tfidf", self.Cs[0], 1.0, 1.0)
        rows_ = np.arange(len(truth))
        for v, weights in variants.items():
            for C in self.Cs:
                finite = np.where(np.isfinite(oof[v, C]), oof[v, C], -1e3)
                temp = _fit_temperature(finite, truth)
                p_model = _softmax(finite / temp)
                for w in weights:
                    p = w * p_model + (1 - w) * p_zero
                    acc = float(np.mean(p.argmax(axis=1) == truth))
                    loss = -float(np.mean(np.log(np.maximum(p[rows_, truth], 1e-12))))
                    # the best accuracy; among equals, the least log loss
                    if (acc, -loss) > best[:2]:
                        best = (acc, -loss, v, C, w, temp)
        acc, _, self.features_, self.C_, self.weight_, self.temperature_ = best
        self.cv_accuracy_ = acc
        key = (self.features_, self.C_)
        finite = np.where(np.isfinite(oof[key]), oof[key], -1e3)
        self.oof_proba_ = (
            self.weight_ * _softmax(finite / self.temperature_) + (1 - self.weight_) * p_zero
        )
        conf = self.oof_proba_.max(axis=1)
        correct = self.oof_proba_.argmax(axis=1) == truth
        self.auto_threshold_ = choose_threshold(correct, conf, self.wrong_link_cost)
        self.threshold_ = (
            self.auto_threshold_ if self.threshold == "auto" else float(self.threshold)
        )
        if self.weight_ > 0:
            with threadpool_limits(1, user_api="blas"):
                Xall, self.tfidf_ = self._design(f, fit=True, emb=self.features_ == "embeddings")
                self.model_ = LinearSVC(
                    C=self.C_, tol=1e-3, max_iter=300, random_state=self.random_state
                ).fit(Xall, yk)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities over :attr:`classes_`, one row per text."""
        from threadpoolctl import threadpool_limits

        check_is_fitted(self, "classes_", msg="call fit() on the TouchpointLinker first")
        texts = list(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        # each distinct text once; no embeddings when the chosen model does not read them
        f, rows = self._prepare(texts, embed=self.model_ is None or self.features_ == "embeddings")
        p_zero = self._zero_shot(f)
        if self.model_ is None:
            if not self.embeddings:
                # keyword scores alone: no text without a keyword gets a confident link
                has = f["K"].sum(axis=1) > 0
                p_zero[~has] = 1.0 / len(self.classes_)
            return p_zero[rows]
        with threadpool_limits(1, user_api="blas"):
            Xd, _ = self._design(f, False, self.tfidf_, emb=self.features_ == "embeddings")
            d = self._decision(self.model_, Xd)
        p_model = _softmax(np.where(np.isfinite(d), d, -1e3) / self.temperature_)
        return (self.weight_ * p_model + (1 - self.weight_) * p_zero)[rows]

    def predict(self, X: Any) -> np.ndarray:
        """Touchpoint ids, ``""`` where the best probability is below ``threshold_``."""
        p = self.predict_proba(X)
        best = p.argmax(axis=1) if len(p) else np.zeros(0, dtype=int)
        out = self.classes_[best].astype(object)
        out[p.max(axis=1) < self.threshold_] = ""
        return out
