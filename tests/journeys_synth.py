"""A generated event log for the journey-analytics tests, and plain-pandas reference answers.

The log has loops (A → B → A), repeats (A → A), timestamp ties within a case, one-event
cases, rows out of time order, an unused touchpoint and a one-stage journey. The reference
functions compute the same definitions independently with plain pandas (stable sorts and
groupbys), never through the DuckDB engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.journeymap import parse_journey_map

SYNTH_YML = """\
journeys:
  - id: buy
    name: Buy
    owner: Sales
    stages:
      - id: aware
        touchpoints:
          - {id: ad, owner: Marketing}
          - {id: portal, owner: Marketing}
      - id: consider
        touchpoints:
          - {id: web, owner: Digital}
          - id: call
            owner: Sales Hotline
            kpis: {wait_s: {target: 60, better: lower}, resolved: {target: 0.8, better: higher}}
      - id: order
        touchpoints:
          - {id: form, owner: Digital}
          - {id: unused_shop, owner: Retail}
      - id: confirm
        touchpoints:
          - {id: mail, owner: CRM}
  - id: help
    name: Help
    stages:
      - id: contact
        touchpoints:
          - id: hotline
            kpis: {wait_s: {target: 120, better: lower}}
          - {id: chat}
"""

BUY = ["ad", "portal", "web", "call", "form", "mail"]  # unused_shop never occurs
BUY_STAGE = {"ad": 0, "portal": 0, "web": 1, "call": 1, "form": 2, "unused_shop": 2, "mail": 3}
HELP = ["hotline", "chat"]


def journey_map():
    """The journey map of the generated log."""
    return parse_journey_map(SYNTH_YML)


def make_log(n_cases: int = 600, seed: int = 7, with_case_id: bool = True) -> pd.DataFrame:
    """Generate the event log (rows shuffled, so out of time order in the file)."""
    rng = np.random.default_rng(seed)
    rows = []
    base = pd.Timestamp("2024-01-01", tz="UTC")
    for c in range(n_cases):
        journey = "buy" if c % 5 else "help"
        tps = BUY if journey == "buy" else HELP
        length = int(rng.choice([1, 1, 2, 3, 4, 5, 6, 8]))
        if journey == "buy":
            # mostly forward through the stages, with loops back and repeats
            idx = np.sort(rng.integers(0, len(tps), size=length))
            if length > 3 and rng.random() < 0.4:
                idx[-1] = idx[0]  # loop back
            if length > 2 and rng.random() < 0.3:
                idx[1] = idx[0]  # repeat
        else:
            idx = rng.integers(0, len(tps), size=length)
        gaps = rng.choice([0, 0, 5, 30, 60, 600, 3600, 86400], size=length)
        gaps[0] = 0
        t = (
            base
            + pd.Timedelta(days=int(rng.integers(0, 180)))
            + pd.to_timedelta(np.cumsum(gaps), unit="s")
        )
        cust = f"k{c % (n_cases // 2):04d}"
        for i in range(length):
            rows.append(
                {
                    "customer_id": cust,
                    "case_id": f"{journey}-{c:05d}",
                    "timestamp": t[i],
                    "journey": journey,
                    "touchpoint": tps[idx[i]],
                    "channel": "phone" if tps[idx[i]] in ("call", "hotline") else "web",
                    "wait_s": float(rng.integers(0, 300))
                    if tps[idx[i]] in ("call", "hotline")
                    else np.nan,
                    "resolved": float(rng.random() < 0.7) if tps[idx[i]] == "call" else np.nan,
                }
            )
    df = pd.DataFrame(rows)
    # an exact duplicate row (a double export) and shuffle rows out of time order
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    if not with_case_id:
        df = df.drop(columns="case_id")
    for c in ("journey", "touchpoint", "channel"):
        df[c] = df[c].astype("category")
    df["customer_id"] = df["customer_id"].astype("string")
    if with_case_id:
        df["case_id"] = df["case_id"].astype("string")
    return df


# --------------------------------------------------------------------------- references


def ordered(log: pd.DataFrame, dedupe: bool = True) -> pd.DataFrame:
    """Events in case order (time, ties in file order), duplicates dropped as documented."""
    df = log.reset_index(drop=True).assign(_row=np.arange(len(log)))
    df["journey"] = df["journey"].astype(str)
    df["touchpoint"] = df["touchpoint"].astype(str)
    df = df.sort_values(["journey", "case_id", "timestamp", "_row"], kind="stable")
    if dedupe:
        same_case = df["case_id"].eq(df["case_id"].shift()) & df["journey"].eq(
            df["journey"].shift()
        )
        dup = (
            same_case
            & df["touchpoint"].eq(df["touchpoint"].shift())
            & df["timestamp"].eq(df["timestamp"].shift())
        )
        df = df[~dup]
    return df.reset_index(drop=True)


def ref_variants(log: pd.DataFrame) -> pd.DataFrame:
    """journey, variant, cases, share, completion_rate."""
    df = ordered(log)
    seq = (
        df.groupby(["journey", "case_id"], sort=False)["touchpoint"]
        .agg(" > ".join)
        .rename("variant")
    )
    in_last = (df["journey"] == "help") | (df["touchpoint"].map(BUY_STAGE) == 3)
    last = in_last.groupby([df["journey"], df["case_id"]], sort=False).any()
    cases = pd.DataFrame({"variant": seq, "complete": last}).reset_index()
    out = (
        cases.groupby(["journey", "variant"])
        .agg(cases=("case_id", "size"), completion_rate=("complete", "mean"))
        .reset_index()
    )
    out["share"] = out["cases"] / out.groupby("journey")["cases"].transform("sum")
    return out


def ref_transitions(log: pd.DataFrame) -> pd.DataFrame:
    """journey, source, target, count, median_s, p90_s."""
    df = ordered(log)
    nxt = df.groupby(["journey", "case_id"], sort=False)
    df["target"] = nxt["touchpoint"].shift(-1)
    df["dt"] = (nxt["timestamp"].shift(-1) - df["timestamp"]).dt.total_seconds()
    pairs = df[df["target"].notna()].rename(columns={"touchpoint": "source"})
    g = pairs.groupby(["journey", "source", "target"])["dt"]
    return pd.DataFrame(
        {"count": g.size(), "median_s": g.quantile(0.5), "p90_s": g.quantile(0.9)}
    ).reset_index()


def ref_funnel(log: pd.DataFrame) -> pd.DataFrame:
    """journey buy: stage, reached (cases whose furthest stage is at or after the stage)."""
    df = ordered(log)
    df = df[df["journey"] == "buy"]
    depth = df.assign(s=df["touchpoint"].map(BUY_STAGE)).groupby("case_id")["s"].max()
    stages = ["aware", "consider", "order", "confirm"]
    return pd.DataFrame({"stage": stages, "reached": [int((depth >= k).sum()) for k in range(4)]})
