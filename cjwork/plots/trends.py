"""KPI trend lines with the statistically meaningful changes marked.

:func:`trend_points` selects and reshapes a :func:`cjwork.trends.kpi_trends` table into
long form (one row per period, touchpoint and metric, with ``flagged`` set where that
metric changed significantly against the previous period) — the numbers behind the
figure; :func:`plot_kpi_trends` draws one panel per metric, one line per touchpoint
(the whole journey in black), and a red ring on every flagged change.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cjwork.plots._language import decimal_comma, number, texts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

METRIC_LABELS = {
    "volume": "volume",
    "sentiment": "mean sentiment",
    "nps": "NPS",
    "completion": "completion",
}
JOURNEY_LABEL = "whole journey"

TEXTS = {
    "en": {
        **METRIC_LABELS,
        "journey": JOURNEY_LABEL,
        "significant": "significant change",
        "no_bands": "no process metric linked to feedback",
        "band_y": "mean sentiment",
        "band_title": "Sentiment at {touchpoint} by {metric}",
    },
    "de": {
        "volume": "Volumen",
        "sentiment": "mittlere Stimmung",
        "nps": "NPS",
        "completion": "Abschlussquote",
        "journey": "gesamte Journey",
        "significant": "signifikante Veränderung",
        "no_bands": "kein Prozessmesswert mit Feedback verknüpft",
        "band_y": "mittlere Stimmung",
        "band_title": "Stimmung bei {touchpoint} nach {metric}",
    },
}


def trend_points(
    data: pd.DataFrame,
    *,
    metrics: tuple[str, ...] | list[str] = ("volume", "sentiment", "nps", "completion"),
    touchpoints: list[str] | None = None,
    max_touchpoints: int = 4,
    language: str = "en",
) -> pd.DataFrame:
    """Long-form trend points for plotting.

    Parameters
    ----------
    data : DataFrame
        A trends table (one journey) with ``period``, ``touchpoint``, the metric columns,
        ``significant_change`` and optionally ``changed_metrics``.
    metrics : sequence of str
        Metric columns to show (missing or all-empty ones are skipped).
    touchpoints : list of str, optional
        Touchpoints to show ("" = whole journey). Default: the whole journey plus the
        touchpoints with a flagged change (most flags first, at most ``max_touchpoints``).
    max_touchpoints : int
        Cap for the default selection.
    language : {"en", "de"}
        Language of the whole journey's ``series`` name ("whole journey" / "gesamte
        Journey"); any other value gives English.

    Returns
    -------
    DataFrame
        ``period``, ``touchpoint``, ``series`` (display name), ``metric``, ``value``,
        ``flagged`` — sorted by metric (given order), series, period.
    """
    d = data.copy()
    d["touchpoint"] = d["touchpoint"].fillna("").astype(str)
    if touchpoints is None:
        flagged = d[d["significant_change"].astype(bool) & (d["touchpoint"] != "")]
        top = flagged["touchpoint"].value_counts(sort=True)
        top = top.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        touchpoints = ["", *top.index[:max_touchpoints].tolist()]
    metrics = [m for m in metrics if m in d and pd.to_numeric(d[m], errors="coerce").notna().any()]
    d = d[d["touchpoint"].isin(touchpoints)]
    changed = d["changed_metrics"].fillna("").astype(str) if "changed_metrics" in d else None
    parts = []
    for m in metrics:  # one per metric
        flag = d["significant_change"].astype(bool)
        if changed is not None:
            flag = flag & changed.str.contains(rf"(?:^|, ){re.escape(m)}(?:,|$)", regex=True)
        parts.append(
            pd.DataFrame(
                {
                    "period": pd.to_datetime(d["period"]).to_numpy(),
                    "touchpoint": d["touchpoint"].to_numpy(),
                    "series": d["touchpoint"]
                    .replace("", texts(TEXTS, language)["journey"])
                    .to_numpy(),
                    "metric": m,
                    "value": pd.to_numeric(d[m], errors="coerce").to_numpy(dtype=float),
                    "flagged": flag.to_numpy(dtype=bool),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=["period", "touchpoint", "series", "metric", "value", "flagged"]
        )
    out = pd.concat(parts, ignore_index=True)
    order = {t: i for i, t in enumerate(touchpoints)}
    out["_m"] = out["metric"].map({m: i for i, m in enumerate(metrics)})
    out["_t"] = out["touchpoint"].map(order)
    return (
        out.sort_values(["_m", "_t", "period"], kind="stable")
        .drop(columns=["_m", "_t"])
        .reset_index(drop=True)
    )


def plot_kpi_trends(
    data: pd.DataFrame,
    *,
    metrics: tuple[str, ...] | list[str] = ("volume", "sentiment", "nps", "completion"),
    touchpoints: list[str] | None = None,
    max_touchpoints: int = 4,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    language: str = "en",
) -> Figure:
    """Small multiples of KPI trends, flagged changes ringed in red.

    Parameters
    ----------
    data : DataFrame
        A trends table of one journey (:func:`cjwork.trends.kpi_trends`).
    metrics, touchpoints, max_touchpoints
        See :func:`trend_points`.
    title : str, optional
    figsize : (float, float), optional
    language : {"en", "de"}
        Language of the metric labels and the legend; any other value draws English.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per metric shown (sharing the time axis).
    """
    tx = texts(TEXTS, language)
    pts = trend_points(
        data,
        metrics=metrics,
        touchpoints=touchpoints,
        max_touchpoints=max_touchpoints,
        language=language,
    )
    shown = list(dict.fromkeys(pts["metric"])) or ["volume"]
    fig = Figure(figsize=figsize or (10, 2.3 * len(shown) + 0.8), layout="constrained")
    axes = fig.subplots(len(shown), 1, sharex=True, squeeze=False)[:, 0]
    series = list(dict.fromkeys(pts["series"]))
    palette = ["#1b2631", "#2e86c1", "#d68910", "#884ea0", "#17a589", "#a04000"]
    colors = {s: palette[i % len(palette)] for i, s in enumerate(series)}
    for ax, m in zip(axes, shown, strict=True):
        pm = pts[pts["metric"] == m]
        for s, g in pm.groupby("series", sort=False):  # one line per touchpoint
            lw = 2.4 if s == tx["journey"] else 1.5
            ax.plot(g["period"], g["value"], marker="o", ms=3.5, lw=lw, color=colors[s], label=s)
            f = g[g["flagged"]]
            if len(f):
                ax.scatter(
                    f["period"],
                    f["value"],
                    s=130,
                    facecolors="none",
                    edgecolors="#c0392b",
                    linewidths=2,
                    zorder=5,
                    gid=f"flag:{m}",
                )
        ax.set_ylabel(tx[m] if m in METRIC_LABELS else m.replace("kpi_", ""))
        if m == "sentiment":
            ax.set_ylim(-1, 1)
            ax.axhline(0, color="#aab7b8", lw=0.8, ls="--")
        elif m == "nps":
            ax.set_ylim(-100, 100)
            ax.axhline(0, color="#aab7b8", lw=0.8, ls="--")
        elif m == "completion":
            ax.set_ylim(0, 1.02)
        ax.grid(axis="y", color="#eaeded", lw=0.7)
        decimal_comma(ax, language)
    if series:
        handles, labels = axes[0].get_legend_handles_labels()
        if pts["flagged"].any():
            from matplotlib.lines import Line2D

            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    ls="",
                    markerfacecolor="none",
                    markeredgecolor="#c0392b",
                    markersize=10,
                    markeredgewidth=2,
                )
            )
            labels.append(tx["significant"])
        axes[0].legend(
            handles,
            labels,
            fontsize=8,
            frameon=False,
            ncol=min(len(labels), 6),
            loc="lower left",
            bbox_to_anchor=(0, 1.02),
        )
    if title:
        fig.suptitle(title, fontsize=12, fontweight="bold", x=0.01, ha="left")
    return fig


def plot_metric_bands(
    bands: pd.DataFrame,
    *,
    touchpoint: str | None = None,
    metric: str | None = None,
    ax: Axes | None = None,
    language: str = "en",
) -> Axes:
    """Bar chart of mean sentiment per process-metric band (from :func:`cjwork.journeys.process_feedback.sentiment_by_band`).

    Parameters
    ----------
    bands : DataFrame
        Band table; the first (touchpoint, metric) pair is shown unless named.
    touchpoint, metric : str, optional
    ax : Axes, optional
    language : {"en", "de"}
        Language of the labels and the title (German counts ``n=1.234``); any other value
        draws English.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per band (coloured by sentiment), CI whiskers, ``n`` above each bar.
    """
    from cjwork.plots.journey_map import sentiment_color

    tx = texts(TEXTS, language)
    if ax is None:
        ax = Figure(figsize=(6, 3.6), layout="constrained").subplots()
    b = bands
    if touchpoint is not None:
        b = b[b["touchpoint"] == touchpoint]
    if metric is not None:
        b = b[b["metric"] == metric]
    if len(b) == 0:
        ax.text(
            0.5,
            0.5,
            tx["no_bands"],
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return ax
    first = b.iloc[0]
    b = b[(b["touchpoint"] == first["touchpoint"]) & (b["metric"] == first["metric"])].sort_values(
        "band_order"
    )
    y = b["sentiment"].to_numpy(float)
    xs = np.arange(len(b))
    lo = np.nan_to_num(y - b["sentiment_lo"].to_numpy(float))
    hi = np.nan_to_num(b["sentiment_hi"].to_numpy(float) - y)
    ax.bar(
        xs, np.nan_to_num(y), color=sentiment_color(y), edgecolor="#566573", width=0.65, gid="bands"
    )
    ax.errorbar(
        xs, np.nan_to_num(y), yerr=np.vstack([lo, hi]), fmt="none", ecolor="#1b2631", capsize=4
    )
    for xi, yi, n in zip(xs, np.nan_to_num(y), b["n"].astype(int), strict=True):
        ax.text(
            xi,
            yi + (0.06 if yi >= 0 else -0.06),
            f"n={number(n, ',', language)}",
            ha="center",
            va="bottom" if yi >= 0 else "top",
            fontsize=8,
        )
    ax.axhline(0, color="#566573", lw=0.8)
    ax.set_xticks(xs, b["band"].astype(str).tolist())
    ax.set_ylim(-1, 1)
    ax.set_ylabel(tx["band_y"])
    decimal_comma(ax, language)
    ax.set_xlabel(f"{first['metric_name']} ({first['metric']})")
    ax.set_title(
        tx["band_title"].format(touchpoint=first["touchpoint_name"], metric=first["metric_name"]),
        fontsize=10,
        loc="left",
    )
    return ax
