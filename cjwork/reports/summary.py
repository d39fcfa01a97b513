"""The executive summary's lists: top pains, top delights and the quick wins with owners.

Pure functions over the ``touchpoints`` table of :func:`cjwork.analysis.analyze` (one
computation for ``cjwork analyze`` and the report); nothing is re-estimated here, the
summary only ranks and picks.
"""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = [
    "stage_name",
    "touchpoint_name",
    "owner",
    "performance",
    "importance",
    "share_negative",
    "feedback",
    "category",
]


def _with_defaults(tp: pd.DataFrame) -> pd.DataFrame:
    tp = tp.copy()
    for col in ("stage_name", "touchpoint_name"):
        if col not in tp.columns:
            tp[col] = tp[col.removesuffix("_name")]
    for col in ("performance", "importance", "share_negative"):
        if col not in tp.columns:
            tp[col] = float("nan")
        tp[col] = pd.to_numeric(tp[col], errors="coerce").astype("float64")
    if "feedback" not in tp.columns:
        tp["feedback"] = 0
    for col in ("category", "owner"):
        if col not in tp.columns:
            tp[col] = ""
    for col in ("quick_win", "moment_of_truth"):
        tp[col] = tp[col].fillna(False).astype(bool) if col in tp.columns else False
    return tp


def top_pains(touchpoints: pd.DataFrame, n: int = 3, min_n: int = 0) -> pd.DataFrame:
    """The touchpoints that hurt most: dissatisfiers first, then below-zero performance,
    each group by importance (highest first), then by share of negative feedback.

    Only touchpoints with scored feedback (at least ``min_n`` comments) and a performance
    below the journey's median or below zero are candidates; ties are broken by touchpoint
    id so the order is stable.
    """
    tp = _with_defaults(touchpoints)
    tp = tp[tp["performance"].notna() & (tp["feedback"].fillna(0) >= min_n)]
    if tp.empty:
        return tp.reindex(columns=SUMMARY_COLUMNS)
    median = tp["performance"].median()
    cand = tp[
        (tp["category"] == "dissatisfier")
        | (tp["performance"] < min(median, 0.0))
        | (tp["performance"] < median)
    ]
    cand = cand.assign(
        _dis=(cand["category"] != "dissatisfier").astype(int),
        _neg=(cand["performance"] >= 0).astype(int),
        _imp=-cand["importance"].fillna(-1e9),
    )
    cand = cand.sort_values(
        ["_dis", "_neg", "_imp", "share_negative", "touchpoint"],
        ascending=[True, True, True, False, True],
    )
    return cand.head(n)[SUMMARY_COLUMNS].reset_index(drop=True)


def top_delights(touchpoints: pd.DataFrame, n: int = 3, min_n: int = 0) -> pd.DataFrame:
    """The touchpoints that please most: delighters first, then the best performance above
    the journey's median, each group by importance (highest first).

    With ``min_n`` > 0 (the report's evidence guard) a candidate needs at least ``min_n``
    comments and less than a quarter of them negative (no "delight" that a third dislike).
    """
    tp = _with_defaults(touchpoints)
    tp = tp[tp["performance"].notna() & (tp["feedback"].fillna(0) >= min_n)]
    if min_n > 0:
        tp = tp[tp["share_negative"].fillna(0) < 0.25]
    if tp.empty:
        return tp.reindex(columns=SUMMARY_COLUMNS)
    median = tp["performance"].median()
    cand = tp[
        (tp["category"] == "delighter") | ((tp["performance"] > median) & (tp["performance"] > 0))
    ]
    cand = cand.assign(
        _del=(cand["category"] != "delighter").astype(int),
        _imp=-cand["importance"].fillna(-1e9),
        _perf=-cand["performance"],
    )
    cand = cand.sort_values(["_del", "_imp", "_perf", "touchpoint"])
    return cand.head(n)[SUMMARY_COLUMNS].reset_index(drop=True)


def quick_wins(touchpoints: pd.DataFrame, n: int = 3, language: str = "en") -> pd.DataFrame:
    """The quick wins (as flagged by the prioritisation) with their owners and the action,
    most important first (``cjwork.prioritize.quick_wins_by_owner`` supplies the action, in
    ``language``)."""
    tp = _with_defaults(touchpoints)
    wins = tp[tp["quick_win"]]
    cols = [
        "owner",
        "stage_name",
        "touchpoint_name",
        "performance",
        "importance",
        "share_negative",
        "action",
    ]
    if wins.empty:
        return pd.DataFrame(columns=cols)
    try:
        from cjwork.prioritize import quick_wins_by_owner

        actions = quick_wins_by_owner(wins, language=language).set_index(["journey", "touchpoint"])[
            "action"
        ]
        wins = wins.assign(
            action=[
                actions.get((j, t), "")
                for j, t in zip(wins["journey"], wins["touchpoint"], strict=True)
            ]
        )
    except (ImportError, KeyError):
        wins = wins.assign(action="")
    wins = wins.sort_values(
        ["importance", "touchpoint"], ascending=[False, True], na_position="last"
    )
    return wins.head(n)[cols].reset_index(drop=True)
