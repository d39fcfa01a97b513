"""How each persona travels: channel mix, and funnels with drop-off per stage.

The funnels come from the journey engine (:func:`cjwork.journeys.funnel.funnel_by`, the
same counting as ``cjwork analyze``); :func:`journey_summary` finds the stage where a
persona drops off most *compared with the other customers*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.personas.lookup import Assignments

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.journeys.engine import Prepared


def channel_mix(ws, assign: Assignments, prep) -> pd.DataFrame:
    """Events per persona and channel with each channel's ``share`` of the persona's
    events, most used first (``persona_id``, ``channel``, ``events``, ``share``)."""
    cols = ["persona_id", "channel", "events", "share"]
    ev = ws.events
    if ev is None or "channel" not in ev.columns or len(ev) == 0:
        return pd.DataFrame(columns=cols)
    import duckdb

    con = duckdb.connect()
    try:
        con.register("ev", ev[["customer_id", "channel"]])
        con.register("pa", assign.frame)
        df = con.execute(
            """SELECT pa.persona_id, CAST(ev.channel AS VARCHAR) AS channel, count(*) AS events
               FROM ev JOIN pa ON CAST(ev.customer_id AS VARCHAR) = pa.customer_id
               WHERE ev.channel IS NOT NULL GROUP BY 1, 2"""
        ).df()
    finally:
        con.close()
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["share"] = df["events"] / df.groupby("persona_id")["events"].transform("sum")
    df["persona_id"] = df["persona_id"].astype(int)
    df = df.sort_values(
        ["persona_id", "events", "channel"], ascending=[True, False, True], kind="mergesort"
    )
    return df[cols].reset_index(drop=True)


def persona_funnels(
    ws: Workspace,
    assignments: pd.DataFrame,
    prep: Prepared | None = None,
    journey: str | None = None,
) -> pd.DataFrame:
    """Reach and drop-off per stage for each persona (journey engine; empty without events).

    Returns the columns of :func:`cjwork.journeys.funnel.funnel_by` plus ``persona_id``
    (int) and ``stage_name``.
    """
    if ws.events is None or len(ws.events) == 0:
        return pd.DataFrame()
    from cjwork.journeys.engine import prepare
    from cjwork.journeys.funnel import funnel_by
    from cjwork.personas.features import engine_events

    persona = assignments["persona_id"]
    if pd.api.types.is_float_dtype(persona):
        # ids read back from a CSV with gaps come as floats (1.0, NaN): compare them as integers
        whole = persona.isna() | (persona == np.floor(persona))
        if not whole.all():
            bad = persona[~whole]
            raise UsageError(
                f"persona_id must be whole numbers; row {bad.index[0]} has {float(bad.iloc[0])} "
                "(use the ids written by `cjwork personas`)"
            )
        persona = persona.astype("Int64")
    own = prep is None
    if own:
        # Only the case columns, and no duplicate removal: a duplicate event (same case,
        # touchpoint and timestamp as the one before) changes neither where a case starts
        # nor how deep it gets, so the funnels are the same — without one sort of every event.
        prep = prepare(engine_events(ws.events, channel=False), ws.journeys, dedupe=False)
    try:
        groups = pd.DataFrame(
            {
                "customer_id": assignments["customer_id"].astype("string"),
                "persona_id": persona.astype("string"),
            }
        )
        df = funnel_by(prep, "persona", groups, journey=journey)
    finally:
        if own:
            prep.close()
    df = df[df["group"] != "(unknown)"].copy()
    df["persona_id"] = df["group"].astype(int)
    names = {(j.id, s.id): s.name for j in ws.journeys for s in j.stages}
    df["stage_name"] = [
        names.get((j, s), s) for j, s in zip(df["journey"], df["stage"], strict=True)
    ]
    return df.reset_index(drop=True)


def journey_runs(ws, assignments, prep, notes) -> pd.DataFrame:
    """:func:`persona_funnels`, or an empty frame and a sentence in ``notes`` when the
    journey engine refuses the data (profiles stay useful without journeys)."""
    from cjwork.errors import CjworkError

    try:
        return persona_funnels(ws, assignments, prep)
    except CjworkError as exc:  # profiles stay useful without journeys
        notes.append(f"journeys left out: {exc}")
        return pd.DataFrame()


def journey_summary(journeys: pd.DataFrame, pid: int) -> dict:
    """Main journey, completion and the stage where persona ``pid`` drops off most
    compared with the other personas (the ``persona_profiles.csv`` journey columns)."""
    out = {
        "main_journey": "",
        "completion_rate": np.nan,
        "dropoff_journey": "",
        "dropoff_stage": "",
        "dropoff": np.nan,
        "dropoff_rest": np.nan,
    }
    if journeys.empty:
        return out
    mine = journeys[journeys["persona_id"] == pid]
    if mine.empty:
        return out
    cases = mine.groupby("journey", sort=False)["cases"].first()
    main = str(cases.sort_values(ascending=False, kind="mergesort").index[0])
    first_main = mine[mine["journey"] == main]
    out["main_journey"] = main
    out["_main_cases"] = int(cases[main])
    out["completion_rate"] = (
        float(first_main["reached"].iloc[-1] / first_main["cases"].iloc[0])
        if first_main["cases"].iloc[0]
        else np.nan
    )
    # drop-off vs the other personas at every non-final stage
    rest = journeys[journeys["persona_id"] != pid].copy()
    rest["dropped"] = rest["dropoff"] * rest["reached"]
    agg = (
        rest.dropna(subset=["dropoff"]).groupby(["journey", "stage"])[["dropped", "reached"]].sum()
    )
    cand = mine.dropna(subset=["dropoff"]).copy()
    cand = cand[cand["reached"] >= 5]
    if cand.empty:
        return out
    key = list(zip(cand["journey"], cand["stage"], strict=True))
    rest_rate = [
        (agg.loc[k, "dropped"] / agg.loc[k, "reached"])
        if k in agg.index and agg.loc[k, "reached"] > 0
        else np.nan
        for k in key
    ]
    cand["dropoff_rest"] = rest_rate
    cand["excess"] = cand["dropoff"] - cand["dropoff_rest"].fillna(cand["dropoff"])
    best = cand.sort_values(["excess", "dropoff"], ascending=False, kind="mergesort").iloc[0]
    if not (best["excess"] > 0):
        best = cand.sort_values("dropoff", ascending=False, kind="mergesort").iloc[0]
    out.update(
        dropoff_journey=str(best["journey"]),
        dropoff_stage=str(best["stage"]),
        dropoff=float(best["dropoff"]),
        dropoff_rest=float(best["dropoff_rest"]) if pd.notna(best["dropoff_rest"]) else np.nan,
    )
    out["_dropoff_stage_name"] = str(best["stage_name"])
    return out
