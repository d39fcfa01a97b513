"""The importance × performance matrix (priority matrix) with Kano categories and owners.

:func:`priority_quadrants` assigns the quadrants (data, testable without drawing);
:func:`plot_priority_matrix` draws them: performance across (mean sentiment, −1 … 1),
importance up (outcome points between a bad and a good experience), the cut lines at the
journey's medians (the same thresholds :func:`cjwork.prioritize.prioritize_touchpoints`
uses for "high importance" and "low performance"), one dot per touchpoint coloured by
Kano category and sized by volume, confidence intervals as whiskers, quick wins ringed,
every dot labelled with the touchpoint and its owner.

Quadrants: **fix first** (important, performing below the median — where quick wins
live), **keep it up** (important, performing well), **monitor** (less important, weak)
and **maintain** (less important, performing well).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from cjwork.plots._language import decimal_comma, texts
from cjwork.plots.journey_map import CATEGORY_COLORS

QUADRANTS = {
    (True, False): "fix first",
    (True, True): "keep it up",
    (False, False): "monitor",
    (False, True): "maintain",
}

TEXTS = {
    "en": {
        "fix first": "FIX FIRST",
        "keep it up": "KEEP IT UP",
        "monitor": "MONITOR",
        "maintain": "MAINTAIN",
        "x": "performance: mean sentiment at the touchpoint",
        "y": "importance: {unit} points, bad vs good experience",
        "dissatisfier": "dissatisfier",
        "ok": "ok",
        "delighter": "delighter",
        "unclear": "unclear",
        "quick win": "quick win",
        "outcome": "outcome",
    },
    "de": {
        "fix first": "ZUERST BEHEBEN",
        "keep it up": "WEITER SO",
        "monitor": "BEOBACHTEN",
        "maintain": "HALTEN",
        "x": "Leistung: mittlere Stimmung am Touchpoint",
        "y": "Wichtigkeit: {unit}-Punkte, schlechte vs. gute Erfahrung",
        # the Kano categories as in the report's touchpoint table
        "dissatisfier": "Enttäuschung",
        "ok": "OK-Faktor",
        "delighter": "Begeisterung",
        "unclear": "unklar",
        "quick win": "Quick Win",
        "outcome": "Ergebnis",
    },
}


def priority_quadrants(
    data: pd.DataFrame,
    *,
    x: str = "performance",
    y: str = "importance",
    x_cut: float | None = None,
    y_cut: float | None = None,
) -> tuple[pd.Series, float, float]:
    """Quadrant of every touchpoint and the cut values used.

    Returns
    -------
    (quadrant, x_cut, y_cut)
        ``quadrant`` is a Series aligned with ``data`` (NaN-free rows only get a name;
        others are ``None``); the cuts default to the medians of ``x`` and ``y``.
    """
    xv = pd.to_numeric(data[x], errors="coerce")
    yv = pd.to_numeric(data[y], errors="coerce")
    x_cut = float(xv.median()) if x_cut is None else float(x_cut)
    y_cut = float(yv.median()) if y_cut is None else float(y_cut)
    hi = (yv >= y_cut).to_numpy()
    good = (xv >= x_cut).to_numpy()
    known = (xv.notna() & yv.notna()).to_numpy()
    names = np.array(
        [QUADRANTS[(bool(h), bool(g))] for h, g in zip(hi, good, strict=True)], dtype=object
    )
    names[~known] = None
    return pd.Series(names, index=data.index, name="quadrant"), x_cut, y_cut


def plot_priority_matrix(
    data: pd.DataFrame,
    *,
    x: str = "performance",
    y: str = "importance",
    hue: str = "category",
    size: str | None = "volume",
    label: str = "touchpoint_name",
    owner: str | None = "owner",
    x_cut: float | None = None,
    y_cut: float | None = None,
    errorbars: bool = True,
    ax: Axes | None = None,
    language: str = "en",
) -> Axes:
    """Draw the importance × performance matrix.

    Parameters
    ----------
    data : DataFrame
        A touchpoints table (:func:`cjwork.prioritize.prioritize_touchpoints`); rows
        without performance or importance are left out of the plot.
    x, y, hue, size, label, owner : str
        Column names; ``<x>_lo``/``<x>_hi`` and ``<y>_lo``/``<y>_hi`` give whiskers
        when present; ``quick_win`` rings the quick wins.
    x_cut, y_cut : float, optional
        Quadrant lines (default: medians).
    errorbars : bool
        Draw the confidence intervals (for touchpoints whose category is not ``unclear``).
    ax : Axes, optional
        Draw into this Axes (default: a new figure).
    language : {"en", "de"}
        Language of the axis labels, the quadrant names and the legend (German Kano
        categories as in the report's tables); any other value draws English.

    Returns
    -------
    matplotlib.axes.Axes
    """
    tx = texts(TEXTS, language)
    if ax is None:
        ax = Figure(figsize=(9, 6.5), layout="constrained").subplots()
    quad, xc, yc = priority_quadrants(data, x=x, y=y, x_cut=x_cut, y_cut=y_cut)
    d = data[quad.notna().to_numpy()]
    xv = d[x].to_numpy(float)
    yv = d[y].to_numpy(float)
    if size and size in d:
        vol = pd.to_numeric(d[size], errors="coerce").fillna(0).to_numpy(float)
        sizes = (
            60 + 540 * np.sqrt(vol / vol.max())
            if len(vol) and vol.max() > 0
            else np.full(len(d), 120.0)
        )
    else:
        sizes = np.full(len(d), 120.0)
    cats = (
        d[hue].astype(object).where(d[hue].notna(), "unclear")
        if hue in d
        else pd.Series("unclear", index=d.index)
    )
    colors = [CATEGORY_COLORS.get(c, "#7f8c8d") for c in cats]
    if errorbars and len(d):
        for col, direction in ((x, "x"), (y, "y")):
            if f"{col}_lo" in d and f"{col}_hi" in d:
                lo = d[f"{col}_lo"].to_numpy(float)
                hi = d[f"{col}_hi"].to_numpy(float)
                center = xv if direction == "x" else yv
                err = np.vstack([np.clip(center - lo, 0, None), np.clip(hi - center, 0, None)])
                # whiskers for the touchpoints with enough evidence for a category only:
                # the wide intervals of "unclear" ones would hide the picture
                err = np.nan_to_num(err) * (cats != "unclear").to_numpy()
                kw = {"xerr": err} if direction == "x" else {"yerr": err}
                ax.errorbar(
                    xv, yv, fmt="none", ecolor="#aab7b8", elinewidth=0.9, capsize=0, zorder=1, **kw
                )
    ax.scatter(
        xv,
        yv,
        s=sizes,
        c=colors,
        alpha=0.85,
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
        gid="touchpoints",
    )
    if "quick_win" in d and d["quick_win"].astype(bool).any():
        qw = d["quick_win"].astype(bool).to_numpy()
        ax.scatter(
            xv[qw],
            yv[qw],
            s=sizes[qw] * 1.9,
            facecolors="none",
            edgecolors="#17202a",
            linewidths=1.6,
            zorder=4,
            gid="quick_wins",
        )
    names = d[label] if label in d else d["touchpoint"]
    owners = d[owner] if owner and owner in d else pd.Series(None, index=d.index)
    labels = []
    for xi, yi, n, o in zip(xv, yv, names.astype(str), owners, strict=True):  # one per touchpoint
        txt = n if not isinstance(o, str) else f"{n}\n({o})"
        labels.append(
            ax.annotate(
                txt,
                (xi, yi),
                xytext=(7, 5),
                textcoords="offset points",
                fontsize=7.5,
                color="#1b2631",
                zorder=5,
            )
        )
    ax.axvline(xc, color="#566573", lw=0.9, ls="--", zorder=0)
    ax.axhline(yc, color="#566573", lw=0.9, ls="--", zorder=0)
    xlo = min(-0.1, np.nanmin(xv) - 0.1) if len(d) else -1
    xhi = max(0.1, np.nanmax(xv) + 0.15) if len(d) else 1
    ylo = min(0.0, np.nanmin(yv) - 0.2) if len(d) else 0
    yhi = np.nanmax(yv) * 1.15 + 0.2 if len(d) else 1
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    from cjwork.plots.labels import avoid_overlaps

    # readable labels: the most important touchpoints keep their place, others move aside
    order = np.argsort(-np.nan_to_num(yv, nan=-np.inf), kind="stable")
    avoid_overlaps(ax, [labels[i] for i in order])
    corners = {
        "fix first": (0.01, 0.99, "left", "top"),
        "keep it up": (0.99, 0.99, "right", "top"),
        "monitor": (0.01, 0.01, "left", "bottom"),
        "maintain": (0.99, 0.01, "right", "bottom"),
    }
    for name, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            tx[name],
            ha=ha,
            va=va,
            fontsize=9,
            fontweight="bold",
            transform=ax.transAxes,
            color="#c0392b" if name == "fix first" else "#7f8c8d",
            alpha=0.9,
        )
    unit = (
        str(d["outcome"].dropna().iloc[0]).upper()
        if "outcome" in d and d["outcome"].notna().any()
        else tx["outcome"]
    )
    ax.set_xlabel(tx["x"])
    ax.set_ylabel(tx["y"].format(unit=unit))
    decimal_comma(ax, language)
    present = [c for c in CATEGORY_COLORS if c in set(cats)]
    handles = [
        Line2D(
            [], [], marker="o", ls="", color=CATEGORY_COLORS[c], markersize=8, label=tx.get(c, c)
        )
        for c in present
    ]
    if "quick_win" in d and d["quick_win"].astype(bool).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                markerfacecolor="none",
                markeredgecolor="#17202a",
                markersize=11,
                label=tx["quick win"],
            )
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            fontsize=8,
            frameon=False,
            ncol=len(handles),
            bbox_to_anchor=(0.5, 1.07),
        )
    return ax
