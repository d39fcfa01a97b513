"""Time prioritisation, process × feedback and KPI trends on a generated large workspace.

    .venv/bin/python benchmarks/bench_prioritize.py --feedback 1000000 --events 10000000

Generates (in memory, seeded) one journey with six touchpoints: ``--events`` events of
``--customers`` customers over 12 months with hotline waits that worsen in the last
quarter, and ``--feedback`` scored, linked feedback rows with NPS. Then times
:func:`cjwork.prioritize.prioritize_touchpoints` (with its bootstrap),
:func:`cjwork.journeys.process_feedback.process_feedback_effects` (the as-of join) and
:func:`cjwork.trends.kpi_trends` (DuckDB engine), prints seconds and peak RSS, and checks
that the planted effects come out (dissatisfier, delighter, wait effect, trend flag).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from cjwork.journeymap import parse_journey_map

MAP = """
journeys:
  - id: onboarding
    name: Onboarding
    stages:
      - id: signup
        touchpoints:
          - {id: form, owner: Digital}
          - {id: welcome, owner: CRM}
      - id: setup
        touchpoints:
          - {id: install, owner: Field Service}
          - {id: bill, owner: Billing}
      - id: support
        touchpoints:
          - id: hotline
            owner: Service Center
            kpis: {wait_s: {target: 120, better: lower}}
          - {id: faq, owner: Digital}
"""
TPS = ["form", "welcome", "install", "bill", "hotline", "faq"]
# p_negative, p_positive, penalty, reward
PLANTED = np.array(
    [
        [0.25, 0.35, 1.5, 1.5],
        [0.2, 0.3, 0.2, 0.2],
        [0.1, 0.5, 0.3, 3.0],
        [0.55, 0.15, 3.0, 0.3],
        [0.3, 0.3, 1.0, 1.0],
        [0.2, 0.3, 0.3, 0.3],
    ]
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_events: int, n_feedback: int, n_customers: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2025-01-01", tz="UTC").value // 10**9
    year = 365 * 86400
    cust = rng.integers(0, n_customers, n_events)
    tp = rng.choice(len(TPS), n_events, p=[0.2, 0.18, 0.12, 0.15, 0.25, 0.10])
    ts = t0 + rng.integers(0, year, n_events)
    late = ts >= t0 + 270 * 86400
    wait = np.where(tp == 4, rng.gamma(2.0, 60.0, n_events) + np.where(late, 200.0, 0.0), np.nan)
    events = pd.DataFrame(
        {
            "customer_id": pd.array(np.char.add("C", cust.astype(str)), dtype="string"),
            "timestamp": pd.to_datetime(ts, unit="s", utc=True),
            "journey": pd.Categorical(np.full(n_events, "onboarding")),
            "touchpoint": pd.Categorical.from_codes(tp, TPS),
            "wait_s": wait,
        }
    )
    # feedback: a random subset of events gets a comment one hour later
    pick = rng.choice(n_events, n_feedback, replace=False)
    ftp = tp[pick]
    u = rng.random(n_feedback)
    pn, pp = PLANTED[ftp, 0], PLANTED[ftp, 1]
    exp = np.where(u < pn, -1, np.where(u < pn + pp, 1, 0))
    hot = ftp == 4
    exp = np.where(hot, np.where(wait[pick] > 300, -1, np.where(u < 0.5, 1, 0)), exp)
    score = np.clip(0.6 * exp + rng.normal(0, 0.12, n_feedback), -1, 1)
    fcust = cust[pick]
    contrib = np.where(exp < 0, -PLANTED[ftp, 2], np.where(exp > 0, PLANTED[ftp, 3], 0.0))
    base = 6.5 + rng.normal(0, 1.0, n_customers)
    nps = np.clip(np.round(base[fcust] + contrib + rng.normal(0, 1.0, n_feedback)), 0, 10)
    feedback = pd.DataFrame(
        {
            "feedback_id": np.arange(n_feedback),
            "customer_id": events["customer_id"].to_numpy()[pick],
            "timestamp": pd.to_datetime(ts[pick] + 3600, unit="s", utc=True),
            "journey": "onboarding",
            "touchpoint": np.asarray(TPS, dtype=object)[ftp],
            "sentiment_score": score,
            "nps": nps,
        }
    )
    return events, feedback


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--feedback", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=None)
    ap.add_argument("--n-boot", type=int, default=200)
    args = ap.parse_args()
    n_customers = args.customers or max(1000, args.feedback // 2)
    jmap = parse_journey_map(MAP)

    from cjwork.journeys.process_feedback import process_feedback_effects
    from cjwork.prioritize import events_per_touchpoint, prioritize_touchpoints
    from cjwork.trends import kpi_trends

    t = time.perf_counter()
    events, feedback = generate(args.events, args.feedback, n_customers)
    print(
        f"generated {len(events):,} events, {len(feedback):,} feedback, {n_customers:,} customers "
        f"in {time.perf_counter() - t:.1f} s (peak RSS {rss_mb():,.0f} MB)"
    )

    t = time.perf_counter()
    vol = events_per_touchpoint(events, "onboarding")
    tab = prioritize_touchpoints(feedback, jmap, "onboarding", vol, n_boot=args.n_boot)
    t_prio = time.perf_counter() - t
    cat = dict(zip(tab["touchpoint"], tab["category"], strict=True))
    print(f"prioritize_touchpoints (n_boot={args.n_boot}): {t_prio:6.1f} s   categories {cat}")
    print(
        f"  quick wins: {tab.loc[tab.quick_win, 'touchpoint'].tolist()}, "
        f"moments of truth: {tab.loc[tab.moment_of_truth, 'touchpoint'].tolist()}"
    )

    t = time.perf_counter()
    _, eff = process_feedback_effects(feedback, events, jmap, "onboarding", metrics=["wait_s"])
    t_proc = time.perf_counter() - t
    print(f"process_feedback_effects: {t_proc:6.1f} s   {eff['sentence'].iloc[0]}")

    from cjwork.journeys.engine import prepare

    t = time.perf_counter()
    prep = prepare(events, jmap, "onboarding")
    t_prep = time.perf_counter() - t
    print(f"engine prepare (cases, shared with analyze): {t_prep:6.1f} s")
    t = time.perf_counter()
    tr = kpi_trends(None, feedback, jmap, "onboarding", "month", prepared=prep)
    t_tr = time.perf_counter() - t
    flags = tr[tr["significant_change"]][["period_label", "touchpoint", "changed_metrics"]]
    print(
        f"kpi_trends (month, prepared engine): {t_tr:6.1f} s   flags:\n{flags.to_string(index=False)}"
    )
    print(f"total {t_prio + t_proc + t_prep + t_tr:.1f} s, peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
