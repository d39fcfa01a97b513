"""Funnel figures: reach per stage with drop-off, and drop-off by group with confidence intervals.

Data in, Axes out; the numbers drawn are the columns of :func:`cjwork.journeys.funnel.funnel`
and :func:`cjwork.journeys.funnel.funnel_by` (nothing is recomputed here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from cjwork.plots._language import decimal_comma, number, percent, texts

BAR = "#3b75af"
DROP = "#c0392b"

TEXTS = {
    "en": {
        "share": "share of cases that reached the stage",
        "drop": "drop off",
        "dropoff_ci": "drop-off (95% CI)",
        "persona": "persona",
    },
    "de": {
        "share": "Anteil der Fälle, die die Phase erreichen",
        "drop": "Abbruch",
        "dropoff_ci": "Abbruchquote (95-%-KI)",
        "persona": "Persona",
    },
}


def plot_funnel(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    label: str = "stage_name",
    title: str | None = None,
    language: str = "en",
) -> Axes:
    """Horizontal funnel: one bar per stage (share of cases that reached it), drop-off annotated.

    Parameters
    ----------
    data : DataFrame
        One journey's funnel: ``stage`` (or ``label``), ``reached``, ``share_of_start``,
        ``dropoff`` in map order.
    ax : Axes, optional
    label : str
        Column used for the bar labels (falls back to ``stage``).
    title : str, optional
    language : {"en", "de"}
        Language of the axis label and the annotations (German: ``3.310 (100 %)``,
        ``↓ 14 % Abbruch``); any other value draws English.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per stage; each bar's text reads ``reached (share)``; between bars the
        drop-off in red.
    """
    import matplotlib.pyplot as plt

    tx = texts(TEXTS, language)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.7 * len(data) + 1))
    names = data[label] if label in data.columns else data["stage"]
    y = np.arange(len(data))[::-1]
    share = data["share_of_start"].fillna(0).to_numpy()
    ax.barh(y, share, color=BAR, height=0.6)
    for yi, s, n in zip(y, share, data["reached"], strict=True):
        ax.text(
            min(s, 1.0) + 0.01,
            yi,
            f"{number(int(n), ',', language)} ({percent(s, language)})",
            va="center",
            fontsize=8,
        )
    for yi, d in zip(y, data["dropoff"], strict=True):
        if pd.notna(d) and yi > 0:
            ax.text(
                0.0,
                yi - 0.5,
                f"  ↓ {percent(d, language)} {tx['drop']}",
                va="center",
                fontsize=7,
                color=DROP,
            )
    ax.set_yticks(y, names)
    ax.set_xlim(0, 1.25)
    ax.set_xlabel(tx["share"])
    decimal_comma(ax, language)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_dropoff_by_group(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    stages: list[str] | None = None,
    title: str | None = None,
    language: str = "en",
) -> Axes:
    """Drop-off per stage and group with Wilson intervals; significant stages starred.

    Parameters
    ----------
    data : DataFrame
        One journey's :func:`~cjwork.journeys.funnel.funnel_by` output (``group``,
        ``stage``, ``stage_order``, ``dropoff``, ``dropoff_low``, ``dropoff_high``,
        ``significant``); the last stage (no drop-off) is left out.
    ax : Axes, optional
    stages : list of str, optional
        Stages to show (default: every stage with a drop-off).
    title : str, optional
    language : {"en", "de"}
        Language of the axis label (and of the legend title ``persona``); any other value
        draws English.

    Returns
    -------
    matplotlib.axes.Axes
        One errorbar container per group; x tick labels are the stages, a ``*`` marks a
        significant difference between groups.
    """
    import matplotlib.pyplot as plt

    tx = texts(TEXTS, language)
    d = data[data["dropoff"].notna()]
    if stages is not None:
        d = d[d["stage"].isin(stages)]
    order = d.drop_duplicates("stage").sort_values("stage_order")["stage"].tolist()
    groups = sorted(d["group"].astype(str).unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5, 1.4 * len(order)), 3.5))
    x = np.arange(len(order))
    width = 0.8 / max(1, len(groups))
    for i, g in enumerate(groups):
        gd = d[d["group"].astype(str) == g].set_index("stage").reindex(order)
        xs = x - 0.4 + width * (i + 0.5)
        lo = (gd["dropoff"] - gd["dropoff_low"]).clip(lower=0).fillna(0)
        hi = (gd["dropoff_high"] - gd["dropoff"]).clip(lower=0).fillna(0)
        ax.errorbar(xs, gd["dropoff"], yerr=[lo, hi], fmt="o", capsize=3, label=str(g))
    sig = d.groupby("stage")["significant"].any().reindex(order).fillna(False)
    ax.set_xticks(x, [f"{s} *" if sig[s] else s for s in order])
    ax.set_ylabel(tx["dropoff_ci"])
    ax.set_ylim(0, min(1.0, float(d["dropoff_high"].max() if len(d) else 1) + 0.1))
    by = str(d["by"].iloc[0]) if len(d) and "by" in d else None
    ax.legend(fontsize=8, frameon=False, title=tx["persona"] if by == "persona" else by)
    decimal_comma(ax, language)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax
