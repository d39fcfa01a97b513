"""The planted truth: what was put into the sample on purpose, and what came out.

``effects.json`` holds, for every planted effect, the parameters that were planted and
the values observed in the generated files (accumulated chunk by chunk), so tests and
benchmarks can check analysis results against it without hard-coding numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cjwork.sample import company as co
from cjwork.sample import generate as gen

N_TP = len(gen.TP_IDS)
CONTACT_TPS = ("chatbot", "live_chat", "hotline", "email_support", "shop_service")
N_M = len(gen.MONTHS)


def _r(x: float, d: int = 4) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, d) + 0.0


@dataclass
class Observed:
    """Counters accumulated over all chunks."""

    persona: np.ndarray = field(default_factory=lambda: np.zeros(co.N_PERSONAS, np.int64))
    order_reached: np.ndarray = field(default_factory=lambda: np.zeros(co.N_PERSONAS, np.int64))
    order_completed: np.ndarray = field(default_factory=lambda: np.zeros(co.N_PERSONAS, np.int64))
    events_tp: np.ndarray = field(default_factory=lambda: np.zeros(N_TP, np.int64))
    hot_n: np.ndarray = field(default_factory=lambda: np.zeros(N_M, np.int64))
    hot_wait: np.ndarray = field(default_factory=lambda: np.zeros(N_M))
    hot_long: np.ndarray = field(default_factory=lambda: np.zeros(N_M, np.int64))
    fb_n: np.ndarray = field(default_factory=lambda: np.zeros(N_TP + 1, np.int64))
    fb_sent: np.ndarray = field(default_factory=lambda: np.zeros(N_TP + 1))
    nps_n: np.ndarray = field(default_factory=lambda: np.zeros((N_TP + 1, 3), np.int64))
    nps_sum: np.ndarray = field(default_factory=lambda: np.zeros((N_TP + 1, 3)))
    hot_fb_n: np.ndarray = field(default_factory=lambda: np.zeros(2, np.int64))
    hot_fb_sent: np.ndarray = field(default_factory=lambda: np.zeros(2))
    first_bill_errors: int = 0
    smart_meter_failed: int = 0
    totals: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("feedback", "english", "language_filled", "explicit", "pii", "linkable", "general"), 0
        )
    )

    def add(self, chunk: gen.Chunk) -> None:
        """Add one chunk's counts."""
        self.persona += np.bincount(chunk.persona, minlength=co.N_PERSONAS)
        e = chunk.events
        # drop-off at stage order, counted on the written events (cases cut by the window included)
        is_order = np.isin(e["tp"], gen.tp("online_order", "phone_order", "shop_order"))
        is_conf = e["tp"] == gen.TPI["order_confirmation"]
        pcases, inv = np.unique(e["case"][is_order | is_conf] + 0, return_inverse=True)
        reached = np.zeros(len(pcases), bool)
        confirmed = np.zeros(len(pcases), bool)
        reached[inv[is_order[is_order | is_conf]]] = True
        confirmed[inv[is_conf[is_order | is_conf]]] = True
        owner = np.zeros(len(pcases), np.int64)
        owner[inv] = chunk.persona[e["cust"][is_order | is_conf]]
        self.order_reached += np.bincount(owner[reached], minlength=co.N_PERSONAS)
        self.order_completed += np.bincount(owner[reached & confirmed], minlength=co.N_PERSONAS)
        self.events_tp += np.bincount(e["tp"], minlength=N_TP)
        h = e["tp"] == gen.TPI["hotline"]
        month = np.searchsorted(gen.MONTH_START_S, e["t"][h], side="right") - 1
        self.hot_n += np.bincount(month, minlength=N_M)
        self.hot_wait += np.bincount(month, weights=e["wait_s"][h], minlength=N_M)
        self.hot_long += np.bincount(
            month, weights=e["wait_s"][h] > co.HOTLINE_WAIT_THRESHOLD, minlength=N_M
        ).astype(np.int64)
        self.first_bill_errors += int(
            ((e["tp"] == gen.TPI["first_bill"]) & (e["outcome"] == gen.OC["error"])).sum()
        )
        self.smart_meter_failed += int(
            (
                (e["tp"] == gen.TPI["smart_meter_installation"])
                & (e["outcome"] == gen.OC["failed"])
            ).sum()
        )

        f = chunk.feedback
        slot = np.where(f["tp"] >= 0, f["tp"], N_TP)
        self.fb_n += np.bincount(slot, minlength=N_TP + 1)
        self.fb_sent += np.bincount(slot, weights=f["sentiment"], minlength=N_TP + 1)
        has = ~np.isnan(f["nps"])
        flat = slot[has] * 3 + f["label"][has]
        self.nps_n += np.bincount(flat, minlength=(N_TP + 1) * 3).reshape(N_TP + 1, 3)
        self.nps_sum += np.bincount(flat, weights=f["nps"][has], minlength=(N_TP + 1) * 3).reshape(
            N_TP + 1, 3
        )
        hf = f["tp"] == gen.TPI["hotline"]
        long_ = (f["wait"][hf] > co.HOTLINE_WAIT_THRESHOLD).astype(np.int64)
        self.hot_fb_n += np.bincount(long_, minlength=2)
        self.hot_fb_sent += np.bincount(long_, weights=f["sentiment"][hf], minlength=2)
        t = self.totals
        t["feedback"] += len(f["tp"])
        t["english"] += int(f["english"].sum())
        t["language_filled"] += int(f["lang_filled"].sum())
        t["explicit"] += int(f["explicit"].sum())
        t["pii"] += int(f["pii"].sum())
        t["linkable"] += int(f["linkable"].sum())
        t["general"] += int((f["tp"] < 0).sum())

    # ------------------------------------------------------------------ derived

    def nps_by_label(self, slot: int) -> dict[str, float | None]:
        """Mean NPS of the feedback at one touchpoint, per planted sentiment label.

        Parameters
        ----------
        slot : int
            Touchpoint index (``gen.TPI``), or the number of touchpoints for general
            comments.

        Returns
        -------
        dict
            ``negative``/``neutral``/``positive`` → mean NPS (3 decimals), None without
            feedback with an NPS.
        """
        n, s = self.nps_n[slot], self.nps_sum[slot]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = s / n
        return {lab: _r(means[i], 3) for i, lab in enumerate(gen.LABELS)}

    def nps_mean(self) -> float:
        """Mean NPS of all feedback with an NPS (0.0 when there is none)."""
        return float(self.nps_sum.sum() / max(1, self.nps_n.sum()))


def _month_label(i: int) -> str:
    return str(gen.MONTHS[i])


def effects_document(obs: Observed, n_customers: int, seed: int) -> dict:
    """The machine-readable truth (``truth/effects.json``)."""
    tpi = gen.TPI
    jm = co.journey_map()
    nps_all = obs.nps_mean()

    def kano_obs(name: str) -> dict:
        slot = tpi[name]
        by = obs.nps_by_label(slot)
        return {
            "feedback": int(obs.fb_n[slot]),
            "mean_sentiment": _r(obs.fb_sent[slot] / max(1, obs.fb_n[slot]), 3),
            "nps_mean_all_feedback": _r(nps_all, 3),
            "nps_mean_by_label": by,
            "nps_drop_when_negative": _r(nps_all - by["negative"], 3)
            if by["negative"] is not None
            else None,
            "nps_gain_when_positive": _r(by["positive"] - nps_all, 3)
            if by["positive"] is not None
            else None,
        }

    trend_idx = int(np.searchsorted(gen.MONTH_START_S, gen.TREND_START_S))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = obs.hot_wait / obs.hot_n
        long_share = obs.hot_long / obs.hot_n
    before = slice(0, trend_idx)
    after = slice(trend_idx, N_M)
    share_before = obs.hot_long[before].sum() / max(1, obs.hot_n[before].sum())
    share_after = obs.hot_long[after].sum() / max(1, obs.hot_n[after].sum())

    reached, completed = obs.order_reached, obs.order_completed
    drop = 1 - completed / np.maximum(1, reached)
    others = np.arange(co.N_PERSONAS) != co.SENIOR
    drop_others = 1 - completed[others].sum() / max(1, reached[others].sum())
    senior = co.PERSONAS[co.SENIOR]

    tp_perf = {
        t: {
            "events": int(obs.events_tp[i]),
            "feedback": int(obs.fb_n[i]),
            "mean_sentiment": _r(obs.fb_sent[i] / obs.fb_n[i], 3) if obs.fb_n[i] else None,
            "nps_pos_per_unit": co.EXPERIENCE[t].nps_pos,
            "nps_neg_per_unit": co.EXPERIENCE[t].nps_neg,
        }
        for i, t in enumerate(gen.TP_IDS)
    }
    tot = obs.totals
    nfb = max(1, tot["feedback"])
    return {
        "company": co.COMPANY,
        "generator": "cjwork sample",
        "seed": seed,
        "n_customers": n_customers,
        "window": {"start": str(co.WINDOW_START) + "Z", "end": str(co.WINDOW_END) + "Z"},
        "personas": [
            {
                "persona_id": p.id,
                "key": p.key,
                "name": p.name,
                "share": p.share,
                "n": int(obs.persona[p.id]),
                "description": p.description,
                "planted": {
                    "age_mean": float(co.AGE_MEAN[p.id]),
                    "tenure_months_median": float(co.TENURE_MEDIAN[p.id]),
                    "annual_kwh_median": float(co.KWH_MEDIAN[p.id]),
                    "business_share": float(co.BUSINESS_P[p.id]),
                    "typical_tariff": co.TARIFFS[int(np.argmax(co.TARIFF_W[p.id]))],
                    "typical_area": co.AREAS[int(np.argmax(co.AREA_W[p.id]))],
                    "preferred_channel": co.PREFERRED_CHANNELS[
                        int(np.argmax(co.PREFERRED_W[p.id]))
                    ],
                    "service_contact_mix": {
                        t: float(w) for t, w in zip(CONTACT_TPS, co.CONTACT_W[p.id], strict=True)
                    },
                },
            }
            for p in co.PERSONAS
        ],
        "effects": {
            "hotline_wait_sentiment": {
                "type": "process_metric_drives_sentiment",
                "journey": "service",
                "touchpoint": "hotline",
                "metric": "wait_s",
                "threshold": co.HOTLINE_WAIT_THRESHOLD,
                "planted": {
                    "sentiment_mean_above": co.HOTLINE_SENT_LONG,
                    "sentiment_mean_at_or_below": co.HOTLINE_SENT_SHORT,
                },
                "observed": {
                    "feedback_above": int(obs.hot_fb_n[1]),
                    "feedback_at_or_below": int(obs.hot_fb_n[0]),
                    "sentiment_mean_above": _r(obs.hot_fb_sent[1] / max(1, obs.hot_fb_n[1]), 3),
                    "sentiment_mean_at_or_below": _r(
                        obs.hot_fb_sent[0] / max(1, obs.hot_fb_n[0]), 3
                    ),
                },
            },
            "hotline_wait_trend": {
                "type": "trend_change",
                "journey": "service",
                "touchpoint": "hotline",
                "metric": "wait_s",
                "change_from": _month_label(trend_idx),
                "direction": "worse",
                "planted": {
                    "median_wait_before_s": co.HOTLINE_WAIT_MEDIAN,
                    "median_wait_after_s": co.HOTLINE_WAIT_MEDIAN_LATE,
                },
                "observed": {
                    "share_above_threshold_before": _r(share_before, 3),
                    "share_above_threshold_after": _r(share_after, 3),
                    "monthly": [
                        {
                            "period": _month_label(i),
                            "calls": int(obs.hot_n[i]),
                            "mean_wait_s": _r(mean_wait[i], 1),
                            "share_above_threshold": _r(long_share[i], 3),
                        }
                        for i in range(N_M)
                    ],
                },
            },
            "first_bill_dissatisfier": {
                "type": "kano",
                "category": "dissatisfier",
                "journey": "onboarding",
                "touchpoint": "first_bill",
                "owner": jm.touchpoint("first_bill").owner,
                "planted": {
                    "billing_error_rate": co.FIRST_BILL_ERROR_P,
                    "error_sentiment_mean": co.FIRST_BILL_ERROR_SENT,
                    "nps_pos_per_unit": co.EXPERIENCE["first_bill"].nps_pos,
                    "nps_neg_per_unit": co.EXPERIENCE["first_bill"].nps_neg,
                },
                "observed": {
                    **kano_obs("first_bill"),
                    "billing_errors": obs.first_bill_errors,
                    "events": int(obs.events_tp[tpi["first_bill"]]),
                },
            },
            "first_bill_quick_win": {
                "type": "quick_win",
                "journey": "onboarding",
                "touchpoint": "first_bill",
                "owner": jm.touchpoint("first_bill").owner,
                "reason": "high importance (strong NPS pull of bad experiences) and low performance (billing errors)",
            },
            "smart_meter_delighter": {
                "type": "kano",
                "category": "delighter",
                "journey": "onboarding",
                "touchpoint": "smart_meter_installation",
                "owner": jm.touchpoint("smart_meter_installation").owner,
                "planted": {
                    "failure_rate": co.SMART_METER_FAIL_P,
                    "nps_pos_per_unit": co.EXPERIENCE["smart_meter_installation"].nps_pos,
                    "nps_neg_per_unit": co.EXPERIENCE["smart_meter_installation"].nps_neg,
                },
                "observed": {
                    **kano_obs("smart_meter_installation"),
                    "failed": obs.smart_meter_failed,
                    "events": int(obs.events_tp[tpi["smart_meter_installation"]]),
                },
            },
            "persona_order_dropoff": {
                "type": "persona_dropoff",
                "journey": "purchase",
                "stage": "order",
                "persona_id": senior.id,
                "persona_key": senior.key,
                "persona_name": senior.name,
                "definition": "cases that reach stage order (an order event) without an order_confirmation",
                "planted": {
                    "dropoff_rate": float(co.ORDER_ABANDON[co.SENIOR]),
                    "dropoff_rate_others": _r(
                        float(np.average(co.ORDER_ABANDON[others], weights=co.SHARES[others])), 3
                    ),
                    "sentiment_shift_at_order": co.SENIOR_ORDER_SHIFT,
                },
                "observed": {
                    "reached": int(reached[co.SENIOR]),
                    "dropoff_rate": _r(drop[co.SENIOR], 3),
                    "reached_others": int(reached[others].sum()),
                    "dropoff_rate_others": _r(drop_others, 3),
                    "by_persona": {
                        p.key: {"reached": int(reached[p.id]), "dropoff_rate": _r(drop[p.id], 3)}
                        for p in co.PERSONAS
                    },
                },
            },
            "hotline_moment_of_truth": {
                "type": "moment_of_truth",
                "journey": "service",
                "touchpoint": "hotline",
                "owner": jm.touchpoint("hotline").owner,
                "reason": "highest event volume of all service touchpoints and a strong NPS pull both ways",
                "planted": {
                    "nps_pos_per_unit": co.EXPERIENCE["hotline"].nps_pos,
                    "nps_neg_per_unit": co.EXPERIENCE["hotline"].nps_neg,
                },
                "observed": {**kano_obs("hotline"), "events": int(obs.events_tp[tpi["hotline"]])},
            },
            **explore_effects(),
        },
        "feedback": {
            "rows": tot["feedback"],
            "share_english": _r(tot["english"] / nfb, 3),
            "share_language_filled": _r(tot["language_filled"] / nfb, 3),
            "share_explicit_touchpoint": _r(tot["explicit"] / nfb, 3),
            "share_pii": _r(tot["pii"] / nfb, 3),
            "share_linkable": _r(tot["linkable"] / nfb, 3),
            "share_general": _r(tot["general"] / nfb, 3),
            "sentiment_labels": {
                "negative": "sentiment < -0.25",
                "neutral": "-0.25 <= sentiment <= 0.25",
                "positive": "sentiment > 0.25",
            },
            "linkable_rule": "text contains a keyword of the true touchpoint (either language) at a word start, "
            "case- and umlaut-insensitive (ä = ae), so compounds count",
        },
        "touchpoints": tp_perf,
    }


def explore_effects() -> dict:
    """Planted effects for paths around a touchpoint, group comparison and conformance (issue 23)."""
    return {
        "price_letter_faq": {
            "type": "path_pattern",
            "journey": "service",
            "touchpoint": "price_change_letter",
            "next": "faq",
            "planted": {"self_service_relabelled_to_faq": co.PRICE_LETTER_FAQ_P},
        },
        "business_research_dropoff": {
            "type": "group_dropoff",
            "journey": "purchase",
            "by": "segment",
            "group": "business",
            "other": "private",
            "stage": "consultation",
            "planted": {"extra_dropoff_after_research": co.BUSINESS_PRE_ORDER_DROP},
        },
        "late_meter_installation": {
            "type": "rule_breach",
            "journey": "onboarding",
            "rule": "meter_within_14d",
            "touchpoint": "smart_meter_installation",
            "planted": {"within_days": co.LATE_METER_DAYS, "sentiment_shift": co.LATE_METER_SENT},
        },
    }


def readme_text(doc: dict) -> str:
    """The human-readable truth (``truth/README.md``)."""
    eff = doc["effects"]
    lines = [
        f"# Planted truth of the {doc['company']} sample",
        "",
        f"Generated by `cjwork sample` with seed {doc['seed']} for {doc['n_customers']:,} customers; "
        f"events from {doc['window']['start']} to {doc['window']['end']} (18 months). "
        "The machine-readable version of everything below is `effects.json`; per-row truth is in "
        "`customers.csv` (persona of every customer) and `feedback.csv` (true touchpoint, sentiment, "
        "label, whether the text mentions the touchpoint's vocabulary, whether it contains personal data).",
        "",
        "## Personas",
        "",
        "Planted centres (each customer varies around them; categories overlap between personas):",
        "",
        "| id | persona | customers | share | age | tenure (months) | kWh/year | typical tariff | prefers | description |",
        "|---:|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for p in doc["personas"]:
        q = p["planted"]
        lines.append(
            f"| {p['persona_id']} | {p['name']} (`{p['key']}`) | {p['n']:,} | {p['share']:.0%} | "
            f"{q['age_mean']:.0f} | {q['tenure_months_median']:.0f} | {q['annual_kwh_median']:,.0f} | "
            f"{q['typical_tariff']} | {q['preferred_channel']} | {p['description']} |"
        )
    h, tr = eff["hotline_wait_sentiment"], eff["hotline_wait_trend"]
    fb, sm = eff["first_bill_dissatisfier"], eff["smart_meter_delighter"]
    dr, mot = eff["persona_order_dropoff"], eff["hotline_moment_of_truth"]

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:+.2f}"

    lines += [
        "",
        "## Planted effects",
        "",
        f"1. **Hotline waiting time drives sentiment** (`service` / `hotline`, metric `wait_s`). Calls waiting more than "
        f"{h['threshold']:.0f} s get clearly negative feedback (planted mean sentiment {h['planted']['sentiment_mean_above']:+.2f}, "
        f"observed {fmt(h['observed']['sentiment_mean_above'])} over {h['observed']['feedback_above']:,} comments); shorter waits "
        f"positive (planted {h['planted']['sentiment_mean_at_or_below']:+.2f}, observed {fmt(h['observed']['sentiment_mean_at_or_below'])}).",
        f"2. **Hotline waits get worse from {tr['change_from']}** (trend change, last three months): median wait "
        f"{tr['planted']['median_wait_before_s']:.0f} s before, {tr['planted']['median_wait_after_s']:.0f} s after; share of calls "
        f"above {h['threshold']:.0f} s {tr['observed']['share_above_threshold_before']:.0%} before vs "
        f"{tr['observed']['share_above_threshold_after']:.0%} after.",
        f"3. **`first_bill` is a dissatisfier** (owner {fb['owner']}). {fb['planted']['billing_error_rate']:.0%} of first bills "
        f"have an error; a bad first bill costs {fb['planted']['nps_neg_per_unit']} NPS points per unit of negative sentiment, a good "
        f"one gains only {fb['planted']['nps_pos_per_unit']}. Observed: NPS of negative comments "
        f"{fb['observed']['nps_mean_by_label']['negative']}, positive {fb['observed']['nps_mean_by_label']['positive']}, "
        f"all feedback {fb['observed']['nps_mean_all_feedback']}.",
        f"4. **`first_bill` is the quick win** for {eff['first_bill_quick_win']['owner']}: "
        f"{eff['first_bill_quick_win']['reason']}.",
        f"5. **`smart_meter_installation` is a delighter** (owner {sm['owner']}): +{sm['planted']['nps_pos_per_unit']} NPS per unit "
        f"of positive sentiment, only {sm['planted']['nps_neg_per_unit']} per unit negative. Observed NPS: positive comments "
        f"{sm['observed']['nps_mean_by_label']['positive']}, negative {sm['observed']['nps_mean_by_label']['negative']}, "
        f"all feedback {sm['observed']['nps_mean_all_feedback']}.",
        f"6. **Persona {dr['persona_name']} drops off at stage `order` of `purchase`**: planted {dr['planted']['dropoff_rate']:.0%} vs "
        f"{dr['planted']['dropoff_rate_others']:.0%} for the others; observed {dr['observed']['dropoff_rate']:.1%} of "
        f"{dr['observed']['reached']:,} cases vs {dr['observed']['dropoff_rate_others']:.1%} of {dr['observed']['reached_others']:,}. "
        f"Their experience at the order touchpoints is also more negative (sentiment shift {dr['planted']['sentiment_shift_at_order']}).",
        f"7. **The hotline is the moment of truth**: the most used service touchpoint ({mot['observed']['events']:,} calls) with a "
        f"strong NPS pull both ways (+{mot['planted']['nps_pos_per_unit']} / −{mot['planted']['nps_neg_per_unit']} per unit sentiment).",
        f"8. **After a price-change letter, customers look it up in the FAQ** (`cjwork paths --around price_change_letter`): "
        f"{eff['price_letter_faq']['planted']['self_service_relabelled_to_faq']:.0%} of their self-service steps are the FAQ.",
        f"9. **Business customers leave the purchase after research** (`cjwork compare --by segment --a private --b business`): "
        f"{eff['business_research_dropoff']['planted']['extra_dropoff_after_research']:.0%} extra drop before stage `consultation`.",
        f"10. **Late smart-meter installations break the rule `meter_within_14d`** (`conformance.csv`): installed more than "
        f"{eff['late_meter_installation']['planted']['within_days']:.0f} days after the appointment, sentiment "
        f"{eff['late_meter_installation']['planted']['sentiment_shift']:+.1f} at the installation.",
        "",
        "## Feedback",
        "",
        f"{doc['feedback']['rows']:,} comments; {doc['feedback']['share_english']:.0%} English, the rest German; `language` "
        f"filled for {doc['feedback']['share_language_filled']:.0%}; an explicit `touchpoint` for "
        f"{doc['feedback']['share_explicit_touchpoint']:.0%}; {doc['feedback']['share_linkable']:.0%} mention their touchpoint's "
        f"vocabulary; {doc['feedback']['share_general']:.0%} are general comments about no touchpoint; "
        f"{doc['feedback']['share_pii']:.1%} contain personal data (e-mail, phone, IBAN, names after Herr/Frau/Mr/Ms).",
        "",
        "Sentiment labels: negative below −0.25, positive above +0.25, neutral in between. `rating` (1–5) is "
        "the experience plus noise; `nps` (0–10) is the customer's baseline plus the touchpoint's asymmetric "
        "effect plus noise. Some ratings and NPS values are missing on purpose.",
        "",
    ]
    return "\n".join(lines)
