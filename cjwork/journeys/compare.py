"""Compare any two groups of cases: funnel, transitions, touchpoint sentiment and timing.

Groups
------
A group is a set of cases, chosen by :func:`group_labels` from

* a column of the customers table (``segment``, ``region``, ``tariff``, …): the cases of
  the customers with that value;
* ``persona``: the cases of the customers of a persona (id or name, from a personas table);
* ``channel``: the channel of the case's first event;
* ``completed``: cases that reached the journey's last stage (``yes``) or not (``no``);
* ``ids``: two lists of customer ids.

Measures (``measure`` column; ``diff`` is always B − A)
-------------------------------------------------------
funnel
    Per stage, the share of the group's cases that reached it (the funnel's ``reached``
    rule). Newcombe's hybrid score interval of the difference; two-proportion z test.
transition
    Per directly-follows pair ``source > target``, the share of the group's cases that
    contain it at least once (one count per case, so cases are independent). Newcombe
    interval; two-proportion z test. Pairs seen in fewer than ``min_cases`` cases in
    both groups together are left out.
sentiment
    Per touchpoint, the mean ``sentiment_score`` of the feedback linked to it and placed
    in a case of the group (:func:`cjwork.journeys.sequences.feedback_cases`). Welch's t
    interval and test.
timing
    The median case duration of the journey (``case duration``) and the median seconds of
    each transition seen at least ``min_cases`` times in each group. Percentile bootstrap
    interval of the difference of medians (seeded; each group's resampled median is drawn
    from its exact order-statistic distribution, :func:`bootstrap_medians`); Mann–Whitney U
    test.

``p_adjusted`` is Holm's (or Benjamini–Hochberg's) correction over all tests of one
measure; ``significant`` is ``p_adjusted < 1 - level``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as st

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap, closest
from cjwork.journeys.funnel import wilson_interval
from cjwork.stats import adjust_pvalues, two_proportion_test, welch_test

COMPARE_COLUMNS = [
    "journey",
    "measure",
    "item",
    "a_n",
    "a_value",
    "b_n",
    "b_value",
    "diff",
    "diff_low",
    "diff_high",
    "p_value",
    "p_adjusted",
    "significant",
]
MEASURES = ("funnel", "transition", "sentiment", "timing")
SPECIAL_BY = ("persona", "channel", "completed", "ids")
_YES = {"1", "true", "yes", "ja", "y", "j", "completed", "complete", "abgeschlossen"}
_NO = {"0", "false", "no", "nein", "n", "not_completed", "incomplete", "offen"}


def _as_bool(value: str, name: str) -> bool:
    v = str(value).strip().lower()
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise UsageError(f"--{name} for --by completed must be yes or no, got '{value}'")


def group_labels(
    cases: pd.DataFrame,
    *,
    by: str,
    a: str | None = None,
    b: str | None = None,
    customers: pd.DataFrame | None = None,
    personas: pd.DataFrame | None = None,
    a_ids: Iterable[str] | None = None,
    b_ids: Iterable[str] | None = None,
) -> pd.Series:
    """Label every case ``"a"``, ``"b"`` or ``None`` (in neither group).

    Parameters
    ----------
    cases : DataFrame
        From :func:`cjwork.journeys.sequences.case_table`.
    by : str
        A customers column, or one of ``persona``, ``channel``, ``completed``, ``ids``.
    a, b : str
        The values that define the groups (for ``completed``: yes / no).
    customers, personas : DataFrame, optional
        Needed for a customers column and for ``persona``.
    a_ids, b_ids : iterable of str, optional
        Customer ids of the groups, for ``by="ids"``.

    Returns
    -------
    Series
        Aligned to ``cases``; ``attrs["a"]``/``attrs["b"]`` describe the groups.

    Raises
    ------
    UsageError
        Unknown column, a missing table, or a group without cases.
    """
    cust = cases["customer_id"].astype(object)
    if by == "ids":
        if a_ids is None or b_ids is None:
            raise UsageError("--by ids needs --a-ids FILE and --b-ids FILE")
        sa, sb = {str(x) for x in a_ids}, {str(x) for x in b_ids}
        in_a, in_b = cust.isin(sa), cust.isin(sb)
        desc = (f"{len(sa)} listed customers", f"{len(sb)} listed customers")
        seen: list[str] = []
    else:
        if a is None or b is None:
            raise UsageError(f"--by {by} needs --a VALUE and --b VALUE")
        if by == "completed":
            va, vb = _as_bool(a, "a"), _as_bool(b, "b")
            done = cases["complete"].astype(bool)
            in_a, in_b = done == va, done == vb
            seen = ["yes", "no"]
        elif by == "channel":
            ch = cases["channel"].astype(object).fillna("").astype(str)
            in_a, in_b = ch == str(a), ch == str(b)
            seen = sorted(set(ch) - {""})
        elif by == "persona":
            if personas is None or personas.empty:
                raise UsageError(
                    "--by persona needs personas: run `cjwork personas` into the workspace "
                    "(personas.csv) or give a customers table to compute them"
                )
            keys = [c for c in ("persona_id", "persona_name") if c in personas.columns]
            vals = {str(r) for c in keys for r in personas[c].astype(str)}
            pa_, pb_ = set(), set()
            for c in keys:
                col = personas[c].astype(str)
                pa_ |= set(personas.loc[col == str(a), "customer_id"].astype(str))
                pb_ |= set(personas.loc[col == str(b), "customer_id"].astype(str))
            in_a, in_b = cust.astype(str).isin(pa_), cust.astype(str).isin(pb_)
            seen = sorted(vals)
        else:
            if customers is None or customers.empty:
                raise UsageError(f"--by {by} needs a customers table (customers.csv)")
            if by not in customers.columns or by == "customer_id":
                cols = [c for c in customers.columns if c != "customer_id"]
                near = closest(by, [*cols, *SPECIAL_BY])
                hint = f"; closest: {', '.join(near)}" if near else ""
                raise UsageError(
                    f"unknown group column '{by}'{hint}; use a customers column "
                    f"({', '.join(cols[:12])}) or one of {', '.join(SPECIAL_BY)}"
                )
            col = customers[by]
            text = col.astype(object).where(col.notna(), None).map(_fmt_value)
            lookup = dict(zip(customers["customer_id"].astype(str), text, strict=False))
            val = cust.astype(str).map(lookup)
            in_a, in_b = val == str(a), val == str(b)
            seen = sorted({v for v in text if v is not None})
        desc = (f"{by} = {a}", f"{by} = {b}")
    labels = pd.Series(
        np.where(in_a, "a", np.where(in_b, "b", None)), index=cases.index, dtype=object
    )
    if (in_a & in_b).any():
        raise UsageError("the two groups overlap; choose two different values or id lists")
    for g, d in (("a", desc[0]), ("b", desc[1])):
        if not (labels == g).any():
            hint = f"; values seen: {', '.join(seen[:15])}" if seen else ""
            raise UsageError(f"group {g} ({d}) has no cases{hint}")
    labels.attrs["a"], labels.attrs["b"] = desc
    return labels


def _fmt_value(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def newcombe_interval(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for ``p2 - p1`` (from two Wilson intervals)."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    l1, u1 = wilson_interval(x1, n1, level)
    l2, u2 = wilson_interval(x2, n2, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return low, high


def _proportions(
    journey: str, measure: str, items: list[str], xa, na, xb, nb, level: float
) -> pd.DataFrame:
    xa, na, xb, nb = (np.asarray(v, dtype=float) for v in (xa, na, xb, nb))
    test = two_proportion_test(xa, na, xb, nb, level)
    low, high = newcombe_interval(xa, na, xb, nb, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "journey": journey,
                "measure": measure,
                "item": items,
                "a_n": na.astype(np.int64),
                "a_value": xa / na,
                "b_n": nb.astype(np.int64),
                "b_value": xb / nb,
                "diff": test["diff"].to_numpy(),
                "diff_low": low,
                "diff_high": high,
                "p_value": test["p"].to_numpy(),
            }
        )


def bootstrap_medians(x: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """``n_boot`` bootstrap replicates of the (lower) median of ``x``, drawn exactly.

    The median of a resample of ``n`` values (with replacement) is at most the ``i``-th
    smallest value exactly when at least ``m = (n + 1) // 2`` draws fall at or below it,
    which is Binomial(n, (i + 1) / n); drawing from that distribution gives the resampled
    medians in O(n + n_boot log n) instead of sorting ``n_boot`` resamples.
    """
    xs = np.sort(np.asarray(x, dtype=float))
    n = len(xs)
    m = (n + 1) // 2
    cdf = st.binom.sf(m - 1, n, np.arange(1, n + 1) / n)
    idx = np.minimum(np.searchsorted(cdf, rng.random(n_boot)), n - 1)
    return xs[idx]


def _bootstrap_median_diff(
    a: np.ndarray, b: np.ndarray, rng: np.random.Generator, n_boot: int, level: float
) -> tuple[float, float]:
    d = bootstrap_medians(b, rng, n_boot) - bootstrap_medians(a, rng, n_boot)
    q = (1 - level) / 2
    return float(np.quantile(d, q)), float(np.quantile(d, 1 - q))


def _medians(
    journey: str,
    items: list[str],
    samples: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    n_boot: int,
    level: float,
) -> pd.DataFrame:
    rows = []
    for item, (a, b) in zip(items, samples, strict=True):
        ma, mb = float(np.median(a)), float(np.median(b))
        lo, hi = _bootstrap_median_diff(a, b, rng, n_boot, level)
        if np.all(a == a[0]) and np.all(b == a[0]):
            p = 1.0
        else:
            p = float(st.mannwhitneyu(a, b, alternative="two-sided").pvalue)
        rows.append((journey, "timing", item, len(a), ma, len(b), mb, mb - ma, lo, hi, p))
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS[:-2])


def compare_groups(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    labels: pd.Series,
    jmap: JourneyMap,
    feedback: pd.DataFrame | None = None,
    *,
    measures: Iterable[str] = MEASURES,
    correction: str = "holm",
    level: float = 0.95,
    min_cases: int = 5,
    n_boot: int = 500,
    random_state: int = 0,
    window: str = "14D",
    max_timing: int = 10,
) -> pd.DataFrame:
    """The differences between the cases labelled ``a`` and ``b`` (see the module docstring).

    Parameters
    ----------
    events, cases : DataFrame
        From :func:`~cjwork.journeys.sequences.case_events` / :func:`~cjwork.journeys.sequences.case_table`.
    labels : Series
        ``"a"``/``"b"``/``None`` per row of ``cases`` (:func:`group_labels`).
    jmap : JourneyMap
        For the stages of each journey (map order).
    feedback : DataFrame, optional
        Enriched feedback with ``customer_id``, ``timestamp``, ``journey``, ``touchpoint``
        and ``sentiment_score``; without it there are no sentiment rows.
    measures : iterable of str
        Any of :data:`MEASURES`.
    correction : {"holm", "bh", "none"}
    level : float
        Confidence level of the intervals; ``significant`` uses ``1 - level``.
    min_cases : int
        Least cases (transitions) / observations per group (timing, sentiment ≥ 2) for a row.
    n_boot : int
        Bootstrap resamples for the timing intervals.
    random_state : int
        Seed of the bootstrap.
    window : str
        How long after a case feedback still counts for it.
    max_timing : int
        Timing rows for at most this many transitions per journey (the most frequent).

    Returns
    -------
    DataFrame
        :data:`COMPARE_COLUMNS`, journeys in map order, then measure, then map order of
        stages / count of pairs.
    """
    measures = list(measures)
    bad = [m for m in measures if m not in MEASURES]
    if bad:
        raise UsageError(f"measures must be among {', '.join(MEASURES)}, got {', '.join(bad)}")
    rng = np.random.default_rng(random_state)
    lab = labels.reindex(cases.index)
    c = cases.assign(_g=lab.to_numpy())
    c = c[c["_g"].notna()]
    key = c.set_index(["journey", "case_key"])["_g"]
    ev = events.merge(
        key.rename("_g").reset_index(), on=["journey", "case_key"], how="inner", sort=False
    )
    parts: list[pd.DataFrame] = []
    order = {j: i for i, j in enumerate(jmap.journey_ids)}
    for jid in sorted(set(c["journey"]), key=lambda j: order.get(j, len(order))):
        cj = c[c["journey"] == jid]
        na, nb = int((cj["_g"] == "a").sum()), int((cj["_g"] == "b").sum())
        if na == 0 or nb == 0:
            continue
        ej = ev[ev["journey"] == jid]
        if "funnel" in measures:
            stages = [s.id for s in jmap.journey(jid).stages]
            depth = cj["depth"].to_numpy()
            ga = cj["_g"].to_numpy() == "a"
            xa = [int((depth[ga] >= k).sum()) for k in range(len(stages))]
            xb = [int((depth[~ga] >= k).sum()) for k in range(len(stages))]
            parts.append(
                _proportions(
                    jid, "funnel", stages, xa, [na] * len(stages), xb, [nb] * len(stages), level
                )
            )
        if "transition" in measures or "timing" in measures:
            nxt = ej.groupby("case_key", sort=False)["touchpoint"].shift(-1)
            dt = (ej.groupby("case_key", sort=False)["ts"].shift(-1) - ej["ts"]).dt.total_seconds()
            pairs = ej.assign(target=nxt, dt=dt)[nxt.notna()]
            pairs = pairs.assign(item=pairs["touchpoint"].astype(str) + " > " + pairs["target"])
        if "transition" in measures and len(pairs):
            per = pairs.drop_duplicates(["case_key", "item"])
            cnt = per.groupby(["item", "_g"]).size().unstack(fill_value=0)
            for g in ("a", "b"):
                if g not in cnt:
                    cnt[g] = 0
            cnt = cnt[(cnt["a"] + cnt["b"]) >= min_cases]
            cnt = (
                cnt.assign(_t=cnt["a"] + cnt["b"])
                .sort_index(kind="mergesort")
                .sort_values("_t", ascending=False, kind="mergesort")
            )
            if len(cnt):
                parts.append(
                    _proportions(
                        jid,
                        "transition",
                        list(cnt.index),
                        cnt["a"],
                        [na] * len(cnt),
                        cnt["b"],
                        [nb] * len(cnt),
                        level,
                    )
                )
        if "timing" in measures:
            dur = (cj["end_ts"] - cj["start_ts"]).dt.total_seconds().to_numpy()
            ga = cj["_g"].to_numpy() == "a"
            items, samples = [], []
            if ga.sum() >= 2 and (~ga).sum() >= 2:
                items.append("case duration")
                samples.append((dur[ga], dur[~ga]))
            if len(pairs):
                g = pairs.groupby("item", sort=True)
                sizes = pairs.groupby(["item", "_g"]).size().unstack(fill_value=0)
                ok = [
                    i
                    for i in sizes.index
                    if sizes.loc[i].get("a", 0) >= min_cases
                    and sizes.loc[i].get("b", 0) >= min_cases
                ]
                ok = sorted(ok, key=lambda i: (-int(sizes.loc[i].sum()), i))[:max_timing]
                for item in ok:
                    grp = g.get_group(item)
                    items.append(item)
                    samples.append(
                        (
                            grp.loc[grp["_g"] == "a", "dt"].to_numpy(dtype=float),
                            grp.loc[grp["_g"] == "b", "dt"].to_numpy(dtype=float),
                        )
                    )
            if items:
                parts.append(_medians(jid, items, samples, rng, n_boot, level))
        if "sentiment" in measures and feedback is not None and len(feedback):
            tps = [t.id for t in jmap.journey(jid).touchpoints]
            parts.append(_sentiment(jid, cj, feedback, tps, window, level))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = np.nan
    for m in MEASURES:
        sel = out["measure"] == m
        if sel.any():
            out.loc[sel, "p_adjusted"] = adjust_pvalues(out.loc[sel, "p_value"], correction)
    out["significant"] = out["p_adjusted"] < (1 - level)
    return out[COMPARE_COLUMNS]


def _sentiment(
    jid: str, cj: pd.DataFrame, feedback: pd.DataFrame, jt: list[str], window: str, level: float
) -> pd.DataFrame:
    from cjwork.journeys.sequences import feedback_cases

    if "sentiment_score" not in feedback.columns:
        return pd.DataFrame(columns=COMPARE_COLUMNS[:-2])
    fb = feedback[["customer_id", "timestamp", "sentiment_score"]].copy()
    fb["journey"] = feedback["journey"].astype(object) if "journey" in feedback else None
    fb["tp"] = (
        feedback["touchpoint"].astype(object).fillna("").astype(str)
        if "touchpoint" in feedback
        else ""
    )
    fb = fb[fb["sentiment_score"].notna()]
    placed = feedback_cases(cj, fb, window=window)
    placed = placed[placed["case_key"].notna() & placed["tp"].isin(jt)]
    if placed.empty:
        return pd.DataFrame(columns=COMPARE_COLUMNS[:-2])
    g = cj.set_index("case_key")["_g"]
    placed = placed.assign(_g=placed["case_key"].map(g))
    s = placed.groupby(["tp", "_g"])["sentiment_score"].agg(["mean", "var", "size"]).unstack("_g")
    if ("size", "a") not in s.columns or ("size", "b") not in s.columns:
        return pd.DataFrame(columns=COMPARE_COLUMNS[:-2])
    s = s[(s[("size", "a")] >= 2) & (s[("size", "b")] >= 2)]
    if s.empty:
        return pd.DataFrame(columns=COMPARE_COLUMNS[:-2])
    s = s.loc[sorted(s.index, key=jt.index)]
    w = welch_test(
        s[("mean", "a")],
        s[("var", "a")],
        s[("size", "a")],
        s[("mean", "b")],
        s[("var", "b")],
        s[("size", "b")],
        level,
    )
    return pd.DataFrame(
        {
            "journey": jid,
            "measure": "sentiment",
            "item": list(s.index),
            "a_n": s[("size", "a")].astype(np.int64).to_numpy(),
            "a_value": s[("mean", "a")].to_numpy(),
            "b_n": s[("size", "b")].astype(np.int64).to_numpy(),
            "b_value": s[("mean", "b")].to_numpy(),
            "diff": w["diff"].to_numpy(),
            "diff_low": w["diff_lo"].to_numpy(),
            "diff_high": w["diff_hi"].to_numpy(),
            "p_value": w["p"].to_numpy(),
        }
    )


def split_events(events: pd.DataFrame, cases: pd.DataFrame, labels: pd.Series) -> tuple:
    """The events of the cases labelled ``a`` and of those labelled ``b``."""
    out = []
    for g in ("a", "b"):
        keep = cases.loc[labels.reindex(cases.index) == g, ["journey", "case_key"]]
        out.append(events.merge(keep, on=["journey", "case_key"], how="inner", sort=False))
    return out[0], out[1]


def differential_step_matrix_by(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    labels: pd.Series,
    touchpoint: str,
    steps: int = 3,
) -> pd.DataFrame:
    """The step matrix around ``touchpoint`` of group B minus that of group A.

    See :func:`cjwork.journeys.around.differential_step_matrix`; the groups are the cases
    labelled ``a`` and ``b`` (:func:`group_labels`).
    """
    from cjwork.journeys.around import differential_step_matrix

    ea, eb = split_events(events, cases, labels)
    return differential_step_matrix(ea, eb, touchpoint, steps)
