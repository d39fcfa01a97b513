"""Aggregating scored, linked feedback: sentiment per touchpoint / stage / journey /
persona / period with n, mean, share negative and a confidence interval; the emotional
journey (the curve over a journey's ordered stages or touchpoints, per persona); themes and
representative, PII-masked quotes per touchpoint.

All functions take the frame from :func:`cjwork.text.enrich_feedback` (or anything with
``sentiment_score``, ``sentiment_label`` and the grouping columns) and return DataFrames;
figures are in :mod:`cjwork.plots.emotion`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap, check_journey
from cjwork.periods import PERIOD_FREQ, check_period
from cjwork.text.language import DE_STOPWORDS, EN_STOPWORDS
from cjwork.text.normalize import clean_texts, tokenize_corpus
from cjwork.text.pii import mask_pii

SUMMARY_COLUMNS = ["n", "mean", "share_negative", "share_positive", "ci_low", "ci_high"]


def add_period(
    feedback: pd.DataFrame, period: str = "month", column: str = "timestamp"
) -> pd.DataFrame:
    """Return a copy with a ``period`` column (e.g. ``2026-03``) from ``timestamp``."""
    check_period(period)
    if column not in feedback.columns:
        raise UsageError(f"grouping by period needs a '{column}' column in the feedback")
    out = feedback.copy()
    ts = pd.to_datetime(out[column], utc=True, errors="coerce")
    out["period"] = ts.dt.tz_localize(None).dt.to_period(PERIOD_FREQ[period]).astype("string")
    return out


def _check(feedback: pd.DataFrame, by: list[str]) -> None:
    missing = [c for c in ["sentiment_score", *by] if c not in feedback.columns]
    if missing:
        raise UsageError(
            f"feedback lacks column(s) {', '.join(missing)}; score and link it first with cjwork.text.enrich_feedback"
        )


def sentiment_summary(
    feedback: pd.DataFrame,
    by: str | Sequence[str] = "touchpoint",
    ci: float = 0.95,
    method: str = "analytic",
    n_boot: int = 1000,
    random_state: int = 0,
    include_unlinked: bool = False,
) -> pd.DataFrame:
    """Sentiment per group with n, mean, share negative/positive and a confidence interval.

    Parameters
    ----------
    feedback : pandas.DataFrame
        Scored feedback (``sentiment_score``, ``sentiment_label``) with the ``by`` columns;
        use :func:`add_period` first to group by ``period``.
    by : str or list of str
        Grouping columns, e.g. ``"touchpoint"``, ``["journey", "stage"]``,
        ``["persona_id", "touchpoint"]``, ``["period", "touchpoint"]``.
    ci : float
        Confidence level of the interval for the mean.
    method : {"analytic", "bootstrap"}
        ``analytic``: t-interval (mean ± t·sd/√n); ``bootstrap``: percentile interval from
        ``n_boot`` resamples drawn with ``random_state``.
    include_unlinked : bool
        Keep rows whose grouping values are empty ("" — feedback linked to no touchpoint).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns plus ``n``, ``mean``, ``share_negative``, ``share_positive``,
        ``ci_low``, ``ci_high`` (NaN where n < 2).
    """
    by = [by] if isinstance(by, str) else list(by)
    _check(feedback, by)
    if method not in ("analytic", "bootstrap"):
        raise UsageError(f"method must be 'analytic' or 'bootstrap', got {method!r}")
    if not 0 < ci < 1:
        raise UsageError(f"ci must be between 0 and 1, got {ci}")
    df = feedback[by].astype("string").fillna("").copy()
    df["_s"] = pd.to_numeric(feedback["sentiment_score"], errors="coerce").to_numpy()
    lab = feedback["sentiment_label"].astype("string") if "sentiment_label" in feedback else None
    df["_neg"] = (
        (lab == "negative").fillna(False).to_numpy(dtype=float)
        if lab is not None
        else (df["_s"] < 0).astype(float)
    )
    df["_pos"] = (
        (lab == "positive").fillna(False).to_numpy(dtype=float)
        if lab is not None
        else (df["_s"] > 0).astype(float)
    )
    df = df[df["_s"].notna()]
    if not include_unlinked:
        df = df[(df[by] != "").all(axis=1)]
    if df.empty:
        return pd.DataFrame(columns=[*by, *SUMMARY_COLUMNS])
    g = df.groupby(by, sort=True, observed=True)
    out = g.agg(
        n=("_s", "size"),
        mean=("_s", "mean"),
        sd=("_s", "std"),
        share_negative=("_neg", "mean"),
        share_positive=("_pos", "mean"),
    ).reset_index()
    if method == "analytic":
        t = stats.t.ppf(0.5 + ci / 2, np.maximum(out["n"] - 1, 1))
        half = t * out["sd"] / np.sqrt(out["n"])
        out["ci_low"] = np.where(out["n"] >= 2, out["mean"] - half, np.nan)
        out["ci_high"] = np.where(out["n"] >= 2, out["mean"] + half, np.nan)
    else:
        rng = np.random.default_rng(random_state)
        codes = g.ngroup().to_numpy()
        values = df["_s"].to_numpy()
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(out) + 1))
        lo, hi = np.full(len(out), np.nan), np.full(len(out), np.nan)
        for k in range(len(out)):  # loop over groups, not rows
            v = values[order[bounds[k] : bounds[k + 1]]]
            if len(v) < 2:
                continue
            means = (
                v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
                if len(v) * n_boot <= 5e7
                else rng.normal(v.mean(), v.std(ddof=1) / np.sqrt(len(v)), n_boot)
            )
            lo[k], hi[k] = np.quantile(means, [0.5 - ci / 2, 0.5 + ci / 2])
        out["ci_low"], out["ci_high"] = lo, hi
    out = out.drop(columns="sd")
    for c in ("mean", "share_negative", "share_positive", "ci_low", "ci_high"):
        out[c] = out[c].astype(float).round(4)
    return out


def emotional_journey(
    feedback: pd.DataFrame,
    journey_map: JourneyMap,
    journey: str,
    level: str = "touchpoint",
    personas: pd.DataFrame | None = None,
    ci: float = 0.95,
    method: str = "analytic",
    n_boot: int = 1000,
    random_state: int = 0,
) -> pd.DataFrame:
    """The emotional journey: sentiment along a journey's ordered stages or touchpoints.

    Parameters
    ----------
    feedback : pandas.DataFrame
        Output of :func:`cjwork.text.enrich_feedback`.
    journey_map : JourneyMap
    journey : str
        Journey id.
    level : {"touchpoint", "stage"}
    personas : pandas.DataFrame, optional
        ``customer_id`` → ``persona_id`` (and ``persona_name``): one curve per persona,
        plus the ``all`` curve.
    ci, method, n_boot, random_state
        As in :func:`sentiment_summary`.

    Returns
    -------
    pandas.DataFrame
        One row per step (and persona) in journey order: ``journey``, ``stage``,
        ``stage_name``, ``stage_order``, (``touchpoint``, ``touchpoint_name``), ``step``
        (0, 1, …), ``label``, ``persona`` (``all`` or the persona name), and the summary
        columns; steps without feedback are kept with ``n`` = 0 and NaN mean.
    """
    if level not in ("touchpoint", "stage"):
        raise UsageError(f"level must be 'touchpoint' or 'stage', got {level!r}")
    check_journey(journey_map, journey)
    tps = journey_map.touchpoints_frame()
    tps = tps[tps["journey"] == journey]
    if level == "touchpoint":
        steps = tps[
            ["journey", "stage", "stage_name", "stage_order", "touchpoint", "touchpoint_name"]
        ].copy()
        steps["label"] = steps["touchpoint_name"]
        key = ["touchpoint"]
    else:
        steps = tps.drop_duplicates("stage")[
            ["journey", "stage", "stage_name", "stage_order"]
        ].copy()
        steps["label"] = steps["stage_name"]
        key = ["stage"]
    steps["step"] = np.arange(len(steps))
    fb = (
        feedback[feedback["journey"].astype("string") == journey]
        if "journey" in feedback
        else feedback.iloc[0:0]
    )
    curves = [("all", fb)]
    if personas is not None and len(fb) and "customer_id" in fb:
        p = personas.copy()
        name_col = "persona_name" if "persona_name" in p else "persona_id"
        m = fb.merge(
            p[["customer_id", name_col]].astype({"customer_id": "string"}),
            how="left",
            left_on=fb["customer_id"].astype("string"),
            right_on="customer_id",
            suffixes=("", "_p"),
        )
        for name in sorted(m[name_col].dropna().astype(str).unique()):
            curves.append((name, m[m[name_col].astype(str) == name]))
    frames = []
    for name, sub in curves:
        summ = (
            sentiment_summary(
                sub, by=key, ci=ci, method=method, n_boot=n_boot, random_state=random_state
            )
            if len(sub)
            else pd.DataFrame(columns=[*key, *SUMMARY_COLUMNS])
        )
        cur = steps.merge(summ, on=key, how="left")
        cur["n"] = cur["n"].fillna(0).astype(int)
        cur["persona"] = name
        frames.append(cur)
    out = pd.concat(frames, ignore_index=True)
    for c in ("mean", "share_negative", "share_positive", "ci_low", "ci_high"):
        out[c] = out[c].astype(float)
    return out


def _stopwords() -> set[str]:
    from cjwork.text.lexicon import CONTRASTS, INTENSIFIERS, NEGATORS

    extra = {
        "dass",
        "wurde",
        "habe",
        "haben",
        "sind",
        "sein",
        "kann",
        "ihre",
        "ihrer",
        "meine",
        "einen",
        "einem",
        "beim",
        "vom",
        "ins",
        "lief",
        "laeuft",
        "ging",
        "geht",
        "hatte",
        "wird",
        "wäre",
        "waere",
        "mein",
        "alles",
        "this",
        "that",
        "with",
        "have",
        "they",
        "there",
        "were",
        "been",
        "about",
        "would",
        "could",
        "your",
    }
    return (
        set(DE_STOPWORDS)
        | set(EN_STOPWORDS)
        | set(NEGATORS)
        | set(INTENSIFIERS)
        | set(CONTRASTS)
        | extra
    )


def themes(
    feedback: pd.DataFrame, by: str = "touchpoint", top: int = 5, min_docs: int = 3
) -> pd.DataFrame:
    """Top themes per group: the words that set a group's feedback apart.

    Words are scored by a log-odds ratio with an informative Dirichlet prior (Monroe et
    al., 2008) of the group's word counts against all other feedback; only words in at
    least ``min_docs`` texts of the group count, stopwords never.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``theme``, ``docs`` (texts using it), ``share`` (of the group's texts),
        ``mean_sentiment`` (of those texts), ``z`` (the log-odds z-score), ``rank``.
    """
    _check(feedback, [by, "text"])
    groups = feedback[by].astype("string").fillna("").to_numpy(dtype=object)
    use = groups != ""
    if not use.any():
        return pd.DataFrame(columns=[by, "theme", "docs", "share", "mean_sentiment", "z", "rank"])
    texts, _ = clean_texts(feedback["text"].to_numpy()[use])
    stream = tokenize_corpus(texts)
    vocab = pd.Series(stream.vocab, dtype=object)
    ok = (vocab.str.len() >= 4) & vocab.str.match(r"^[^\W\d_]+$") & ~vocab.isin(_stopwords())
    keep = ok.to_numpy(dtype=bool)[stream.ids]
    doc, ids = stream.doc[keep], stream.ids[keep]
    g_codes, g_names = pd.factorize(pd.Series(groups[use], dtype=object))
    # binary doc-term presence, then counts per group
    pairs = (
        np.unique(np.stack([doc, ids], axis=1), axis=0) if len(doc) else np.zeros((0, 2), np.int64)
    )
    if not len(pairs):
        return pd.DataFrame(columns=[by, "theme", "docs", "share", "mean_sentiment", "z", "rank"])
    import scipy.sparse as sp

    n_docs, V, G = len(texts), len(vocab), len(g_names)
    D = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n_docs, V))
    Gm = sp.csr_matrix((np.ones(n_docs), (g_codes, np.arange(n_docs))), shape=(G, n_docs))
    counts = (Gm @ D).toarray()
    score = pd.to_numeric(feedback["sentiment_score"], errors="coerce").to_numpy()[use]
    s_sum = (Gm @ D.multiply(np.nan_to_num(score)[:, None]).tocsr()).toarray()
    total = counts.sum(axis=0)
    prior = total / total.sum() * 100 + 0.01
    a0 = prior.sum()
    rows = []
    docs_per_group = np.bincount(g_codes, minlength=G)
    for k in range(G):
        yi = counts[k]
        yj = total - yi
        ni, nj = yi.sum(), yj.sum()
        delta = np.log((yi + prior) / (ni + a0 - yi - prior)) - np.log(
            (yj + prior) / (nj + a0 - yj - prior)
        )
        var = 1 / (yi + prior) + 1 / (yj + prior)
        z = delta / np.sqrt(var)
        z[yi < min_docs] = -np.inf
        best = np.argsort(-z)[:top]
        for r, j in enumerate(best):
            if not np.isfinite(z[j]) or z[j] <= 0:
                continue
            rows.append(
                {
                    by: g_names[k],
                    "theme": vocab.iat[j],
                    "docs": int(yi[j]),
                    "share": round(yi[j] / docs_per_group[k], 4),
                    "mean_sentiment": round(s_sum[k, j] / yi[j], 4),
                    "z": round(float(z[j]), 3),
                    "rank": r + 1,
                }
            )
    return pd.DataFrame(rows, columns=[by, "theme", "docs", "share", "mean_sentiment", "z", "rank"])


def quotes(
    feedback: pd.DataFrame, by: str = "touchpoint", n: int = 3, max_chars: int = 240
) -> pd.DataFrame:
    """Representative quotes per group, PII masked: the most negative, the most positive and
    the most typical (closest to the group mean) texts, up to ``n`` per group.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``kind`` (negative | positive | typical), ``quote`` (masked, shortened),
        ``sentiment_score``, ``language``, ``feedback_id`` when present.
    """
    _check(feedback, [by, "text"])
    df = feedback.copy()
    df["_g"] = df[by].astype("string").fillna("")
    df["_t"] = df["text"].astype("string").fillna("").str.strip()
    df = df[(df["_g"] != "") & (df["_t"].str.len() > 0)]
    if df.empty:
        return pd.DataFrame(
            columns=[by, "kind", "quote", "sentiment_score", "language", "feedback_id"]
        )
    df["_mean"] = df.groupby("_g")["sentiment_score"].transform("mean")
    df["_dist"] = (df["sentiment_score"] - df["_mean"]).abs()
    sort_id = "feedback_id" if "feedback_id" in df else "_t"
    picks = []
    for kind, col, asc in (
        ("negative", "sentiment_score", True),
        ("positive", "sentiment_score", False),
        ("typical", "_dist", True),
    ):
        d = df.sort_values(["_g", col, sort_id], ascending=[True, asc, True], kind="stable")
        d = d.groupby("_g", sort=True).head(1).assign(kind=kind)
        if kind == "negative":
            d = d[d["sentiment_score"] < 0]
        if kind == "positive":
            d = d[d["sentiment_score"] > 0]
        picks.append(d)
    out = pd.concat(picks, ignore_index=True)
    out = out.drop_duplicates(subset=["_g", "_t"], keep="first")
    out["_rank"] = out["kind"].map({"negative": 0, "positive": 1, "typical": 2})
    out = out.sort_values(["_g", "_rank"], kind="stable").groupby("_g", sort=True).head(n)
    # masked before shortening: a phone number or IBAN cut at the limit would escape the mask
    text = pd.Series(mask_pii(out["_t"].astype(str).tolist()), index=out.index, dtype=object)
    short = text.where(
        text.str.len() <= max_chars, text.str.slice(0, max_chars - 1).str.rstrip() + "…"
    )
    res = pd.DataFrame(
        {
            by: out["_g"].to_numpy(),
            "kind": out["kind"].to_numpy(),
            "quote": short.tolist(),
            "sentiment_score": out["sentiment_score"].to_numpy(),
            "language": out["language"].to_numpy() if "language" in out else "",
            "feedback_id": out["feedback_id"].astype("string").to_numpy()
            if "feedback_id" in out
            else "",
        }
    )
    return res.reset_index(drop=True)


def link_coverage(feedback: pd.DataFrame) -> pd.DataFrame:
    """Share of feedback per link method, plus the share left unlinked (``method`` = unlinked)."""
    _check(feedback, ["link_method"])
    m = feedback["link_method"].astype("string").fillna("").replace("", "unlinked")
    counts = m.value_counts()
    order = ["explicit", "event", "text", "model", "unlinked"]
    n = max(len(feedback), 1)
    return pd.DataFrame(
        {
            "method": order,
            "n": [int(counts.get(k, 0)) for k in order],
            "share": [round(counts.get(k, 0) / n, 4) for k in order],
        }
    )
