"""Small synthetic journeys with planted effects, for the prioritisation / trends / process tests.

Everything is generated from a seed with numpy; no file is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.journeymap import parse_journey_map

MAP_YAML = """
company: Test AG
journeys:
  - id: onboarding
    name: Onboarding
    owner: Customer Success
    stages:
      - id: signup
        name: Sign-up
        touchpoints:
          - {id: form, name: Sign-up form, channel: web, owner: Digital}
          - {id: welcome, name: Welcome mail, channel: email, owner: CRM}
      - id: setup
        name: Set-up
        touchpoints:
          - {id: install, name: Installation, channel: field, owner: Field Service}
          - {id: bill, name: First bill, channel: letter, owner: Billing}
      - id: support
        name: Support
        touchpoints:
          - id: hotline
            name: Hotline
            channel: phone
            owner: Service Center
            kpis:
              wait_s: {target: 120, better: lower}
              resolved: {target: 0.8, better: higher}
          - {id: faq, name: FAQ page, channel: web}
"""

# planted truth: (p_negative, p_positive, penalty, reward) per touchpoint, NPS points
PLANTED = {
    "form": (0.25, 0.35, 1.5, 1.5),  # ok: symmetric
    "welcome": (0.2, 0.3, 0.0, 0.0),  # no effect at all
    "install": (0.1, 0.5, 0.3, 3.0),  # delighter
    "bill": (0.55, 0.15, 3.0, 0.3),  # dissatisfier, low performance
    "hotline": (0.3, 0.3, 1.0, 1.0),
    "faq": (0.0, 0.0, 0.0, 0.0),  # never commented on
}


def journey_map():
    return parse_journey_map(MAP_YAML)


def make_feedback(n_customers: int = 3000, seed: int = 0, p_comment: float = 0.6) -> pd.DataFrame:
    """Feedback where each customer comments on some touchpoints; NPS follows PLANTED effects."""
    rng = np.random.default_rng(seed)
    tps = list(PLANTED)
    cust = np.repeat(np.arange(n_customers), len(tps))
    tp = np.tile(np.arange(len(tps)), n_customers)
    pn = np.array([PLANTED[t][0] for t in tps])[tp]
    pp = np.array([PLANTED[t][1] for t in tps])[tp]
    u = rng.random(len(cust))
    exp = np.where(u < pn, -1, np.where(u < pn + pp, 1, 0))
    commented = (rng.random(len(cust)) < p_comment) & ((pn + pp)[...] > 0)
    pen = np.array([PLANTED[t][2] for t in tps])[tp]
    rew = np.array([PLANTED[t][3] for t in tps])[tp]
    # experiences count whether or not commented (the customer lived them); only commented ones are seen
    contrib = np.where(exp < 0, -pen, np.where(exp > 0, rew, 0.0)) * commented
    base = 6.5 + np.bincount(cust, weights=contrib, minlength=n_customers)
    nps_c = np.clip(np.round(base + rng.normal(0, 1.2, n_customers)), 0, 10)
    score = np.clip(exp * 0.6 + rng.normal(0, 0.12, len(cust)), -1, 1)
    keep = commented
    fb = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{c:05d}" for c in cust[keep]], dtype="string"),
            "journey": "onboarding",
            "touchpoint": np.array(tps, dtype=object)[tp[keep]],
            "sentiment_score": score[keep],
            "nps": nps_c[cust[keep]],
        }
    )
    fb.insert(0, "feedback_id", pd.array([f"F{i:06d}" for i in range(len(fb))], dtype="string"))
    fb["sentiment_label"] = np.where(
        fb["sentiment_score"] < -0.2,
        "negative",
        np.where(fb["sentiment_score"] > 0.2, "positive", "neutral"),
    )
    return fb


def make_events_and_feedback(
    n_customers: int = 4000,
    seed: int = 1,
    start: str = "2025-01-01",
    months: int = 12,
    change_month: int = 9,
    wait_shift: float = 240.0,
):
    """Events through the onboarding journey plus hotline feedback that depends on the wait.

    From month ``change_month`` (0-based) on, hotline waits grow by ``wait_shift`` seconds,
    which makes hotline feedback after that date clearly more negative. Everything else is
    stationary. Returns ``(events, feedback)``.
    """
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz="UTC")
    span = (t0 + pd.DateOffset(months=months)) - t0
    first = t0 + pd.to_timedelta(
        rng.random(n_customers) * (span.total_seconds() - 20 * 86400), unit="s"
    )
    rows_c, rows_tp, rows_ts = [], [], []
    seq = ["form", "welcome", "install", "bill", "hotline"]
    reach = [1.0, 0.95, 0.85, 0.8, 0.5]
    alive = np.ones(n_customers, bool)
    for k, (tp, r) in enumerate(zip(seq, reach, strict=True)):
        alive &= rng.random(n_customers) < (r / (reach[k - 1] if k else 1.0))
        idx = np.flatnonzero(alive)
        rows_c.append(idx)
        rows_tp.append(np.full(len(idx), tp, dtype=object))
        rows_ts.append(
            first[idx] + pd.to_timedelta(k * 2 * 86400 + rng.integers(0, 3600, len(idx)), unit="s")
        )
    cust = np.concatenate(rows_c)
    ev = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{c:05d}" for c in cust], dtype="string"),
            "timestamp": pd.to_datetime(np.concatenate([t.to_numpy() for t in rows_ts]), utc=True),
            "journey": "onboarding",
            "touchpoint": np.concatenate(rows_tp),
        }
    )
    change_at = t0 + pd.DateOffset(months=change_month)
    hot = (ev["touchpoint"] == "hotline").to_numpy()
    late = (ev["timestamp"] >= change_at).to_numpy()
    wait = rng.gamma(2.0, 45.0, len(ev)) + np.where(late, wait_shift, 0.0)
    ev["wait_s"] = np.where(hot, wait, np.nan)
    ev["resolved"] = np.where(hot, (rng.random(len(ev)) < 0.8).astype(float), np.nan)
    ev = ev.sort_values("timestamp", kind="stable").reset_index(drop=True)
    for c in ("journey", "touchpoint"):
        ev[c] = ev[c].astype("category")
    # feedback: 60% of hotline events give feedback one hour later; sentiment falls with wait
    h = ev[ev["touchpoint"] == "hotline"]
    h = h[rng.random(len(h)) < 0.6]
    w = h["wait_s"].to_numpy()
    s = np.clip(0.35 - 0.75 * (w > 300) + rng.normal(0, 0.25, len(h)), -1, 1)
    fb = pd.DataFrame(
        {
            "feedback_id": pd.array([f"F{i:06d}" for i in range(len(h))], dtype="string"),
            "customer_id": h["customer_id"].to_numpy(),
            "timestamp": (h["timestamp"] + pd.Timedelta(hours=1)).to_numpy(),
            "journey": "onboarding",
            "touchpoint": "hotline",
            "sentiment_score": s,
            "nps": np.clip(np.round(7 + 3 * s + rng.normal(0, 1, len(h))), 0, 10),
        }
    )
    fb["customer_id"] = fb["customer_id"].astype("string")
    return ev, fb, change_at


#: Events per onboarding touchpoint for the priority tables of the figure tests.
EVENTS = {"form": 5000, "welcome": 4000, "install": 3000, "bill": 6000, "hotline": 8000}


def onboarding_priorities() -> pd.DataFrame:
    """The prioritised onboarding touchpoints the figure tests draw (1,500 customers)."""
    from cjwork.prioritize import prioritize_touchpoints

    return prioritize_touchpoints(
        make_feedback(1500), journey_map(), "onboarding", EVENTS, n_boot=40
    )


def onboarding_trends():
    """``(events, feedback, kpi_trends)`` of the onboarding journey (2,000 customers, seed 5)."""
    from cjwork.trends import kpi_trends

    ev, fb, _ = make_events_and_feedback(n_customers=2000, seed=5)
    return ev, fb, kpi_trends(ev, fb, journey_map(), "onboarding")


# --------------------------------------------------------------------------- the bundled sample

SAMPLE_DIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_workspace_and_feedback():
    """The bundled sample workspace and its feedback scored and linked from the planted truth.

    Stands in for ``cjwork.text.enrich_feedback(ws)``: ``journey``/``touchpoint`` and
    ``sentiment_score``/``sentiment_label`` come from ``truth/feedback.csv``. Returns
    ``(ws, feedback, effects)``.
    """
    import json

    import cjwork

    ws = cjwork.load(SAMPLE_DIR)
    truth = pd.read_csv(SAMPLE_DIR / "truth" / "feedback.csv", dtype={"feedback_id": "string"})
    truth = truth.rename(columns={"sentiment": "sentiment_score"})
    fb = ws.feedback.drop(columns=["journey", "touchpoint"], errors="ignore").merge(
        truth[["feedback_id", "journey", "touchpoint", "sentiment_score", "sentiment_label"]],
        on="feedback_id",
        how="left",
        validate="one_to_one",
    )
    effects = json.loads((SAMPLE_DIR / "truth" / "effects.json").read_text(encoding="utf-8"))[
        "effects"
    ]
    return ws, fb, effects
