"""The owner view: one short report per touchpoint owner, across all journeys.

Pure functions over the tables of :func:`cjwork.analysis.analyze` run for every journey:
the owner's touchpoints with their volumes, performance and category, their quick wins (with
the action), the KPI targets they are measured against and the statistically meaningful
changes of the last periods. ``notebooks/owner_report.ipynb`` shows them;
``cjwork report ... --by-owner`` runs it once per owner.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.reports import summary


def owners(journey_map: JourneyMap) -> list[str]:
    """Every touchpoint owner named in the journey map, sorted."""
    return sorted({tp.owner for j in journey_map for tp in j.touchpoints if tp.owner})


def owner_slug(owner: str) -> str:
    """A file name for an owner: ``"Field Service"`` → ``"field-service"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", owner.lower()).strip("-")
    return slug or "owner"


def check_owner(journey_map: JourneyMap, owner: str) -> str:
    """Return ``owner`` if the map names it, else raise a UsageError listing the known owners."""
    known = owners(journey_map)
    if owner not in known:
        raise UsageError(f"unknown owner {owner!r}; owners in journeys.yml: {', '.join(known)}")
    return owner


def owner_touchpoints(journey_map: JourneyMap, owner: str) -> pd.DataFrame:
    """The owner's touchpoints in map order: ``journey``, ``journey_name``, ``stage_name``,
    ``touchpoint``, ``touchpoint_name``, ``channel``."""
    frame = journey_map.touchpoints_frame()
    mine = frame[frame["owner"] == owner]
    return mine[
        ["journey", "journey_name", "stage_name", "touchpoint", "touchpoint_name", "channel"]
    ].reset_index(drop=True)


def _rows_of(frame: pd.DataFrame, keys: set[tuple[str, str]]) -> pd.DataFrame:
    """The rows of ``frame`` whose (journey, touchpoint) is in ``keys``."""
    tps = frame["touchpoint"].astype("string").fillna("")
    mask = np.fromiter(
        ((j, t) in keys for j, t in zip(frame["journey"].astype("string"), tps, strict=True)),
        dtype=bool,
        count=len(frame),
    )
    return frame.loc[mask]


def owner_tables(
    journey_map: JourneyMap, owner: str, analysis: Any, language: str = "en"
) -> dict[str, pd.DataFrame]:
    """Everything the owner report shows, as tables.

    Parameters
    ----------
    journey_map : JourneyMap
    owner : str
        A touchpoint owner of the map.
    analysis : mapping
        :func:`cjwork.analysis.analyze` over all journeys (``touchpoints``, ``kpis``,
        ``trends`` are used).
    language : {"en", "de"}
        Language of the quick wins' action sentences.

    Returns
    -------
    dict
        ``touchpoints`` (map order, with events, feedback, performance, importance, category,
        moment_of_truth, quick_win), ``quick_wins`` (with the action), ``kpis`` and
        ``changes`` (significant changes, latest period first), ``themes`` (the three largest
        themes per touchpoint, labelled in ``language``) and ``actions`` (measured live
        actions of the owner, :func:`cjwork.loop.actions.action_summary`).
    """
    check_owner(journey_map, owner)
    mine = owner_touchpoints(journey_map, owner)
    keys = set(zip(mine["journey"], mine["touchpoint"], strict=True))
    tp = analysis["touchpoints"]
    tp = _rows_of(tp, keys)
    measured = mine.merge(
        tp.drop(
            columns=[
                c for c in ("touchpoint_name", "stage_name", "channel", "stage") if c in tp.columns
            ]
        ),
        on=["journey", "touchpoint"],
        how="left",
    )
    for col in ("events", "feedback"):
        measured[col] = measured[col].fillna(0).astype("int64") if col in measured else 0
    cols = [
        "journey_name",
        "stage_name",
        "touchpoint_name",
        "channel",
        "events",
        "feedback",
        "performance",
        "importance",
        "category",
        "moment_of_truth",
        "quick_win",
    ]
    for col in cols:
        if col not in measured.columns:
            measured[col] = pd.NA
    out = {"touchpoints": measured[cols]}

    wins = summary.quick_wins(
        tp.assign(stage_name=tp.get("stage_name", tp["stage"])), n=len(tp) or 1, language=language
    )
    out["quick_wins"] = wins.drop(columns=["owner"])

    kpis = analysis.get("kpis")
    if kpis is not None and len(kpis):
        k = _rows_of(kpis, keys)
        names = dict(zip(mine["touchpoint"], mine["touchpoint_name"], strict=True))
        k = k.assign(touchpoint_name=k["touchpoint"].map(names))
        out["kpis"] = k[
            ["touchpoint_name", "metric", "target", "share_within_target", "median"]
        ].reset_index(drop=True)
    else:
        out["kpis"] = pd.DataFrame(
            columns=["touchpoint_name", "metric", "target", "share_within_target", "median"]
        )

    tr = analysis.get("trends")
    change_cols = ["period", "touchpoint_name", "change_detail"]
    if tr is not None and len(tr) and "significant_change" in tr.columns:
        t = tr[tr["significant_change"].fillna(False).astype(bool)]
        t = _rows_of(t, keys)
        names = dict(zip(mine["touchpoint"], mine["touchpoint_name"], strict=True))
        t = t.assign(touchpoint_name=t["touchpoint"].astype("string").map(names))
        if "change_detail" not in t.columns:
            t = t.assign(change_detail="")
        out["changes"] = t.sort_values(["period", "touchpoint_name"], ascending=[False, True])[
            change_cols
        ].reset_index(drop=True)
    else:
        out["changes"] = pd.DataFrame(columns=change_cols)
    out.update(_loop_tables(analysis, keys, mine, owner, language))
    return out


def _loop_tables(analysis: Any, keys: set, mine: pd.DataFrame, owner: str, language: str) -> dict:
    """The owner's top themes per touchpoint and measured actions (the why and the loop)."""
    from cjwork.loop.actions import action_summary

    names = dict(zip(mine["touchpoint"], mine["touchpoint_name"], strict=True))
    theme_cols = ["touchpoint_name", "theme", "feedback", "share", "sentiment", "importance"]
    th = analysis.get("themes")
    if th is not None and len(th):
        t = _rows_of(th, keys).sort_values("feedback", ascending=False, kind="stable")
        t = t.groupby("touchpoint", sort=False).head(3)
        label = "label_de" if language == "de" else "label_en"
        themes = t.assign(touchpoint_name=t["touchpoint"].map(names), theme=t[label])[theme_cols]
    else:
        themes = pd.DataFrame(columns=theme_cols)
    acts = analysis.get("actions")
    actions = action_summary(
        acts if acts is not None and len(acts) else pd.DataFrame(columns=["owner"]),
        owner=owner,
        language=language,
    )
    return {"themes": themes.reset_index(drop=True), "actions": actions}
