"""Vectorised generation of one chunk of customers with their events and feedback.

Everything here is numpy over whole arrays of cases and events: a journey is a short
sequence of steps, and each step draws, for every case still alive, which touchpoint
(if any) happens, when, and with which process metrics. Only the feedback texts are
assembled row by row (see :mod:`cjwork.sample.text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cjwork.sample import company as co
from cjwork.sample import loop_plants as lp
from cjwork.sample import text as tx

_MAP = co.journey_map()
TP_IDS: tuple[str, ...] = tuple(_MAP.touchpoint_ids)
TPI: dict[str, int] = {t: i for i, t in enumerate(TP_IDS)}
JOURNEY_IDS: tuple[str, ...] = tuple(_MAP.journey_ids)
TP_JOURNEY = np.array([JOURNEY_IDS.index(_MAP.touchpoint(t).journey_id) for t in TP_IDS])
TP_STAGE: tuple[str, ...] = tuple(_MAP.touchpoint(t).stage_id for t in TP_IDS)
CHANNELS: tuple[str, ...] = tuple(sorted({_MAP.touchpoint(t).channel or "" for t in TP_IDS}))
TP_CHANNEL = np.array([CHANNELS.index(_MAP.touchpoint(t).channel or "") for t in TP_IDS])
CASE_PREFIX = {"purchase": "P", "onboarding": "O", "service": "S", "cancellation": "X"}

OUTCOMES = (
    "ok",
    "completed",
    "abandoned",
    "error",
    "failed",
    "resolved",
    "unresolved",
    "escalated",
    "accepted",
    "declined",
)
OC = {o: i for i, o in enumerate(OUTCOMES)}
METRICS = (
    "wait_s",
    "handle_s",
    "resolved",
    "response_h",
    "lead_time_days",
    "duration_s",
    "on_time",
)
INT_METRICS = frozenset({"wait_s", "handle_s", "resolved", "duration_s", "on_time"})

_DAY = 86_400
_HOUR = 3_600
WINDOW_START_S = int(co.WINDOW_START.astype("int64"))
WINDOW_END_S = int(co.WINDOW_END.astype("int64"))
TREND_START_S = int(co.TREND_START.astype("int64"))
# month starts of the window (for start-time sampling and monthly statistics)
MONTHS = np.arange(co.WINDOW_START.astype("datetime64[M]"), co.WINDOW_END.astype("datetime64[M]"))
MONTH_START_S = MONTHS.astype("datetime64[s]").astype("int64")
MONTH_END_S = np.append(MONTH_START_S[1:], WINDOW_END_S)
#: a slowly growing business: each month has 1.5 % more new cases than the one before
MONTH_W = (1.0 + 0.015 * np.arange(len(MONTHS))) * (MONTH_END_S - MONTH_START_S)
MONTH_W = MONTH_W / MONTH_W.sum()

_EXP = [co.EXPERIENCE[t] for t in TP_IDS]
EXP_MU = np.array([e.mu for e in _EXP])
EXP_SD = np.array([e.sd for e in _EXP])
EXP_POS = np.array([e.nps_pos for e in _EXP])
EXP_NEG = np.array([e.nps_neg for e in _EXP])
EXP_FB = np.array([e.feedback_p for e in _EXP])


def tp(*names: str) -> np.ndarray:
    """Touchpoint codes for ids."""
    return np.array([TPI[n] for n in names], dtype=np.int64)


def choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``weights`` (rows need not be normalised)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def gap(
    rng: np.random.Generator, n: int, median_s: float, sigma: float, tie_p: float = 0.0
) -> np.ndarray:
    """Lognormal waiting times in whole seconds (≥ 1, or 0 for a planted tie)."""
    g = np.maximum(1, np.rint(median_s * np.exp(sigma * rng.standard_normal(n)))).astype(np.int64)
    if tie_p:
        g[rng.random(n) < tie_p] = 0
    return g


def start_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Case start times (epoch seconds) spread over the window, busier in daytime."""
    month = choose(rng, np.broadcast_to(MONTH_W, (n, len(MONTH_W))))
    span = MONTH_END_S[month] - MONTH_START_S[month]
    day = np.floor(rng.random(n) * (span // _DAY)).astype(np.int64)
    tod = (7 * _HOUR + rng.beta(2.2, 2.0, n) * 15 * _HOUR).astype(np.int64)
    return MONTH_START_S[month] + day * _DAY + tod


@dataclass
class Events:
    """Accumulates event arrays step by step; :meth:`frame` concatenates them."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        cust: np.ndarray,
        case: np.ndarray,
        tps: np.ndarray,
        t: np.ndarray,
        seq: int,
        outcome: str | np.ndarray = "ok",
        **metrics: np.ndarray,
    ) -> None:
        """Add one step: an event per customer in ``cust`` (nothing when it is empty).

        Parameters
        ----------
        cust, case : ndarray
            Customer and case index of each event.
        tps : ndarray or int
            Touchpoint index, one for all or one per event.
        t : ndarray
            Event times (epoch seconds).
        seq : int
            Position of the step, to order events with equal times.
        outcome : str or ndarray
            An outcome name for all events, or outcome codes per event.
        **metrics : ndarray
            Process metrics per event (the ones of ``METRICS`` not given are NaN).
        """
        n = len(cust)
        if n == 0:
            return
        oc = np.full(n, OC[outcome]) if isinstance(outcome, str) else outcome
        part = {
            "cust": cust,
            "case": case,
            "tp": np.broadcast_to(tps, (n,)).astype(np.int64),
            "t": t.astype(np.int64),
            "seq": np.full(n, seq, dtype=np.int64),
            "outcome": oc.astype(np.int64),
        }
        for m in METRICS:
            part[m] = metrics[m].astype(np.float64) if m in metrics else np.full(n, np.nan)
        self.parts.append(part)

    def frame(self) -> dict[str, np.ndarray]:
        """Every added column concatenated over the steps (empty arrays when none)."""
        keys = ("cust", "case", "tp", "t", "seq", "outcome", *METRICS)
        if not self.parts:
            return {k: np.empty(0) for k in keys}
        return {k: np.concatenate([p[k] for p in self.parts]) for k in keys}


def _cases(
    cust: np.ndarray, t0: np.ndarray, base: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order cases by customer and start time; number them from ``base``."""
    order = np.lexsort((t0, cust))
    cust, t0 = cust[order], t0[order]
    return cust, t0, base + np.arange(len(cust), dtype=np.int64)


# --------------------------------------------------------------------------- journeys


def purchase(
    rng: np.random.Generator, persona: np.ndarray, ev: Events, base: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """The purchase journey; returns (customers, end times, number of cases) of completed orders."""
    n = len(persona)
    cust = np.flatnonzero(rng.random(n) < co.PURCHASE_P[persona])
    cust, t, case = _cases(cust, start_times(rng, len(cust)), base)
    p = persona[cust]
    m = len(cust)

    k = choose(rng, co.AWARENESS_W[p])
    sel = k < 2
    ev.add(cust[sel], case[sel], tp("online_ad", "comparison_portal")[k[sel]], t[sel], 0)
    t = t + np.where(sel, gap(rng, m, 20 * _HOUR, 1.6), 0)

    k = choose(rng, co.RESEARCH_W[p])
    sel = k < 3
    ev.add(
        cust[sel],
        case[sel],
        tp("website_tariffs", "tariff_calculator", "shop_consultation")[k[sel]],
        t[sel],
        1,
    )
    t = t + np.where(sel, gap(rng, m, 40 * 60, 1.8, tie_p=0.01), 0)
    alive = rng.random(m) >= co.PRE_ORDER_DROP[p]

    k = choose(rng, co.CONSULT_W[p])
    sel = alive & (k < 2)
    n_sel = int(sel.sum())
    wait = np.where(k[sel] == 0, gap(rng, n_sel, 50, 0.8), gap(rng, n_sel, 25, 0.9))
    handle = gap(rng, n_sel, 480, 0.5)
    ev.add(
        cust[sel],
        case[sel],
        tp("sales_hotline", "sales_chat")[k[sel]],
        t[sel],
        2,
        wait_s=wait,
        handle_s=handle,
    )
    t = t + np.where(sel, gap(rng, m, 2 * _HOUR, 1.8), 0)

    k = choose(rng, co.ORDER_W[p])
    sel = alive
    abandoned = rng.random(m) < co.ORDER_ABANDON[p]
    dur_med = np.array([240.0, 700.0, 1000.0])[k]
    dur = np.rint(dur_med * np.exp(0.45 * rng.standard_normal(m))) * np.where(abandoned, 1.4, 1.0)
    oc = np.where(abandoned, OC["abandoned"], OC["completed"])
    ev.add(
        cust[sel],
        case[sel],
        tp("online_order", "phone_order", "shop_order")[k[sel]],
        t[sel],
        3,
        oc[sel],
        duration_s=np.rint(dur[sel]),
    )
    t = t + np.where(sel, dur.astype(np.int64) + gap(rng, m, 90, 1.0, tie_p=0.03), 0)

    done = alive & ~abandoned
    ev.add(cust[done], case[done], tp("order_confirmation"), t[done], 4)

    return cust[done], t[done], m


def onboarding(
    rng: np.random.Generator,
    persona: np.ndarray,
    cust: np.ndarray,
    t: np.ndarray,
    ev: Events,
    base: int,
) -> int:
    """The onboarding journey for completed orders; returns the number of cases."""
    cust, t, case = _cases(cust, t + gap(rng, len(cust), 6 * _HOUR, 1.0), base)
    p = persona[cust]
    m = len(cust)

    k = choose(rng, co.WELCOME_W[p])
    t = t + np.where(k == 1, 2 * _DAY, 0)
    ev.add(cust, case, tp("welcome_email", "welcome_letter")[k], t, 0)
    t = t + gap(rng, m, 5 * _HOUR, 1.4)

    k = choose(rng, co.ACCOUNT_W[p])
    sel = k < 2
    ev.add(cust[sel], case[sel], tp("portal_registration", "app_activation")[k[sel]], t[sel], 1)
    t = t + gap(rng, m, 2 * _DAY, 0.6)

    lead = np.round(np.exp(np.log(16.0) + 0.35 * rng.standard_normal(m)), 1)
    ev.add(cust, case, tp("supplier_switch"), t, 2, lead_time_days=lead)
    t = t + (lead * _DAY).astype(np.int64)

    meter = rng.random(m) < co.SMART_METER_P[p]
    appt_lead = np.round(np.exp(np.log(11.0) + 0.5 * rng.standard_normal(m)), 1)
    ev.add(
        cust[meter],
        case[meter],
        tp("smart_meter_appointment"),
        t[meter],
        3,
        lead_time_days=appt_lead[meter],
    )
    t = t + np.where(meter, (appt_lead * _DAY).astype(np.int64), 0)
    failed = rng.random(m) < co.SMART_METER_FAIL_P
    on_time = np.where(failed, rng.random(m) < 0.25, rng.random(m) < 0.95).astype(float)
    dur = gap(rng, m, 2700, 0.35) * np.where(failed, 1.6, 1.0)
    ev.add(
        cust[meter],
        case[meter],
        tp("smart_meter_installation"),
        t[meter],
        4,
        np.where(failed, OC["failed"], OC["ok"])[meter],
        duration_s=np.rint(dur[meter]),
        on_time=on_time[meter],
    )
    t = t + np.where(meter, gap(rng, m, 1 * _DAY, 0.8), 0)

    dd = rng.random(m) < co.DIRECT_DEBIT_SETUP_P[p]
    ev.add(cust[dd], case[dd], tp("payment_setup"), t[dd], 5)
    t = t + gap(rng, m, 24 * _DAY, 0.25)

    error = rng.random(m) < co.FIRST_BILL_ERROR_P
    ev.add(cust, case, tp("first_bill"), t, 6, np.where(error, OC["error"], OC["ok"]))
    t = t + gap(rng, m, 4 * _DAY, 0.5)

    sv = rng.random(m) < co.ONBOARDING_SURVEY_P
    ev.add(cust[sv], case[sv], tp("onboarding_survey"), t[sv], 7)
    return m


def _hotline_wait(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    late = t >= TREND_START_S
    med = np.where(late, co.HOTLINE_WAIT_MEDIAN_LATE, co.HOTLINE_WAIT_MEDIAN)
    return np.maximum(5, np.rint(med * np.exp(co.HOTLINE_WAIT_SIGMA * rng.standard_normal(len(t)))))


def _hotline(
    rng: np.random.Generator,
    cust: np.ndarray,
    case: np.ndarray,
    t: np.ndarray,
    seq: int,
    ev: Events,
) -> np.ndarray:
    """First hotline call plus repeat calls while unresolved; returns the time after the last call."""
    t = t.copy()
    open_ = np.ones(len(cust), dtype=bool)
    for r in range(co.MAX_HOTLINE_REPEATS + 1):
        idx = np.flatnonzero(open_)
        if len(idx) == 0:
            break
        wait = _hotline_wait(rng, t[idx])
        handle = gap(rng, len(idx), 380, 0.55)
        solved = rng.random(len(idx)) < co.HOTLINE_RESOLVED_P + 0.05 * r
        ev.add(
            cust[idx],
            case[idx],
            tp("hotline"),
            t[idx],
            seq + r,
            np.where(solved, OC["resolved"], OC["unresolved"]),
            wait_s=wait,
            handle_s=handle,
            resolved=solved.astype(float),
        )
        t[idx] += (wait + handle).astype(np.int64)
        again = ~solved & (rng.random(len(idx)) < 0.8)
        nxt = idx[again]
        t[nxt] += gap(rng, len(nxt), 1.5 * _DAY, 0.8)
        open_[:] = False
        open_[nxt] = True
    return t


def service(rng: np.random.Generator, persona: np.ndarray, ev: Events, base: int) -> int:
    """The service journey: Poisson many cases per customer; returns the number of cases."""
    n = len(persona)
    counts = rng.poisson(co.SERVICE_RATE[persona])
    cust = np.repeat(np.arange(n), counts)
    cust, t, case = _cases(cust, start_times(rng, len(cust)), base)
    p = persona[cust]
    m = len(cust)

    k = choose(rng, np.broadcast_to(co.TRIGGER_W, (m, 3)))
    sel = k < 2
    ev.add(cust[sel], case[sel], tp("annual_bill", "price_change_letter")[k[sel]], t[sel], 0)
    t = t + np.where(sel, gap(rng, m, 2 * _DAY, 1.0), 0)
    bill_trigger = k == 0

    k = choose(rng, co.SELF_W[p])
    sel = k < 3
    ev.add(
        cust[sel],
        case[sel],
        tp("faq", "app_meter_reading", "portal_self_service")[k[sel]],
        t[sel],
        1,
    )
    t = t + np.where(sel, gap(rng, m, 30 * 60, 1.5, tie_p=0.02), 0)
    alive = ~(sel & (rng.random(m) < co.SELF_SOLVED_P))

    k = choose(rng, co.CONTACT_W[p])
    # chatbot (maybe escalated to live chat)
    bot = alive & (k == 0)
    bot_ok = rng.random(m) < co.CHATBOT_RESOLVED_P
    ev.add(
        cust[bot],
        case[bot],
        tp("chatbot"),
        t[bot],
        2,
        np.where(bot_ok, OC["resolved"], OC["escalated"])[bot],
        resolved=bot_ok[bot].astype(float),
    )
    t = t + np.where(bot, gap(rng, m, 150, 0.6), 0)
    chat = alive & ((k == 1) | (bot & ~bot_ok & (rng.random(m) < 0.6)))
    n_chat = int(chat.sum())
    cwait = gap(rng, n_chat, 45, 0.9)
    chandle = gap(rng, n_chat, 420, 0.5)
    cok = rng.random(n_chat) < co.CHAT_RESOLVED_P
    ev.add(
        cust[chat],
        case[chat],
        tp("live_chat"),
        t[chat],
        3,
        np.where(cok, OC["resolved"], OC["unresolved"]),
        wait_s=cwait,
        handle_s=chandle,
        resolved=cok.astype(float),
    )
    tc = t[chat] + cwait + chandle
    t[chat] = tc
    # e-mail (unresolved → a hotline call later)
    mail = alive & (k == 3)
    n_mail = int(mail.sum())
    resp = np.round(np.exp(np.log(16.0) + 0.75 * rng.standard_normal(n_mail)), 1)
    mok = rng.random(n_mail) < co.EMAIL_RESOLVED_P
    ev.add(
        cust[mail],
        case[mail],
        tp("email_support"),
        t[mail],
        4,
        np.where(mok, OC["resolved"], OC["unresolved"]),
        response_h=resp,
        resolved=mok.astype(float),
    )
    t[mail] = t[mail] + (resp * _HOUR).astype(np.int64)
    follow = np.zeros(m, dtype=bool)
    follow[np.flatnonzero(mail)[~mok & (rng.random(n_mail) < 0.5)]] = True
    t = t + np.where(follow, gap(rng, m, 1 * _DAY, 0.7), 0)
    # hotline (first calls and follow-ups after e-mail), with repeat calls
    hot = (alive & (k == 2)) | follow
    t[hot] = _hotline(rng, cust[hot], case[hot], t[hot], 5, ev)
    # customer centre
    shop = alive & (k == 4)
    n_shop = int(shop.sum())
    ev.add(
        cust[shop], case[shop], tp("shop_service"), t[shop], 5, wait_s=gap(rng, n_shop, 400, 0.7)
    )
    t = t + gap(rng, m, 1 * _DAY, 1.0)

    tech = alive & (rng.random(m) < co.TECHNICIAN_P)
    corr = alive & ~tech & (rng.random(m) < np.where(bill_trigger, 2.2, 0.8) * co.BILL_CORRECTION_P)
    lead_t = np.round(np.exp(np.log(5.5) + 0.55 * rng.standard_normal(m)), 1)
    lead_c = np.round(np.exp(np.log(8.0) + 0.5 * rng.standard_normal(m)), 1)
    ev.add(
        cust[tech],
        case[tech],
        tp("technician_visit"),
        t[tech] + (lead_t[tech] * _DAY).astype(np.int64),
        9,
        lead_time_days=lead_t[tech],
    )
    ev.add(
        cust[corr],
        case[corr],
        tp("billing_correction"),
        t[corr] + (lead_c[corr] * _DAY).astype(np.int64),
        9,
        lead_time_days=lead_c[corr],
    )
    t = (
        t
        + np.where(tech, (lead_t * _DAY).astype(np.int64), 0)
        + np.where(corr, (lead_c * _DAY).astype(np.int64), 0)
    )

    sv = rng.random(m) < co.SATISFACTION_SURVEY_P
    t = t + gap(rng, m, 1 * _DAY, 0.6)
    ev.add(cust[sv], case[sv], tp("satisfaction_survey"), t[sv], 10)
    return m


def cancellation(rng: np.random.Generator, persona: np.ndarray, ev: Events, base: int) -> int:
    """The cancellation journey; returns the number of cases."""
    n = len(persona)
    cust = np.flatnonzero(rng.random(n) < co.CANCEL_P[persona])
    cust, t, case = _cases(cust, start_times(rng, len(cust)), base)
    p = persona[cust]
    m = len(cust)

    page = rng.random(m) < np.array([0.8, 0.7, 0.1, 0.4, 0.7])[p]
    ev.add(cust[page], case[page], tp("cancellation_page"), t[page], 0)
    t = t + np.where(page, gap(rng, m, 10 * 60, 1.5, tie_p=0.02), 0)

    k = choose(rng, co.CANCEL_REQ_W[p])
    hot = k == 1
    wait = gap(rng, m, 100, 0.8)
    ev.add(
        cust,
        case,
        tp("cancellation_form", "cancellation_hotline", "cancellation_letter")[k],
        t,
        1,
        wait_s=np.where(hot, wait, np.nan),
    )
    t = t + np.where(k == 2, 3 * _DAY, 0) + gap(rng, m, 1 * _DAY, 0.8)

    offer = rng.random(m) < co.RETENTION_OFFER_P
    accept = offer & (rng.random(m) < co.RETENTION_ACCEPT_P)
    ev.add(
        cust[offer],
        case[offer],
        tp("retention_offer"),
        t[offer],
        2,
        np.where(accept, OC["accepted"], OC["declined"])[offer],
    )
    t = t + gap(rng, m, 6 * _HOUR, 1.0)

    go = ~accept
    ev.add(cust[go], case[go], tp("cancellation_confirmation"), t[go], 3)
    t = t + gap(rng, m, 40 * _DAY, 0.2)
    ev.add(cust[go], case[go], tp("final_bill"), t[go], 4)
    return m


# --------------------------------------------------------------------------- issue 23 plants
# Kept apart so they merge easily; each draws from its own stream (``plant``) or none.


def price_letter_faq(plant: np.random.Generator, e: dict[str, np.ndarray]) -> None:
    """Before/after pattern: after a price-change letter the next self-service step is mostly the FAQ.

    Relabels self-service events in place (no event is added or removed, so the main random
    stream is untouched).
    """
    letter = np.flatnonzero(e["tp"] == TPI["price_change_letter"])
    cases = set(e["case"][letter].tolist())
    selfs = np.flatnonzero(np.isin(e["tp"], tp("app_meter_reading", "portal_self_service")))
    hit = selfs[np.fromiter((c in cases for c in e["case"][selfs].tolist()), bool, len(selfs))]
    hit = hit[plant.random(len(hit)) < co.PRICE_LETTER_FAQ_P]
    e["tp"][hit] = TPI["faq"]


def business_dropouts(
    plant: np.random.Generator, e: dict[str, np.ndarray], business: np.ndarray
) -> dict[str, np.ndarray]:
    """Group difference: some business customers leave the purchase after the research stage.

    Their consultation, order and confirmation events are removed, and so is the onboarding
    that would have followed the order.
    """
    jp, jo = JOURNEY_IDS.index("purchase"), JOURNEY_IDS.index("onboarding")
    late = tp(*[t.id for s in _MAP.journey("purchase").stages[2:] for t in s.touchpoints])
    in_p = (e["journey"] == jp) & business[e["cust"]]
    cases = np.unique(e["case"][in_p])
    drop = cases[plant.random(len(cases)) < co.BUSINESS_PRE_ORDER_DROP]
    gone = in_p & np.isin(e["case"], drop) & np.isin(e["tp"], late)
    custs = np.unique(e["cust"][gone])
    gone |= (e["journey"] == jo) & np.isin(e["cust"], custs)
    return {k: v[~gone] for k, v in e.items()}


def late_meter_installations(e: dict[str, np.ndarray]) -> np.ndarray:
    """Rule breach: installations more than 14 days after the appointment was booked."""
    inst = np.flatnonzero(e["tp"] == TPI["smart_meter_installation"])
    appt = np.flatnonzero(e["tp"] == TPI["smart_meter_appointment"])
    lead = dict(zip(e["case"][appt].tolist(), e["lead_time_days"][appt].tolist(), strict=True))
    late = np.array([lead.get(c, 0.0) > co.LATE_METER_DAYS for c in e["case"][inst].tolist()])
    out = np.zeros(len(e["tp"]), dtype=bool)
    out[inst[late] if len(inst) else inst] = True
    return out


# --------------------------------------------------------------------------- experience


def experience(
    rng: np.random.Generator, e: dict[str, np.ndarray], persona_of_event: np.ndarray
) -> np.ndarray:
    """The latent sentiment (−1..1) of every event: the planted experience model."""
    tpc = e["tp"]
    n = len(tpc)
    s = EXP_MU[tpc] + EXP_SD[tpc] * rng.standard_normal(n)
    z = rng.standard_normal(n)

    def at(name: str) -> np.ndarray:
        return tpc == TPI[name]

    h = at("hotline")
    long_wait = e["wait_s"] > co.HOTLINE_WAIT_THRESHOLD
    s[h] = (
        np.where(long_wait[h], co.HOTLINE_SENT_LONG, co.HOTLINE_SENT_SHORT)
        + 0.24 * z[h]
        - np.where(e["resolved"][h] == 0, 0.06, -0.02)
    )
    c = at("live_chat")
    s[c] = (
        np.where(e["wait_s"][c] > 180, -0.3, 0.35)
        + np.where(e["resolved"][c] == 0, -0.2, 0.0)
        + 0.25 * z[c]
    )
    b = at("chatbot")
    s[b] = np.where(e["resolved"][b] == 1, 0.3, -0.35) + 0.25 * z[b]
    m = at("email_support")
    s[m] = np.where(e["response_h"][m] > 24, -0.35, 0.3) + 0.25 * z[m]
    f = at("first_bill")
    err = e["outcome"] == OC["error"]
    s[f & err] = co.FIRST_BILL_ERROR_SENT + 0.2 * z[f & err]
    sm = at("smart_meter_installation")
    bad = e["outcome"] == OC["failed"]
    s[sm & bad] = co.SMART_METER_FAIL_SENT + 0.25 * z[sm & bad]
    order = np.isin(tpc, tp("online_order", "phone_order", "shop_order"))
    s[order & (e["outcome"] == OC["abandoned"])] = (
        co.ABANDON_SENT + 0.25 * z[order & (e["outcome"] == OC["abandoned"])]
    )
    s[order & (persona_of_event == co.SENIOR)] += co.SENIOR_ORDER_SHIFT
    sw = at("supplier_switch")
    s[sw & (e["lead_time_days"] > 21)] -= 0.6
    ap = at("smart_meter_appointment")
    s[ap & (e["lead_time_days"] > 14)] -= 0.4
    tv = at("technician_visit")
    s[tv & (e["lead_time_days"] > 7)] -= 0.5
    ro = at("retention_offer")
    s[ro] = np.where(e["outcome"][ro] == OC["accepted"], 0.4, -0.15) + 0.3 * z[ro]
    s[late_meter_installations(e)] += co.LATE_METER_SENT
    return np.clip(s, -0.98, 0.98)


def sentiment_label(s: np.ndarray) -> np.ndarray:
    """0 negative (< −0.25), 1 neutral, 2 positive (> 0.25)."""
    return np.where(s < -0.25, 0, np.where(s > 0.25, 2, 1))


LABELS = ("negative", "neutral", "positive")


# --------------------------------------------------------------------------- the chunk


@dataclass
class Chunk:
    """One generated chunk: plain column arrays, ready to be written."""

    customers: dict[str, np.ndarray]
    persona: np.ndarray
    events: dict[str, np.ndarray]
    feedback: dict[str, object]
    n_cases: dict[str, int]


def persona_counts(n: int) -> np.ndarray:
    """Exact persona sizes for ``n`` customers (largest remainder of the shares)."""
    raw = co.SHARES * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def customers(rng: np.random.Generator, persona: np.ndarray) -> dict[str, np.ndarray]:
    """Customer attributes drawn per persona, with realistic overlap."""
    n = len(persona)
    age = np.clip(
        np.rint(co.AGE_MEAN[persona] + co.AGE_SD[persona] * rng.standard_normal(n)),
        co.AGE_MIN[persona],
        co.AGE_MAX[persona],
    ).astype(np.int64)
    business = rng.random(n) < co.BUSINESS_P[persona]
    tenure = np.maximum(
        0,
        np.rint(
            co.TENURE_MEDIAN[persona] * np.exp(co.TENURE_SIGMA[persona] * rng.standard_normal(n))
        ),
    )
    house = np.minimum(
        co.HOUSEHOLD_MIN[persona] + rng.poisson(co.HOUSEHOLD_MEAN[persona]),
        co.HOUSEHOLD_MAX[persona],
    )
    kwh = (
        np.rint(
            co.KWH_MEDIAN[persona] * np.exp(co.KWH_SIGMA[persona] * rng.standard_normal(n)) / 10
        )
        * 10
    )
    return {
        "age": age,
        "segment": np.where(business, 1, 0),
        "region": choose(rng, co.REGION_W[persona]),
        "area": choose(rng, co.AREA_W[persona]),
        "tenure_months": tenure.astype(np.int64),
        "tariff": choose(rng, co.TARIFF_W[persona]),
        "contract_type": choose(rng, co.CONTRACT_W[persona]),
        "household_size": house.astype(np.int64),
        "annual_kwh": kwh.astype(np.int64),
        "payment_method": choose(rng, co.PAYMENT_W[persona]),
        "paperless": (rng.random(n) < co.PAPERLESS_P[persona]).astype(np.int64),
        "solar": (rng.random(n) < co.SOLAR_P[persona]).astype(np.int64),
        "electric_vehicle": (rng.random(n) < co.EV_P[persona]).astype(np.int64),
        "online_account": (rng.random(n) < co.ONLINE_ACCOUNT_P[persona]).astype(np.int64),
        "preferred_channel": choose(rng, co.PREFERRED_W[persona]),
        "product_bundle": choose(rng, co.BUNDLE_W[persona]),
        "monthly_instalment_eur": np.rint(
            kwh * co.PRICE_PER_KWH[persona] * np.exp(0.08 * rng.standard_normal(n)) / 12 + 12
        ).astype(np.int64),
    }


def generate_chunk(seed: int, chunk_index: int, n: int, case_base: dict[str, int]) -> Chunk:
    """Generate ``n`` customers (one chunk) with their events and feedback.

    ``case_base`` gives, per journey, the first case number of this chunk; it is
    advanced in place. The chunk depends only on ``seed`` and ``chunk_index``.
    """
    rng = np.random.default_rng([seed, chunk_index])
    persona = rng.permutation(np.repeat(np.arange(co.N_PERSONAS), persona_counts(n)))
    cust_attr = customers(rng, persona)

    ev = Events()
    done_c, done_t, m_p = purchase(rng, persona, ev, case_base["purchase"])
    m_o = onboarding(rng, persona, done_c, done_t, ev, case_base["onboarding"])
    m_s = service(rng, persona, ev, case_base["service"])
    m_x = cancellation(rng, persona, ev, case_base["cancellation"])
    n_cases = {"purchase": m_p, "onboarding": m_o, "service": m_s, "cancellation": m_x}

    e = ev.frame()
    # the journey of every event, and its case code made unique across journeys
    e["journey"] = TP_JOURNEY[e["tp"]]
    keep = e["t"] < WINDOW_END_S  # cases still running at the end of the window are cut
    e = {k: v[keep] for k, v in e.items()}
    plant = np.random.default_rng([seed, chunk_index, 23])  # issue-23 plants: their own stream
    price_letter_faq(plant, e)
    e = business_dropouts(plant, e, cust_attr["segment"] == 1)
    order = np.lexsort((e["seq"], e["case"], e["journey"], e["t"], e["cust"]))
    e = {k: v[order] for k, v in e.items()}
    pe = persona[e["cust"]]
    lp.plant_action(e, TPI[lp.ACTION_TOUCHPOINT])  # waits before the experience they cause
    e["sentiment"] = experience(rng, e, pe)

    fb = feedback(rng, persona, e)
    _plant_loop(seed, chunk_index, n, e, fb, case_base, n_cases)
    e = fb.pop("_events")
    chunk = Chunk(customers=cust_attr, persona=persona, events=e, feedback=fb, n_cases=n_cases)
    for j in n_cases:
        case_base[j] += n_cases[j]
    return chunk


def _plant_loop(seed, chunk_index, n, e, fb, case_base, n_cases) -> None:
    """The plants of :mod:`cjwork.sample.loop_plants` (own random streams); new events in fb."""
    lp.plant_feedback(seed, chunk_index, fb, TPI["first_bill"], TPI["hotline"], WINDOW_END_S)
    fb["linkable"] = tx.linkable(fb["text"], fb["tp"], TP_IDS, _MAP)
    j = JOURNEY_IDS.index(lp.CAMPAIGN_JOURNEY)
    e2, extra = lp.plant_campaign(
        seed, chunk_index, n, e, TPI[lp.CAMPAIGN_TOUCHPOINT], j,
        case_base[lp.CAMPAIGN_JOURNEY] + n_cases[lp.CAMPAIGN_JOURNEY], WINDOW_END_S,
    )  # fmt: skip
    n_cases[lp.CAMPAIGN_JOURNEY] += extra
    fb["_events"] = e2


def feedback(
    rng: np.random.Generator, persona: np.ndarray, e: dict[str, np.ndarray]
) -> dict[str, object]:
    """Feedback rows: sampled from experiences (plus some general comments), with text."""
    n_cust = len(persona)
    tpc = e["tp"]
    s_ev = e["sentiment"]
    pe = persona[e["cust"]]
    p = EXP_FB[tpc] * co.FEEDBACK_PERSONA_F[pe] * np.where(s_ev < -0.25, 1.6, 1.0)
    pick = np.flatnonzero(rng.random(len(tpc)) < p)

    n_gen = rng.poisson(co.GENERAL_FEEDBACK_RATE, n_cust)
    gcust = np.repeat(np.arange(n_cust), n_gen)
    g_t = start_times(rng, len(gcust))

    cust = np.concatenate([e["cust"][pick], gcust])
    ftp = np.concatenate([tpc[pick], np.full(len(gcust), -1)])
    delay = gap(rng, len(pick), 2 * _HOUR, 1.4) + 30
    t = np.concatenate([e["t"][pick] + delay, g_t])
    s = np.concatenate(
        [
            s_ev[pick] + 0.08 * rng.standard_normal(len(pick)),
            np.clip(-0.1 + 0.45 * rng.standard_normal(len(gcust)), -0.95, 0.95),
        ]
    )
    s = np.round(np.clip(s, -0.98, 0.98), 3)  # as written to truth; labels follow the written value
    wait = np.concatenate([e["wait_s"][pick], np.full(len(gcust), np.nan)])
    keep = t < WINDOW_END_S
    cust, ftp, t, s, wait = cust[keep], ftp[keep], t[keep], s[keep], wait[keep]
    order = np.lexsort((ftp, t, cust))
    cust, ftp, t, s, wait = cust[order], ftp[order], t[order], s[order], wait[order]
    m = len(cust)
    pf = persona[cust]
    has_tp = ftp >= 0

    # relationship NPS after the experience: Kano-asymmetric effect of the touchpoint
    base = co.NPS_BASE[persona] + rng.standard_normal(n_cust)
    pos = np.where(has_tp, EXP_POS[np.maximum(ftp, 0)], 1.2)
    neg = np.where(has_tp, EXP_NEG[np.maximum(ftp, 0)], 2.0)
    nps_raw = (
        base[cust] + pos * np.maximum(s, 0) + neg * np.minimum(s, 0) + 0.9 * rng.standard_normal(m)
    )
    nps = np.clip(np.rint(nps_raw), 0, 10)
    rating = np.clip(np.rint(3 + 2.2 * s + 0.45 * rng.standard_normal(m)), 1, 5)
    nps[rng.random(m) < co.NPS_MISSING_P] = np.nan
    rating[rng.random(m) < co.RATING_MISSING_P] = np.nan

    english = rng.random(m) < co.ENGLISH_P[pf]
    lang_filled = rng.random(m) < co.LANGUAGE_FILLED_P
    explicit = has_tp & (rng.random(m) < co.EXPLICIT_LINK_P)
    channel = choose(rng, co.FEEDBACK_CHANNEL_W[pf])
    ivr = explicit & (ftp == TPI["hotline"]) & (rng.random(m) < 0.7)
    channel = np.where(ivr, co.FEEDBACK_CHANNELS.index("phone"), channel)
    unlinkable = ~has_tp | (rng.random(m) < co.UNLINKABLE_P)
    pii = rng.random(m) < co.PII_P
    label = sentiment_label(s)

    texts, pii_kind = tx.compose(
        rng,
        touchpoints=[TP_IDS[i] if i >= 0 else "" for i in ftp.tolist()],
        label=label,
        strength=np.abs(s),
        english=english,
        generic=unlinkable,
        pii=pii,
        wait_min=np.where(np.isnan(wait), 0, np.rint(wait / 60)).astype(np.int64),
    )
    linkable = tx.linkable(texts, ftp, TP_IDS, _MAP)
    return {
        "cust": cust,
        "tp": ftp,
        "t": t,
        "sentiment": s,
        "label": label,
        "nps": nps,
        "rating": rating,
        "english": english,
        "lang_filled": lang_filled,
        "explicit": explicit,
        "channel": channel,
        "pii": pii,
        "pii_kind": pii_kind,
        "text": texts,
        "linkable": linkable,
        "wait": wait,
    }
