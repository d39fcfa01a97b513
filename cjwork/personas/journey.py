"""Personas on one journey: who travels it and where each persona's experience differs.

:func:`persona_journey_experience` returns the numbers behind the journey report's personas
section: per persona the customers and journey runs, completion, sentiment and NPS; per
persona and stage the reach, the drop-off and the sentiment of the feedback linked to the
stage, each next to the same figure for all *other* customers; and the largest differences.
Reach and drop-off come from the journey engine (:func:`cjwork.personas.persona_funnels`),
feedback links and sentiment from :func:`cjwork.text.enrich_feedback`, so the section agrees
with ``cjwork analyze``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.personas.funnels import persona_funnels

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.journeys.engine import Prepared

#: a difference is only reported when the persona has at least this many cases/comments there
MIN_N = 20


def persona_journey_experience(
    ws: Workspace,
    assignments: pd.DataFrame,
    journey: str,
    *,
    feedback: pd.DataFrame | None = None,
    prep: Prepared | None = None,
    min_n: int = MIN_N,
) -> dict[str, pd.DataFrame]:
    """Reach, drop-off and sentiment per persona and stage of ``journey``.

    Parameters
    ----------
    ws : Workspace
    assignments : DataFrame
        ``customer_id``, ``persona_id`` and optionally ``persona_name``.
    journey : str
        Journey id.
    feedback : DataFrame, optional
        :func:`cjwork.text.enrich_feedback` output (computed when absent and the workspace
        has feedback).
    prep : Prepared, optional
        A prepared journey engine to reuse.
    min_n : int
        Minimum cases (drop-off) or comments (sentiment) behind a reported difference.

    Returns
    -------
    dict of DataFrame
        ``personas`` (persona_id, persona_name, customers, cases, share_of_cases,
        completion_rate, feedback, sentiment, nps), ``stages`` (persona_id, persona_name,
        stage, stage_name, stage_order, reached, share_of_start, dropoff, dropoff_rest,
        feedback, sentiment, sentiment_rest) and ``differences`` (persona_name, stage_name,
        measure, value, rest, difference, n), largest first.
    """
    ws.journeys.journey(journey)  # KeyError naming close ids for an unknown journey
    names = _names(assignments)
    stages = [(s.id, s.name, i) for i, s in enumerate(ws.journeys.journey(journey).stages)]
    funnels = (
        persona_funnels(ws, assignments, prep, journey=journey)
        if ws.events is not None
        else pd.DataFrame()
    )
    fb = _linked_feedback(ws, assignments, journey, feedback)

    # ---- per persona
    travelling = _customers_on_journey(ws, assignments, journey)
    rows = []
    total_cases = 0
    if len(funnels):
        first = funnels[funnels["stage_order"] == 0]
        total_cases = int(first["cases"].sum())
    for pid, name in names.items():
        f = funnels[funnels["persona_id"] == pid] if len(funnels) else funnels
        cases = int(f["cases"].iloc[0]) if len(f) else 0
        last = f.sort_values("stage_order")["reached"].iloc[-1] if len(f) else 0
        mine = fb[fb["persona_id"] == pid]
        rows.append(
            {
                "persona_id": pid,
                "persona_name": name,
                "customers": int(travelling.get(pid, 0)),
                "cases": cases,
                "share_of_cases": cases / total_cases if total_cases else np.nan,
                "completion_rate": last / cases if cases else np.nan,
                "feedback": len(mine),
                "sentiment": float(mine["sentiment"].mean())
                if mine["sentiment"].notna().any()
                else np.nan,
                "nps": float(mine["nps"].mean()) if mine["nps"].notna().any() else np.nan,
            }
        )
    personas = pd.DataFrame(rows)
    personas = personas.sort_values(
        ["cases", "persona_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)

    # ---- per persona and stage
    srows = []
    for pid, name in names.items():
        for sid, sname, order in stages:
            f = (
                funnels[(funnels["persona_id"] == pid) & (funnels["stage"] == sid)]
                if len(funnels)
                else funnels
            )
            rest = (
                funnels[(funnels["persona_id"] != pid) & (funnels["stage"] == sid)]
                if len(funnels)
                else funnels
            )
            reached = int(f["reached"].iloc[0]) if len(f) else 0
            rest_dropped = (rest["dropoff"] * rest["reached"]).sum() if len(rest) else np.nan
            rest_reached = rest.loc[rest["dropoff"].notna(), "reached"].sum() if len(rest) else 0
            here = fb[(fb["stage"] == sid)]
            mine, others = here[here["persona_id"] == pid], here[here["persona_id"] != pid]
            srows.append(
                {
                    "persona_id": pid,
                    "persona_name": name,
                    "stage": sid,
                    "stage_name": sname,
                    "stage_order": order,
                    "reached": reached,
                    "share_of_start": float(f["share_of_start"].iloc[0]) if len(f) else np.nan,
                    "dropoff": float(f["dropoff"].iloc[0])
                    if len(f) and pd.notna(f["dropoff"].iloc[0])
                    else np.nan,
                    "dropoff_rest": float(rest_dropped / rest_reached) if rest_reached else np.nan,
                    "feedback": len(mine),
                    "sentiment": float(mine["sentiment"].mean())
                    if mine["sentiment"].notna().any()
                    else np.nan,
                    "sentiment_rest": float(others["sentiment"].mean())
                    if others["sentiment"].notna().any()
                    else np.nan,
                }
            )
    per_stage = pd.DataFrame(srows)

    # ---- the largest differences (drop-off in points, sentiment in scale units)
    diffs = []
    for r in per_stage.itertuples(index=False):
        if r.reached >= min_n and pd.notna(r.dropoff) and pd.notna(r.dropoff_rest):
            diffs.append(
                (
                    r.persona_name,
                    r.stage_name,
                    "dropoff",
                    r.dropoff,
                    r.dropoff_rest,
                    r.dropoff - r.dropoff_rest,
                    r.reached,
                )
            )
        if r.feedback >= min_n and pd.notna(r.sentiment) and pd.notna(r.sentiment_rest):
            diffs.append(
                (
                    r.persona_name,
                    r.stage_name,
                    "sentiment",
                    r.sentiment,
                    r.sentiment_rest,
                    r.sentiment - r.sentiment_rest,
                    r.feedback,
                )
            )
    differences = pd.DataFrame(
        diffs, columns=["persona_name", "stage_name", "measure", "value", "rest", "difference", "n"]
    )
    if len(differences):
        # a worse experience first: more drop-off, lower sentiment
        badness = np.where(
            differences["measure"] == "dropoff",
            differences["difference"],
            -differences["difference"],
        )
        differences = (
            differences.assign(_b=badness)
            .sort_values(
                ["_b", "persona_name", "stage_name"],
                ascending=[False, True, True],
                kind="mergesort",
            )
            .drop(columns="_b")
            .reset_index(drop=True)
        )
    return {"personas": personas, "stages": per_stage, "differences": differences}


def _names(assignments: pd.DataFrame) -> dict[int, str]:
    a = assignments.drop_duplicates("persona_id").sort_values("persona_id")
    if "persona_name" in a.columns:
        return {int(p): str(n) for p, n in zip(a["persona_id"], a["persona_name"], strict=True)}
    return {int(p): f"Persona {int(p)}" for p in a["persona_id"]}


def _customers_on_journey(ws, assignments: pd.DataFrame, journey: str) -> pd.Series:
    """Customers with at least one event in ``journey``, per persona (one pass over the events)."""
    ev = ws.events
    if ev is None or len(ev) == 0:
        return pd.Series(dtype="int64")
    on = ev.loc[ev["journey"].astype("string") == journey, "customer_id"].astype("string").unique()
    travelling = assignments["customer_id"].astype("string").isin(on).to_numpy(dtype=bool)
    return assignments.loc[travelling, "persona_id"].value_counts()


def _linked_feedback(
    ws, assignments: pd.DataFrame, journey: str, feedback: pd.DataFrame | None
) -> pd.DataFrame:
    cols = ["persona_id", "stage", "sentiment", "nps"]
    if ws.feedback is None or len(ws.feedback) == 0 or "customer_id" not in ws.feedback.columns:
        return pd.DataFrame(columns=cols)
    if feedback is None:
        from cjwork.text import enrich_feedback

        feedback = enrich_feedback(ws)
    pid = pd.Series(
        assignments["persona_id"].to_numpy(),
        index=assignments["customer_id"].astype("string").to_numpy(dtype=object),
    )
    frame = pd.DataFrame(
        {
            "persona_id": pid.reindex(
                ws.feedback["customer_id"].astype("string").to_numpy(dtype=object)
            ).to_numpy(),
            "journey": feedback["journey"].astype("string").to_numpy(dtype=object, na_value=None),
            "stage": feedback["stage"].astype("string").to_numpy(dtype=object, na_value=None),
            "sentiment": pd.to_numeric(feedback["sentiment_score"], errors="coerce").to_numpy(
                dtype=float
            ),
            "nps": pd.to_numeric(ws.feedback["nps"], errors="coerce").to_numpy(dtype=float)
            if "nps" in ws.feedback
            else np.nan,
        }
    )
    frame = frame[(frame["journey"] == journey) & pd.notna(frame["persona_id"])]
    frame["persona_id"] = frame["persona_id"].astype(int)
    return frame[cols].reset_index(drop=True)
