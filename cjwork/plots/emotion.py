"""Voice-of-the-customer figures: the emotion curve with CI bands and touchpoint sentiment.

Data come from :func:`cjwork.text.aggregate.emotional_journey` and
:func:`cjwork.text.aggregate.sentiment_summary`; these functions only draw (seaborn style:
data + column names + optional ``ax`` → the Axes).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from cjwork.plots._language import decimal_comma, number, texts
from cjwork.plots.journey_map import sentiment_color

TEXTS = {
    "en": {
        "sentiment": "sentiment (−1 … 1)",
        "mean": "mean sentiment (−1 … 1)",
        "persona": "persona",
    },
    "de": {
        "sentiment": "Stimmung (−1 … 1)",
        "mean": "mittlere Stimmung (−1 … 1)",
        "persona": "Persona",
    },
}


def plot_emotion_curve(
    data: pd.DataFrame,
    x: str = "step",
    y: str = "mean",
    lower: str = "ci_low",
    upper: str = "ci_high",
    hue: str | None = None,
    label: str = "label",
    ax: Axes | None = None,
    *,
    language: str = "en",
) -> Axes:
    """Draw the emotional journey: mean sentiment per step with a CI band per curve.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~cjwork.text.aggregate.emotional_journey` (one row per step, and
        per persona when ``hue="persona"``).
    x, y, lower, upper : str
        Step position, mean and CI bounds.
    hue : str, optional
        Column with one curve per value (e.g. ``persona``); default: the ``all`` curve
        when a ``persona`` column exists, else every row as one curve.
    label : str
        Column with the tick label per step.
    ax : matplotlib Axes, optional
    language : {"en", "de"}
        Language of the axis label and the legend title; any other value draws English.

    Returns
    -------
    matplotlib.axes.Axes
    """
    tx = texts(TEXTS, language)
    ax = ax if ax is not None else plt.figure(figsize=(10, 4)).gca()
    df = data
    if hue is None and "persona" in df.columns:
        df = df[df["persona"] == "all"]
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    for name, g in groups:
        g = g.sort_values(x)
        xs = g[x].to_numpy(dtype=float)
        ys = g[y].to_numpy(dtype=float)
        line = ax.plot(xs, ys, marker="o", label=None if name is None else str(name))[0]
        if lower in g and upper in g:
            lo = g[lower].to_numpy(dtype=float)
            hi = g[upper].to_numpy(dtype=float)
            ok = ~np.isnan(lo) & ~np.isnan(hi)
            ax.fill_between(
                xs,
                np.where(ok, lo, ys),
                np.where(ok, hi, ys),
                where=ok,
                alpha=0.15,
                color=line.get_color(),
                linewidth=0,
            )
    ax.axhline(0, color="grey", linestyle="--", linewidth=0.8)
    ticks = df.drop_duplicates(x).sort_values(x)
    ax.set_xticks(ticks[x].to_numpy(dtype=float))
    ax.set_xticklabels(
        ticks[label].astype(str).tolist() if label in ticks else ticks[x].astype(str).tolist(),
        rotation=30,
        ha="right",
    )
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel(tx["sentiment"])
    ax.set_xlabel("")
    decimal_comma(ax, language)
    if hue is not None:
        ax.legend(title=tx["persona"] if hue == "persona" else hue, fontsize="small")
    return ax


def plot_touchpoint_sentiment(
    data: pd.DataFrame,
    y: str = "touchpoint",
    x: str = "mean",
    lower: str = "ci_low",
    upper: str = "ci_high",
    n: str = "n",
    ax: Axes | None = None,
    *,
    language: str = "en",
) -> Axes:
    """Horizontal bars of mean sentiment per touchpoint, coloured red → green, with CIs.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~cjwork.text.aggregate.sentiment_summary` (one row per touchpoint).
    y, x, lower, upper, n : str
        Label, mean, CI bounds and count columns (``n`` is written next to each bar).
    ax : matplotlib Axes, optional
    language : {"en", "de"}
        Language of the axis label (German counts with a thousands point); any other value
        draws English.

    Returns
    -------
    matplotlib.axes.Axes
    """
    df = data.sort_values(x, kind="stable").reset_index(drop=True)
    ax = ax if ax is not None else plt.figure(figsize=(7, max(2.5, 0.32 * len(df) + 1))).gca()
    pos = np.arange(len(df))
    vals = df[x].to_numpy(dtype=float)
    ax.barh(pos, vals, color=sentiment_color(vals), edgecolor="none")
    if lower in df and upper in df:
        lo = df[lower].to_numpy(dtype=float)
        hi = df[upper].to_numpy(dtype=float)
        ok = ~np.isnan(lo)
        ax.errorbar(
            vals[ok],
            pos[ok],
            xerr=[vals[ok] - lo[ok], hi[ok] - vals[ok]],
            fmt="none",
            ecolor="black",
            elinewidth=0.8,
            capsize=2,
        )
    if n in df:
        for p, k in zip(pos, df[n].to_numpy(), strict=True):
            ax.annotate(
                f"n={int(k)}" if language != "de" else f"n={number(int(k), ',', language)}",
                (1.0, p),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="x-small",
            )
    ax.set_yticks(pos)
    ax.set_yticklabels(df[y].astype(str).tolist())
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel(texts(TEXTS, language)["mean"])
    decimal_comma(ax, language)
    return ax
