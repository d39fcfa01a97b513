"""Process × feedback: tie how a touchpoint performed (process metrics) to what customers said.

"Service Process Intelligence" in three steps:

1. **Join** (:func:`attach_process_metrics`): each feedback linked to a touchpoint is
   matched to *the same customer's* latest event at that touchpoint at or before the
   feedback's timestamp, within ``tolerance`` (default 14 days) — a vectorised as-of merge
   (:func:`pandas.merge_asof` by customer and touchpoint). Feedback without a customer,
   a timestamp or a matching event keeps NaN metrics and ``matched = False``; nothing is
   dropped silently (the counts are in the output).
2. **Bands** (:func:`metric_bands`, :func:`sentiment_by_band`): the metric is cut into
   bands, derived in this order:

   - explicit ``bands`` edges, when given;
   - a 0/1 metric (e.g. ``resolved``): the two values;
   - a KPI target from journeys.yml: ``better: lower`` → ``≤ target`` /
     ``target … m·target`` / ``> m·target``; ``better: higher`` → ``< target/m`` /
     ``target/m … target`` / ``≥ target`` with ``m = multiplier`` (2.5: with the hotline's
     120 s wait target the bands are ≤ 2 min, 2–5 min, > 5 min);
   - otherwise terciles of the observed values.

   The **reference band** is the one that meets the target (the best end); the **worst
   band** is the other end.
3. **Effect** (:func:`band_effects`): mean sentiment worst band − reference band with a
   Welch t test and its confidence interval, Cohen's d (pooled SD), and p-values corrected
   with Holm–Bonferroni over all (touchpoint, metric) pairs of the journey. A pair is
   ``significant`` when both bands hold at least ``min_n`` feedback and the corrected p is
   below ``alpha``. :func:`describe_band_effect` writes the sentence for the report, e.g.
   "Above 5 min wait, sentiment at Hotline drops from +0.30 (within the 2 min target)
   to −0.40 (n = 812 vs 143; Cohen's d = −1.9; p < 0.001)."
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.formatting import format_p, format_text
from cjwork.io.schemas import known_columns
from cjwork.journeymap import JourneyMap, check_journey
from cjwork.stats import adjust_pvalues, cohens_d, mean_ci, welch_test

BAND_COLUMNS = [
    "journey",
    "touchpoint",
    "touchpoint_name",
    "metric",
    "metric_name",
    "band",
    "band_order",
    "lower",
    "upper",
    "n",
    "sentiment",
    "sentiment_lo",
    "sentiment_hi",
    "sentiment_var",
    "reference",
    "worst",
    "target",
    "better",
    "unit",
    "rule",
]


def attach_process_metrics(
    feedback: pd.DataFrame,
    events: pd.DataFrame,
    *,
    journey: str | None = None,
    touchpoints: list[str] | None = None,
    metrics: list[str] | None = None,
    tolerance: str | pd.Timedelta = "14D",
) -> pd.DataFrame:
    """Attach to each linked feedback the process metrics of the customer's matching event.

    Parameters
    ----------
    feedback : DataFrame
        Linked feedback with ``customer_id``, ``timestamp``, ``touchpoint`` (and
        ``journey`` when ``journey`` is given).
    events : DataFrame
        The events table (``customer_id``, ``timestamp``, ``touchpoint``, metric columns).
    journey : str, optional
        Keep only feedback and events of this journey.
    touchpoints : list of str, optional
        Keep only these touchpoints.
    metrics : list of str, optional
        Metric columns to attach (default: every numeric event column except ids).
    tolerance : str or Timedelta
        How long before the feedback the event may lie.

    Returns
    -------
    DataFrame
        The kept feedback rows (input order) with the metric columns, ``event_timestamp``
        and ``matched`` (bool). Only touchpoints where at least one of
        the metrics is recorded in the events are joined; feedback at other touchpoints
        keeps ``matched = False``.
    """
    for name, df, cols in (
        ("feedback", feedback, ("customer_id", "timestamp", "touchpoint")),
        ("events", events, ("customer_id", "timestamp", "touchpoint")),
    ):
        missing = [c for c in cols if c not in df]
        if missing:
            raise UsageError(
                f"{name} needs column(s) {', '.join(missing)} to join feedback to events"
            )
    tol = pd.Timedelta(tolerance)
    if metrics is None:
        skip = set(known_columns("events"))
        metrics = [
            c for c in events.columns if c not in skip and pd.api.types.is_numeric_dtype(events[c])
        ]
    # Everything below works on integer codes and int64 times: no string copies of the
    # (possibly 10M-row) event table, which is cut to the relevant rows first.
    fmask = np.ones(len(feedback), dtype=bool)
    emask = np.ones(len(events), dtype=bool)
    if journey is not None:
        fmask &= (feedback["journey"] == journey).fillna(False).to_numpy(dtype=bool)
        emask &= (events["journey"] == journey).fillna(False).to_numpy(dtype=bool)
    fb = feedback[fmask].copy()
    n_l = len(fb)
    f_tp = fb["touchpoint"].astype("string")
    universe = pd.Index(f_tp.dropna().unique(), dtype="string")
    if touchpoints is not None:
        universe = universe[universe.isin(touchpoints)]
    l_t = _codes(f_tp, universe)
    r_t = _codes(events["touchpoint"], universe)
    emask &= r_t >= 0
    # only touchpoints where some metric is recorded at all can give a value
    if metrics:
        recorded = events[metrics].notna().to_numpy().any(axis=1) & emask
        with_data = np.unique(r_t[recorded])
        emask &= np.isin(r_t, with_data)
        l_t = np.where(np.isin(l_t, with_data), l_t, -1)
    ev = events.loc[emask, ["customer_id", "timestamp", *metrics]]
    r_t = r_t[emask]
    # one integer code per customer on both sides; only customers who gave feedback matter
    c_all, _ = pd.factorize(
        pd.concat(
            [fb["customer_id"].astype("string"), ev["customer_id"].astype("string")],
            ignore_index=True,
        ),
        use_na_sentinel=True,
    )
    l_c, r_c = c_all[:n_l], c_all[n_l:]
    keep = np.isin(r_c, np.unique(l_c[l_c >= 0]))
    ev, r_c, r_t = ev[keep], r_c[keep], r_t[keep]
    # one integer key per (customer, touchpoint), shared by both sides: a fast merge_asof "by"
    nt = len(universe) + 1
    l_key = np.where((l_c >= 0) & (l_t >= 0), l_c.astype(np.int64) * nt + l_t, -1)
    r_key = np.where((r_c >= 0) & (r_t >= 0), r_c.astype(np.int64) * nt + r_t, -1)
    # naive UTC datetime64 (a tz-aware .to_numpy() would box every value into an object)
    l_ts = pd.to_datetime(fb["timestamp"], utc=True, errors="coerce").dt.tz_convert(None).to_numpy()
    r_ts = pd.to_datetime(ev["timestamp"], utc=True).dt.tz_convert(None).to_numpy()
    lk = (l_key >= 0) & ~np.isnat(l_ts)
    rk = (r_key >= 0) & ~np.isnat(r_ts)
    lo = np.flatnonzero(lk)[np.argsort(l_ts[lk], kind="stable")]
    ro = np.flatnonzero(rk)[np.argsort(r_ts[rk], kind="stable")]
    left = pd.DataFrame({"_pos": lo, "_key": l_key[lo], "_ts": l_ts[lo]})
    right = pd.DataFrame(
        {
            "_key": r_key[ro],
            "_ts": r_ts[ro],
            "_ev": ro,
        }
    )
    if len(left) and len(right):
        merged = pd.merge_asof(
            left, right, on="_ts", by="_key", direction="backward", tolerance=tol
        )
        hit = merged["_ev"].notna().to_numpy()
        pos = merged["_pos"].to_numpy()[hit]
        src = merged["_ev"].to_numpy()[hit].astype(np.int64)
    else:
        pos = src = np.zeros(0, dtype=np.int64)
    for m in metrics:
        out = np.full(n_l, np.nan)
        out[pos] = pd.to_numeric(ev[m], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[src]
        fb[m] = out
    ets = np.full(n_l, np.datetime64("NaT"), dtype=r_ts.dtype if len(r_ts) else "datetime64[ns]")
    ets[pos] = r_ts[src]
    fb["event_timestamp"] = pd.to_datetime(ets).tz_localize("UTC")
    matched = np.zeros(n_l, dtype=bool)
    matched[pos] = True
    fb["matched"] = matched
    return fb


def _codes(values: pd.Series, universe: pd.Index) -> np.ndarray:
    """Position of every value in ``universe`` (-1 when absent), via the categories for categoricals."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat_pos = universe.get_indexer(values.cat.categories.astype("string"))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, cat_pos[codes], -1)
    return universe.get_indexer(values.astype("string"))


def _nice(x: float) -> float:
    if not np.isfinite(x) or x == 0:
        return float(x)
    mag = 10 ** np.floor(np.log10(abs(x)) - 1)
    return float(np.round(x / mag) * mag)


def metric_bands(
    values: pd.Series,
    *,
    target: float | None = None,
    better: str | None = None,
    bands: list[float] | None = None,
    multiplier: float = 2.5,
) -> tuple[list[float], str]:
    """Band edges for a metric by the documented rule (see module docstring).

    Returns
    -------
    (edges, rule) : list of float, str
        Inner edges (bands are ``(-inf, e0]``, ``(e0, e1]``, …, ``(e_last, inf)``;
        for ``better="higher"`` targets the lower edges are exclusive, see
        :func:`sentiment_by_band`) and the rule used: ``explicit``, ``binary``,
        ``target`` or ``terciles``.
    """
    if bands is not None:
        edges = sorted(float(b) for b in bands)
        if not edges:
            raise UsageError("bands must hold at least one edge, e.g. [120, 300]")
        return edges, "explicit"
    v = pd.to_numeric(values, errors="coerce").dropna()
    if len(v) and v.isin([0, 1]).all():
        return [0.5], "binary"
    if target is not None and np.isfinite(target) and target > 0:
        if better == "higher":
            return [target / multiplier, target], "target"
        return [target, target * multiplier], "target"
    if len(v) < 3:
        return [], "terciles"
    q = sorted({_nice(x) for x in v.quantile([1 / 3, 2 / 3]).to_numpy()})
    return q, "terciles"


def format_value(value: float, metric: str, unit: str | None = None, language: str = "en") -> str:
    """Human format for a metric value: seconds ≥ 2 min as minutes, else the number and unit
    (``language="de"``: decimal comma, ``2,5 min``)."""
    if language == "de":
        return decimal_comma(format_value(value, metric, unit))
    if metric.endswith("_s") and unit in (None, "s"):
        if abs(value) >= 120:
            mins = value / 60
            return f"{mins:.0f} min" if float(mins).is_integer() else f"{mins:.1f} min"
        return f"{value:.0f} s"
    txt = f"{value:g}"
    return f"{txt} {unit}" if unit else txt


def decimal_comma(text: str) -> str:
    """``"> 17.5 min"`` → ``"> 17,5 min"``: a decimal comma in the numbers of a label."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", str(text))


def metric_display_name(metric: str, name: str | None = None) -> str:
    """``wait_s`` → ``wait``; a KPI's ``name`` from journeys.yml wins."""
    if name:
        return name
    base = metric
    for suffix in ("_s", "_ms", "_min", "_h"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.replace("_", " ")


def _band_labels(
    edges: list[float], metric: str, unit: str | None, rule: str, higher: bool
) -> list[str]:
    if rule == "binary":
        return [f"{metric} = 0", f"{metric} = 1"]
    if not edges:
        return ["all"]
    f = [format_value(e, metric, unit) for e in edges]
    labels = [f"< {f[0]}" if higher else f"≤ {f[0]}"]
    labels += [f"{a}–{b}" for a, b in zip(f[:-1], f[1:], strict=True)]
    labels.append(f"≥ {f[-1]}" if higher else f"> {f[-1]}")
    return labels


def sentiment_by_band(
    feedback: pd.DataFrame,
    events: pd.DataFrame,
    journey_map: JourneyMap,
    journey: str,
    *,
    metrics: list[str] | None = None,
    bands: dict[tuple[str, str], list[float]] | None = None,
    multiplier: float = 2.5,
    tolerance: str | pd.Timedelta = "14D",
    level: float = 0.95,
    joined: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Mean sentiment per metric band at every touchpoint of a journey that has process metrics.

    Parameters
    ----------
    feedback : DataFrame
        Scored, linked feedback (``customer_id``, ``timestamp``, ``journey``,
        ``touchpoint``, ``sentiment_score``).
    events : DataFrame
        The events table.
    journey_map : JourneyMap
    journey : str
    metrics : list of str, optional
        Metrics to study (default: every metric with a KPI target at a touchpoint of the
        journey, plus every other numeric metric recorded at that touchpoint).
    bands : dict, optional
        ``{(touchpoint, metric): [edges]}`` to override the derived bands.
    multiplier : float
        The factor of the target-based bands.
    tolerance : str or Timedelta
        See :func:`attach_process_metrics`.
    level : float
        Confidence level of the band means.
    joined : DataFrame, optional
        A ready :func:`attach_process_metrics` result (skips the join).

    Returns
    -------
    DataFrame
        One row per (touchpoint, metric, band) in map order with ``n``, ``sentiment``
        (mean), ``sentiment_lo/_hi``, ``sentiment_var``, the band's ``lower``/``upper``
        edges, ``reference``/``worst`` flags, ``target``, ``better`` and ``rule``. Bands
        with no feedback are kept with ``n = 0``.
    """
    jour = check_journey(journey_map, journey)
    tps = [tp.id for tp in jour.touchpoints]
    if joined is None:
        joined = attach_process_metrics(
            feedback, events, journey=journey, touchpoints=tps, metrics=metrics, tolerance=tolerance
        )
    skip = {
        *known_columns("events"),
        "rating",
        "nps",
        "sentiment_score",
        "link_confidence",
        "matched",
        "event_timestamp",
    }
    avail = [
        c
        for c in joined.columns
        if c not in skip and c in events.columns and pd.api.types.is_numeric_dtype(joined[c])
    ]
    if metrics is not None:
        avail = [m for m in metrics if m in joined]
    score = (
        pd.to_numeric(joined.get("sentiment_score"), errors="coerce")
        if "sentiment_score" in joined
        else None
    )
    if score is None:
        raise UsageError(
            "feedback needs a sentiment_score column (score it with cjwork.text.enrich_feedback)"
        )
    jtp = joined["touchpoint"].astype("string")
    out = []
    for tp in jour.touchpoints:  # loop over touchpoints × metrics of the map, not over rows
        at = (jtp == tp.id).fillna(False).to_numpy()
        for m in avail:
            kpi = tp.kpis.get(m)
            vals = joined.loc[at, m]
            has = vals.notna().to_numpy()
            if not has.any() and kpi is None:
                continue
            target = kpi.target if kpi else None
            better = kpi.better if kpi else "lower"
            edges, rule = metric_bands(
                vals,
                target=target,
                better=better,
                bands=(bands or {}).get((tp.id, m)),
                multiplier=multiplier,
            )
            unit = kpi.unit if kpi else None
            labels = _band_labels(edges, m, unit, rule, higher=better == "higher")
            v = vals[has].to_numpy(dtype=float)
            s = score[at][has].to_numpy(dtype=float)
            right = better != "higher" or rule == "binary"
            idx = np.searchsorted(
                np.asarray(edges, dtype=float), v, side="left" if right else "right"
            )
            good = ~np.isnan(s)
            nb = len(labels)
            n = np.bincount(idx[good], minlength=nb)
            sm = np.bincount(idx[good], weights=s[good], minlength=nb)
            sq = np.bincount(idx[good], weights=s[good] ** 2, minlength=nb)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = sm / n
                var = (sq - n * mean**2) / (n - 1)
            lo, hi = mean_ci(mean, var, n, level)
            ref = nb - 1 if (better == "higher" or rule == "binary") else 0
            worst = 0 if ref == nb - 1 else nb - 1
            bounds = [-np.inf, *edges, np.inf]
            out.append(
                pd.DataFrame(
                    {
                        "journey": journey,
                        "touchpoint": tp.id,
                        "touchpoint_name": tp.name,
                        "metric": m,
                        "metric_name": metric_display_name(m, kpi.name if kpi else None),
                        "band": labels,
                        "band_order": np.arange(nb),
                        "lower": bounds[:-1],
                        "upper": bounds[1:],
                        "n": n,
                        "sentiment": mean,
                        "sentiment_lo": lo,
                        "sentiment_hi": hi,
                        "sentiment_var": var,
                        "reference": np.arange(nb) == ref,
                        "worst": (np.arange(nb) == worst) & (nb > 1),
                        "target": np.nan if target is None else float(target),
                        "better": better,
                        "unit": unit,
                        "rule": rule,
                    }
                )
            )
    if not out:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in BAND_COLUMNS})
    return pd.concat(out, ignore_index=True)[BAND_COLUMNS]


def band_effects(
    bands: pd.DataFrame,
    *,
    alpha: float = 0.05,
    min_n: int = 10,
    correction: str = "holm",
    level: float = 0.95,
) -> pd.DataFrame:
    """Worst band vs reference band per (touchpoint, metric): difference, CI, Cohen's d, test, sentence.

    Parameters
    ----------
    bands : DataFrame
        Output of :func:`sentiment_by_band`.
    alpha, min_n, correction, level
        Significance level, minimum feedback per band, multiple-testing correction
        (``holm``, ``bh``, ``none``) and CI level.

    Returns
    -------
    DataFrame
        One row per (touchpoint, metric): ``journey``, ``touchpoint``, ``touchpoint_name``,
        ``metric``, ``metric_name``, ``target``, ``better``, ``rule``, ``reference_band``,
        ``worst_band``, ``worst_edge`` (the edge where the worst band starts),
        ``reference_n``, ``worst_n``, ``reference_sentiment``, ``worst_sentiment``,
        ``diff`` (worst − reference), ``diff_lo``, ``diff_hi``, ``cohens_d``, ``p``,
        ``p_adj``, ``significant`` and ``sentence``.
    """
    cols = [
        "journey",
        "touchpoint",
        "touchpoint_name",
        "metric",
        "metric_name",
        "target",
        "better",
        "unit",
        "rule",
        "reference_band",
        "worst_band",
        "worst_edge",
        "reference_n",
        "worst_n",
        "reference_sentiment",
        "worst_sentiment",
        "diff",
        "diff_lo",
        "diff_hi",
        "cohens_d",
        "p",
        "p_adj",
        "significant",
        "sentence",
    ]
    if bands is None or len(bands) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    key = ["journey", "touchpoint", "metric"]
    ref = bands[bands["reference"].astype(bool)].set_index(key)
    wst = bands[bands["worst"].astype(bool)].set_index(key)
    both = ref.merge(wst, left_index=True, right_index=True, suffixes=("_r", "_w"), how="inner")
    t = welch_test(
        both["sentiment_r"],
        both["sentiment_var_r"],
        both["n_r"],
        both["sentiment_w"],
        both["sentiment_var_w"],
        both["n_w"],
        level,
    )
    d = cohens_d(
        both["sentiment_r"],
        both["sentiment_var_r"],
        both["n_r"],
        both["sentiment_w"],
        both["sentiment_var_w"],
        both["n_w"],
    )
    enough = ((both["n_r"] >= min_n) & (both["n_w"] >= min_n)).to_numpy()
    p = np.where(enough, t["p"].to_numpy(), np.nan)
    p_adj = adjust_pvalues(p, correction)
    worse_end_upper = both["better_r"] == "higher"
    res = pd.DataFrame(
        {
            "journey": both.index.get_level_values(0),
            "touchpoint": both.index.get_level_values(1),
            "touchpoint_name": both["touchpoint_name_r"].to_numpy(),
            "metric": both.index.get_level_values(2),
            "metric_name": both["metric_name_r"].to_numpy(),
            "target": both["target_r"].to_numpy(),
            "better": both["better_r"].to_numpy(),
            "unit": both["unit_r"].to_numpy(),
            "rule": both["rule_r"].to_numpy(),
            "reference_band": both["band_r"].to_numpy(),
            "worst_band": both["band_w"].to_numpy(),
            "worst_edge": np.where(worse_end_upper, both["upper_w"], both["lower_w"]),
            "reference_n": both["n_r"].to_numpy().astype(int),
            "worst_n": both["n_w"].to_numpy().astype(int),
            "reference_sentiment": both["sentiment_r"].to_numpy(),
            "worst_sentiment": both["sentiment_w"].to_numpy(),
            "diff": t["diff"].to_numpy(),
            "diff_lo": t["diff_lo"].to_numpy(),
            "diff_hi": t["diff_hi"].to_numpy(),
            "cohens_d": d,
            "p": p,
            "p_adj": p_adj,
            "significant": np.nan_to_num(p_adj, nan=1.0) < alpha,
        }
    )
    order = (
        bands.drop_duplicates(key)[key].reset_index(drop=True).reset_index().set_index(key)["index"]
    )
    res["_o"] = order.reindex(pd.MultiIndex.from_frame(res[key])).to_numpy()
    res = res.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    res["sentence"] = [
        describe_band_effect(r) for r in res.to_dict("records")
    ]  # one per (tp, metric)
    return res[cols]


#: The sentence of :func:`describe_band_effect`, by language (``{...}`` filled by
#: :func:`cjwork.formatting.format_text`, which writes German number marks in German).
BAND_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "no_data": "Too little feedback matched to {name} at {tp} to compare bands.",
        "stats": "n = {rn} vs {wn}; Cohen's d = {d:+.2f}; {p}",
        "binary": "With {metric} = 0",
        "binary_base": "{metric} = 1",
        "below": "Below {edge} {name}",
        "above": "Above {edge} {name}",
        "in_target": "within target",
        "in_target_of": "within the {target} target",
        "top_band": "the top band ({band})",
        "lowest_band": "the lowest band ({band})",
        "no_p": "Too little feedback to judge {name} at {tp}: {ref:+.2f} ({base}) vs {wst:+.2f} "
        "({worst}) with n = {rn} vs {wn}.",
        "unclear": "No clear link between {name} and sentiment at {tp}: {ref:+.2f} ({base}) vs "
        "{wst:+.2f} ({worst}) ({stats}).",
        "effect": "{cond}, sentiment at {tp} {verb} from {ref:+.2f} ({base}) to {wst:+.2f} ({stats}).",
        "drops": "drops",
        "rises": "rises",
    },
    "de": {
        "no_data": "Zu wenig Feedback zu {name} bei {tp}, um die Bänder zu vergleichen.",
        "stats": "n = {rn:,} gegenüber {wn:,}; Cohen's d = {d:+.2f}; {p}",
        "binary": "Bei {metric} = 0",
        "binary_base": "{metric} = 1",
        "below": "Unter {edge} {name}",
        "above": "Über {edge} {name}",
        "in_target": "im Ziel",
        "in_target_of": "im Ziel von {target}",
        "top_band": "im obersten Band ({band})",
        "lowest_band": "im untersten Band ({band})",
        "no_p": "Zu wenig Feedback, um {name} bei {tp} zu beurteilen: {ref:+.2f} ({base}) "
        "gegenüber {wst:+.2f} ({worst}) bei n = {rn:,} gegenüber {wn:,}.",
        "unclear": "Kein klarer Zusammenhang zwischen {name} und der Stimmung bei {tp}: {ref:+.2f} "
        "({base}) gegenüber {wst:+.2f} ({worst}) ({stats}).",
        "effect": "{cond} {verb} die Stimmung bei {tp} von {ref:+.2f} ({base}) auf {wst:+.2f} "
        "({stats}).",
        "drops": "sinkt",
        "rises": "steigt",
    },
}


def _p_text(p: float, language: str = "en") -> str:
    if language == "de":
        return format_p(p, "de")
    if not np.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe_band_effect(row: dict, language: str = "en") -> str:
    """One sentence for the report from a :func:`band_effects` row (``language="de"``: in
    German, with German number formats; names from the data stay as they are).

    Examples
    --------
    "Above 5 min wait, sentiment at Hotline drops from +0.30 (within the 2 min target)
    to -0.40 (n = 812 vs 143; Cohen's d = -1.90; p < 0.001)."
    """
    lang = "de" if language == "de" else "en"
    t = BAND_TEXT[lang]

    def say(key: str, **values: object) -> str:
        return format_text(t[key], lang, **values)

    tp = row.get("touchpoint_name") or row["touchpoint"]
    name = row.get("metric_name") or row["metric"]
    if lang == "en" and len(name) > 1 and not name[:2].isupper():
        name = name[0].lower() + name[1:]  # "Waiting time" → "waiting time" mid-sentence
    metric = row["metric"]
    unit = row.get("unit") if isinstance(row.get("unit"), str) else None
    ref, wst = row["reference_sentiment"], row["worst_sentiment"]
    if not (np.isfinite(ref) and np.isfinite(wst)):
        return say("no_data", name=name, tp=tp)

    def band(label: str) -> str:
        return decimal_comma(label) if lang == "de" else label

    n = {"rn": row["reference_n"], "wn": row["worst_n"]}
    stats_txt = say("stats", d=row["cohens_d"], p=_p_text(row["p_adj"], lang), **n)
    edge = row.get("worst_edge")
    if row["rule"] == "binary":
        cond, base = say("binary", metric=metric), say("binary_base", metric=metric)
    else:
        higher = row["better"] == "higher"
        cond = say(
            "below" if higher else "above", edge=format_value(edge, metric, unit, lang), name=name
        )
        if row["rule"] != "target":
            base = say("top_band" if higher else "lowest_band", band=band(row["reference_band"]))
        elif higher:
            base = say("in_target")
        else:
            base = say("in_target_of", target=format_value(row["target"], metric, unit, lang))
    values = {"name": name, "tp": tp, "ref": ref, "wst": wst, "base": base, **n}
    values["worst"] = band(row["worst_band"])
    if not np.isfinite(row["p_adj"]):
        return say("no_p", **values)
    if not row["significant"]:
        return say("unclear", stats=stats_txt, **values)
    verb = t["drops"] if wst < ref else t["rises"]
    return say("effect", cond=cond, verb=verb, stats=stats_txt, **values)


def process_feedback_effects(
    feedback: pd.DataFrame,
    events: pd.DataFrame,
    journey_map: JourneyMap,
    journey: str,
    **kwargs,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convenience: ``(bands, effects)`` = :func:`sentiment_by_band` then :func:`band_effects`.

    Keyword arguments of both functions are accepted (``alpha``, ``min_n``, ``correction``
    go to :func:`band_effects`, the rest to :func:`sentiment_by_band`).
    """
    eff_kw = {k: kwargs.pop(k) for k in ("alpha", "min_n", "correction") if k in kwargs}
    bands = sentiment_by_band(feedback, events, journey_map, journey, **kwargs)
    return bands, band_effects(bands, level=kwargs.get("level", 0.95), **eff_kw)
