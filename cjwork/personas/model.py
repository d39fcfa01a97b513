"""``PersonaModel``: customers → personas, as a scikit-learn estimator.

The model is a preprocessing step (``ColumnTransformer``: median imputation, ``log1p`` for
skewed non-negative counts, standard scaling; one-hot encoding for categories) followed by
k-means or a Gaussian mixture. With ``n_personas="auto"`` the number of personas is chosen
over ``k_range`` by a stated criterion — the silhouette (higher is better) or the BIC
(lower is better) — and the whole curve is kept in ``k_scores_``. A stability check refits
the chosen model on bootstrap samples with fresh seeds and reports the mean pairwise
adjusted Rand index (``stability_ari_``): close to 1 means the personas are a property of
the data, not of the seed.

On big data the clustering is *sampled*: the preprocessing and the clustering are fitted on
a random sample of at most ``max_fit_rows`` customers (k selection on at most
``k_selection_rows``), and every customer is then assigned with ``predict`` — k-means on
100,000 rows finds the same centres as on a million, in a fraction of the time.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from cjwork._version import __version__
from cjwork.errors import ModelError, UsageError
from cjwork.personas.features import feature_family
from cjwork.personas.selection import choose_k, k_evidence

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

MODEL_FORMAT = "cjwork-persona-model"
MISSING_CATEGORY = "(missing)"

#: a non-negative numeric feature with a skewness above this is log1p-transformed
SKEW_THRESHOLD = 1.0
#: BLAS/OpenMP threads for fitting and predicting. What is clustered is small (at most
#: ``max_fit_rows`` customers × a few principal components), so thread start-up and
#: synchronisation cost more than they give: at 1M customers one thread takes a third of
#: the CPU time of two (and on a machine shared with other jobs also less wall time).
FIT_THREADS = 1


class PersonaParameterError(UsageError, ValueError):
    """An invalid parameter of :class:`PersonaModel` (a ``ValueError`` and a usage error, exit 2)."""


class PersonaModel(ClusterMixin, TransformerMixin, BaseEstimator):
    """Find personas: clusters of customers over their features.

    Parameters
    ----------
    n_personas : "auto" or int, default="auto"
        Number of personas. ``"auto"`` chooses it over ``k_range`` by ``selection``.
    method : {"kmeans", "gmm"}, default="kmeans"
        k-means, or a Gaussian mixture (full covariances).
    k_range : tuple of int, default=(2, 8)
        Smallest and largest k tried by ``"auto"`` (inclusive).
    selection : {"silhouette", "bic"}, default="silhouette"
        The criterion for ``"auto"``: mean silhouette (higher is better; measured on a
        sample of at most ``silhouette_rows``) or the Bayesian information criterion (lower
        is better; the mixture's own BIC for ``"gmm"``, the spherical-Gaussian BIC of the
        partition for ``"kmeans"``).
    n_stability_runs : int, default=5
        Bootstrap refits with fresh seeds for ``stability_ari_``; 0 or 1 skips the check.
    max_fit_rows : int, default=100_000
        Fit on a random sample of at most this many customers, then assign everyone.
    k_selection_rows : int, default=20_000
        Sample size for trying the candidate k.
    silhouette_rows : int, default=5_000
        Sample size for the silhouette.
    n_init : int, default=10
        Restarts of k-means / the mixture for the final fit (the k search uses fewer).
    reduce : "auto", int or None, default="auto"
        Denoise before clustering with PCA. ``"auto"`` keeps the components whose
        eigenvalue exceeds the 95th percentile of the eigenvalues of column-permuted data
        (Horn's parallel analysis): structure shared by several features (what personas
        are) is kept, variation of single unrelated features is dropped. An int keeps that
        many components; ``None`` clusters the preprocessed features directly.
    covariance_type : {"tied", "full", "diag", "spherical"}, default="tied"
        Covariance of the Gaussian mixture (``method="gmm"`` only). One shared covariance
        ("tied") recovers personas best on mixed numeric/one-hot data in our tests; note
        that the BIC tends to favour too many components on such data (discrete values
        look like tight clusters to a Gaussian), so ``selection="silhouette"`` is the
        default criterion.
    random_state : int, RandomState or None, default=None
        Seed for every random step (sampling, initialisation, stability refits).

    Attributes
    ----------
    n_personas_ : int
        The number of personas found.
    labels_ : ndarray of shape (n_customers,)
        Persona of each training customer, 0 … n_personas_-1, ordered by size (0 = largest).
    k_scores_ : DataFrame
        The selection curve: ``k``, ``silhouette``, ``bic`` (for the criteria computed),
        ``inertia`` (k-means), ``chosen``.
    stability_ari_ : float
        Mean pairwise adjusted Rand index of the stability refits (NaN when skipped).
    stability_scores_ : ndarray
        The pairwise ARIs behind ``stability_ari_``.
    feature_names_in_ : ndarray of str
        The feature columns, in order.
    numeric_features_, categorical_features_, log_features_ : list of str
        How each column was treated (``log_features_``: skewed counts that got ``log1p``).
    feature_names_out_ : ndarray of str
        Columns of the space the personas are found in (:meth:`transform`): the
        preprocessed features, or ``pc1 …`` after the PCA.
    preprocessed_names_ : ndarray of str
        Columns after scaling and one-hot encoding (before the PCA).
    preprocessor_ : ColumnTransformer
        The fitted preprocessing.
    reducer_ : PCA or None
        The fitted PCA (``reduce``), ``None`` without.
    n_components_ : int
        Dimensions clustered (after the PCA).
    estimator_ : KMeans or GaussianMixture
        The fitted clustering (its labels are mapped to size order by ``label_order_``).
    cluster_centers_ : ndarray
        Persona centres in the preprocessed space, in persona order.
    n_features_in_ : int
    n_fit_rows_ : int
        Customers the clustering was fitted on (< rows when sampled).
    """

    def __init__(
        self,
        n_personas="auto",
        method="kmeans",
        k_range=(2, 10),
        selection="auto",
        n_stability_runs=5,
        max_fit_rows=100_000,
        k_selection_rows=5_000,
        silhouette_rows=5_000,
        n_init=10,
        reduce="auto",
        covariance_type="tied",
        weighting="auto",
        random_state=None,
    ):
        self.n_personas = n_personas
        self.method = method
        self.k_range = k_range
        self.selection = selection
        self.n_stability_runs = n_stability_runs
        self.max_fit_rows = max_fit_rows
        self.k_selection_rows = k_selection_rows
        self.silhouette_rows = silhouette_rows
        self.n_init = n_init
        self.reduce = reduce
        self.covariance_type = covariance_type
        self.weighting = weighting
        self.random_state = random_state

    # ------------------------------------------------------------------ validation

    def _validate_params(self) -> None:
        k = self.n_personas
        if not (
            k == "auto" or (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 2)
        ):
            raise PersonaParameterError(f"n_personas must be 'auto' or an int >= 2, got {k!r}")
        if self.method not in ("kmeans", "gmm"):
            raise PersonaParameterError(f"method must be 'kmeans' or 'gmm', got {self.method!r}")
        if self.covariance_type not in ("tied", "full", "diag", "spherical"):
            raise PersonaParameterError(
                f"covariance_type must be 'tied', 'full', 'diag' or 'spherical', got {self.covariance_type!r}"
            )
        if self.selection not in ("auto", "silhouette", "bic"):
            raise PersonaParameterError(
                f"selection must be 'auto', 'silhouette' or 'bic', got {self.selection!r}"
            )
        if self.weighting not in ("auto", None):
            raise PersonaParameterError(f"weighting must be 'auto' or None, got {self.weighting!r}")
        kr = self.k_range
        if (
            not isinstance(kr, tuple | list)
            or len(kr) != 2
            or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in kr)
            or kr[0] < 2
            or kr[1] < kr[0]
        ):
            raise PersonaParameterError(
                f"k_range must be a pair (low, high) of ints with 2 <= low <= high, got {kr!r}"
            )
        r = self.reduce
        if not (
            r is None
            or r == "auto"
            or (isinstance(r, int | np.integer) and not isinstance(r, bool) and r >= 1)
        ):
            raise PersonaParameterError(f"reduce must be 'auto', an int >= 1 or None, got {r!r}")
        for name, low in (
            ("n_stability_runs", 0),
            ("max_fit_rows", 2),
            ("k_selection_rows", 2),
            ("silhouette_rows", 2),
            ("n_init", 1),
        ):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < low:
                raise PersonaParameterError(f"{name} must be an int >= {low}, got {v!r}")

    def _validate_data(self, X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise PersonaParameterError(
                f"X must be a pandas DataFrame of customer features (see cjwork.personas.build_features), got {type(X).__name__}"
            )
        if len(X) == 0:
            raise ModelError("there are no customers to find personas in (0 rows)")
        if len(X) == 1:
            raise ModelError("personas need at least 2 customers; there is only 1 customer")
        return X

    @staticmethod
    def _split_columns(X: pd.DataFrame) -> tuple[list[str], list[str], dict[str, str]]:
        numeric, categorical, unusable = [], [], {}
        for col in X.columns:
            s = X[col]
            if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
                values = pd.to_numeric(s, errors="coerce").astype("float64")
                if values.notna().sum() == 0:
                    unusable[col] = "no values"
                elif values.nunique() < 2:
                    unusable[col] = "the same value for every customer"
                else:
                    numeric.append(col)
            elif (
                isinstance(s.dtype, pd.CategoricalDtype)
                or pd.api.types.is_string_dtype(s)
                or s.dtype == object
            ):
                if s.nunique(dropna=False) < 2:
                    unusable[col] = "the same value for every customer"
                else:
                    categorical.append(col)
            else:
                unusable[col] = f"unsupported type {s.dtype} (convert dates with build_features)"
        return numeric, categorical, unusable

    # ------------------------------------------------------------------ fitting

    def fit(self, X: pd.DataFrame, y: object = None) -> PersonaModel:
        """Find the personas in ``X`` (one row per customer, one column per feature).

        Parameters
        ----------
        X : DataFrame
            Customer features, e.g. from :func:`cjwork.personas.build_features`.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._validate_data(X)
        with threadpool_limits(limits=FIT_THREADS):  # see FIT_THREADS
            return self._fit(X)

    def _fit(self, X: pd.DataFrame):
        rng = check_random_state(self.random_state)

        numeric, categorical, unusable = self._split_columns(X)
        if (
            not numeric
            and not categorical
            and unusable
            and all(r == "the same value for every customer" for r in unusable.values())
        ):
            raise ModelError(
                f"all {len(X):,} customers have identical features; personas need customers that differ"
            )
        if not numeric and not categorical:
            detail = (
                "; ".join(f"{c}: {r}" for c, r in unusable.items())
                or "the table has no feature columns"
            )
            raise ModelError(
                "no usable features to find personas in "
                f"({detail}). Add customer attributes (age, segment, region, ...) to customers.csv "
                "or provide events.csv/feedback.csv"
            )
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.numeric_features_ = numeric
        self.categorical_features_ = categorical
        self.unused_features_ = unusable

        n = len(X)
        fit_idx = self._sample(n, self.max_fit_rows, rng)
        Xfit = X.iloc[fit_idx]
        self.log_features_ = [c for c in numeric if _is_skewed_count(Xfit[c])]
        self.preprocessor_ = self._make_preprocessor(numeric, categorical, self.log_features_)
        Z = np.asarray(self.preprocessor_.fit_transform(Xfit), dtype=np.float64)
        self.preprocessed_names_ = np.asarray(
            self.preprocessor_.get_feature_names_out(), dtype=object
        )
        self.n_fit_rows_ = len(fit_idx)
        groups = [feature_family(c) for c in self._column_groups()]
        # a family of numeric columns counts as one feature: its variances add up to 1
        # (one-hot levels of a categorical are balanced the same way by CategoryOneHot)
        is_cat = np.isin(np.asarray(self._column_groups(), dtype=object), categorical)
        self.family_scale_ = family_scales(
            Z[self._sample(len(Z), self.k_selection_rows, rng)], groups, is_cat
        )
        self.feature_weights_ = np.ones(Z.shape[1])
        self.feature_relevance_ = pd.Series(1.0, index=pd.Index(sorted(set(groups)), dtype=object))
        if self.weighting == "auto" and Z.shape[1] > 1 and len(Z) >= 20:
            # relevance on the standardised columns (before the family balance)
            rel = feature_relevance(
                Z[self._sample(len(Z), self.k_selection_rows, rng)],
                groups,
                n_clusters=int(self.k_range[1]),
                scales=self.family_scale_,
                categorical_groups=categorical,
                random_state=rng,
            )
            self.feature_relevance_ = rel
            self.feature_weights_ = relevance_weights(rel).reindex(groups).to_numpy(np.float64)
        Z = Z * self.family_scale_ * self.feature_weights_

        n_distinct = _n_distinct_rows(Z)
        self.reducer_ = None
        if self.reduce is not None and Z.shape[1] > 2 and n_distinct > 2:
            if self.reduce != "auto":
                n_comp = int(self.reduce)
            elif self.weighting == "auto":
                # noise is already weighted down: keep 95 % of the variance
                ev = np.linalg.svd(Z - Z.mean(axis=0), compute_uv=False) ** 2
                n_comp = int(np.searchsorted(np.cumsum(ev) / ev.sum(), 0.95) + 1)
            else:
                n_comp = parallel_analysis(
                    Z[self._sample(len(Z), self.k_selection_rows, rng)], random_state=rng
                )
            n_comp = max(2, min(n_comp, Z.shape[1], len(Z) - 1))
            if n_comp < Z.shape[1]:
                self.reducer_ = PCA(
                    n_components=n_comp, random_state=rng.randint(np.iinfo(np.int32).max)
                ).fit(Z)
                Z = self.reducer_.transform(Z)
        self.n_components_ = Z.shape[1]
        self.feature_names_out_ = (
            np.asarray([f"pc{i + 1}" for i in range(Z.shape[1])], dtype=object)
            if self.reducer_ is not None
            else self.preprocessed_names_
        )
        if n_distinct < 2:
            raise ModelError(
                f"all {n:,} customers have identical features; personas need customers that differ"
            )
        if self.n_personas == "auto":
            low, high = int(self.k_range[0]), int(self.k_range[1])
            high = min(high, n_distinct - 1) if n_distinct > 2 else 2
            if n_distinct == 2:
                low = high = 2
            low = min(low, high)
            if self.selection == "auto":
                Zs = Z[self._sample(len(Z), self.k_selection_rows, rng)]
                evidence = k_evidence(
                    Zs,
                    range(low, high + 1),
                    n_bootstrap=5,
                    silhouette_rows=self.silhouette_rows,
                    random_state=rng,
                )
                best, self.structure_ = choose_k(evidence)
                self.k_scores_ = evidence
            else:
                self.k_scores_ = self._score_k(Z, range(low, high + 1), rng)
                best = self._best_k(self.k_scores_)
                self.structure_ = "chosen by " + self.selection
            self.k_scores_["chosen"] = self.k_scores_["k"] == best
        else:
            best = int(self.n_personas)
            self.structure_ = "as asked"
            if best > n_distinct:
                what = (
                    f"{n:,} customers"
                    if n_distinct == n
                    else f"{n:,} customers with only {n_distinct:,} distinct feature rows"
                )
                raise ModelError(
                    f"n_personas={best} but there are {what}; ask for at most {n_distinct} personas"
                )
            self.k_scores_ = pd.DataFrame({"k": [best], "chosen": [True]})

        self.estimator_ = self._cluster(best, self.n_init, rng.randint(np.iinfo(np.int32).max)).fit(
            Z
        )
        raw = self.estimator_.predict(Z)
        counts = np.bincount(raw, minlength=best)
        centers = self._raw_centers()
        # persona order: by size, largest first; ties by the centre's coordinates (deterministic)
        order = sorted(range(best), key=lambda c: (-counts[c], tuple(np.round(centers[c], 9))))
        self.label_order_ = np.empty(best, dtype=np.int64)
        self.label_order_[order] = np.arange(best)
        self.cluster_centers_ = centers[order]
        self.n_personas_ = best

        if len(fit_idx) == n:
            self.labels_ = self.label_order_[raw]
        else:
            self.labels_ = self.predict(X)
        self._stability(X, Z, best, rng)
        return self

    @staticmethod
    def _sample(n: int, cap: int, rng: np.random.RandomState) -> np.ndarray:
        if n <= cap:
            return np.arange(n)
        return np.sort(rng.choice(n, size=cap, replace=False))

    def _column_groups(self) -> list[str]:
        """The input column behind each preprocessed column (one-hot levels share theirs)."""
        groups: list[str] = []
        for name, trans, cols in self.preprocessor_.transformers_:
            if name == "remainder" or trans == "drop":
                continue
            if name == "cat":
                for col, levels in zip(cols, trans.categories_, strict=True):
                    groups += [str(col)] * len(levels)
            else:
                groups += [str(c) for c in cols]
        return groups

    @staticmethod
    def _make_preprocessor(numeric, categorical, log_cols) -> ColumnTransformer:
        plain = [c for c in numeric if c not in log_cols]
        transformers = []
        if plain:
            transformers.append(
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), plain)
            )
        if log_cols:
            transformers.append(
                (
                    "log",
                    make_pipeline(SimpleImputer(strategy="median"), SkewLog(), StandardScaler()),
                    log_cols,
                )
            )
        if categorical:
            transformers.append(
                (
                    "cat",
                    CategoryOneHot(balance=True),
                    categorical,
                )
            )
        return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)

    def _cluster(self, k: int, n_init: int, seed: int):
        if self.method == "kmeans":
            return KMeans(n_clusters=k, n_init=n_init, random_state=seed)
        return GaussianMixture(
            n_components=k,
            covariance_type=self.covariance_type,
            n_init=n_init,
            reg_covar=1e-4,
            random_state=seed,
        )

    def _raw_centers(self) -> np.ndarray:
        est = self.estimator_
        return np.asarray(est.cluster_centers_ if self.method == "kmeans" else est.means_)

    def _score_k(self, Z: np.ndarray, ks, rng) -> pd.DataFrame:
        idx = self._sample(len(Z), self.k_selection_rows, rng)
        Zs = Z[idx]
        sil_idx = self._sample(len(Zs), self.silhouette_rows, rng)
        # the silhouette sample is the same for every k: its distances are computed once
        sil_dist = (
            euclidean_distances(Zs[sil_idx])
            if self.selection == "silhouette" or self.method == "kmeans"
            else None
        )
        rows = []
        for k in ks:
            seed = rng.randint(np.iinfo(np.int32).max)
            est = self._cluster(k, max(2, self.n_init // 2), seed).fit(Zs)
            labels = est.predict(Zs)
            row: dict[str, float] = {"k": k}
            if self.selection == "silhouette" or self.method == "kmeans":
                sl = labels[sil_idx]
                row["silhouette"] = (
                    float(silhouette_score(sil_dist, sl, metric="precomputed"))
                    if len(np.unique(sl)) > 1
                    else float("nan")
                )
            if self.method == "kmeans":
                row["inertia"] = float(est.inertia_)
                row["bic"] = _kmeans_bic(Zs, labels, est.cluster_centers_)
            else:
                row["bic"] = float(est.bic(Zs))
            rows.append(row)
        return pd.DataFrame(rows)

    def _best_k(self, scores: pd.DataFrame) -> int:
        col = self.selection
        values = scores[col].to_numpy(dtype=float)
        if np.isnan(values).all():
            return int(scores["k"].iloc[0])
        pos = np.nanargmax(values) if col == "silhouette" else np.nanargmin(values)
        return int(scores["k"].iloc[pos])

    def _stability(self, X: pd.DataFrame, Z: np.ndarray, k: int, rng) -> None:
        runs = int(self.n_stability_runs)
        if runs < 2:
            self.stability_ari_ = float("nan")
            self.stability_scores_ = np.array([])
            return
        eval_idx = self._sample(len(Z), self.k_selection_rows, rng)
        Ze = Z[eval_idx]
        labelings = []
        for _ in range(runs):
            boot = rng.randint(0, len(Z), size=len(Z))
            est = self._cluster(
                k, max(2, self.n_init // 2), rng.randint(np.iinfo(np.int32).max)
            ).fit(Z[boot])
            labelings.append(est.predict(Ze))
        scores = np.array(
            [adjusted_rand_score(a, b) for a, b in itertools.combinations(labelings, 2)]
        )
        self.stability_scores_ = scores
        self.stability_ari_ = float(scores.mean())

    # ------------------------------------------------------------------ using

    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self, "estimator_")
        except NotFittedError:
            raise NotFittedError(
                "This PersonaModel is not fitted yet: call fit(features) (or fit_predict) "
                "before predict/transform, or load a saved model with PersonaModel.load(path)."
            ) from None

    def _check_columns(self, X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise PersonaParameterError(
                f"X must be a pandas DataFrame of customer features, got {type(X).__name__}"
            )
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ModelError(
                f"the features differ from the ones the model was fitted on: missing {', '.join(map(str, missing))}; "
                "build them with the same feature blocks"
            )
        return X[list(self.feature_names_in_)]

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Customers in the preprocessed space the personas were found in.

        Returns
        -------
        ndarray of shape (n_customers, len(feature_names_out_))
            Scaled numeric features and one-hot categories, projected on the kept principal
            components when ``reduce`` is set (use it for 2-D projections or distances to
            ``cluster_centers_``).
        """
        self._check_fitted()
        X = self._check_columns(X)
        return self._to_space(X)

    def _to_space(self, X: pd.DataFrame) -> np.ndarray:
        Z = np.asarray(self.preprocessor_.transform(X), dtype=np.float64)
        Z = Z * getattr(self, "family_scale_", 1.0) * getattr(self, "feature_weights_", 1.0)
        return Z if self.reducer_ is None else self.reducer_.transform(Z)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The persona (0 … n_personas_-1) of each customer in ``X``, in chunks of 200,000 rows."""
        self._check_fitted()
        X = self._check_columns(X)
        out = np.empty(len(X), dtype=np.int64)
        step = 200_000
        with threadpool_limits(limits=FIT_THREADS):
            for start in range(0, len(X), step):
                Z = self._to_space(X.iloc[start : start + step])
                out[start : start + step] = self.label_order_[self.estimator_.predict(Z)]
        return out

    def fit_predict(self, X: pd.DataFrame, y: object = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    def score_samples_distance(self, X: pd.DataFrame) -> np.ndarray:
        """Distance of each customer to its persona centre (small = typical of the persona)."""
        Z = self.transform(X)
        labels = self.predict(X)
        return np.linalg.norm(Z - self.cluster_centers_[labels], axis=1)

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> Path:
        """Save the fitted model with joblib, with the cjwork version and the feature list.

        The file is written atomically (a temporary file beside it, then renamed).
        """
        import os
        import tempfile

        self._check_fitted()
        path = Path(path)
        payload = {
            "format": MODEL_FORMAT,
            "cjwork_version": __version__,
            "features": [str(c) for c in self.feature_names_in_],
            "model": self,
        }
        fd, tmp = tempfile.mkstemp(
            dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp"
        )
        os.close(fd)
        try:
            joblib.dump(payload, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return path

    @classmethod
    def load(cls, path: str | Path) -> PersonaModel:
        """Load a model saved with :meth:`save`; warns when it was saved by another cjwork version."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"{path}: no such model file")
        try:
            payload = joblib.load(path)
        except Exception as exc:
            raise ModelError(
                f"{path}: not a saved persona model ({type(exc).__name__}: {exc})"
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise ModelError(f"{path}: not a saved persona model (save one with PersonaModel.save)")
        version = payload.get("cjwork_version")
        if version != __version__:
            warnings.warn(
                f"{path}: this persona model was saved by cjwork {version}, you are running {__version__}; "
                "refit it if predictions look wrong",
                UserWarning,
                stacklevel=2,
            )
        model = payload["model"]
        if list(model.feature_names_in_) != list(payload.get("features", [])):
            raise ModelError(
                f"{path}: the stored feature list does not match the model; the file is damaged"
            )
        return model


# --------------------------------------------------------------------------- helpers


def parallel_analysis(
    Z: np.ndarray,
    n_permutations: int = 5,
    quantile: float = 95.0,
    random_state: int | np.random.RandomState | None = None,
) -> int:
    """Number of principal components worth keeping (Horn's parallel analysis).

    A component is kept while its eigenvalue exceeds the ``quantile`` of the same-rank
    eigenvalues of ``n_permutations`` copies of ``Z`` whose columns were shuffled
    independently (same marginals, no shared structure).
    """
    rng = check_random_state(random_state)
    Z = np.asarray(Z, dtype=np.float64)
    Zc = Z - Z.mean(axis=0)
    ev = np.linalg.svd(Zc, compute_uv=False) ** 2 / max(len(Z) - 1, 1)
    null = np.empty((n_permutations, len(ev)))
    for i in range(n_permutations):
        perm = np.column_stack([Zc[rng.permutation(len(Zc)), j] for j in range(Zc.shape[1])])
        null[i] = np.linalg.svd(perm, compute_uv=False) ** 2 / max(len(Z) - 1, 1)
    threshold = np.percentile(null, quantile, axis=0)
    above = ev > threshold
    return int(len(ev) if above.all() else np.argmax(~above))


def _level_codes(s: pd.Series, levels: list[str]) -> np.ndarray:
    """Position of each value in ``levels`` (missing → the '(missing)' level; unknown → -1)."""
    index = {level: i for i, level in enumerate(levels)}
    missing = index.get(MISSING_CATEGORY, -1)
    if isinstance(s.dtype, pd.CategoricalDtype):
        lookup = np.array(
            [index.get(str(c), -1) for c in s.cat.categories] + [missing], dtype=np.int64
        )
        return lookup[s.cat.codes.to_numpy()]  # code -1 (missing) picks the last entry
    values = s.astype(object)
    codes = pd.Categorical(
        values.where(values.notna(), MISSING_CATEGORY).astype(str), categories=levels
    ).codes
    return codes.astype(np.int64)


class CategoryOneHot(TransformerMixin, BaseEstimator):
    """One-hot encoding of categorical columns, vectorised through pandas category codes.

    Missing values are their own level (``"(missing)"``); a level not seen in ``fit``
    encodes as all zeros (like ``OneHotEncoder(handle_unknown="ignore")``), but a million
    rows take a fraction of a second instead of string comparisons per value.

    Parameters
    ----------
    balance : bool, default=False
        Scale the levels of each column so that their variances add up to 1: a categorical
        column then counts as much as one standardised number, whatever its number of
        levels (``scales_`` holds the factor per column).
    """

    def __init__(self, balance: bool = False):
        self.balance = balance

    def fit(self, X: pd.DataFrame | ArrayLike, y: object = None) -> CategoryOneHot:
        """Learn the levels of each column (sorted; ``"(missing)"`` last when present).

        Parameters
        ----------
        X : DataFrame or array-like
            Categorical columns.
        y : ignored

        Returns
        -------
        self
        """
        frame = pd.DataFrame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.categories_ = []
        for col in frame.columns:
            text = frame[col].astype("string")
            levels = sorted(str(v) for v in text.dropna().unique())
            if text.isna().any():
                levels.append(MISSING_CATEGORY)
            self.categories_.append(levels)
        self.scales_ = np.ones(len(self.categories_))
        if self.balance and len(frame):
            for i, (col, levels) in enumerate(zip(frame.columns, self.categories_, strict=True)):
                codes = _level_codes(frame[col], levels)
                p = np.bincount(codes[codes >= 0], minlength=len(levels)) / len(frame)
                total = float((p * (1 - p)).sum())
                self.scales_[i] = 1.0 / np.sqrt(total) if total > 0 else 1.0
        return self

    def transform(self, X: pd.DataFrame | ArrayLike) -> np.ndarray:
        """One-hot encode ``X`` with the levels learnt in ``fit``.

        Returns
        -------
        ndarray of shape (n_rows, total number of levels)
            Float 0/1 columns in the order of :meth:`get_feature_names_out`; an unseen
            level is all zeros.
        """
        check_is_fitted(self, "categories_")
        frame = pd.DataFrame(X)
        # one output array filled in place (no per-column blocks to stack)
        out = np.zeros((len(frame), sum(len(lv) for lv in self.categories_)), dtype=np.float64)
        offset = 0
        scales = getattr(self, "scales_", np.ones(len(self.categories_)))
        for col, levels, scale in zip(frame.columns, self.categories_, scales, strict=True):
            codes = _level_codes(frame[col], levels)
            known = codes >= 0
            out[np.flatnonzero(known), offset + codes[known]] = scale
            offset += len(levels)
        return out

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Output column names, ``<column>_<level>``.

        Parameters
        ----------
        input_features : ignored
            The names seen in ``fit`` are used.

        Returns
        -------
        ndarray of str (object dtype)
        """
        check_is_fitted(self, "categories_")
        return np.asarray(
            [
                f"{c}_{level}"
                for c, levels in zip(self.feature_names_in_, self.categories_, strict=True)
                for level in levels
            ],
            dtype=object,
        )


class SkewLog(TransformerMixin, BaseEstimator):
    """``log1p(x / m)`` with ``m`` the median of the positive values of each column.

    Dividing by the typical value makes the transform independent of the unit (cents or
    euros, kWh or MWh): a log-normal column becomes close to normal either way.
    """

    def fit(self, X: ArrayLike, y: object = None) -> SkewLog:
        """Learn the median of the positive values per column."""
        A = np.asarray(X, dtype=np.float64)
        med = []
        for j in range(A.shape[1]):
            pos = A[:, j][A[:, j] > 0]
            med.append(float(np.median(pos)) if len(pos) else 1.0)
        self.scale_ = np.asarray(med)
        self.n_features_in_ = A.shape[1]
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """``log1p(max(x, 0) / scale_)``."""
        check_is_fitted(self, "scale_")
        A = np.asarray(X, dtype=np.float64)
        return np.log1p(np.clip(A, 0, None) / self.scale_)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """The input names, unchanged."""
        return np.asarray(input_features, dtype=object)


#: How :func:`feature_relevance` measures structure: ``"others"`` (each family against the
#: other families; used up to :data:`MAX_LOFO_FAMILIES` families) or ``"shared"`` (every
#: feature against one clustering of the shared structure).
RELEVANCE_METHOD = "others"
#: weight = min(1, relevance / (FULL_WEIGHT_SHARE * best relevance)) ** WEIGHT_POWER: with
#: 0.5 a feature's share of the squared distances is proportional to its relevance (as the
#: weights of sparse k-means), up to full weight
WEIGHT_POWER = 0.5
#: a feature with at least this share of the best relevance counts fully (1.0: only the
#: best; the weights are then sqrt(relevance / best relevance)). Relevance is a share of
#: variance, so the features of a small persona (5 % of the customers) score low however
#: clearly they separate it; a cap of 0.5 helped there (development b2b, seed 101, true k:
#: ARI 0.956 -> 0.976) but chose k = 6 instead of 5 on a 600-customer sample of the bundled
#: data and slowed a 200-noise-column table by a fifth; 0.25 lost the sample's k. Kept at 1.
FULL_WEIGHT_SHARE = 1.0
MAX_LOFO_FAMILIES = 40
#: rows of the relevance step (a fixed-size seeded sample)
RELEVANCE_ROWS = 2000


#: How a family of numeric columns is balanced: ``"effective"`` (its variances add up to
#: its effective number of dimensions), ``"one"`` (add up to 1) or ``"none"``.
FAMILY_BALANCE = "effective"


def family_scales(Z: np.ndarray, groups: list[str], is_categorical: np.ndarray) -> np.ndarray:
    """Column factors so that a family of numeric columns counts by what it measures.

    A family's standardised columns are scaled so that their variances add up to the
    family's effective number of dimensions, the participation ratio
    ``(sum of eigenvalues)² / sum of squared eigenvalues`` of its correlation matrix: three
    counts of one activity (correlated) count about once, six channel shares (each a
    different channel) count about five times. One-hot levels are left as
    :class:`CategoryOneHot` balanced them (a categorical counts once). Single columns: 1.
    """
    Z = np.asarray(Z, dtype=np.float64)
    g = np.asarray(groups, dtype=object)
    cat = np.asarray(is_categorical, dtype=bool)
    out = np.ones(Z.shape[1])
    if FAMILY_BALANCE == "none":
        return out
    for fam in pd.unique(g):
        cols = np.flatnonzero((g == fam) & ~cat)
        if len(cols) < 2:
            continue
        block = Z[:, cols]
        var = block.var(axis=0)
        total = float(var.sum())
        if total <= 0:
            continue
        if FAMILY_BALANCE == "one":
            target = 1.0
        else:
            lam = np.clip(np.linalg.eigvalsh(np.cov(block, rowvar=False)), 0, None)
            target = float(lam.sum() ** 2 / max((lam**2).sum(), 1e-12))
        out[cols] = np.sqrt(target / total)
    return out


def _between_share(Zc: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.zeros((k, Zc.shape[1]))
    np.add.at(sums, labels, Zc)
    between = (sums**2 / np.maximum(counts, 1)[:, None]).sum(axis=0)
    return between, (Zc**2).sum(axis=0)


def feature_relevance(
    Z: np.ndarray,
    groups: list[str],
    *,
    n_clusters: int = 8,
    method: str | None = None,
    scales: np.ndarray | None = None,
    categorical_groups: list[str] | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> pd.Series:
    """How much of each feature (family) is persona structure.

    First pass (``method="shared"``, and for wider tables): one k-means clustering
    (``n_clusters``) on the principal components that parallel analysis keeps, and η² (the
    share of a feature's variance between the clusters) of every feature against it.

    ``method="others"`` (default, up to :data:`MAX_LOFO_FAMILIES` families) adds a second
    pass: for each family, the customers are clustered over all *other* families (balanced
    by ``scales`` and weighted by the first pass), and the family's relevance is its η²
    against those clusters. Personas tie features together, so
    a feature that carries them is predictable from the rest; a pure-noise column, or a
    family whose columns only agree with each other (three counts of the same activity),
    is not. A single column (a number, or one categorical's levels) keeps the higher of
    its two scores, so a persona that stands out on one feature alone is not lost.

    Parameters
    ----------
    Z : ndarray of shape (n, d)
        Standardised features (a fixed-size sample).
    groups : list of str
        The family of each column (one-hot levels share their column's).
    n_clusters : int
    method : {"others", "shared"}, optional
    scales : ndarray, optional
        Column factors of the family balance (:func:`family_scales`) used for the "other
        families"; default: each family scaled to total variance 1.
    categorical_groups : list of str, optional
        Families that are one categorical column (their one-hot levels).
    random_state : int, RandomState or None

    Returns
    -------
    Series
        Relevance (0 … 1) per family, sorted by name.
    """
    rng = check_random_state(random_state)
    Z = np.asarray(Z, dtype=np.float64)
    if len(Z) > RELEVANCE_ROWS:
        Z = Z[np.sort(rng.choice(len(Z), RELEVANCE_ROWS, replace=False))]
    Zc = Z - Z.mean(axis=0)
    g = np.asarray(groups, dtype=object)
    families = sorted(set(groups))
    method = method or RELEVANCE_METHOD
    shared = _shared_relevance(Zc, groups, n_clusters, rng)
    if method != "others" or not 2 <= len(families) <= MAX_LOFO_FAMILIES:
        return shared
    if scales is None:
        var = Zc.var(axis=0)
        fam_total = pd.Series(var).groupby(g).transform("sum").to_numpy()
        B = Zc / np.sqrt(np.where(fam_total > 0, fam_total, 1.0))
    else:
        B = Zc * np.asarray(scales, dtype=np.float64)
    # the other families count by their shared-structure relevance (first pass), so that
    # many noise columns cannot drown the few that carry the personas
    B = B * relevance_weights(shared).reindex(groups).to_numpy(np.float64)
    out = {}
    k = max(2, min(n_clusters, len(Z) - 1))
    single = set(categorical_groups or ())
    for fam in families:
        own = g == fam
        others = B[:, ~own]
        if not np.any(others):
            out[fam] = 0.0
            continue
        labels = KMeans(n_clusters=k, n_init=2, random_state=rng.randint(2**31 - 1)).fit_predict(
            others
        )
        between, total = _between_share(Zc[:, own], labels, k)
        t = float(total.sum())
        out[fam] = float(between.sum()) / t if t > 0 else 0.0
        if own.sum() == 1 or fam in single:
            # a single column cannot vouch for itself through siblings: a persona that
            # stands out on this one feature (a bimodal column) keeps its first-pass score
            out[fam] = max(out[fam], float(shared[fam]))
    return pd.Series(out).sort_index().clip(0.0, 1.0)


def _shared_relevance(Zc: np.ndarray, groups, n_clusters: int, rng) -> pd.Series:
    """η² of every feature against one clustering of the parallel-analysis components."""
    n_comp = max(1, min(parallel_analysis(Zc, random_state=rng), Zc.shape[1]))
    _, _, vt = np.linalg.svd(Zc, full_matrices=False)
    Y = Zc @ vt[:n_comp].T
    k = max(2, min(n_clusters, len(np.unique(np.round(Y, 9), axis=0)) - 1, len(Zc) - 1))
    labels = KMeans(n_clusters=k, n_init=3, random_state=rng.randint(2**31 - 1)).fit_predict(Y)
    between, total = _between_share(Zc, labels, k)
    frame = pd.DataFrame({"group": groups, "between": between, "total": total})
    agg = frame.groupby("group", sort=True)[["between", "total"]].sum()
    return (agg["between"] / agg["total"].where(agg["total"] > 0)).fillna(0.0).clip(0.0, 1.0)


def relevance_weights(relevance: pd.Series) -> pd.Series:
    """Column weights from :func:`feature_relevance`:
    ``sqrt(min(1, relevance / (FULL_WEIGHT_SHARE * max(relevance))))``.

    A column's values are multiplied by its weight, so its share of the squared distances
    between customers is proportional to its relevance (as the feature weights of sparse
    k-means, Witten & Tibshirani 2010), up to full weight (:data:`FULL_WEIGHT_SHARE`; at
    1.0 only the best feature has weight 1): a column with a tenth of the best relevance
    counts a tenth, a noise column (relevance ≈ 0) nothing. Weights are never tuned per
    data set.
    """
    top = float(relevance.max()) if len(relevance) else 0.0
    if top <= 0:
        return pd.Series(1.0, index=relevance.index)
    return (relevance / (FULL_WEIGHT_SHARE * top)).clip(lower=0.0, upper=1.0) ** WEIGHT_POWER


def _is_skewed_count(s: pd.Series) -> bool:
    v = pd.to_numeric(s, errors="coerce").astype("float64").dropna()
    if len(v) < 3 or v.min() < 0:
        return False
    skew = v.skew()
    return bool(np.isfinite(skew) and skew > SKEW_THRESHOLD)


def _n_distinct_rows(Z: np.ndarray) -> int:
    if len(Z) == 0:
        return 0
    # rows hashed by pandas (a sort of 100,000 rows × 50 columns with np.unique takes 20x
    # longer); + 0.0 makes -0.0 and 0.0 the same value
    return int((~pd.DataFrame(np.round(Z, 9) + 0.0).duplicated()).sum())


def _kmeans_bic(Z: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    """BIC of a k-means partition under a spherical Gaussian model (Pelleg & Moore, X-means)."""
    n, d = Z.shape
    k = len(centers)
    sse = float(((Z - centers[labels]) ** 2).sum())
    var = max(sse / max(n - k, 1) / d, 1e-12)
    counts = np.bincount(labels, minlength=k).astype(float)
    counts = counts[counts > 0]
    loglik = float(
        (counts * np.log(counts)).sum()
        - n * np.log(n)
        - n * d / 2 * np.log(2 * np.pi * var)
        - (n - k) * d / 2
    )
    n_params = k * (d + 1)
    return -2 * loglik + n_params * np.log(n)
