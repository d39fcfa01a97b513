"""Prioritisation of touchpoints: performance × importance, Kano categories, moments of truth, quick wins.

The method, stated once (the README repeats it):

**Scores and votes.** Every feedback row has a score on −1 … 1: its ``sentiment_score``,
or, where it has none, its star ``rating`` (1–5) mapped as ``(rating − 3) / 2``. It also
votes −1 / 0 / +1: its ``sentiment_label`` (negative / neutral / positive, so the sentiment
scorer's own calibrated thresholds decide), or, without a label, its score outside
± ``neutral_band`` (default 0.25).

**Experience.** A customer's experience at a touchpoint is *negative* when the mean vote of
their feedback linked there is below zero, *positive* when above, else neutral.

**Performance** of a touchpoint = the mean score of all feedback linked to it (a row is one
voice), with a t confidence interval.

**Outcome.** Each customer's overall verdict on the journey: the mean of their ``nps``
(0–10) over their feedback in the journey (``outcome="nps"``), or of their ``rating``
(``outcome="rating"``); ``"auto"`` takes NPS when at least a tenth of the journey's feedback
carries one, else rating.

**Importance — penalty–reward contrast analysis** (Brandt 1987, the usual key-driver
method behind Kano-style categories). One ordinary least-squares regression per journey,
one row per customer with an outcome::

    outcome = b0 + Σ_T ( −penalty_T · negative_T + reward_T · positive_T ) + error

where ``negative_T`` / ``positive_T`` are 0/1 dummies for the customer's experience at
``T``; a neutral experience and no feedback at ``T`` are the reference. Because all
touchpoints are in one model, each effect is net of the others. ``penalty_T`` is how many
outcome points a negative experience at ``T`` costs, ``reward_T`` what a positive one
gains. **importance = penalty + reward**: how far the outcome moves between a bad and a
good experience at ``T``. Confidence intervals are percentile intervals from a seeded
bootstrap over customers (``n_boot`` resamples, ``random_state``).

**Kano category** by the asymmetry ``penalty − reward`` (CI from the same bootstrap).
People weigh bad experiences about twice as much as good ones ("bad is stronger than
good"), so a 2 : 1 penalty-to-reward ratio is the *ordinary* shape of a performance
factor; only a clearly larger asymmetry marks a basic factor or a delighter:

- ``unclear`` — fewer than ``min_n`` customers with a negative or with a positive
  experience at the touchpoint (the two effects cannot be told apart), or neither
  effect is distinguishable from zero while at least one is too imprecise to call small;
- ``dissatisfier`` (Enttäuschung) — the asymmetry CI lies above zero *and* the penalty is
  at least ``asymmetry_ratio`` (3) times the reward: a bad experience hurts, a good one
  is taken for granted;
- ``delighter`` (Begeisterung) — the mirror image: reward clearly larger than penalty;
- ``ok`` (OK / performance factor) — otherwise: penalty and reward of similar size, or both
  small (both CIs within ± ``small_effect`` outcome standard deviations).

**Moment of truth** — high importance and high volume: importance at or above the
``importance_quantile`` (median) of the journey's touchpoint importances, its CI above
zero, and at least ``2 · min_n`` customers with a negative or positive experience there
(the evidence it rests on); and volume (events when given, else feedback) in the journey's top tercile
(``volume_quantile`` = 2/3).

**Quick win** — high importance (as above), low performance (below the journey's median
touchpoint performance) and an owner named in journeys.yml. :func:`quick_wins_by_owner`
groups them per owner with a one-line action.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap, check_journey
from cjwork.stats import mean_ci

CATEGORIES = ("dissatisfier", "ok", "delighter", "unclear")
OUTCOMES = ("auto", "nps", "rating")

CONTRACT_COLUMNS = [
    "stage",
    "touchpoint",
    "owner",
    "events",
    "feedback",
    "performance",
    "importance",
    "category",
    "moment_of_truth",
    "quick_win",
]


# --------------------------------------------------------------------------- helpers


def feedback_scores(feedback: pd.DataFrame) -> pd.Series:
    """The per-row experience score on −1 … 1: ``sentiment_score``, else ``(rating − 3) / 2``.

    Returns a float Series aligned with ``feedback`` (NaN where neither is known).
    """
    n = len(feedback)
    score = (
        pd.to_numeric(feedback["sentiment_score"], errors="coerce").astype(float)
        if "sentiment_score" in feedback
        else pd.Series(np.nan, index=feedback.index)
    )
    if "rating" in feedback:
        rating = pd.to_numeric(feedback["rating"], errors="coerce").astype(float)
        score = score.fillna((rating - 3.0) / 2.0)
    return score.clip(-1, 1) if n else score


def feedback_votes(
    feedback: pd.DataFrame, score: pd.Series | None = None, neutral_band: float = 0.25
) -> pd.Series:
    """Each row's vote −1 / 0 / +1: its ``sentiment_label``, else its score outside ± ``neutral_band``.

    Returns a float Series aligned with ``feedback`` (NaN where neither label nor score is known).
    """
    if score is None:
        score = feedback_scores(feedback)
    by_score = pd.Series(
        np.where(score < -neutral_band, -1.0, np.where(score > neutral_band, 1.0, 0.0)),
        index=feedback.index,
    ).where(score.notna())
    if "sentiment_label" not in feedback:
        return by_score
    lab = feedback["sentiment_label"].astype("string").str.lower()
    by_label = lab.map({"negative": -1.0, "neutral": 0.0, "positive": 1.0}).astype(float)
    return by_label.fillna(by_score)


def events_per_touchpoint(events: pd.DataFrame | None, journey: str) -> pd.Series:
    """Number of events per touchpoint of ``journey`` (a Series indexed by touchpoint id).

    A convenience for callers without the analytics engine; ``analyze`` passes the engine's
    counts instead.
    """
    if events is None or len(events) == 0:
        return pd.Series(dtype="int64")
    mask = (events["journey"] == journey).fillna(False).to_numpy(dtype=bool)
    counts = events.loc[mask, "touchpoint"].value_counts()
    counts = counts[counts > 0]
    counts.index = counts.index.astype("string")
    return counts.astype("int64")


def _volume_series(events_per_touchpoint, touchpoints: pd.Index) -> pd.Series | None:
    if events_per_touchpoint is None:
        return None
    if isinstance(events_per_touchpoint, pd.DataFrame):
        if not {"touchpoint", "events"} <= set(events_per_touchpoint.columns):
            raise UsageError(
                "events_per_touchpoint as a DataFrame needs columns 'touchpoint' and 'events', "
                f"got {list(events_per_touchpoint.columns)}"
            )
        s = events_per_touchpoint.groupby(
            events_per_touchpoint["touchpoint"].astype("string"), observed=True
        )["events"].sum()
    elif isinstance(events_per_touchpoint, Mapping):
        s = pd.Series(dict(events_per_touchpoint), dtype="float64")
    else:
        s = pd.Series(events_per_touchpoint)
    s.index = s.index.astype("string")
    return s.reindex(touchpoints).fillna(0).astype("int64")


def _resolve_outcome(fb: pd.DataFrame, outcome: str) -> str | None:
    if outcome not in OUTCOMES:
        raise UsageError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    has = {
        c: (c in fb and pd.to_numeric(fb[c], errors="coerce").notna().mean() >= 0.1)
        if len(fb)
        else False
        for c in ("nps", "rating")
    }
    if outcome == "auto":
        return "nps" if has["nps"] else ("rating" if has["rating"] else None)
    return outcome if outcome in fb else None


def penalty_reward(
    experience: pd.DataFrame,
    outcome: pd.Series,
    touchpoints: list[str],
    *,
    n_boot: int = 200,
    random_state: int | None = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Penalty–reward contrast regression with a seeded customer bootstrap.

    Parameters
    ----------
    experience : DataFrame
        One row per (customer, touchpoint) with columns ``customer``, ``touchpoint`` and
        ``vote`` (mean vote −1 … 1 of the customer's feedback there: below zero is a
        negative experience, above zero a positive one).
    outcome : Series
        The outcome per customer (index = customer).
    touchpoints : list of str
        The touchpoints to estimate, in output order.
    n_boot, random_state, level
        See :func:`prioritize_touchpoints`.

    Returns
    -------
    DataFrame indexed by touchpoint with ``n_customers`` (with an outcome and feedback
    there), ``n_negative``, ``n_positive``, ``penalty``, ``reward``, ``importance``,
    ``asymmetry`` and ``_lo`` / ``_hi`` bounds for the last four, plus ``outcome_sd``.
    """
    out = pd.DataFrame(index=pd.Index(touchpoints, name="touchpoint"))
    outcome = outcome.dropna()
    cust = pd.Index(outcome.index.unique())
    exp = experience[experience["customer"].isin(cust) & experience["touchpoint"].isin(touchpoints)]
    k = len(touchpoints)
    ci = cust.get_indexer(exp["customer"])
    ti = pd.Index(touchpoints).get_indexer(exp["touchpoint"])
    neg = (exp["vote"] < 0).to_numpy()
    pos = (exp["vote"] > 0).to_numpy()
    out["n_customers"] = np.bincount(ti, minlength=k)
    out["n_negative"] = np.bincount(ti[neg], minlength=k)
    out["n_positive"] = np.bincount(ti[pos], minlength=k)
    y = outcome.reindex(cust).to_numpy(dtype=float)
    out["outcome_sd"] = float(np.std(y, ddof=1)) if len(y) > 1 else np.nan
    n = len(cust)
    cols = ["penalty", "reward", "importance", "asymmetry"]
    for c in cols:
        out[c] = np.nan
        out[c + "_lo"] = np.nan
        out[c + "_hi"] = np.nan
    if n < 3 or not (neg.any() or pos.any()):
        return out
    # design: intercept + negative_T (columns 1..k) + positive_T (columns k+1..2k). Customers
    # share few distinct design rows, so OLS runs on the distinct rows ("patterns") with the
    # customers' summed weights: exact, and a bootstrap replicate costs two bincounts.
    X = np.zeros((n, 1 + 2 * k), dtype=np.int8)
    X[:, 0] = 1
    X[ci[neg], 1 + ti[neg]] = 1
    X[ci[pos], 1 + k + ti[pos]] = 1
    keys = np.ascontiguousarray(X).view(np.dtype((np.void, X.shape[1]))).ravel()
    _, first, pid = np.unique(keys, return_index=True, return_inverse=True)
    P = X[first].astype(float)  # one row per pattern
    m = len(P)
    present = P.any(axis=0)
    Pp = P[:, present]

    def fit(w: np.ndarray) -> np.ndarray:
        wsum = np.bincount(pid, weights=w, minlength=m)
        wy = np.bincount(pid, weights=w * y, minlength=m)
        A = Pp.T @ (wsum[:, None] * Pp)
        b = Pp.T @ wy
        beta = np.linalg.lstsq(A, b, rcond=None)[0]
        beta[np.diag(A) == 0] = np.nan  # a dummy absent from this resample: not identified
        full = np.full(1 + 2 * k, np.nan)
        full[present] = beta
        return full

    def derive(beta: np.ndarray) -> np.ndarray:
        bneg = beta[..., 1 : 1 + k]
        bpos = beta[..., 1 + k :]
        penalty = -bneg
        reward = bpos
        return np.stack([penalty, reward, penalty + reward, penalty - reward], axis=-1)

    point = derive(fit(np.ones(n)))
    rng = np.random.default_rng(random_state)
    boots = np.empty((n_boot, k, 4))
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        boots[b] = derive(fit(w))
    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(boots, alpha, axis=0) if n_boot else np.full((k, 4), np.nan)
        hi = np.nanquantile(boots, 1 - alpha, axis=0) if n_boot else np.full((k, 4), np.nan)
    for j, c in enumerate(cols):
        out[c] = point[:, j]
        out[c + "_lo"] = lo[:, j]
        out[c + "_hi"] = hi[:, j]
    return out


def kano_category(
    table: pd.DataFrame,
    *,
    min_n: int = 10,
    asymmetry_ratio: float = 3.0,
    small_effect: float = 0.2,
) -> pd.Series:
    """Apply the documented Kano rule to a :func:`penalty_reward` table (vectorised).

    Returns a Series of ``dissatisfier`` | ``ok`` | ``delighter`` | ``unclear``.
    """
    t = table
    pen, rew = t["penalty"], t["reward"]
    enough = (t["n_negative"] >= min_n) & (t["n_positive"] >= min_n) & pen.notna() & rew.notna()
    dis = (t["asymmetry_lo"] > 0) & (pen >= asymmetry_ratio * rew.clip(lower=0))
    deli = (t["asymmetry_hi"] < 0) & (rew >= asymmetry_ratio * pen.clip(lower=0))
    detected = (t["penalty_lo"] > 0) | (t["reward_lo"] > 0)
    margin = small_effect * t["outcome_sd"]
    small = (
        (t["penalty_lo"] > -margin)
        & (t["penalty_hi"] < margin)
        & (t["reward_lo"] > -margin)
        & (t["reward_hi"] < margin)
    )
    cat = np.select(
        [~enough, dis, deli, detected | small],
        ["unclear", "dissatisfier", "delighter", "ok"],
        default="unclear",
    )
    return pd.Series(cat, index=t.index, dtype="object")


# --------------------------------------------------------------------------- main entry


def prioritize_touchpoints(
    feedback: pd.DataFrame | None,
    journey_map: JourneyMap,
    journey: str,
    events_per_touchpoint: pd.Series | pd.DataFrame | Mapping[str, int] | None = None,
    *,
    outcome: str = "auto",
    neutral_band: float = 0.25,
    n_boot: int = 200,
    random_state: int | None = 0,
    level: float = 0.95,
    min_n: int = 10,
    asymmetry_ratio: float = 3.0,
    small_effect: float = 0.2,
    importance_quantile: float = 0.5,
    volume_quantile: float = 2 / 3,
    performance_quantile: float = 0.5,
) -> pd.DataFrame:
    """Rank the touchpoints of one journey: performance, importance, Kano category, moments of truth, quick wins.

    The method is described in the module docstring (:mod:`cjwork.prioritize`).

    Parameters
    ----------
    feedback : DataFrame or None
        Scored and linked feedback, e.g. from ``cjwork.text.enrich_feedback(ws)``: columns
        ``journey``, ``touchpoint`` (empty/NA when unknown), ``sentiment_score`` and/or
        ``rating``; ``customer_id`` and ``nps`` / ``rating`` for importance (without
        ``customer_id`` every feedback row counts as its own customer). ``None`` or empty:
        only the map and volumes are filled, every category is ``unclear``.
    journey_map : JourneyMap
        The journey map (stages, touchpoints, owners).
    journey : str
        The journey id.
    events_per_touchpoint : Series, DataFrame or mapping, optional
        Event counts per touchpoint id (a Series/mapping indexed by touchpoint, or a frame
        with ``touchpoint`` and ``events``); see :func:`events_per_touchpoint`. Without it
        ``events`` is NA and volume means feedback count.
    outcome : {"auto", "nps", "rating"}
        The overall verdict importance is measured against.
    neutral_band : float
        Rows without a sentiment_label vote by their score outside ± this value.
    n_boot : int
        Bootstrap resamples (over customers) for the importance CIs.
    random_state : int or None
        Seed of the bootstrap.
    level : float
        Confidence level of every interval.
    min_n : int
        Minimum customers with a negative and with a positive experience for a category.
    asymmetry_ratio : float
        How many times larger penalty (reward) must be for a dissatisfier (delighter).
    small_effect : float
        Effects whose CIs lie within ± this many outcome SDs count as small (→ ``ok``).
    importance_quantile, volume_quantile, performance_quantile : float
        Thresholds for "high importance", "high volume" and "low performance" as
        quantiles over the journey's touchpoints.

    Returns
    -------
    DataFrame
        One row per touchpoint of the journey in map order with ``journey`` and the
        contract columns ``stage``, ``touchpoint``, ``owner``, ``events``, ``feedback``,
        ``performance``, ``importance``, ``category``, ``moment_of_truth``, ``quick_win``,
        then extras: ``stage_name``, ``touchpoint_name``, ``channel``, ``volume``,
        ``performance_lo/_hi``, ``share_negative``, ``n_customers``, ``n_negative``,
        ``n_positive``, ``penalty``, ``reward``, ``asymmetry`` (each with ``_lo/_hi``),
        ``importance_lo/_hi``, ``outcome``, ``high_importance``, ``low_performance``.
    """
    for name, q in (
        ("importance_quantile", importance_quantile),
        ("volume_quantile", volume_quantile),
        ("performance_quantile", performance_quantile),
        ("level", level),
    ):
        if not 0 < q < 1:
            raise UsageError(f"{name} must be between 0 and 1, got {q!r}")
    if n_boot < 0 or min_n < 1:
        raise UsageError(f"n_boot must be >= 0 and min_n >= 1, got n_boot={n_boot}, min_n={min_n}")
    check_journey(journey_map, journey)

    tpf = journey_map.touchpoints_frame()
    tpf = tpf[tpf["journey"] == journey].reset_index(drop=True)
    tps = tpf["touchpoint"].tolist()
    res = tpf[
        [
            "journey",
            "stage",
            "touchpoint",
            "owner",
            "stage_name",
            "touchpoint_name",
            "channel",
            "journey_owner",
        ]
    ].copy()
    res = res.set_index("touchpoint", drop=False)

    vol = _volume_series(events_per_touchpoint, pd.Index(tps, dtype="string"))
    res["events"] = (
        pd.array(vol.to_numpy(), dtype="Int64")
        if vol is not None
        else pd.array([pd.NA] * len(tps), dtype="Int64")
    )

    fb = feedback if feedback is not None else pd.DataFrame(columns=["journey", "touchpoint"])
    missing = [c for c in ("journey", "touchpoint") if c not in fb]
    if len(fb) and missing:
        raise UsageError(
            f"feedback needs column(s) {', '.join(missing)}: link it first with cjwork.text.enrich_feedback"
        )
    if len(fb):
        fb = fb[(fb["journey"] == journey).fillna(False).to_numpy(dtype=bool)]
    k = len(tps)
    score = (feedback_scores(fb) if len(fb) else pd.Series(dtype=float)).to_numpy(dtype=float)
    vote = (
        feedback_votes(fb, pd.Series(score, index=fb.index), neutral_band)
        if len(fb)
        else pd.Series(dtype=float)
    ).to_numpy(dtype=float)
    # integer touchpoint code per row (-1: not linked to a touchpoint of this journey)
    tpi = (
        pd.Index(tps).get_indexer(fb["touchpoint"].astype("string"))
        if len(fb)
        else np.zeros(0, int)
    )
    linked = tpi >= 0

    # performance: mean score per touchpoint (sums by bincount, no per-row Python)
    t_l, s_l, v_l = tpi[linked], score[linked], vote[linked]
    has_s = ~np.isnan(s_l)
    n_fb = np.bincount(t_l, minlength=k)
    n_s = np.bincount(t_l[has_s], minlength=k).astype(float)
    s1 = np.bincount(t_l[has_s], weights=s_l[has_s], minlength=k)
    s2 = np.bincount(t_l[has_s], weights=s_l[has_s] ** 2, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_s > 0, s1 / n_s, np.nan)
        var = np.where(n_s > 1, (s2 - n_s * mean**2) / (n_s - 1), np.nan)
        has_v = ~np.isnan(v_l)
        n_v = np.bincount(t_l[has_v], minlength=k)
        negshare = np.where(n_v > 0, np.bincount(t_l[has_v & (v_l < 0)], minlength=k) / n_v, np.nan)
    res["feedback"] = n_fb.astype("int64")
    res["performance"] = mean
    lo, hi = mean_ci(mean, np.clip(var, 0, None), n_s, level)
    res["performance_lo"], res["performance_hi"] = lo, hi
    res["share_negative"] = negshare

    # importance: penalty-reward regression against the customer's overall outcome
    out_col = _resolve_outcome(fb, outcome) if len(fb) else None
    if out_col is not None:
        # integer customer codes; rows without a customer count as customers of their own
        if "customer_id" in fb:
            codes, uniq = pd.factorize(fb["customer_id"].astype("string"), use_na_sentinel=True)
        else:
            codes, uniq = np.full(len(fb), -1), []
        none = codes < 0
        codes = codes.astype(np.int64)
        codes[none] = len(uniq) + np.arange(int(none.sum()))
        n_c = len(uniq) + int(none.sum())
        y = pd.to_numeric(fb[out_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        has_y = ~np.isnan(y)
        cnt = np.bincount(codes[has_y], minlength=n_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            ybar = np.bincount(codes[has_y], weights=y[has_y], minlength=n_c) / cnt
        outcome_per_customer = pd.Series(ybar, index=np.arange(n_c)).dropna()
        # mean vote per (customer, touchpoint)
        sel = linked & ~np.isnan(vote)
        pair = codes[sel] * k + tpi[sel]
        pk, pinv = np.unique(pair, return_inverse=True)
        pv = np.bincount(pinv, weights=vote[sel]) / np.bincount(pinv)
        exp = pd.DataFrame(
            {"customer": pk // k, "touchpoint": np.asarray(tps, dtype=object)[pk % k], "vote": pv}
        )
        pr = penalty_reward(
            exp,
            outcome_per_customer,
            tps,
            n_boot=n_boot,
            random_state=random_state,
            level=level,
        )
    else:
        pr = penalty_reward(
            pd.DataFrame(columns=["customer", "touchpoint", "vote"]),
            pd.Series(dtype=float),
            tps,
            n_boot=0,
        )
    for c in pr.columns:
        res[c] = pr[c].to_numpy()
    res["outcome"] = out_col if out_col is not None else pd.NA
    res["category"] = kano_category(
        pr, min_n=min_n, asymmetry_ratio=asymmetry_ratio, small_effect=small_effect
    ).to_numpy()

    # moments of truth and quick wins
    volume = (
        res["events"].astype("Float64") if vol is not None else res["feedback"].astype("Float64")
    )
    res["volume"] = volume.to_numpy(dtype=float, na_value=np.nan)
    supported = (res["n_negative"] + res["n_positive"]) >= 2 * min_n
    imp = res["importance"].where(supported)
    imp_cut = imp.quantile(importance_quantile) if imp.notna().any() else np.nan
    high_imp = (imp >= imp_cut) & (res["importance_lo"] > 1e-9) & supported  # > 0 beyond rounding
    vpos = res["volume"][res["volume"] > 0]
    vol_cut = vpos.quantile(volume_quantile) if len(vpos) else np.inf
    high_vol = res["volume"] >= vol_cut
    perf_cut = (
        res["performance"].quantile(performance_quantile)
        if res["performance"].notna().any()
        else np.nan
    )
    low_perf = res["performance"] < perf_cut
    owner_known = res["owner"].notna() & (res["owner"].astype("string").str.strip() != "")
    res["high_importance"] = high_imp.fillna(False).astype(bool)
    res["low_performance"] = low_perf.fillna(False).astype(bool)
    res["moment_of_truth"] = (res["high_importance"] & high_vol.fillna(False)).astype(bool)
    res["quick_win"] = (
        res["high_importance"] & res["low_performance"] & owner_known.fillna(False)
    ).astype(bool)

    ordered = ["journey", *CONTRACT_COLUMNS]
    extras = [c for c in res.columns if c not in ordered]
    return res[ordered + extras].reset_index(drop=True)


#: The action sentence of a quick win, per language: the touchpoint, its journey, the
#: share of negative feedback, the mean sentiment, the outcome, the importance, the category.
ACTION_TEXT = {
    "en": {
        "sentence": "Fix {name} ({journey}): {share}% of its feedback is negative (mean sentiment "
        "{perf}); a bad vs good experience here moves {unit} by {imp} points; it is {kind}.",
        "kind": {
            "dissatisfier": "a dissatisfier",
            "delighter": "a delighter",
            "ok": "an OK factor",
        },
        "unclear": "of unclear type",
        "decimal": ".",
    },
    "de": {
        "sentence": "{name} ({journey}) verbessern: {share} % des Feedbacks sind negativ "
        "(mittleres Sentiment {perf}); eine schlechte statt einer guten Erfahrung hier "
        "verändert {unit} um {imp} Punkte; der Touchpoint ist {kind}.",
        "kind": {
            "dissatisfier": "ein Enttäuschungsfaktor (Dissatisfier)",
            "delighter": "ein Begeisterungsfaktor (Delighter)",
            "ok": "ein OK-Faktor",
        },
        "unclear": "nicht eindeutig einzuordnen",
        "decimal": ",",
    },
}


def quick_wins_by_owner(touchpoints: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The quick wins of one or more ``prioritize_touchpoints`` tables, grouped per owner.

    Parameters
    ----------
    touchpoints : DataFrame
        Output of :func:`prioritize_touchpoints` (several journeys may be concatenated).
    language : {"en", "de"}
        Language of the ``action`` sentence (German with decimal commas).

    Returns
    -------
    DataFrame
        One row per quick win, sorted by owner, then importance (highest first), with
        ``owner``, ``journey``, ``stage``, ``touchpoint``, ``touchpoint_name``,
        ``performance``, ``importance``, ``category``, ``share_negative``, ``feedback``,
        ``events``, ``moment_of_truth`` and ``action`` — one sentence an owner can act on.
    """
    cols = [
        "owner",
        "journey",
        "stage",
        "touchpoint",
        "touchpoint_name",
        "performance",
        "importance",
        "category",
        "share_negative",
        "feedback",
        "events",
        "moment_of_truth",
        "action",
    ]
    if language not in ACTION_TEXT:
        raise UsageError(f"language must be one of {', '.join(ACTION_TEXT)}, got {language!r}")
    if touchpoints is None or len(touchpoints) == 0 or "quick_win" not in touchpoints:
        return pd.DataFrame(columns=cols)
    qw = touchpoints[touchpoints["quick_win"].astype(bool)].copy()
    if "touchpoint_name" not in qw:
        qw["touchpoint_name"] = qw["touchpoint"]
    for c in ("share_negative", "events", "outcome"):
        if c not in qw:
            qw[c] = np.nan
    qw = qw.sort_values(
        ["owner", "importance", "touchpoint"], ascending=[True, False, True], kind="stable"
    )
    unit = (
        qw["outcome"].astype("string").fillna("outcome").str.upper().str.replace("RATING", "rating")
    )
    text = ACTION_TEXT[language]
    dec = text["decimal"]
    share = (100 * qw["share_negative"].astype(float)).round(0)
    kind = qw["category"].map(text["kind"]).fillna(text["unclear"])
    # one sentence per quick win (a handful of rows, not events)
    qw["action"] = [
        text["sentence"].format(
            name=name,
            journey=journey,
            share=f"{sh:.0f}" if pd.notna(sh) else "?",
            perf=f"{perf:+.2f}".replace(".", dec),
            unit=u,
            imp=f"{imp:.1f}".replace(".", dec),
            kind=k,
        )
        for name, journey, sh, perf, u, imp, k in zip(
            qw["touchpoint_name"].astype(str),
            qw["journey"].astype(str),
            share,
            qw["performance"],
            unit,
            qw["importance"],
            kind,
            strict=True,
        )
    ]
    return qw[cols].reset_index(drop=True)
