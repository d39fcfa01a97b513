"""The overview's figures: the journey map's structure and volumes per touchpoint.

Seaborn-style: each function takes the tidy table computed by
:mod:`cjwork.reports.overview` plus an optional ``ax`` and returns the Axes; the numbers
come from the table, nothing is computed here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from cjwork.plots._language import decimal_comma, number

#: the volume names the figures write, by language (other columns keep their name)
VOLUME_NAMES = {
    "en": {},
    "de": {
        "events": "Ereignisse",
        "customers": "Kunden",
        "cases": "Fälle",
        "feedback": "Feedback",
    },
}

#: Fixed colours per channel, so the same channel looks the same in every report.
CHANNEL_COLORS = {
    "web": "#4C78A8",
    "app": "#72B7B2",
    "phone": "#F58518",
    "email": "#54A24B",
    "shop": "#B279A2",
    "chat": "#E45756",
    "letter": "#9D755D",
    "field": "#EECA3B",
}
OTHER_COLOR = "#BAB0AC"


def channel_color(channel: str | None) -> str:
    """The colour of a channel (grey for channels without a fixed colour)."""
    return CHANNEL_COLORS.get(str(channel or "").lower(), OTHER_COLOR)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width=width)) or str(text)


def journey_structure_plot(
    data: pd.DataFrame,
    *,
    events: pd.Series | None = None,
    ax: Axes | None = None,
    language: str = "en",
) -> Axes:
    """Draw the journey map: one column per stage, one box per touchpoint, coloured by channel.

    Parameters
    ----------
    data : DataFrame
        :func:`cjwork.reports.overview.journey_structure` (map order).
    events : Series, optional
        Events per touchpoint id, written under each touchpoint's name.
    ax : Axes, optional
        Where to draw; a new figure sized to the map when omitted.
    language : {"en", "de"}
        Words and number format of the event counts.

    Returns
    -------
    Axes
    """
    stages = list(dict.fromkeys(data["stage"]))
    per_stage = data.groupby("stage", sort=False).size()
    depth = int(per_stage.max()) if len(per_stage) else 1
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 2.1 * len(stages)), 1.2 + 1.05 * depth))
    names = dict(zip(data["stage"], data["stage_name"], strict=False))
    for x, stage in enumerate(stages):
        ax.text(
            x,
            0.55,
            _wrap(names[stage], 18),
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )
        rows = data[data["stage"] == stage]
        for y, row in enumerate(rows.itertuples(index=False)):
            color = channel_color(row.channel)
            box = FancyBboxPatch(
                (x - 0.45, -y - 0.42),
                0.9,
                0.84,
                boxstyle="round,pad=0.0,rounding_size=0.08",
                facecolor=color,
                edgecolor="white",
                alpha=0.9,
                linewidth=1.5,
            )
            ax.add_patch(box)
            label = _wrap(row.touchpoint_name, 18)
            if events is not None:
                n = number(int(events.get(row.touchpoint, 0)), ",", language)
                label += f"\n{n} {'Ereignisse' if language == 'de' else 'events'}"
            ax.text(x, -y + 0.12, label, ha="center", va="center", fontsize=7.5, color="black")
            ax.text(
                x,
                -y - 0.3,
                _wrap(f"{row.channel} · {row.owner}", 24),
                ha="center",
                va="center",
                fontsize=6.5,
                color="#222222",
            )
    ax.set_xlim(-0.55, len(stages) - 0.45)
    ax.set_ylim(-depth + 0.45, 1.0)
    ax.set_axis_off()
    channels = sorted({str(c) for c in data["channel"] if c})
    handles = [plt.Rectangle((0, 0), 1, 1, color=channel_color(c)) for c in channels]
    if handles:
        ax.legend(
            handles,
            channels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.02),
            ncol=min(len(channels), 8),
            frameon=False,
            fontsize=8,
            title=None,
        )
    return ax


def volume_bars(
    data: pd.DataFrame, *, value: str = "events", ax: Axes | None = None, language: str = "en"
) -> Axes:
    """Horizontal bars of a volume per touchpoint in map order, coloured by channel.

    Parameters
    ----------
    data : DataFrame
        :func:`cjwork.reports.overview.volumes`.
    value : str
        The column to draw (``events``, ``customers``, ``feedback`` ...).
    ax : Axes, optional
    language : {"en", "de"}
        The axis label's word and the number format (``1.760`` in German).

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.9 + 0.32 * len(data)))
    y = list(range(len(data)))[::-1]
    colors = [channel_color(c) for c in data["channel"]]
    values = data[value].astype("float64").fillna(0.0).to_numpy()
    ax.barh(y, values, color=colors)
    labels = [
        f"{s} · {t}" for s, t in zip(data["stage_name"], data["touchpoint_name"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    top = float(values.max()) if len(values) else 0.0
    for yi, v in zip(y, values, strict=True):
        ax.text(v + top * 0.01, yi, number(int(v), ",", language), va="center", fontsize=7)
    ax.set_xlim(0, top * 1.12 if top else 1)
    ax.set_xlabel(VOLUME_NAMES.get(language, {}).get(value, value))
    decimal_comma(ax, language)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
