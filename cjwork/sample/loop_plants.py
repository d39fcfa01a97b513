"""Planted truth for the why and the loop (themes, changes, cases, actions) in the sample.

Four plants, each a small function called from :func:`cjwork.sample.generate.generate_chunk`,
each with its own random stream (``[seed, chunk, PLANT_STREAM + i]``) so the rest of the
sample draws the same numbers:

1. **First-bill theme** — most negative comments on ``first_bill`` say the back-payment was
   not explained ("Nachzahlung unverständlich" / "back-payment not explained").
2. **Detractors at the moment of truth** — in the last 30 days some hotline comments get an
   NPS of 0–3 (the callback rules select them).
3. **Action with a known effect** — "More chat agents" at ``live_chat`` from 2026-02-01
   (``ACTIONS_YML``, written as ``actions.yml``): chat waits are cut to ``CHAT_WAIT_FACTOR``
   of what they would have been, so the mean wait drops by
   ``(1 − CHAT_WAIT_FACTOR) × 45 s × exp(0.9² / 2)`` in expectation.
4. **A change driven by one channel** — an app campaign asks customers to submit their
   meter reading in the app from 2026-09-01: extra one-step ``service`` cases at
   ``app_meter_reading`` (channel ``app``), so the journey's volume jumps in 2026-09.
"""

from __future__ import annotations

import numpy as np

PLANT_STREAM = 7100
ACTION_TOUCHPOINT = "live_chat"
ACTION_LIVE_FROM = np.datetime64("2026-02-01T00:00:00", "s")
CHAT_WAIT_FACTOR = 0.3
CHAT_WAIT_MEDIAN, CHAT_WAIT_SIGMA = 45.0, 0.9  # as drawn in generate.service
PLANTED_WAIT_EFFECT = (
    -(1 - CHAT_WAIT_FACTOR) * CHAT_WAIT_MEDIAN * float(np.exp(CHAT_WAIT_SIGMA**2 / 2))
)
"""Expected change of the mean live-chat wait (seconds) through the action."""

THEME_SHARE = 0.75  # of the negative first-bill comments
THEME_DE = (
    "Die Nachzahlung ist unverständlich.",
    "Nachzahlung unverständlich, niemand konnte sie mir erklären.",
    "Warum eine Nachzahlung von {n} Euro? Völlig unverständlich.",
    "Die Nachzahlung auf der ersten Rechnung ist für mich unverständlich.",
    "Nachzahlung unverständlich. Bitte erklären Sie mir die Rechnung.",
    "Eine Nachzahlung gleich auf der ersten Rechnung, unverständlich!",
)
THEME_EN = (
    "The back-payment was not explained.",
    "Back-payment not explained on my first bill.",
    "A back-payment of {n} euros and nobody explained it.",
    "Why a back-payment? It was not explained at all.",
    "Back-payment not explained, I do not understand my first bill.",
)

DETRACTOR_DAYS = 30
DETRACTOR_P = 0.5  # of the hotline comments in the last 30 days

CAMPAIGN_START = np.datetime64("2026-09-01T00:00:00", "s")
CAMPAIGN_TOUCHPOINT = "app_meter_reading"
CAMPAIGN_RATE = 0.055  # extra cases per customer per month
CAMPAIGN_CHANNEL = "app"
CAMPAIGN_JOURNEY = "service"

ACTIONS_YML = """\
# Actions of the touchpoint owners (cjwork measures the effect of every live action).
# Planted by `cjwork sample`: the chat action halves waits and more (see truth/loop.json).
actions:
  - touchpoint: live_chat
    owner: Customer Service
    action: {de: Mehr Chat-Personal im Kundenservice, en: More chat agents in customer service}
    status: live
    live_from: 2026-02-01
  - touchpoint: first_bill
    owner: Billing
    action: {de: Nachzahlung auf der ersten Rechnung erklären, en: Explain the back-payment on the first bill}
    status: planned
"""


def _rng(seed: int, chunk: int, i: int) -> np.random.Generator:
    return np.random.default_rng([seed, chunk, PLANT_STREAM + i])


def plant_action(e: dict[str, np.ndarray], tp_index: int) -> None:
    """Plant 3: live-chat waits from the go-live date shrink (in place, before sentiment)."""
    m = (e["tp"] == tp_index) & (e["t"] >= int(ACTION_LIVE_FROM.astype("int64")))
    e["wait_s"][m] = np.maximum(1, np.rint(e["wait_s"][m] * CHAT_WAIT_FACTOR))


def plant_feedback(
    seed: int, chunk: int, fb: dict, first_bill: int, hotline: int, window_end_s: int
) -> None:
    """Plants 1 and 2 on the feedback rows (in place): theme texts and hotline detractors."""
    rng = _rng(seed, chunk, 1)
    neg = np.flatnonzero((fb["tp"] == first_bill) & (fb["label"] == 0) & ~fb["pii"])
    take = neg[rng.random(len(neg)) < THEME_SHARE]
    u = rng.random((len(take), 2))
    texts = list(fb["text"])
    for k, i in enumerate(take):
        pool = THEME_EN if fb["english"][i] else THEME_DE
        n = 40 + int(u[k, 1] * 400)
        texts[i] = pool[int(u[k, 0] * len(pool))].format(n=n)
    fb["text"] = texts
    rng = _rng(seed, chunk, 2)
    recent = np.flatnonzero(
        (fb["tp"] == hotline) & (fb["t"] >= window_end_s - DETRACTOR_DAYS * 86_400)
    )
    pick = recent[rng.random(len(recent)) < DETRACTOR_P]
    fb["nps"][pick] = rng.integers(0, 4, len(pick)).astype(float)


def plant_campaign(
    seed: int,
    chunk: int,
    n_customers: int,
    e: dict[str, np.ndarray],
    tp_index: int,
    journey_index: int,
    first_case: int,
    window_end_s: int,
) -> tuple[dict[str, np.ndarray], int]:
    """Plant 4: extra one-step service cases in the app from the campaign start.

    Returns the events with the new ones merged in (same order as the generator's) and the
    number of new cases.
    """
    rng = _rng(seed, chunk, 3)
    start = int(CAMPAIGN_START.astype("int64"))
    months = (window_end_s - start) / (30.44 * 86_400)
    counts = rng.poisson(CAMPAIGN_RATE * months, n_customers)
    cust = np.repeat(np.arange(n_customers), counts)
    t = np.sort(start + (rng.random(len(cust)) * (window_end_s - start)).astype(np.int64))
    t = t[rng.permutation(len(t))]
    order = np.lexsort((t, cust))
    cust, t = cust[order], t[order]
    n = len(cust)
    if n == 0:
        return e, 0
    new = {
        k: np.full(n, np.nan) if v.dtype.kind == "f" else np.zeros(n, v.dtype) for k, v in e.items()
    }
    new["cust"] = cust.astype(e["cust"].dtype)
    new["case"] = first_case + np.arange(n, dtype=e["case"].dtype)
    new["tp"] = np.full(n, tp_index, dtype=e["tp"].dtype)
    new["t"] = t.astype(e["t"].dtype)
    new["seq"] = np.ones(n, dtype=e["seq"].dtype)
    new["journey"] = np.full(n, journey_index, dtype=e["journey"].dtype)
    new["sentiment"] = np.clip(0.3 + 0.2 * rng.standard_normal(n), -0.98, 0.98)
    merged = {k: np.concatenate([e[k], new[k]]) for k in e}
    order = np.lexsort(
        (merged["seq"], merged["case"], merged["journey"], merged["t"], merged["cust"])
    )
    return {k: v[order] for k, v in merged.items()}, n


def loop_truth() -> dict:
    """The planted facts of this module as a JSON-ready dict (``truth/loop.json``)."""
    return {
        "first_bill_theme": {
            "touchpoint": "first_bill",
            "label_de": "Nachzahlung unverständlich",
            "label_en": "back-payment not explained",
            "share_of_negative_comments": THEME_SHARE,
        },
        "detractors": {
            "touchpoint": "hotline",
            "last_days": DETRACTOR_DAYS,
            "share": DETRACTOR_P,
            "nps": [0, 3],
        },
        "action": {
            "touchpoint": ACTION_TOUCHPOINT,
            "metric": "kpi_wait_s",
            "live_from": str(ACTION_LIVE_FROM)[:10],
            "wait_factor": CHAT_WAIT_FACTOR,
            "expected_effect_s": round(PLANTED_WAIT_EFFECT, 2),
            "comparison": "sales_chat (same metric and channel)",
        },
        "change": {
            "journey": CAMPAIGN_JOURNEY,
            "period": str(CAMPAIGN_START)[:10],
            "metric": "volume",
            "channel": CAMPAIGN_CHANNEL,
            "touchpoint": CAMPAIGN_TOUCHPOINT,
            "extra_cases_per_customer_month": CAMPAIGN_RATE,
        },
    }
