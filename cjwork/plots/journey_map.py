"""The journey map as a picture: stages across, touchpoint cards, emotion curve beneath.

The figure a CX team hangs on the wall. Data first, figure second:
:func:`journey_map_layout` computes every card (position, size, colour, texts) and
:func:`stage_emotion` the emotion curve, both plain DataFrames that tests check without
rendering; :func:`plot_journey_map` only draws them.

* **Cards** — one per touchpoint, in the stage's column, in map order top to bottom.
  Colour = mean sentiment (performance) on a red–yellow–green scale from −1 to +1
  (grey where no feedback); card area grows with volume (events, else feedback) — the
  busiest touchpoint gets the full card, an unused one a third of it. The card shows the
  touchpoint name, its owner, the sentiment and the volume; a ★ marks a moment of truth,
  "QUICK WIN" a quick win, and a coloured edge the Kano category.
* **Emotion curve** — per stage the feedback-weighted mean sentiment, touchpoints as dots
  around it, the zero line dashed; above zero shaded green, below red.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from cjwork.plots._language import decimal_comma, number, texts

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

SENTIMENT_CMAP = "RdYlGn"
NO_DATA_COLOR = (0.85, 0.85, 0.85, 1.0)
CATEGORY_COLORS = {
    "dissatisfier": "#c0392b",
    "ok": "#5d6d7e",
    "delighter": "#1e8449",
    "unclear": "#bfc9ca",
}
TEXTS = {
    "en": {
        "no_feedback": "no feedback",
        "quick_win": "QUICK WIN",
        "stage": "stage (feedback-weighted)",
        "touchpoint": "touchpoint",
        "sentiment": "sentiment",
        "curve": "Emotion curve",
        "mean": "mean sentiment",
    },
    "de": {
        "no_feedback": "kein Feedback",
        "quick_win": "QUICK WIN",
        "stage": "Phase (nach Feedback gewichtet)",
        "touchpoint": "Touchpoint",
        "sentiment": "Stimmung",
        "curve": "Emotionskurve",
        "mean": "mittlere Stimmung",
    },
}
MIN_SCALE = 0.55  # linear scale of the smallest card relative to the biggest (area ≈ 0.3)


def sentiment_color(values: ArrayLike, cmap: str = SENTIMENT_CMAP) -> np.ndarray:
    """RGBA colours for sentiments on −1 … 1 (NaN → light grey)."""
    v = np.asarray(values, dtype=float)
    rgba = colormaps[cmap](Normalize(-1, 1)(np.nan_to_num(v, nan=0.0)))
    rgba[np.isnan(v)] = NO_DATA_COLOR
    return rgba


def _col(data: pd.DataFrame, name: str | None, default=np.nan) -> pd.Series:
    if name is not None and name in data:
        return data[name]
    return pd.Series(default, index=data.index)


def journey_map_layout(
    data: pd.DataFrame,
    *,
    stage: str = "stage",
    touchpoint: str = "touchpoint",
    sentiment: str = "performance",
    volume: str | None = None,
    owner: str = "owner",
    label: str = "touchpoint_name",
    stage_label: str = "stage_name",
) -> pd.DataFrame:
    """Card geometry and content for :func:`plot_journey_map` (no drawing).

    Parameters
    ----------
    data : DataFrame
        One row per touchpoint in map order, e.g. a ``touchpoints`` table from
        :func:`cjwork.prioritize.prioritize_touchpoints` or ``analyze()``.
    stage, touchpoint, sentiment, owner, label, stage_label : str
        Column names (``label``/``stage_label`` fall back to the ids).
    volume : str, optional
        Volume column (default: ``events`` when it has values, else ``feedback``).

    Returns
    -------
    DataFrame
        One row per card: ``stage``, ``stage_label``, ``touchpoint``, ``label``, ``owner``,
        ``sentiment``, ``volume``, ``col`` (stage index), ``row`` (position in the stage),
        ``x``, ``y`` (card centre), ``width``, ``height``, ``color`` (RGBA tuple),
        ``category``, ``moment_of_truth``, ``quick_win``.
    """
    if volume is None:
        ev = _col(data, "events")
        volume = "events" if pd.to_numeric(ev, errors="coerce").fillna(0).sum() > 0 else "feedback"
    d = pd.DataFrame(
        {
            "stage": data[stage].astype(str).to_numpy(),
            "stage_label": _col(data, stage_label).fillna(data[stage]).astype(str).to_numpy(),
            "touchpoint": data[touchpoint].astype(str).to_numpy(),
            "label": _col(data, label).fillna(data[touchpoint]).astype(str).to_numpy(),
            "owner": [
                o if isinstance(o, str) and o.strip() else None
                for o in _col(data, owner, None).tolist()
            ],
            "sentiment": pd.to_numeric(_col(data, sentiment), errors="coerce").to_numpy(
                dtype=float
            ),
            "volume": pd.to_numeric(_col(data, volume), errors="coerce")
            .fillna(0)
            .to_numpy(dtype=float),
            "category": _col(data, "category", None).to_numpy(),
            "moment_of_truth": _col(data, "moment_of_truth", False)
            .fillna(False)
            .astype(bool)
            .to_numpy(),
            "quick_win": _col(data, "quick_win", False).fillna(False).astype(bool).to_numpy(),
        }
    )
    stages = list(dict.fromkeys(d["stage"]))  # map order = order of appearance
    d["col"] = d["stage"].map({s: i for i, s in enumerate(stages)}).astype(int)
    d["row"] = d.groupby("col").cumcount()
    vmax = d["volume"].max()
    share = np.sqrt(d["volume"] / vmax) if vmax > 0 else pd.Series(0.0, index=d.index)
    scale = MIN_SCALE + (1 - MIN_SCALE) * share
    d["x"] = d["col"].astype(float)
    d["y"] = d["row"].astype(float)
    d["width"] = 0.88 * scale
    d["height"] = 0.80 * scale
    d["color"] = [tuple(c) for c in sentiment_color(d["sentiment"])]
    return d


def stage_emotion(
    data: pd.DataFrame,
    *,
    stage: str = "stage",
    sentiment: str = "performance",
    weight: str = "feedback",
    stage_label: str = "stage_name",
) -> pd.DataFrame:
    """The emotion curve: feedback-weighted mean sentiment per stage, in map order.

    Returns ``stage``, ``stage_label``, ``col``, ``sentiment`` (NaN for a stage without
    feedback), ``feedback`` (weight sum), ``min`` and ``max`` over its touchpoints.
    """
    s = pd.to_numeric(data[sentiment], errors="coerce")
    w = pd.to_numeric(_col(data, weight, 1.0), errors="coerce").fillna(0)
    w = w.where(s.notna(), 0)
    d = pd.DataFrame(
        {
            "stage": data[stage].astype(str),
            "stage_label": _col(data, stage_label).fillna(data[stage]).astype(str),
            "sw": s.fillna(0) * w,
            "w": w,
            "s": s,
        }
    )
    g = d.groupby("stage", sort=False)
    out = pd.DataFrame(
        {
            "stage_label": g["stage_label"].first(),
            "feedback": g["w"].sum(),
            "sentiment": g["sw"].sum() / g["w"].sum().where(g["w"].sum() > 0),
            "min": g["s"].min(),
            "max": g["s"].max(),
        }
    ).reset_index()
    out.insert(2, "col", np.arange(len(out)))
    return out


def plot_journey_map(
    data: pd.DataFrame,
    *,
    title: str | None = None,
    stage: str = "stage",
    touchpoint: str = "touchpoint",
    sentiment: str = "performance",
    volume: str | None = None,
    owner: str = "owner",
    label: str = "touchpoint_name",
    stage_label: str = "stage_name",
    figsize: tuple[float, float] | None = None,
    language: str = "en",
) -> Figure:
    """Draw the journey map: stages across, touchpoint cards, emotion curve beneath.

    Parameters
    ----------
    data : DataFrame
        One row per touchpoint in map order (a ``touchpoints`` table); columns as in
        :func:`journey_map_layout`, optionally ``category``, ``moment_of_truth``,
        ``quick_win`` and ``feedback`` (the emotion curve's weights).
    title : str, optional
        Figure title.
    figsize : (float, float), optional
        Default grows with the number of stages and touchpoints per stage.
    language : {"en", "de"}
        Language of the card footers, the emotion curve's labels and the colour bar
        (German numbers: ``+0,42 · 3.310``); any other value draws English.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: the cards (one patch per touchpoint), axes 1: the emotion curve, axes 2:
        the sentiment colour bar.
    """
    tx = texts(TEXTS, language)
    lay = journey_map_layout(
        data,
        stage=stage,
        touchpoint=touchpoint,
        sentiment=sentiment,
        volume=volume,
        owner=owner,
        label=label,
        stage_label=stage_label,
    )
    emo = stage_emotion(data, stage=stage, sentiment=sentiment, stage_label=stage_label)
    n_cols = int(lay["col"].max()) + 1 if len(lay) else 1
    n_rows = int(lay["row"].max()) + 1 if len(lay) else 1
    figsize = figsize or (max(8.0, 2.3 * n_cols + 1), 1.6 * n_rows + 3.6)
    fig = Figure(figsize=figsize, layout="constrained")
    gs = fig.add_gridspec(
        2, 2, height_ratios=[max(n_rows, 1) * 1.25 + 0.8, 2.2], width_ratios=[40, 1]
    )
    ax = fig.add_subplot(gs[0, 0])
    ax_e = fig.add_subplot(gs[1, 0], sharex=ax)
    cax = fig.add_subplot(gs[:, 1])

    # stage bands and headers
    for i, row in emo.iterrows():  # one per stage
        if i % 2 == 0:
            ax.axvspan(i - 0.5, i + 0.5, color="#f4f6f7", zorder=0)
            ax_e.axvspan(i - 0.5, i + 0.5, color="#f4f6f7", zorder=0)
        ax.text(
            i,
            -0.75,
            "\n".join(textwrap.wrap(row["stage_label"], 18)),
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="#1b2631",
        )
    # cards
    for c in lay.itertuples():  # one per touchpoint
        edge = (
            CATEGORY_COLORS.get(c.category, "#7f8c8d") if isinstance(c.category, str) else "#7f8c8d"
        )
        lw = 2.8 if c.category in ("dissatisfier", "delighter") else 1.0
        ax.add_patch(
            FancyBboxPatch(
                (c.x - c.width / 2, c.y - c.height / 2),
                c.width,
                c.height,
                boxstyle="round,pad=0.0,rounding_size=0.06",
                facecolor=c.color,
                edgecolor=edge,
                linewidth=lw,
                zorder=2,
                gid=f"card:{c.touchpoint}",
            )
        )
        name = "\n".join(textwrap.wrap(c.label, 16)[:3])
        star = "★ " if c.moment_of_truth else ""
        ax.text(
            c.x,
            c.y - 0.08,
            star + name,
            ha="center",
            va="center",
            fontsize=8.5,
            zorder=3,
            color="#17202a",
        )
        sent = tx["no_feedback"] if np.isnan(c.sentiment) else number(c.sentiment, "+.2f", language)
        foot = f"{c.owner}\n" if isinstance(c.owner, str) else ""
        ax.text(
            c.x,
            c.y + c.height / 2 - 0.05,
            f"{foot}{sent} · {number(c.volume, ',.0f', language)}",
            ha="center",
            va="bottom",
            fontsize=6.8,
            style="italic",
            zorder=3,
            color="#283747",
        )
        if c.quick_win:
            ax.text(
                c.x + c.width / 2 - 0.02,
                c.y - c.height / 2 + 0.02,
                tx["quick_win"],
                ha="right",
                va="top",
                fontsize=6.2,
                fontweight="bold",
                color="white",
                zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "#c0392b", "edgecolor": "none"},
            )
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.45, -1.2)
    ax.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=13, fontweight="bold", loc="left")

    # emotion curve
    ok = emo["sentiment"].notna()
    x, y = emo.loc[ok, "col"].to_numpy(float), emo.loc[ok, "sentiment"].to_numpy(float)
    ax_e.axhline(0, color="#566573", lw=0.8, ls="--", zorder=1)
    if len(x):
        ax_e.fill_between(
            x, y, 0, where=y >= 0, interpolate=True, color="#27ae60", alpha=0.18, zorder=1
        )
        ax_e.fill_between(
            x, y, 0, where=y < 0, interpolate=True, color="#c0392b", alpha=0.18, zorder=1
        )
        ax_e.plot(x, y, color="#1b2631", lw=2.2, marker="o", zorder=3, label=tx["stage"])
    tp_ok = ~np.isnan(lay["sentiment"].to_numpy(float))
    ax_e.scatter(
        lay.loc[tp_ok, "x"],
        lay.loc[tp_ok, "sentiment"],
        c=np.array(list(lay.loc[tp_ok, "color"])),
        s=28,
        edgecolors="#566573",
        linewidths=0.5,
        zorder=4,
        label=tx["touchpoint"],
    )
    ax_e.set_ylim(-1.05, 1.05)
    ax_e.set_ylabel(tx["sentiment"])
    decimal_comma(ax_e, language)
    ax_e.set_xticks(
        range(n_cols),
        [textwrap.shorten(s, 16, placeholder="…") for s in emo["stage_label"]],
        fontsize=8,
    )
    ax_e.set_title(tx["curve"], fontsize=10, loc="left")
    if len(x) or tp_ok.any():
        ax_e.legend(loc="lower right", fontsize=7, frameon=False)
    sm = colormaps[SENTIMENT_CMAP]
    from matplotlib.cm import ScalarMappable

    fig.colorbar(ScalarMappable(Normalize(-1, 1), sm), cax=cax, label=tx["mean"])
    decimal_comma(cax, language)
    return fig
