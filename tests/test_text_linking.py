"""Linking feedback to touchpoints: explicit > event > text > model, compounds, the sample truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.journeymap import parse_journey_map
from cjwork.text.linking import link_feedback, link_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

MAP = """
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            keywords: {de: [hotline, warteschleife, wartezeit], en: [hotline, on hold]}
          - id: app
            keywords: {de: [app], en: [app, mobile app]}
      - id: billing
        name: Billing
        touchpoints:
          - id: first_bill
            keywords: {de: [erste rechnung, erstrechnung], en: [first bill, first invoice]}
          - id: sales_hotline
            keywords: {de: [vertriebshotline], en: [sales hotline]}
  - id: purchase
    name: Purchase
    stages:
      - id: order
        name: Order
        touchpoints:
          - id: web_order
            keywords: {de: [bestellung, online bestellen], en: [online order]}
"""


@pytest.fixture(scope="module")
def jm():
    return parse_journey_map(MAP)


def best(texts, jm, journeys=None):
    return link_text(texts, jm, journeys=journeys).touchpoint.tolist()


def test_compounds_inflections_and_multiword_keywords(jm):
    texts = [
        "Die Hotlinewartezeit war unzumutbar",
        "Meine erste Rechnung war falsch",
        "The first bill was wrong",
        "My first invoices were wrong",
        "Die Erstrechnung kam spät",
        "In der Warteschleife gehangen",
        "Apparently nothing works",
        "Die App stürzt ab",
        "Die Vertriebshotline war nett",
        "I called the sales hotline",
        "Nichts davon",
    ]
    assert best(texts, jm) == [
        "hotline",
        "first_bill",
        "first_bill",
        "first_bill",
        "first_bill",
        "hotline",
        "",
        "app",
        "sales_hotline",
        "sales_hotline",
        "",
    ]


def test_several_touchpoints_strongest_wins_all_kept(jm):
    tl = link_text(["Hotline und Warteschleife nervig, die App ist ok"], jm)
    assert tl.touchpoint[0] == "hotline"
    row = tl.scores.toarray()[0]
    named = {tl.touchpoints[i] for i in np.flatnonzero(row)}
    assert named == {"hotline", "app"}
    assert 0 < tl.confidence[0] < 1


def test_journey_restricts_candidates(jm):
    texts = ["Bestellung und Hotline"] * 3
    assert best(texts, jm, journeys=["service", "purchase", "unknown"]) == [
        "hotline",
        "web_order",
        "",
    ]


def _feedback(**cols) -> pd.DataFrame:
    n = len(cols["text"])
    base = {"feedback_id": [f"F{i}" for i in range(n)]}
    base.update(cols)
    return pd.DataFrame(base)


def test_precedence_explicit_event_text(jm):
    t0 = pd.Timestamp("2026-01-10 12:00", tz="UTC")
    events = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "timestamp": [t0 - pd.Timedelta("1D")] * 3 + [t0 - pd.Timedelta("30D")],
            "journey": ["service", "service", "purchase", "service"],
            "touchpoint": ["hotline", "hotline", "web_order", "app"],
        }
    )
    fb = _feedback(
        text=[
            "Die App ist toll",
            "Danke für alles",
            "Meine erste Rechnung war falsch",
            "Die App stürzt ab",
            "Hotline ok",
        ],
        customer_id=["C1", "C2", "C3", "C4", "C9"],
        timestamp=[t0] * 5,
        touchpoint=["first_bill", None, None, None, None],
    )
    links, candidates, summary = link_feedback(fb, jm, events=events, window="14D")
    assert links["link_method"].tolist() == ["explicit", "event", "text", "text", "text"]
    assert links["touchpoint"].tolist() == ["first_bill", "hotline", "first_bill", "app", "hotline"]
    assert links["journey"].tolist() == ["service", "service", "service", "service", "service"]
    assert links.loc[0, "link_confidence"] == 1.0
    assert 0.5 <= links.loc[1, "link_confidence"] <= 0.9
    assert links["stage"].tolist()[0] == "billing"
    assert summary["coverage"]["explicit"] == pytest.approx(0.2)
    assert summary["unlinked"] == 0
    assert set(candidates.columns) == {"feedback_id", "journey", "touchpoint", "score"}
    # row 2: the event (web_order, another journey) loses to a text that clearly names first_bill
    # row 3: the event is older than the window
    wide, _, _ = link_feedback(fb, jm, events=events, window="60D")
    assert wide.loc[3, "link_method"] == "event" and wide.loc[3, "touchpoint"] == "app"
    strict, _, _ = link_feedback(fb, jm, events=events, window="14D", text_overrides_event=1.0)
    assert strict.loc[2, "link_method"] == "event" and strict.loc[2, "touchpoint"] == "web_order"


def test_event_link_respects_the_feedback_journey(jm):
    t0 = pd.Timestamp("2026-01-10", tz="UTC")
    events = pd.DataFrame(
        {
            "customer_id": ["C1", "C1"],
            "timestamp": [t0 - pd.Timedelta("2D"), t0 - pd.Timedelta("1D")],
            "journey": ["service", "purchase"],
            "touchpoint": ["hotline", "web_order"],
        }
    )
    fb = _feedback(
        text=["ok", "ok"], customer_id=["C1", "C1"], timestamp=[t0, t0], journey=["service", None]
    )
    links, _, _ = link_feedback(fb, jm, events=events)
    assert links["touchpoint"].tolist() == ["hotline", "web_order"]
    assert links["link_method"].tolist() == ["event", "event"]


def test_event_links_compare_instants_across_time_zones_and_skip_what_cannot_match():
    from cjwork.text.linking import _event_links

    events = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", None, "C9"],
            # 10:00 and 11:30 UTC; C2's event given in Berlin time (UTC+1 in January)
            "timestamp": [
                "2026-01-10T10:00:00Z",
                "2026-01-10T11:30:00Z",
                "2026-01-10T12:00:00+01:00",
                "2026-01-10T09:00:00Z",
                "2026-01-10T09:00:00Z",
            ],
            "journey": ["service"] * 5,
            "touchpoint": ["hotline", "app", "invoice", "hotline", "hotline"],
        }
    )
    feedback = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3", None, "C2"],
            "timestamp": [
                "2026-01-10T12:00:00+01:00",  # 11:00 UTC: after the hotline, before the app
                "2026-01-10T11:45:00Z",
                "2026-01-10T11:30:00Z",  # 30 min after C2's event (11:00 UTC)
                "2026-01-10T11:30:00Z",  # no events
                "2026-01-10T11:30:00Z",  # no customer
                "not a time",
            ],
        },
        index=[10, 11, 12, 13, 14, 15],  # not a range: rows are matched by position
    )
    out = _event_links(feedback, events, pd.Timedelta("1D"))
    assert out["touchpoint"].tolist() == ["hotline", "app", "invoice", "", "", ""]
    assert out["journey"].tolist() == ["service"] * 3 + [""] * 3
    np.testing.assert_allclose(out["gap"].to_numpy()[:3], [3600.0, 900.0, 1800.0])
    assert out["gap"].iloc[3:].isna().all()
    # a window shorter than the gap leaves the row unlinked
    short = _event_links(feedback, events, pd.Timedelta("20min"))
    assert short["touchpoint"].tolist() == ["", "app", "", "", "", ""]


def test_model_used_only_when_it_beats_text(jm):
    rng = np.random.default_rng(0)
    words = {"hotline": ["blorp", "zimzam"], "app": ["quorble", "snirk"]}
    rows = []
    for i in range(120):
        tp = "hotline" if i % 2 else "app"
        explicit = i < 80
        rows.append(
            {
                "text": f"{rng.choice(words[tp])} {rng.choice(['heute', 'gestern', 'neulich'])} {rng.choice(words[tp])}",
                "touchpoint": tp if explicit else None,
                "true": tp,
            }
        )
    fb = _feedback(text=[r["text"] for r in rows], touchpoint=[r["touchpoint"] for r in rows])
    links, _, summary = link_feedback(fb, jm)
    assert (
        summary["model_used"]
        and summary["model_cv_accuracy"] > summary["text_accuracy_on_explicit"]
    )
    rest = links.iloc[80:]
    assert (rest["link_method"] == "model").all()
    assert (rest["touchpoint"].to_numpy() == np.array([r["true"] for r in rows[80:]])).mean() >= 0.9
    never, _, s2 = link_feedback(fb, jm, use_model="never")
    assert (never.iloc[80:]["link_method"] == "").all() and "model_used" not in s2


def test_bad_input(jm):
    with pytest.raises(UsageError, match="feedback_id"):
        link_feedback(pd.DataFrame({"text": ["x"]}), jm)
    with pytest.raises(UsageError, match="window"):
        link_feedback(_feedback(text=["x"]), jm, window="soon")
    links, _, _ = link_feedback(_feedback(text=["", None, 5, "Hotline"]), jm)
    assert links["touchpoint"].tolist() == ["", "", "", "hotline"]


@pytest.mark.skipif(
    not (SAMPLE / "truth" / "feedback.csv").exists(), reason="sample data not generated"
)
def test_sample_text_linking_recovers_planted_touchpoints():
    import cjwork

    ws = cjwork.load(SAMPLE)
    truth = pd.read_csv(SAMPLE / "truth" / "feedback.csv", dtype={"feedback_id": str})
    fb = ws.feedback.reset_index(drop=True)
    assert (fb["feedback_id"].astype(str).to_numpy() == truth["feedback_id"].to_numpy()).all()
    tl = link_text(fb["text"], ws.journeys)
    linkable = truth["linkable"].astype(bool).to_numpy()
    recovered = (tl.touchpoint[linkable] == truth["touchpoint"].to_numpy()[linkable]).mean()
    assert recovered >= 0.85
