"""Effect sizes: every feature of every persona against the rest of the customers.

Cohen's d for numbers (difference of means over the pooled standard deviation) and
Cohen's h for each category (2·asin√p₁ − 2·asin√p₂), so features on different scales rank
fairly; |effect| ≥ 0.2 is small, ≥ 0.5 medium, ≥ 0.8 large.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

TRAIT_COLUMNS = ["persona_id", "feature", "level", "kind", "value", "rest_value", "effect", "label"]


def effect_sizes(features: pd.DataFrame, labels: ArrayLike) -> pd.DataFrame:
    """Every feature of every persona against the rest of the customers.

    Parameters
    ----------
    features : DataFrame
        One row per customer (as from :func:`build_features`).
    labels : array-like
        Persona of each row.

    Returns
    -------
    DataFrame
        ``persona_id``, ``feature``, ``level`` (the category; empty for numbers), ``kind``,
        ``value`` (mean, or share of the category), ``rest_value``, ``effect`` (Cohen's d
        for numbers, Cohen's h for categories; NaN-free: 0 when undefined).
    """
    labels = np.asarray(labels)
    personas, group = np.unique(labels, return_inverse=True)
    group = group.ravel()
    n_p = len(personas)
    rows: list[pd.DataFrame] = []
    num_cols = [
        c
        for c in features.columns
        if pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c])
    ]
    cat_cols = [c for c in features.columns if c not in num_cols]
    if num_cols:
        # per persona sums with np.bincount, one column at a time (no copies of the frame);
        # deviations from the column mean keep the sums of squares precise
        shape = (n_p, len(num_cols))
        g_n, g_s, g_d, g_q = (np.zeros(shape) for _ in range(4))
        for j, col in enumerate(num_cols):
            x = features[col].to_numpy(dtype=np.float64, na_value=np.nan)
            valid = ~np.isnan(x)
            dev = np.where(valid, x - (x[valid].mean() if valid.any() else 0.0), 0.0)
            g_n[:, j] = np.bincount(group, weights=valid, minlength=n_p)
            g_s[:, j] = np.bincount(group, weights=np.where(valid, x, 0.0), minlength=n_p)
            g_d[:, j] = np.bincount(group, weights=dev, minlength=n_p)
            g_q[:, j] = np.bincount(group, weights=dev * dev, minlength=n_p)
        r_n, r_s = g_n.sum(axis=0) - g_n, g_s.sum(axis=0) - g_s
        r_d, r_q = g_d.sum(axis=0) - g_d, g_q.sum(axis=0) - g_q
        with np.errstate(invalid="ignore", divide="ignore"):
            m1, m2 = g_s / g_n, r_s / r_n
            # sums of squares around the persona's and the rest's own means
            ss1 = np.clip(g_q - np.where(g_n > 0, g_d**2 / g_n, 0.0), 0, None)
            ss2 = np.clip(r_q - np.where(r_n > 0, r_d**2 / r_n, 0.0), 0, None)
            pooled = np.sqrt((ss1 + ss2) / (g_n + r_n - 2))
            d = (m1 - m2) / pooled
        d = np.where(np.isfinite(d) & (pooled > 1e-12), d, 0.0)
        tidy = pd.DataFrame(
            {
                "persona_id": np.repeat(personas, len(num_cols)),
                "feature": np.tile(num_cols, n_p),
                "level": "",
                "kind": "numeric",
                "value": m1.ravel(),
                "rest_value": m2.ravel(),
                "effect": d.ravel(),
            }
        )
        rows.append(tidy)
    for col in cat_cols:
        levels, ct = _category_counts(features[col], group, n_p)
        n_in = ct.sum(axis=1)[:, None].astype(float)
        n_rest = n_in.sum() - n_in
        c_in = ct.astype(float)
        c_rest = c_in.sum(axis=0)[None, :] - c_in
        with np.errstate(invalid="ignore", divide="ignore"):
            p1 = np.where(n_in > 0, c_in / n_in, 0.0)
            p2 = np.where(n_rest > 0, c_rest / n_rest, 0.0)
        h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))
        rows.append(
            pd.DataFrame(
                {
                    "persona_id": np.repeat(personas, len(levels)),
                    "feature": col,
                    "level": np.tile(levels, n_p),
                    "kind": "categorical",
                    "value": p1.ravel(),
                    "rest_value": p2.ravel(),
                    "effect": h.ravel(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=TRAIT_COLUMNS[:-1])
    out = pd.concat(rows, ignore_index=True)
    out["persona_id"] = out["persona_id"].astype(int)
    out["_abs"] = out["effect"].abs()
    out = out.sort_values(
        ["persona_id", "_abs", "feature", "level"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    return out.drop(columns="_abs").reset_index(drop=True)


def _category_counts(
    s: pd.Series, group: np.ndarray, n_groups: int
) -> tuple[list[str], np.ndarray]:
    """Rows per (group, level) of a categorical column from its codes (no strings per row).

    Levels are the values as text, missing ones as ``"(missing)"``, sorted, only those
    that occur.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        names = [str(c) for c in s.cat.categories]
    else:
        codes, uniques = pd.factorize(s.astype("string"))
        codes = codes.astype(np.int64)
        names = [str(c) for c in uniques]
    names.append("(missing)")
    codes[codes < 0] = len(names) - 1
    counts = np.bincount(group * len(names) + codes, minlength=n_groups * len(names)).reshape(
        n_groups, len(names)
    )
    # one column per distinct text, sorted (a category named "(missing)" merges with missing)
    levels, where = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    merged = np.zeros((n_groups, len(levels)), dtype=np.int64)
    np.add.at(merged.T, where.ravel(), counts.T)
    seen = merged.sum(axis=0) > 0
    return [str(v) for v in levels[seen]], merged[:, seen]
