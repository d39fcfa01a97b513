"""Small, vectorised statistics shared by prioritisation, trends and process × feedback.

Everything here works on arrays of summary statistics (means, variances, counts), so a
test over thousands of (period, touchpoint) cells is one numpy call, not a Python loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as _st

from cjwork.errors import UsageError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

CORRECTIONS = ("holm", "bh", "none")


def mean_ci(
    mean: ArrayLike, var: ArrayLike, n: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """t-interval for a mean from its summary statistics.

    Parameters
    ----------
    mean, var, n : array-like
        Sample mean, sample variance (ddof=1) and size; ``n < 2`` gives NaN bounds.
    level : float
        Confidence level.

    Returns
    -------
    (low, high) : tuple of numpy arrays
    """
    mean = np.asarray(mean, dtype=float)
    var = np.asarray(var, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var / n)
        q = _st.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
    half = np.where(n > 1, q * se, np.nan)
    return mean - half, mean + half


def welch_test(
    m1: ArrayLike,
    v1: ArrayLike,
    n1: ArrayLike,
    m2: ArrayLike,
    v2: ArrayLike,
    n2: ArrayLike,
    level: float = 0.95,
) -> pd.DataFrame:
    """Welch's unequal-variance t test of ``mean2 - mean1`` from summary statistics.

    Returns a frame with ``diff``, ``diff_lo``, ``diff_hi`` (CI of the difference),
    ``t``, ``df`` and two-sided ``p``. Cells with ``n < 2`` in either group get NaN.
    Where both variances are zero the difference is exact: p is 0 for a non-zero
    difference and 1 otherwise.
    """
    m1, v1, n1, m2, v2, n2 = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (m1, v1, n1, m2, v2, n2)
    )
    ok = (n1 > 1) & (n2 > 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        diff = m2 - m1
        t = diff / se
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        p = 2 * _st.t.sf(np.abs(t), df)
        q = _st.t.ppf(0.5 + level / 2, df)
    zero = ok & (se == 0)
    p = np.where(zero, np.where(diff == 0, 1.0, 0.0), p)
    lo = np.where(zero, diff, diff - q * se)
    hi = np.where(zero, diff, diff + q * se)
    nan = np.nan
    return pd.DataFrame(
        {
            "diff": np.where(ok, diff, nan),
            "diff_lo": np.where(ok, lo, nan),
            "diff_hi": np.where(ok, hi, nan),
            "t": np.where(ok, t, nan),
            "df": np.where(ok, df, nan),
            "p": np.where(ok, p, nan),
        }
    )


def two_proportion_test(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, level: float = 0.95
) -> pd.DataFrame:
    """Two-proportion z test of ``p2 - p1`` (pooled SE for the test, unpooled for the CI)."""
    x1, n1, x2, n2 = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (x1, n1, x2, n2))
    ok = (n1 > 0) & (n2 > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        pool = (x1 + x2) / (n1 + n2)
        se0 = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
        z = (p2 - p1) / se0
        p = 2 * _st.norm.sf(np.abs(z))
        p = np.where(se0 == 0, 1.0, p)
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        q = _st.norm.ppf(0.5 + level / 2)
    diff = p2 - p1
    nan = np.nan
    return pd.DataFrame(
        {
            "diff": np.where(ok, diff, nan),
            "diff_lo": np.where(ok, diff - q * se, nan),
            "diff_hi": np.where(ok, diff + q * se, nan),
            "z": np.where(ok, z, nan),
            "p": np.where(ok, p, nan),
        }
    )


def rate_ratio_test(c1: ArrayLike, e1: ArrayLike, c2: ArrayLike, e2: ArrayLike) -> pd.DataFrame:
    """Compare two Poisson rates (counts ``c`` over exposures ``e``) by the conditional binomial test.

    Given ``c1 + c2``, ``c2`` is Binomial(c1 + c2, e2 / (e1 + e2)) under equal rates; the
    two-sided p uses the normal approximation with continuity correction (exact enough for
    the counts a trend table holds). Returns ``ratio`` (rate2 / rate1) and ``p``.
    """
    c1, e1, c2, e2 = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (c1, e1, c2, e2))
    n = c1 + c2
    ok = (e1 > 0) & (e2 > 0) & (n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = e2 / (e1 + e2)
        sd = np.sqrt(n * pi * (1 - pi))
        z = (np.abs(c2 - n * pi) - 0.5).clip(min=0) / sd
        p = 2 * _st.norm.sf(z)
        ratio = (c2 / e2) / (c1 / e1)
    return pd.DataFrame({"ratio": np.where(ok, ratio, np.nan), "p": np.where(ok, p, np.nan)})


def adjust_pvalues(p: ArrayLike, method: str = "holm") -> np.ndarray:
    """Multiple-testing correction over all non-NaN p-values (NaN stays NaN).

    ``holm`` (Holm–Bonferroni, controls the family-wise error rate), ``bh``
    (Benjamini–Hochberg, controls the false discovery rate) or ``none``.
    """
    if method not in CORRECTIONS:
        raise UsageError(f"correction must be one of {', '.join(CORRECTIONS)}, got {method!r}")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    m = int(mask.sum())
    if m == 0 or method == "none":
        out[mask] = p[mask]
        return out
    pv = p[mask]
    order = np.argsort(pv, kind="stable")
    ranked = pv[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    adj = np.clip(adj, 0, 1)
    res = np.empty(m)
    res[order] = adj
    out[mask] = res
    return out


def cohens_d(
    m1: ArrayLike, v1: ArrayLike, n1: ArrayLike, m2: ArrayLike, v2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Cohen's d of ``mean2 - mean1`` with the pooled standard deviation."""
    m1, v1, n1, m2, v2, n2 = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (m1, v1, n1, m2, v2, n2)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        return np.where(pooled > 0, (m2 - m1) / pooled, np.nan)
