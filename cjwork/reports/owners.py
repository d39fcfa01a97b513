"""The owner view: one short report per touchpoint owner, across all journeys.

Pure functions over the tables of :func:`cjwork.analysis.analyze` run for every journey:
the owner's touchpoints with their volumes, performance and category, their quick wins (with
the action), the KPI targets they are measured against and the statistically meaningful
changes of the last periods. ``notebooks/owner_report.ipynb`` shows them;
``cjwork report ... --by-owner`` runs it once per owner.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.reports import summary


def owners(journey_map: JourneyMap) -> list[str]:
    """Every touchpoint owner named in the journey map, sorted."""
    return sorted({tp.owner for j in journey_map for tp in j.touchpoints if tp.owner})


#: names Windows refuses as file names (whatever the extension)
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_MAX_SLUG = 60


def owner_slug(owner: str) -> str:
    """A readable file name stem for an owner: ``"Field Service"`` → ``"field-service"``.

    Accents are dropped (``"Kundenservice Süd"`` → ``"kundenservice-sud"``); a name with no
    Latin letter or digit gives ``"owner"``. Different owners may share a slug
    (``"Field Service"`` and ``"field service"``): :func:`owner_file_names` makes them unique.
    """
    ascii_ = unicodedata.normalize("NFKD", str(owner)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:_MAX_SLUG].strip("-")
    return slug or "owner"


def owner_file_names(names: Iterable[str]) -> dict[str, str]:
    """A unique file name stem for every owner, the same for the same set of owners.

    An owner keeps its plain :func:`owner_slug` when no other owner shares it and the slug
    is a usable file name. Otherwise (two names that differ only in case, spacing or
    accents, names in other scripts, a name with no letters, a reserved device name such as
    ``CON``) the slug gets ``-`` and the first 8 hex digits of the SHA-256 of the exact name:
    ``"Field Service"`` → ``"field-service-1f0c…"``, ``"Служба"`` → ``"owner-5b2e…"``.

    Parameters
    ----------
    names : iterable of str
        The owners (duplicates are ignored).

    Returns
    -------
    dict
        Owner name → file name stem (no two alike, also when compared without case).
    """
    unique = list(dict.fromkeys(str(n) for n in names))
    base = {n: owner_slug(n) for n in unique}
    counts = Counter(base.values())
    out: dict[str, str] = {}
    for n in unique:
        slug = base[n]
        plain = counts[slug] == 1 and slug != "owner" and slug not in _RESERVED
        out[n] = slug if plain else f"{slug}-{_digest(n, 8)}"
    taken = Counter(s.lower() for s in out.values())
    for n, s in out.items():  # a hashed stem equal to another owner's plain slug
        if taken[s.lower()] > 1:
            out[n] = f"{base[n]}-{_digest(n, 16)}"
    return out


def _digest(name: str, n: int) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:n]


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
