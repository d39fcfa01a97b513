"""Readable labels: move annotations that would overlap another label to a free spot.

>>> texts = [ax.annotate(name, (x, y), xytext=(7, 5), textcoords="offset points") ...]  # doctest: +SKIP
>>> avoid_overlaps(ax, texts)                                                     # doctest: +SKIP

Labels are placed in the order given (put the most important first): each keeps its
position when it is free, else takes the first of a few candidate offsets around its point
that overlaps no label placed before it and stays inside the axes. A label with no free
candidate keeps the one with the least overlap. Deterministic; needs no extra package.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CANDIDATE_OFFSETS", "avoid_overlaps"]

#: offsets (points) tried around a labelled point, with the horizontal alignment they need
CANDIDATE_OFFSETS: tuple[tuple[float, float, str], ...] = (
    (7, 5, "left"),
    (7, -14, "left"),
    (-7, 5, "right"),
    (-7, -14, "right"),
    (7, 18, "left"),
    (-7, 18, "right"),
    (7, -27, "left"),
    (-7, -27, "right"),
    (7, 31, "left"),
    (-7, 31, "right"),
    (7, -40, "left"),
    (-7, -40, "right"),
)


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def avoid_overlaps(ax: Any, texts: list[Any], pad: float = 1.0) -> int:
    """Re-place the annotations ``texts`` (``ax.annotate(..., textcoords="offset points")``)
    so that no two overlap where a free spot exists; returns how many were moved.

    Parameters
    ----------
    ax : matplotlib Axes
    texts : list of Annotation
        In order of importance (earlier ones keep their place first).
    pad : float
        Extra pixels kept free around each label.
    """
    if not texts:
        return 0
    fig = ax.figure
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        renderer = get()
    else:  # a figure without an Agg canvas: measure with a detached Agg renderer
        from matplotlib.backends.backend_agg import RendererAgg

        w, h = fig.get_size_inches() * fig.dpi
        renderer = RendererAgg(int(w), int(h), fig.dpi)
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    moved = 0
    for t in texts:
        best, best_cost = None, None
        for dx, dy, ha in CANDIDATE_OFFSETS:
            t.set_position((dx, dy))
            t.set_horizontalalignment(ha)
            box = t.get_window_extent(renderer).expanded(1.0, 1.0).padded(pad)
            cost = sum(_overlap(box, other) for other in placed)
            outside = (
                max(0.0, frame.x0 - box.x0)
                + max(0.0, box.x1 - frame.x1)
                + max(0.0, frame.y0 - box.y0)
                + max(0.0, box.y1 - frame.y1)
            )
            cost += outside * box.height
            if best_cost is None or cost < best_cost:
                best, best_cost = (dx, dy, ha), cost
            if cost == 0:
                break
        assert best is not None
        if best != CANDIDATE_OFFSETS[0]:
            moved += 1
        t.set_position(best[:2])
        t.set_horizontalalignment(best[2])
        placed.append(t.get_window_extent(renderer).padded(pad))
    return moved
