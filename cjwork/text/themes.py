"""Themes in feedback: what customers talk about at a touchpoint, labelled in German and English.

:class:`ThemeModel` clusters the multilingual sentence embeddings of
:mod:`cjwork.text.embeddings` (one vector space for German and English, so "Nachzahlung
unverständlich" and "back-payment not explained" land in the same theme) and labels each theme
with its most distinctive phrases in each language. :func:`feedback_themes` fits one model per
touchpoint and measures every theme: volume, share, sentiment with a t-interval and its
importance for NPS.

The method
----------
1. **Seeds (optional).** A ``themes:`` list of a journey in ``journeys.yml`` gives themes by
   keywords (``{id, name: {de, en}, keywords: {de: [...], en: [...]}}``). A text containing a
   keyword (case-insensitive, whole words, umlauts folded) belongs to the first such theme;
   the other texts are clustered.
2. **The space.** Each distinct text is encoded once (whole text and sentence mean, 1,024
   dimensions) after removing what says nothing about its topic (URLs, e-mail addresses,
   @mentions, PII placeholders); rows are normalised, **centred** (the mean of the texts
   clustered is subtracted: what all comments at a touchpoint share is not a theme) and
   normalised again. Beside it stands a unit TF-IDF vector of the text's **content words**
   (stopwords out, words in more than ``max_df`` of the texts out, words in fewer than two
   out), the two blocks weighted ``1 - text_weight`` and ``text_weight`` (0.5 each): the
   embedding carries paraphrase and the other language, the words carry the concrete
   subject ("WLAN", "Klimaanlage", "Nachzahlung") that sentence embeddings blur.
3. **Clustering** (``method="average"``): agglomerative clustering with average linkage on
   the cosine distance of that space (one tree, cut at k themes); ``method="kmeans"`` is the
   earlier k-means on the same space. Average linkage keeps a small, sharply worded theme
   apart instead of spreading it over equal-sized k-means cells. (Space, weights and method
   were chosen on the design half of the GermEval split, see
   ``benchmarks/bench_themes_quality.py``.) **Number of themes** (``n_themes="auto"``), the
   documented rule: for every k from 2 to ``max_themes`` (capped so that a theme can hold
   ``min_size`` texts) keep the k with the highest cosine silhouette among those whose
   smallest theme holds at least ``min_share`` of the texts. Fewer than ``2 * min_size``
   texts make one theme. The rule was fixed before any evaluation.
4. **Scale.** At most ``sample_size`` distinct texts are embedded and clustered (a seeded
   random subsample); the rest are assigned by a linear classifier on TF-IDF word n-grams
   trained on the clustered subsample. So the cost per touchpoint is bounded: 1M feedback
   rows take minutes, not hours.
5. **Labels.** Class-based TF-IDF (Grootendorst 2022) per language: the n-grams (1–3 words,
   none starting or ending with a stopword, no digits) counted over a theme's texts,
   weighted by ``log(1 + A / f)`` with ``A`` the mean word count of a theme and ``f`` the
   n-gram's count over all themes. The best phrase is extended to a longer n-gram that keeps
   at least 60 % of its occurrences ("nachzahlung" → "nachzahlung unverständlich"). A theme
   with texts in one language only takes the other language's label.

Importance for NPS is the NPS (% promoters − % detractors, in points) of the theme's comments
minus the NPS of the touchpoint's other comments; empty when either side has fewer than
``MIN_NPS`` NPS answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted, check_random_state

from cjwork.errors import UsageError

THEME_COLUMNS = [
    "journey",
    "touchpoint",
    "theme",
    "label_de",
    "label_en",
    "feedback",
    "share",
    "sentiment",
    "sentiment_low",
    "sentiment_high",
    "importance",
]
"""Contract columns of ``themes.csv``."""

MIN_NPS = 5
"""NPS answers needed on both sides (theme, rest) for an importance."""

LABEL_SAMPLE = 5_000
"""Texts per touchpoint the key phrases are counted over at most (a seeded sample)."""

EXTEND_SHARE = 0.6
EXTEND_CANDIDATES = 2_000
"""N-grams (the most frequent of a theme) searched for a phrase's extension."""
"""A phrase is extended to a longer n-gram holding at least this share of its occurrences."""

_WORD = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]+)*", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).lower().translate(_FOLD)


def _stopwords() -> frozenset[str]:
    from cjwork.text.language import DE_STOPWORDS, EN_STOPWORDS

    extra = """dass hat habe haben ist sind sein war waren wurde wird einer eines ihr ihre
    mein meine meinen meinem meiner euer man etwas sehr total wirklich echt leider
    schon einmal mal in an am auf es ganz ganze hallo hi the a an my me this was is are it
    its i we you and or but so ll ve re s t d m""".split()
    return frozenset(_fold(w) for w in (*DE_STOPWORDS, *EN_STOPWORDS, *extra))


def _tokens(text: str) -> list[str]:
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    return [part for w in words for part in w.split("-") if len(part) > 1]


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive whole-word pattern for keywords (umlauts folded), or None."""
    words = sorted({_fold(k).strip() for k in keywords if str(k).strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def parse_seeds(themes: Any, where: str = "themes") -> list[dict[str, Any]]:
    """Validate a ``themes:`` list: ``[{id, name: str | {de, en}, keywords: list | {de, en}}]``.

    Returns
    -------
    list of dict
        ``id``, ``label_de``, ``label_en``, ``keywords`` (all languages, one list).

    Raises
    ------
    UsageError
        An entry without an id or without keywords.
    """
    if themes is None:
        return []
    if not isinstance(themes, (list, tuple)):
        raise UsageError(f"{where} must be a list of themes, got {type(themes).__name__}")
    out = []
    for i, t in enumerate(themes):
        if not isinstance(t, Mapping) or not t.get("id"):
            raise UsageError(f"{where}[{i}] needs an 'id' and 'keywords'")
        kw = t.get("keywords")
        words = (
            [w for v in kw.values() for w in (v or [])]
            if isinstance(kw, Mapping)
            else list(kw or [])
        )
        if not words:
            raise UsageError(f"{where}[{i}] ('{t['id']}') has no keywords")
        name = t.get("name") or str(t["id"])
        de = name.get("de") or name.get("en") if isinstance(name, Mapping) else str(name)
        en = name.get("en") or name.get("de") if isinstance(name, Mapping) else str(name)
        out.append({"id": str(t["id"]), "label_de": de, "label_en": en, "keywords": words})
    return out


class ThemeModel(ClusterMixin, BaseEstimator):
    """Themes of a set of texts: clustered sentence embeddings, labelled in German and English.

    The method is in the module docstring of :mod:`cjwork.text.themes`.

    Parameters
    ----------
    n_themes : "auto" or int
        Number of discovered themes (seeded themes come on top); ``"auto"`` chooses by the
        silhouette rule.
    max_themes : int
        Upper bound of discovered themes for ``"auto"``.
    min_share : float
        ``"auto"`` only keeps a k whose smallest theme holds this share of the texts.
    min_size : int
        Texts a theme should be able to hold; fewer than ``2 * min_size`` texts make one theme.
    sample_size : int
        Distinct texts embedded and clustered at most; the rest are assigned by a TF-IDF
        classifier trained on them.
    seeds : list of dict, optional
        Seeded themes (see :func:`parse_seeds`).
    n_phrases : int
        Key phrases per label.
    method : {"average", "kmeans"}
        Agglomerative clustering with average linkage on cosine distances (one tree cut at
        each k; deterministic for a given set of texts), or k-means.
    text_weight : float
        Weight of the TF-IDF block of content words beside the sentence embedding, in
        [0, 1); 0 clusters the embeddings alone.
    max_df : float
        Words in more than this share of the clustered texts are left out of the TF-IDF
        block.
    random_state : int, RandomState or None

    Attributes
    ----------
    labels_ : ndarray of int
        Theme index of every training text (``0`` is the largest discovered or first seeded).
    n_themes_ : int
    theme_ids_ : list of str
        ``theme_1``, ``theme_2``, … in order of size, or the seed's id.
    labels_de_, labels_en_ : list of str
        Key phrases per theme.
    seeded_ : ndarray of bool
    centroids_ : ndarray
        Unit-length centre of each discovered theme in the (centred) clustering space; NaN rows for seeded themes.
    silhouette_ : dict
        k → silhouette, for the k tried by ``"auto"``.
    center_ : ndarray
        Mean unit embedding of the clustered texts (subtracted before clustering).
    vectorizer_ : TfidfVectorizer or None
        The content-word TF-IDF block of the clustering space (None without words).
    embedded_ : int
        Distinct texts embedded and clustered; ``assigner_`` classifies the rest (or None).
    """

    def __init__(
        self,
        n_themes: str | int = "auto",
        *,
        max_themes: int = 8,
        min_share: float = 0.05,
        min_size: int = 5,
        sample_size: int = 1000,
        seeds: Sequence[Mapping[str, Any]] | None = None,
        n_phrases: int = 2,
        method: str = "average",
        text_weight: float = 0.5,
        max_df: float = 0.5,
        random_state: Any = 0,
    ) -> None:
        self.n_themes = n_themes
        self.max_themes = max_themes
        self.min_share = min_share
        self.min_size = min_size
        self.sample_size = sample_size
        self.seeds = seeds
        self.n_phrases = n_phrases
        self.method = method
        self.text_weight = text_weight
        self.max_df = max_df
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        if not (self.n_themes == "auto" or (isinstance(self.n_themes, int) and self.n_themes >= 1)):
            raise UsageError(f"n_themes must be 'auto' or an int >= 1, got {self.n_themes!r}")
        if not isinstance(self.max_themes, int) or self.max_themes < 2:
            raise UsageError(f"max_themes must be an int >= 2, got {self.max_themes!r}")
        if not isinstance(self.sample_size, int) or self.sample_size < 10:
            raise UsageError(f"sample_size must be an int >= 10, got {self.sample_size!r}")
        if self.method not in ("average", "kmeans"):
            raise UsageError(f"method must be 'average' or 'kmeans', got {self.method!r}")
        if not 0 <= self.text_weight < 1:
            raise UsageError(f"text_weight must be in [0, 1), got {self.text_weight!r}")
        if not 0 < self.max_df <= 1:
            raise UsageError(f"max_df must be in (0, 1], got {self.max_df!r}")
        if not 0 <= self.min_share < 0.5:
            raise UsageError(f"min_share must be in [0, 0.5), got {self.min_share!r}")

    def fit(self, X: Sequence[str], y: object = None, *, languages: Any = None) -> ThemeModel:
        """Find the themes of texts ``X`` (``languages``: ``de``/``en`` per text, optional)."""
        from threadpoolctl import threadpool_limits

        from cjwork.text.embeddings import embedding_cache

        self._check_params()
        # one BLAS/OpenMP thread: k-means on a few thousand points is slower with more
        # threads on a busy machine (measured 14 s vs 2 s for the sample's touchpoints)
        with embedding_cache(), threadpool_limits(1):
            return self._fit(X, languages)

    def _fit(self, X: Sequence[str], languages: Any) -> ThemeModel:
        texts = [str(t) if t is not None and t == t else "" for t in X]
        rng = check_random_state(self.random_state)
        n = len(texts)
        if n == 0:
            raise UsageError("ThemeModel.fit needs at least one text, got none")
        langs = self._languages(texts, languages)
        seeds = [dict(s) for s in (self.seeds or [])]
        seed_of = np.full(n, -1)
        folded = [_fold(t) for t in texts] if seeds else []
        for j, s in enumerate(seeds):
            pat = keyword_pattern(s["keywords"])
            if pat is None:
                continue
            hit = np.array([seed_of[i] < 0 and bool(pat.search(folded[i])) for i in range(n)])
            seed_of[hit] = j
        free = np.flatnonzero(seed_of < 0)
        disc, centroids, sil = self._cluster([texts[i] for i in free], rng)
        n_disc = centroids.shape[0]
        # discovered themes in order of size (largest first), then seeds
        sizes = np.bincount(disc, minlength=n_disc) if n_disc else np.zeros(0, int)
        order = np.argsort(-sizes, kind="stable")
        remap = np.empty(n_disc, dtype=int)
        remap[order] = np.arange(n_disc)
        labels = np.empty(n, dtype=int)
        used_seeds = [j for j in range(len(seeds)) if (seed_of == j).any()]
        for pos, j in enumerate(used_seeds):
            labels[seed_of == j] = pos
        labels[free] = remap[disc] + len(used_seeds) if n_disc else 0
        self.n_themes_ = len(used_seeds) + n_disc
        self.theme_ids_ = [seeds[j]["id"] for j in used_seeds] + [
            f"theme_{i + 1}" for i in range(n_disc)
        ]
        self.seeded_ = np.array([True] * len(used_seeds) + [False] * n_disc)
        self.seed_patterns_ = [keyword_pattern(seeds[j]["keywords"]) for j in used_seeds]
        self.silhouette_ = sil
        self.labels_ = labels
        de, en = self._labels(texts, langs, labels)
        for pos, j in enumerate(used_seeds):
            de[pos], en[pos] = seeds[j]["label_de"], seeds[j]["label_en"]
        self.labels_de_, self.labels_en_ = de, en
        # centres of the discovered themes from the embeddings they were clustered on
        # (seeded themes are found by their keywords and have none)
        cent = np.full((self.n_themes_, centroids.shape[1] if n_disc else 1), np.nan)
        for c in range(n_disc):
            cent[len(used_seeds) + remap[c]] = centroids[c]
        self.centroids_ = cent
        self.n_features_in_ = 1
        return self

    @staticmethod
    def _languages(texts: list[str], languages: Any) -> np.ndarray:
        from cjwork.text.language import detect_language

        if languages is None:
            return np.asarray(detect_language(texts), dtype=object)
        given = pd.Series(list(languages), dtype="object").fillna("").astype(str).to_numpy()
        todo = np.flatnonzero(~np.isin(given, ["de", "en"]))
        out = given.astype(object)
        if len(todo):
            out[todo] = np.asarray(detect_language([texts[i] for i in todo]), dtype=object)
        return out

    def _cluster(
        self, texts: list[str], rng: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
        """Discovered themes of ``texts``: labels, unit centroids, silhouettes tried."""
        if not texts:
            return np.zeros(0, dtype=int), np.zeros((0, 0)), {}
        distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        weight = np.bincount(inverse).astype(float)
        if len(distinct) > self.sample_size:
            pick = np.sort(rng.choice(len(distinct), self.sample_size, replace=False))
        else:
            pick = np.arange(len(distinct))
        raw = _unit(_embed(list(distinct[pick])))
        self.center_ = raw.mean(axis=0)
        self.vectorizer_ = _word_vectorizer(self.max_df).fit(list(distinct[pick]))
        if not len(self.vectorizer_.vocabulary_):
            self.vectorizer_ = None
        emb = self._space(raw, list(distinct[pick]))
        w = weight[pick]
        n = int(w.sum())
        seed = int(rng.randint(2**31 - 1))
        cut = self._partitioner(emb, w, seed)
        sil: dict[int, float] = {}
        if self.n_themes == "auto":
            from sklearn.metrics import silhouette_score

            k_max = min(self.max_themes, n // max(self.min_size, 1), len(pick))
            sub = np.arange(len(pick))
            if len(sub) > 2000:
                sub = np.sort(rng.choice(len(pick), 2000, replace=False))
            best_k, best = 1, -np.inf
            fits = {}
            for k in range(2, k_max + 1):
                lab_k = cut(k)
                sizes = np.bincount(lab_k, weights=w, minlength=k)
                if sizes.min() < self.min_share * n or len(np.unique(lab_k)) < 2:
                    continue
                s = float(silhouette_score(emb[sub], lab_k[sub], metric="cosine"))
                sil[k] = s
                fits[k] = lab_k
                if s > best:
                    best_k, best = k, s
            k = best_k
            lab_pick = fits.get(k, np.zeros(len(pick), dtype=int))
        else:
            k = min(int(self.n_themes), len(pick))
            lab_pick = cut(k) if k > 1 else np.zeros(len(pick), dtype=int)
        cent = _unit(np.vstack([emb[lab_pick == c].mean(axis=0) for c in range(k)]))
        lab = np.empty(len(distinct), dtype=int)
        lab[pick] = lab_pick
        rest = np.setdiff1d(np.arange(len(distinct)), pick)
        if len(rest):
            self.assigner_ = _text_classifier(list(distinct[pick]), lab_pick, k)
            lab[rest] = self.assigner_.predict(list(distinct[rest]))
        else:
            self.assigner_ = None
        self.embedded_ = int(len(pick))
        return lab[inverse], cent, sil

    def _partitioner(self, emb: np.ndarray, w: np.ndarray, seed: int) -> Any:
        """``k → labels`` of the clustered texts, by the model's ``method``."""
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            def cut_km(k: int) -> np.ndarray:
                return KMeans(k, n_init=2, random_state=seed).fit(emb, sample_weight=w).labels_

            return cut_km
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        if len(emb) < 2:
            return lambda k: np.zeros(len(emb), dtype=int)
        dist = np.clip(1.0 - emb @ emb.T, 0.0, 2.0)
        np.fill_diagonal(dist, 0.0)
        tree = linkage(squareform(dist, checks=False), method="average")

        def cut_tree(k: int) -> np.ndarray:
            lab = fcluster(tree, t=k, criterion="maxclust") - 1
            _, lab = np.unique(lab, return_inverse=True)
            return lab

        return cut_tree

    def _space(self, raw: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Texts in the clustering space (unit rows): the centred unit embedding (weight
        ``1 - text_weight``) beside the unit TF-IDF vector of its content words
        (``text_weight``)."""
        center = getattr(self, "center_", None)
        emb = _unit(raw)
        emb = emb if center is None else _unit(emb - center)
        vec = getattr(self, "vectorizer_", None)
        if vec is None or self.text_weight <= 0:
            return emb
        x = vec.transform(list(texts))
        x = _unit(np.asarray(x.todense(), dtype=np.float64))
        return _unit(
            np.hstack([np.sqrt(1 - self.text_weight) * emb, np.sqrt(self.text_weight) * x])
        )

    def _labels(
        self, texts: list[str], langs: np.ndarray, labels: np.ndarray
    ) -> tuple[list[str], list[str]]:
        k = self.n_themes_
        out = {}
        if len(texts) > LABEL_SAMPLE:  # phrases from a seeded sample of a large touchpoint
            keep = np.zeros(len(texts), dtype=bool)
            keep[check_random_state(self.random_state).choice(len(texts), LABEL_SAMPLE, False)] = (
                True
            )
        else:
            keep = np.ones(len(texts), dtype=bool)
        for lang in ("de", "en"):
            m = (langs == lang) & keep
            out[lang] = (
                class_phrases([texts[i] for i in np.flatnonzero(m)], labels[m], k, self.n_phrases)
                if m.any()
                else [""] * k
            )
        de = [d or e for d, e in zip(out["de"], out["en"], strict=True)]
        en = [e or d for d, e in zip(out["de"], out["en"], strict=True)]
        return de, en

    # ------------------------------------------------------------------ use
    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Theme index of new texts: a seed's keywords first, else the nearest centroid."""
        check_is_fitted(self, "labels_", msg="ThemeModel is not fitted yet; call fit(texts) first")
        texts = [str(t) if t is not None and t == t else "" for t in X]
        out = np.full(len(texts), -1)
        folded = [_fold(t) for t in texts]
        for j, pat in enumerate(self.seed_patterns_):
            if pat is None:
                continue
            hit = np.array([out[i] < 0 and bool(pat.search(folded[i])) for i in range(len(texts))])
            if len(hit):
                out[hit] = j
        todo = np.flatnonzero(out < 0)
        free = np.flatnonzero(~self.seeded_)
        if len(todo) and len(free):
            new = [texts[i] for i in todo]
            emb = self._space(_embed(new), new)
            cent = np.nan_to_num(self.centroids_[free], nan=-2.0)
            out[todo] = free[np.argmax(emb @ cent.T, axis=1)]
        elif len(todo):
            out[todo] = 0
        return out

    def transform(self, X: Sequence[str]) -> pd.DataFrame:
        """``theme``, ``label_de``, ``label_en`` of new texts, one row per text."""
        idx = self.predict(X)
        ids = np.asarray(self.theme_ids_, dtype=object)
        return pd.DataFrame(
            {
                "theme": ids[idx],
                "label_de": np.asarray(self.labels_de_, dtype=object)[idx],
                "label_en": np.asarray(self.labels_en_, dtype=object)[idx],
            }
        )

    def fit_predict(self, X: Sequence[str], y: object = None, **kwargs: Any) -> np.ndarray:
        """Fit and return the theme index of every text."""
        return self.fit(X, **kwargs).labels_


_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+|\bRT\b|<[A-Z_]+>|\[[A-Z_]+\]")


def clean_for_embedding(text: str) -> str:
    """A text without what says nothing about its topic: URLs, e-mail addresses, @mentions,
    ``RT``, ``#`` of hashtags and PII placeholders (``<EMAIL>``, ``[PHONE]``)."""
    t = _NOISE.sub(" ", str(text)).replace("#", "")
    return re.sub(r"\s+", " ", t).strip() or str(text)


def _embed(texts: list[str]) -> np.ndarray:
    from cjwork.text.embeddings import embed_texts

    return embed_texts([clean_for_embedding(t) for t in texts]).astype(np.float64)


def _unit(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.maximum(norm, 1e-12)


def _content_tokens(text: str) -> list[str]:
    """The words of a text without stopwords (folded), for the TF-IDF block of the space."""
    stop = _stopwords()
    return [w for w in _tokens(clean_for_embedding(text)) if _fold(w) not in stop]


def _word_vectorizer(max_df: float) -> Any:
    """TF-IDF over content words (stopwords out; words in more than ``max_df`` of the texts
    out — what every comment at a touchpoint says is not a theme), seen in two texts at least."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    class _Vectorizer(TfidfVectorizer):
        def fit(self, raw_documents: Any, y: Any = None) -> Any:
            try:
                return super().fit(raw_documents, y)
            except ValueError:  # no word left (too few texts, or all stopwords)
                self.vocabulary_ = {}
                return self

    return _Vectorizer(
        tokenizer=_content_tokens,
        lowercase=False,
        token_pattern=None,
        sublinear_tf=True,
        min_df=2,
        max_df=max_df,
    )


def _text_classifier(texts: list[str], labels: np.ndarray, k: int) -> Any:
    """TF-IDF word 1–2-grams → theme, trained on the embedded subsample."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    if len(np.unique(labels)) < 2:

        class _Const:
            def predict(self, x: list[str]) -> np.ndarray:
                return np.full(len(x), int(labels[0]) if len(labels) else 0)

        return _Const()
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
        SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=None, random_state=0),
    ).fit(texts, labels)


def class_phrases(texts: list[str], labels: np.ndarray, k: int, n_phrases: int = 2) -> list[str]:
    """Key phrases per class by class-based TF-IDF over word 1–3-grams ("" for empty classes).

    Parameters
    ----------
    texts : list of str
    labels : array of int
        Class of every text, ``0 … k-1``.
    k : int
        Number of classes.
    n_phrases : int
        Phrases joined by ``", "`` per class.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    stop = _stopwords()
    labels = np.asarray(labels)
    if not texts:
        return [""] * k

    def ok(gram: str) -> bool:
        words = gram.split()
        return _fold(words[0]) not in stop and _fold(words[-1]) not in stop

    cv = CountVectorizer(
        tokenizer=_tokens, lowercase=False, token_pattern=None, ngram_range=(1, 3), binary=True
    )
    try:
        dt = cv.fit_transform(texts)
    except ValueError:  # no words at all
        return [""] * k
    vocab = cv.get_feature_names_out()
    keep = np.array([ok(g) for g in vocab])
    from scipy import sparse

    onehot = sparse.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels))
    )
    counts = np.asarray((onehot @ dt).todense(), dtype=float)  # k × vocab: texts with the n-gram
    total = counts.sum(axis=0)
    words_per_class = counts[:, [" " not in g for g in vocab]].sum(axis=1)
    avg = max(words_per_class[words_per_class > 0].mean() if (words_per_class > 0).any() else 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tf = counts / np.maximum(words_per_class[:, None], 1)
        score = tf * np.log1p(avg / np.maximum(total, 1))
    n_words = np.array([g.count(" ") + 1 for g in vocab])
    out = []
    for c in range(k):
        n_c = int((labels == c).sum())
        if n_c == 0:
            out.append("")
            continue
        min_docs = 2 if n_c >= 4 else 1
        cand = np.flatnonzero(keep & (counts[c] >= min_docs) & (n_words == 1))
        if not len(cand):
            cand = np.flatnonzero(keep & (counts[c] >= min_docs))
        cand = cand[np.argsort(-score[c, cand], kind="stable")]
        chosen: list[str] = []
        for i in cand:
            phrase = _extend(vocab, counts[c], keep, int(i))
            if any(set(phrase.split()) & set(p.split()) for p in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) >= n_phrases:
                break
        out.append(", ".join(chosen))
    return out


def _extend(vocab: np.ndarray, counts: np.ndarray, keep: np.ndarray, i: int) -> str:
    """The longest kept n-gram containing ``vocab[i]`` with ≥ EXTEND_SHARE of its count."""
    base = vocab[i]
    best, best_n = base, 1
    pat = re.compile(r"(?:^| )" + re.escape(base) + r"(?: |$)")
    need = max(EXTEND_SHARE * counts[i], 1)
    cand = np.flatnonzero(keep & (counts >= need) & (counts <= counts[i]))
    if len(cand) > EXTEND_CANDIDATES:  # the most frequent n-grams are the only ones that qualify
        cand = cand[np.argsort(-counts[cand], kind="stable")[:EXTEND_CANDIDATES]]
    for j in cand:
        g = vocab[j]
        n = g.count(" ") + 1
        if n > best_n and pat.search(g):
            best, best_n = g, n
    return best


# ---------------------------------------------------------------------- per touchpoint


def nps_score(nps: pd.Series) -> float:
    """NPS in points (% promoters 9–10 − % detractors 0–6) of the non-missing answers."""
    v = pd.to_numeric(nps, errors="coerce").dropna()
    if not len(v):
        return float("nan")
    return float(100.0 * ((v >= 9).mean() - (v <= 6).mean()))


def feedback_themes(
    feedback: pd.DataFrame,
    journey_map: Any = None,
    journeys: Sequence[str] | None = None,
    *,
    min_feedback: int = 20,
    level: float = 0.95,
    random_state: int = 0,
    **model_params: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Themes per touchpoint of scored, linked feedback, each measured.

    Parameters
    ----------
    feedback : DataFrame
        ``journey``, ``touchpoint``, ``text``, ``sentiment_score``; optional ``language``,
        ``nps``, ``feedback_id`` (from :func:`cjwork.text.enrich_feedback`).
    journey_map : JourneyMap, optional
        Its journeys' ``themes:`` lists seed the themes; touchpoints are sorted in map order.
    journeys : list of str, optional
        Journeys to cover (default: all in the feedback).
    min_feedback : int
        Touchpoints with fewer texts get no themes.
    level : float
        Confidence level of the sentiment t-interval.
    random_state : int
    **model_params
        Passed to :class:`ThemeModel`.

    Returns
    -------
    (themes, assignments) : tuple of DataFrame
        ``themes``: :data:`THEME_COLUMNS` then ``nps``, ``nps_rest``, ``seeded``, sorted by
        journey, touchpoint (map order) and feedback (largest first). ``assignments``: one row
        per themed feedback row (``feedback_id`` when present, ``journey``, ``touchpoint``,
        ``theme``, ``label_de``, ``label_en``), index = the feedback's index.
    """
    need = {"journey", "touchpoint", "text", "sentiment_score"}
    missing = sorted(need - set(feedback.columns))
    if missing:
        raise UsageError(f"feedback_themes needs the columns {', '.join(missing)}")
    fb = feedback[
        feedback["journey"].fillna("").astype(str).ne("")
        & feedback["touchpoint"].fillna("").astype(str).ne("")
        & feedback["text"].fillna("").astype(str).str.strip().ne("")
    ]
    if journeys is not None:
        fb = fb[fb["journey"].isin(list(journeys))]
    order = {}
    seeds_of: dict[str, list[dict[str, Any]]] = {}
    if journey_map is not None:
        for j in journey_map:
            for i, tp in enumerate(j.touchpoints):
                order[(j.id, tp.id)] = i
            seeds_of[j.id] = parse_seeds(
                getattr(j, "themes", None), f"{journey_map.source}: themes of journey '{j.id}'"
            )
    rows = []
    assigned = []
    groups = sorted(
        fb.groupby(["journey", "touchpoint"], sort=False).groups.items(),
        key=lambda kv: (str(kv[0][0]), order.get(kv[0], 10**6), str(kv[0][1])),
    )
    from cjwork.text.embeddings import embed_texts, embedding_cache

    groups = [(key, idx) for key, idx in groups if len(idx) >= min_feedback]
    cap = int(model_params.get("sample_size", 1000))
    with embedding_cache():
        # every text a small touchpoint clusters, encoded in one multi-threaded pass
        small = [
            t
            for _key, idx in groups
            if fb.loc[idx, "text"].nunique() <= cap
            for t in fb.loc[idx, "text"].astype(str).unique()
        ]
        embed_texts(list(dict.fromkeys(small)))
        for key, idx in groups:
            _theme_group(fb, key, idx, seeds_of, random_state, model_params, level, rows, assigned)
    cols = [*THEME_COLUMNS, "nps", "nps_rest", "seeded"]
    table = pd.DataFrame(rows, columns=cols)
    if len(table):
        table["_o"] = [
            order.get((j, t), 10**6) for j, t in zip(table.journey, table.touchpoint, strict=True)
        ]
        table = (
            table.sort_values(
                ["journey", "_o", "feedback"], ascending=[True, True, False], kind="stable"
            )
            .drop(columns="_o")
            .reset_index(drop=True)
        )
        if journey_map is not None:
            jo = {j: i for i, j in enumerate(journey_map.journey_ids)}
            table = table.sort_values(
                "journey", key=lambda s: s.map(jo).fillna(10**6), kind="stable"
            ).reset_index(drop=True)
    assignments = (
        pd.concat(assigned)
        if assigned
        else pd.DataFrame(columns=["journey", "touchpoint", "theme", "label_de", "label_en"])
    )
    return table, assignments


def _theme_group(fb, key, idx, seeds_of, random_state, model_params, level, rows, assigned) -> None:
    """Fit the themes of one touchpoint and append its measured rows and assignments."""
    from cjwork.stats import mean_ci

    jid, tid = key
    part = fb.loc[idx]
    model = ThemeModel(seeds=seeds_of.get(jid), random_state=random_state, **model_params).fit(
        part["text"].astype(str).tolist(),
        languages=part["language"] if "language" in part else None,
    )
    lab = model.labels_
    sent = pd.to_numeric(part["sentiment_score"], errors="coerce").to_numpy(float)
    nps = part["nps"] if "nps" in part else pd.Series(np.nan, index=part.index)
    for c in range(model.n_themes_):
        m = lab == c
        if not m.any():
            continue
        s = sent[m][~np.isnan(sent[m])]
        mean = float(s.mean()) if len(s) else float("nan")
        var = float(s.var(ddof=1)) if len(s) > 1 else float("nan")
        low, high = mean_ci(mean, var, len(s), level)
        n_in, n_out = nps[m].notna().sum(), nps[~m].notna().sum()
        nps_in, nps_out = nps_score(nps[m]), nps_score(nps[~m])
        imp = nps_in - nps_out if min(n_in, n_out) >= MIN_NPS else float("nan")
        rows.append(
            {
                "journey": jid,
                "touchpoint": tid,
                "theme": model.theme_ids_[c],
                "label_de": model.labels_de_[c],
                "label_en": model.labels_en_[c],
                "feedback": int(m.sum()),
                "share": float(m.mean()),
                "sentiment": mean,
                "sentiment_low": float(low),
                "sentiment_high": float(high),
                "importance": imp,
                "nps": nps_in if n_in >= MIN_NPS else float("nan"),
                "nps_rest": nps_out if n_out >= MIN_NPS else float("nan"),
                "seeded": bool(model.seeded_[c]),
            }
        )
    a = pd.DataFrame(
        {
            "journey": jid,
            "touchpoint": tid,
            "theme": np.asarray(model.theme_ids_, dtype=object)[lab],
            "label_de": np.asarray(model.labels_de_, dtype=object)[lab],
            "label_en": np.asarray(model.labels_en_, dtype=object)[lab],
        },
        index=part.index,
    )
    if "feedback_id" in part:
        a.insert(0, "feedback_id", part["feedback_id"].to_numpy())
    assigned.append(a)


def top_theme(
    themes: pd.DataFrame, journey: str, touchpoint: str, *, negative: bool = False
) -> dict[str, Any] | None:
    """The largest theme at a touchpoint as a dict (None when it has none).

    With ``negative=True`` the largest theme with a negative mean sentiment: the theme behind
    a dissatisfier, as the reports name it (None when no theme there is negative). Ties go to
    the theme listed first.
    """
    t = themes[(themes["journey"] == journey) & (themes["touchpoint"] == touchpoint)]
    if negative:
        t = t[pd.to_numeric(t["sentiment"], errors="coerce") < 0]
    if not len(t):
        return None
    return t.sort_values("feedback", ascending=False, kind="stable").iloc[0].to_dict()
