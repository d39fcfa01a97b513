"""Paths around a touchpoint: what customers do before and after it (step matrix, step Sankey).

Definitions
-----------
anchor
    The **first visit** of the touchpoint in a case. Every case that visits the touchpoint
    counts once, at that visit; later visits are ordinary steps around it.
step
    ``-1`` is the event right before the anchor in case order, ``-2`` the one before that,
    and so on; ``1`` … ``N`` follow it. Where the case has no event at a step (it started
    or ended earlier), the step holds ``(start)`` before and ``(end)`` after the anchor, so
    that the shares of every step sum to 1.
share
    ``cases`` over all cases through the touchpoint.

All functions take the case-ordered events of :func:`cjwork.journeys.sequences.case_events`
(any engine that yields that frame can run them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.errors import CjworkError, UsageError
from cjwork.journeymap import unknown_id_message

START = "(start)"
END = "(end)"
AROUND_COLUMNS = ["journey", "step", "touchpoint", "cases", "share"]
FLOW_COLUMNS = ["journey", "step", "source", "target", "cases", "share"]


def _check(events: pd.DataFrame, touchpoint: str, steps: int, known: list[str] | None) -> None:
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 1:
        raise UsageError(f"steps must be an int >= 1, got {steps!r}")
    ids = list(known) if known is not None else sorted(set(events["touchpoint"]))
    if touchpoint not in ids:
        raise CjworkError(unknown_id_message("touchpoint", touchpoint, ids))


def anchored(events: pd.DataFrame, touchpoint: str, steps: int = 3) -> pd.DataFrame:
    """One row per case through ``touchpoint`` and step ``-steps … steps`` (0 = the anchor).

    Returns
    -------
    DataFrame
        ``journey``, ``case_key``, ``step``, ``touchpoint`` (``(start)``/``(end)`` where the
        case has no event there), sorted by journey, case_key, step.
    """
    ev = events[["journey", "case_key", "pos", "touchpoint"]]
    hit = ev[ev["touchpoint"] == touchpoint]
    first = hit.groupby(["journey", "case_key"], sort=True, observed=True)["pos"].min()
    if first.empty:
        return pd.DataFrame(columns=["journey", "case_key", "step", "touchpoint"])
    length = ev.groupby(["journey", "case_key"], sort=False, observed=True)["pos"].max() + 1
    base = first.rename("anchor").to_frame().join(length.rename("n")).reset_index()
    offsets = np.arange(-steps, steps + 1)
    grid = base.loc[base.index.repeat(len(offsets))].reset_index(drop=True)
    grid["step"] = np.tile(offsets, len(base))
    grid["pos"] = grid["anchor"] + grid["step"]
    found = grid.merge(ev, on=["journey", "case_key", "pos"], how="left")
    tp = found["touchpoint"].astype(object)
    tp = tp.where(found["pos"] >= 0, START)
    tp = tp.where(found["pos"] < found["n"], END)
    found["touchpoint"] = tp
    return found[["journey", "case_key", "step", "touchpoint"]].sort_values(
        ["journey", "case_key", "step"], kind="mergesort", ignore_index=True
    )


def paths_around(
    events: pd.DataFrame,
    touchpoint: str,
    steps: int = 3,
    *,
    known: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What happens before and after the first visit of ``touchpoint``.

    Parameters
    ----------
    events : DataFrame
        Case-ordered events (:func:`cjwork.journeys.sequences.case_events`).
    touchpoint : str
        A touchpoint id.
    steps : int
        How many steps to show on each side.
    known : list of str, optional
        The touchpoint ids of the journey map (an unknown ``touchpoint`` raises a
        :class:`~cjwork.errors.UsageError` naming the closest ones); default: the ids seen
        in ``events``. Unknown ids raise :class:`~cjwork.errors.CjworkError` (exit code 1).

    Returns
    -------
    (before, after) : tuple of DataFrame
        :data:`AROUND_COLUMNS`; ``before`` has steps ``-steps … -1``, ``after`` ``1 … steps``;
        rows sorted by step (nearest the anchor first), cases descending, touchpoint.
        Both empty when no case visits the touchpoint.
    """
    _check(events, touchpoint, steps, known)
    grid = anchored(events, touchpoint, steps)
    grid = grid[grid["step"] != 0]
    if grid.empty:
        empty = pd.DataFrame(columns=AROUND_COLUMNS)
        return empty, empty.copy()
    counts = grid.groupby(["journey", "step", "touchpoint"], sort=False).size().rename("cases")
    out = counts.reset_index()
    total = grid[grid["step"] == grid["step"].iloc[0]].groupby("journey").size()
    out["share"] = out["cases"] / out["journey"].map(total)
    out["_near"] = out["step"].abs()
    out = out.sort_values(
        ["journey", "_near", "cases", "touchpoint"],
        ascending=[True, True, False, True],
        kind="mergesort",
    )
    out = out[AROUND_COLUMNS].astype({"cases": "int64", "step": "int64"})
    before = out[out["step"] < 0].reset_index(drop=True)
    after = out[out["step"] > 0].reset_index(drop=True)
    return before, after


def step_matrix(before: pd.DataFrame, after: pd.DataFrame, touchpoint: str) -> pd.DataFrame:
    """The step matrix: touchpoints × steps (``-N … N``, 0 = the anchor), values = share.

    Rows: the anchor first, then touchpoints by their largest share, ``(start)`` and
    ``(end)`` last. Missing cells are 0.
    """
    both = pd.concat([before, after], ignore_index=True)
    if both.empty:
        return pd.DataFrame()
    m = both.pivot_table(
        index="touchpoint", columns="step", values="share", aggfunc="sum", fill_value=0.0
    )
    m[0] = 0.0
    if touchpoint not in m.index:
        m.loc[touchpoint] = 0.0
    m.loc[touchpoint, 0] = 1.0
    m = m[sorted(m.columns)]
    rest = [t for t in m.index if t not in (touchpoint, START, END)]
    rest = sorted(rest, key=lambda t: (-m.loc[t].max(), t))
    order = [touchpoint, *rest, *[t for t in (START, END) if t in m.index]]
    m = m.loc[order]
    m.columns.name = "step"
    return m


def step_flows(events: pd.DataFrame, touchpoint: str, steps: int = 3) -> pd.DataFrame:
    """The links of the step Sankey: cases going from ``source`` at ``step`` to ``target`` at ``step + 1``.

    Returns
    -------
    DataFrame
        :data:`FLOW_COLUMNS`, ``step`` from ``-steps`` to ``steps - 1``; ``share`` over all
        cases through the touchpoint. Sorted by step, cases descending, source, target.
    """
    grid = anchored(events, touchpoint, steps)
    if grid.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    nxt = grid.groupby(["journey", "case_key"], sort=False)["touchpoint"].shift(-1)
    links = grid.assign(source=grid["touchpoint"], target=nxt)[nxt.notna()]
    out = links.groupby(["journey", "step", "source", "target"], sort=False).size()
    out = out.rename("cases").reset_index()
    total = grid[grid["step"] == 0].groupby("journey").size()
    out["share"] = out["cases"] / out["journey"].map(total)
    out = out.sort_values(
        ["journey", "step", "cases", "source", "target"],
        ascending=[True, True, False, True, True],
        kind="mergesort",
    )
    return out[FLOW_COLUMNS].astype({"cases": "int64", "step": "int64"}).reset_index(drop=True)


def differential_step_matrix(
    events_a: pd.DataFrame, events_b: pd.DataFrame, touchpoint: str, steps: int = 3
) -> pd.DataFrame:
    """Step matrix of group B minus that of group A (same rows and steps; absent cells 0).

    Positive cells: the touchpoint is more common at that step in group B.
    """
    ma = step_matrix(*paths_around(events_a, touchpoint, steps, known=[touchpoint]), touchpoint)
    mb = step_matrix(*paths_around(events_b, touchpoint, steps, known=[touchpoint]), touchpoint)
    rows = list(dict.fromkeys([*mb.index, *ma.index]))
    cols = sorted(set(ma.columns) | set(mb.columns))
    diff = mb.reindex(index=rows, columns=cols, fill_value=0.0) - ma.reindex(
        index=rows, columns=cols, fill_value=0.0
    )
    diff.columns.name = "step"
    return diff
