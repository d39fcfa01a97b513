"""Figures of the explore tools: step matrix, step Sankey, cohort heatmap.

Each takes the tidy table its data function returns and an optional Axes, and returns the
Axes: :func:`step_matrix_plot` draws :func:`cjwork.journeys.around.step_matrix` (or the
differential matrix of :func:`cjwork.journeys.around.differential_step_matrix`),
:func:`step_sankey_plot` draws :func:`cjwork.journeys.around.step_flows` (its layout comes
from :func:`sankey_layout`, testable without drawing), :func:`cohort_heatmap_plot` draws
:func:`cjwork.journeys.cohorts.cohorts`. Labels in English or German.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MPath

from cjwork.plots._language import percent, texts

TEXTS = {
    "en": {
        "step": "step (0 = {tp}, first visit)",
        "share": "share of cases",
        "diff": "share B − A",
        "months": "months since start",
        "cohort": "cohort (first event)",
        "active": "share active",
        "start": "(start)",
        "end": "(end)",
        "other": "(other)",
    },
    "de": {
        "step": "Schritt (0 = {tp}, erster Besuch)",
        "share": "Anteil der Fälle",
        "diff": "Anteil B − A",
        "months": "Monate seit Start",
        "cohort": "Kohorte (erstes Ereignis)",
        "active": "Anteil aktiv",
        "start": "(Beginn)",
        "end": "(Ende)",
        "other": "(andere)",
    },
}


def _label(tp: str, t) -> str:
    return {"(start)": t["start"], "(end)": t["end"], "(other)": t["other"]}.get(tp, tp)


def step_matrix_plot(
    matrix: pd.DataFrame,
    *,
    touchpoint: str | None = None,
    ax: Axes | None = None,
    diverging: bool | None = None,
    annotate: bool = True,
    language: str = "en",
) -> Axes:
    """Heatmap of a step matrix (touchpoints × steps).

    Parameters
    ----------
    matrix : DataFrame
        :func:`~cjwork.journeys.around.step_matrix` or
        :func:`~cjwork.journeys.around.differential_step_matrix`.
    touchpoint : str, optional
        The anchor, for the axis label (default: the first row).
    ax : Axes, optional
    diverging : bool, optional
        Red–blue around 0 (default: when the matrix has negative cells).
    annotate : bool
        Write the share in each cell of at least 1 %.
    language : {"en", "de"}
    """
    t = texts(TEXTS, language)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(1.0 + 0.9 * max(len(matrix.columns), 1), 0.5 + 0.4 * max(len(matrix), 1))
        )
    if matrix.empty:
        return ax
    values = matrix.to_numpy(dtype=float)
    div = bool((values < 0).any()) if diverging is None else diverging
    if div:
        lim = max(float(np.abs(values).max()), 1e-9)
        im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    else:
        im = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(matrix.columns)), [str(c) for c in matrix.columns])
    ax.set_yticks(range(len(matrix)), [_label(str(i), t) for i in matrix.index])
    anchor = touchpoint or str(matrix.index[0])
    ax.set_xlabel(t["step"].format(tp=anchor))
    if annotate:
        for (r, c), v in np.ndenumerate(values):
            if abs(v) >= 0.01:
                txt = percent(v, language) if not div else f"{v * 100:+.0f}"
                ax.text(c, r, txt, ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * (lim if div else 1) else "black")  # fmt: skip
    ax.figure.colorbar(im, ax=ax, label=t["diff"] if div else t["share"], shrink=0.8)
    return ax


def sankey_layout(flows: pd.DataFrame, top: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and links of the step Sankey.

    Per step, the ``top`` touchpoints with most cases keep their own node; the rest become
    ``(other)``. Nodes are stacked per step (most cases first) with a small gap.

    Returns
    -------
    (nodes, links)
        nodes: ``step``, ``touchpoint``, ``cases``, ``y0``, ``y1``; links: ``step``,
        ``source``, ``target``, ``cases`` and the band ends ``sy0``, ``sy1``, ``ty0``, ``ty1``.
    """
    if flows.empty:
        return pd.DataFrame(), pd.DataFrame()
    f = flows.copy()
    last = int(f["step"].max()) + 1
    node_cases = pd.concat(
        [
            f.groupby(["step", "source"])["cases"].sum().rename_axis(["step", "touchpoint"]),
            f[f["step"] == last - 1]
            .groupby("target")["cases"]
            .sum()
            .rename_axis("touchpoint")
            .to_frame()
            .assign(step=last)
            .set_index("step", append=True)
            .reorder_levels(["step", "touchpoint"])["cases"],
        ]
    )
    keep = set()
    for s, g in node_cases.groupby(level="step"):
        keep |= {(s, tp) for tp in g.sort_values(ascending=False).index.get_level_values(1)[:top]}
    f["source"] = [
        tp if (s, tp) in keep else "(other)" for s, tp in zip(f["step"], f["source"], strict=True)
    ]
    f["target"] = [
        tp if (s + 1, tp) in keep else "(other)"
        for s, tp in zip(f["step"], f["target"], strict=True)
    ]
    f = f.groupby(["step", "source", "target"], as_index=False)["cases"].sum()
    total = float(f[f["step"] == f["step"].min()]["cases"].sum())
    gap = 0.02
    rows = []
    for s in range(int(f["step"].min()), last + 1):
        if s < last:
            c = f[f["step"] == s].groupby("source")["cases"].sum()
        else:
            c = f[f["step"] == last - 1].groupby("target")["cases"].sum()
        c = c.sort_values(ascending=False, kind="mergesort")
        y = 0.0
        for tp, n in c.items():
            h = n / total
            rows.append((s, tp, int(n), y, y + h))
            y += h + gap
    nodes = pd.DataFrame(rows, columns=["step", "touchpoint", "cases", "y0", "y1"])
    pos = {(r.step, r.touchpoint): [r.y0, r.y0] for r in nodes.itertuples()}  # out, in cursors
    links = []
    f = f.sort_values(["step", "cases"], ascending=[True, False], kind="mergesort")
    for r in f.itertuples():
        h = r.cases / total
        so, ti = pos[(r.step, r.source)], pos[(r.step + 1, r.target)]
        links.append((r.step, r.source, r.target, int(r.cases), so[0], so[0] + h, ti[1], ti[1] + h))
        so[0] += h
        ti[1] += h
    cols = ["step", "source", "target", "cases", "sy0", "sy1", "ty0", "ty1"]
    return nodes, pd.DataFrame(links, columns=cols)


def step_sankey_plot(
    flows: pd.DataFrame,
    *,
    touchpoint: str | None = None,
    top: int = 6,
    ax: Axes | None = None,
    language: str = "en",
) -> Axes:
    """The step Sankey: touchpoints per step as stacked nodes, cases flowing between steps.

    Parameters
    ----------
    flows : DataFrame
        :func:`~cjwork.journeys.around.step_flows`.
    touchpoint : str, optional
        The anchor, for the axis label.
    top : int
        Touchpoints per step with their own node (the rest is ``(other)``).
    ax : Axes, optional
    language : {"en", "de"}
    """
    t = texts(TEXTS, language)
    nodes, links = sankey_layout(flows, top)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(2.2 * max(nodes["step"].nunique() if len(nodes) else 1, 1), 5)
        )
    if nodes.empty:
        return ax
    w = 0.12
    colours = plt.get_cmap("tab20")
    names = sorted(set(nodes["touchpoint"]))
    colour = {n: colours(i % 20) for i, n in enumerate(names)}
    for r in links.itertuples():
        x0, x1 = r.step + w / 2, r.step + 1 - w / 2
        xm = (x0 + x1) / 2
        verts = [
            (x0, r.sy0),
            (xm, r.sy0),
            (xm, r.ty0),
            (x1, r.ty0),
            (x1, r.ty1),
            (xm, r.ty1),
            (xm, r.sy1),
            (x0, r.sy1),
            (x0, r.sy0),
        ]
        codes = [
            MPath.MOVETO,
            MPath.CURVE4,
            MPath.CURVE4,
            MPath.CURVE4,
            MPath.LINETO,
            MPath.CURVE4,
            MPath.CURVE4,
            MPath.CURVE4,
            MPath.CLOSEPOLY,
        ]
        ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colour[r.source], alpha=0.35, lw=0))
    for r in nodes.itertuples():
        ax.add_patch(
            plt.Rectangle((r.step - w / 2, r.y0), w, r.y1 - r.y0, color=colour[r.touchpoint])
        )
        if r.y1 - r.y0 > 0.025:
            ax.text(
                r.step + w / 2 + 0.02,
                (r.y0 + r.y1) / 2,
                _label(r.touchpoint, t),
                fontsize=7,
                va="center",
            )
    steps = sorted(set(nodes["step"]))
    ax.set_xlim(min(steps) - 0.3, max(steps) + 0.9)
    ax.set_ylim(float(nodes["y1"].max()) + 0.02, -0.02)
    ax.set_xticks(steps, [str(s) for s in steps])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(t["step"].format(tp=touchpoint or "·"))
    return ax


def cohort_heatmap_plot(
    table: pd.DataFrame,
    *,
    group: str | None = None,
    ax: Axes | None = None,
    language: str = "en",
) -> Axes:
    """Heatmap of cohorts (rows) × months since start (columns), colour = share active.

    Parameters
    ----------
    table : DataFrame
        :func:`~cjwork.journeys.cohorts.cohorts`.
    group : str, optional
        Which group to draw (default: the first).
    ax : Axes, optional
    language : {"en", "de"}
    """
    from cjwork.journeys.cohorts import cohort_matrix

    t = texts(TEXTS, language)
    m = cohort_matrix(table, group)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(1.5 + 0.45 * max(m.shape[1], 1), 1.0 + 0.3 * max(m.shape[0], 1))
        )
    if m.empty:
        return ax
    im = ax.imshow(m.to_numpy(dtype=float), cmap="Greens", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(m.shape[1]), [str(c) for c in m.columns])
    ax.set_yticks(range(m.shape[0]), list(m.index))
    ax.set_xlabel(t["months"])
    ax.set_ylabel(t["cohort"])
    ax.figure.colorbar(im, ax=ax, label=t["active"], shrink=0.8)
    return ax
