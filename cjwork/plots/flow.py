"""Flow figure: directly-follows transitions between touchpoints, stage by stage.

:func:`flow_layout` computes what is drawn (node positions by stage column, edge widths,
which edges go backwards or loop) — testable without rendering; :func:`plot_flow` draws it
with matplotlib only (curved bands whose width is proportional to the number of
transitions; forward edges in blue, backward edges and self-loops — rework, repeats — in
red), so reports stay standalone and offline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

from cjwork.plots._language import texts

FORWARD = "#3b75af"
BACKWARD = "#c0392b"
NODE = "#333333"

TEXTS = {
    "en": {"forward": "forward", "backward": "backward / repeat"},
    "de": {"forward": "vorwärts", "backward": "rückwärts / Wiederholung"},
}


def flow_layout(
    transitions: pd.DataFrame,
    stages: list[str] | None = None,
    touchpoints: pd.DataFrame | None = None,
    *,
    top: int | None = 40,
    min_count: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of the flow figure for one journey.

    Parameters
    ----------
    transitions : DataFrame
        ``source``, ``target``, ``count``, ``source_stage``, ``target_stage`` (as from
        :func:`cjwork.journeys.paths.transitions`, one journey).
    stages : list of str, optional
        Stage ids in map order (default: order of first appearance).
    touchpoints : DataFrame, optional
        ``touchpoint``, ``stage`` in map order (e.g. ``JourneyMap.touchpoints_frame()``);
        places touchpoints without transitions too and fixes their order within a stage.
    top : int, optional
        Keep the ``top`` largest edges.
    min_count : int
        Drop edges with fewer transitions.

    Returns
    -------
    (nodes, edges)
        ``nodes``: ``touchpoint``, ``stage``, ``x`` (stage column), ``y`` (row within the
        column, top = 0), ``volume`` (transitions in + out). ``edges``: ``source``,
        ``target``, ``count``, ``width`` (0.5 … 12 points), ``kind`` (``forward`` |
        ``backward`` | ``loop``), sorted by count descending.
    """
    tr = transitions[transitions["count"] >= min_count].sort_values(
        ["count", "source", "target"], ascending=[False, True, True], kind="mergesort"
    )
    if top is not None:
        tr = tr.head(top)
    if touchpoints is not None:
        tps = touchpoints[["touchpoint", "stage"]].drop_duplicates("touchpoint")
    else:
        tps = pd.concat(
            [
                tr[["source", "source_stage"]].set_axis(["touchpoint", "stage"], axis=1),
                tr[["target", "target_stage"]].set_axis(["touchpoint", "stage"], axis=1),
            ]
        ).drop_duplicates("touchpoint")
    if stages is None:
        stages = list(dict.fromkeys(tps["stage"]))
    col = {s: i for i, s in enumerate(stages)}
    nodes = tps.assign(x=tps["stage"].map(col)).dropna(subset=["x"])
    nodes["x"] = nodes["x"].astype(int)
    nodes["y"] = nodes.groupby("x").cumcount()
    vol = (
        pd.concat([tr.groupby("source")["count"].sum(), tr.groupby("target")["count"].sum()])
        .groupby(level=0)
        .sum()
    )
    nodes["volume"] = nodes["touchpoint"].map(vol).fillna(0).astype("int64")
    pos = nodes.set_index("touchpoint")
    edges = tr[tr["source"].isin(pos.index) & tr["target"].isin(pos.index)][
        ["source", "target", "count"]
    ].copy()
    sx, tx = pos.loc[edges["source"], "x"].to_numpy(), pos.loc[edges["target"], "x"].to_numpy()
    sy, ty = pos.loc[edges["source"], "y"].to_numpy(), pos.loc[edges["target"], "y"].to_numpy()
    edges["kind"] = np.where(
        edges["source"] == edges["target"],
        "loop",
        np.where((tx > sx) | ((tx == sx) & (ty > sy)), "forward", "backward"),
    )
    mx = float(edges["count"].max()) if len(edges) else 1.0
    edges["width"] = 0.5 + 11.5 * edges["count"] / mx
    return nodes.reset_index(drop=True), edges.reset_index(drop=True)


def plot_flow(
    transitions: pd.DataFrame,
    stages: list[str] | None = None,
    touchpoints: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
    top: int | None = 40,
    min_count: int = 1,
    title: str | None = None,
    language: str = "en",
) -> Axes:
    """Draw the flow between touchpoints (see :func:`flow_layout` for the parameters).

    Parameters
    ----------
    transitions, stages, touchpoints, top, min_count
        See :func:`flow_layout`.
    ax : Axes, optional
    title : str, optional
    language : {"en", "de"}
        Language of the legend; any other value draws English.

    Returns
    -------
    matplotlib.axes.Axes
        One text label per touchpoint, one patch per edge (self-loops as small arcs).
    """
    import matplotlib.pyplot as plt

    nodes, edges = flow_layout(transitions, stages, touchpoints, top=top, min_count=min_count)
    if ax is None:
        n_cols = max(1, nodes["x"].max() + 1 if len(nodes) else 1)
        _, ax = plt.subplots(
            figsize=(
                max(6, 2.6 * n_cols),
                max(3, 1.1 * (nodes["y"].max() + 1 if len(nodes) else 1)),
            )
        )
    pos = {
        t: (x * 3.0, -y * 1.2)
        for t, x, y in zip(nodes["touchpoint"], nodes["x"], nodes["y"], strict=True)
    }
    for e in edges.itertuples():
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        color = FORWARD if e.kind == "forward" else BACKWARD
        if e.kind == "loop":
            patch = FancyArrowPatch(
                (x0 - 0.25, y0 + 0.2),
                (x0 + 0.25, y0 + 0.2),
                connectionstyle="arc3,rad=-1.2",
                arrowstyle="-|>",
                mutation_scale=8,
                lw=min(e.width, 4),
                color=color,
                alpha=0.7,
            )
        else:
            rad = 0.25 if e.kind == "backward" else 0.1
            patch = FancyArrowPatch(
                (x0 + 0.35, y0),
                (x1 - 0.35, y1),
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>",
                mutation_scale=10,
                lw=e.width,
                color=color,
                alpha=0.45,
            )
        patch.set_gid(f"{e.source}->{e.target}")
        ax.add_patch(patch)
    for t, (x, y) in pos.items():
        ax.text(
            x,
            y,
            t.replace("_", "\n", 1) if len(t) > 14 else t,
            ha="center",
            va="center",
            fontsize=8,
            color=NODE,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999"},
        )
    if len(nodes):
        stage_names = nodes.drop_duplicates("x").sort_values("x")
        for x, s in zip(stage_names["x"], stage_names["stage"], strict=True):
            ax.text(x * 3.0, 1.0, s, ha="center", va="bottom", fontsize=9, fontweight="bold")
        ax.set_xlim(-1.5, nodes["x"].max() * 3.0 + 1.5)
        ax.set_ylim(-nodes["y"].max() * 1.2 - 1.0, 1.6)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    ax.legend(
        handles=[
            plt.Line2D([], [], color=FORWARD, lw=3, label=texts(TEXTS, language)["forward"]),
            plt.Line2D([], [], color=BACKWARD, lw=3, label=texts(TEXTS, language)["backward"]),
        ],
        loc="lower right",
        fontsize=8,
        frameon=False,
    )
    return ax
