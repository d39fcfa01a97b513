"""The link model: zero-shot sentence-embedding linking, learning from explicit links,
abstention, the ``cjwork link`` output contract and determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cjwork.journeymap import parse_journey_map
from cjwork.text.keywords import link_text
from cjwork.text.linking import METHODS, link_feedback
from cjwork.text.linkmodel import (
    TouchpointLinker,
    accuracy_coverage,
    choose_threshold,
    dedupe_key,
    touchpoint_phrases,
)

MAP = """
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Telefon-Hotline / Phone hotline
            keywords: {de: [hotline, warteschleife, anruf], en: [hotline, phone call, on hold]}
          - id: app
            name: Kunden-App / Customer app
            keywords: {de: [app, handy-app], en: [app, mobile app]}
      - id: billing
        name: Rechnung / Billing
        touchpoints:
          - id: invoice
            name: Rechnung / Invoice
            keywords: {de: [rechnung, abrechnung, nachzahlung], en: [invoice, bill, billing]}
  - id: delivery
    name: Lieferung / Delivery
    stages:
      - id: ship
        name: Versand / Shipping
        touchpoints:
          - id: parcel
            name: Paketzustellung / Parcel delivery
            keywords: {de: [paket, zustellung, lieferung], en: [parcel, package, delivery]}
          - id: installation
            name: Installation durch Techniker / Installation by a technician
            keywords: {de: [techniker, montage, einbau], en: [technician, installation, fitter]}
"""

# hand-written, before any run; none of them contains a keyword of the map
ZERO_SHOT = [
    ("Ich habe eine halbe Stunde am Telefon gewartet, bis jemand abgenommen hat.", "hotline"),
    ("Niemand ging ran, ich hing ewig in der Leitung.", "hotline"),
    ("I waited forty minutes on the line before anyone answered.", "hotline"),
    ("Die Anwendung auf meinem Smartphone stürzt ständig ab.", "app"),
    ("The application on my phone crashes every time I log in.", "app"),
    ("Der Betrag, den ihr mir abgebucht habt, ist viel zu hoch.", "invoice"),
    ("I was charged twice this month, the amount on my statement is wrong.", "invoice"),
    ("Der Bote hat den Karton einfach vor die Tür gestellt.", "parcel"),
    ("The courier left the box at my neighbour's door without telling me.", "parcel"),
    ("Der Monteur kam pünktlich und hat das Gerät sauber angeschlossen.", "installation"),
    ("The engineer who came to fit the device was friendly and tidy.", "installation"),
]


@pytest.fixture(scope="module")
def jm():
    return parse_journey_map(MAP)


def test_phrases_hold_both_names_and_both_languages(jm):
    phrases = touchpoint_phrases(jm)
    assert phrases["hotline"][:2] == ["Telefon-Hotline", "Phone hotline"]
    assert {"warteschleife", "on hold"} <= set(phrases["hotline"])
    assert dedupe_key(["Kd-Nr 4711  ok "]) == ["Kd-Nr 0 ok"]


def test_zero_shot_finds_the_touchpoint_without_any_keyword_or_link(jm):
    texts = [t for t, _ in ZERO_SHOT]
    truth = np.array([tp for _, tp in ZERO_SHOT], dtype=object)
    assert (link_text(texts, jm).touchpoint == "").all()  # keywords alone find nothing
    linker = TouchpointLinker(jm).fit(texts)  # no labels: zero-shot
    assert linker.model_ is None
    proba = linker.predict_proba(texts)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    best = linker.classes_[proba.argmax(axis=1)]
    assert np.mean(best == truth) >= 0.8, list(zip(texts, best, strict=True))
    # through link_feedback: the rows no rule links go to the zero-shot model
    links, _, summary = link_feedback(
        pd.DataFrame({"feedback_id": [f"F{i}" for i in range(len(texts))], "text": texts}), jm
    )
    assert summary["model_mode"] == "zero-shot" and summary["model_embeddings"]
    linked = links["link_method"] == "model"
    assert linked.mean() >= 0.6
    assert (links.loc[linked, "touchpoint"].to_numpy() == truth[linked.to_numpy()]).mean() >= 0.9


def test_abstains_on_feedback_that_names_no_touchpoint(jm):
    vague = ["Alles in allem ok.", "Weiter so!", "Nothing special to report.", "Danke."]
    linker = TouchpointLinker(jm).fit([])
    assert (linker.predict(vague) == "").all()
    # a threshold of 1 links nothing, a threshold of 0 links everything
    texts = [t for t, _ in ZERO_SHOT]
    assert (TouchpointLinker(jm, threshold=1.0).fit([]).predict(texts) == "").all()
    assert (TouchpointLinker(jm, threshold=0.0).fit([]).predict(texts) != "").all()


def test_threshold_rule_and_coverage_curve():
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    right = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    assert choose_threshold(right, conf) == 0.7  # keep the three sure right ones
    assert choose_threshold(~right, conf) == 1.0  # nothing worth linking
    mixed = np.array([1, 1, 0, 1, 1, 0], dtype=bool)
    assert choose_threshold(mixed, conf) == 0.8  # a wrong link costs two right ones
    assert choose_threshold(mixed, conf, wrong_link_cost=0.1) == 0.5
    curve = accuracy_coverage(["a"] * 6, np.where(right, "a", "b"), conf, coverages=(1.0, 0.5))
    assert curve["accuracy"].tolist() == [0.5, 1.0]
    assert curve["n"].tolist() == [6, 3]


def _generated(seed: int, n: int = 150) -> tuple[list[str], np.ndarray]:
    """Texts whose touchpoint shows in words that are not keywords (varied templates)."""
    rng = np.random.default_rng(seed)
    cues = {
        "hotline": ["Mitarbeiterin am Telefon", "the agent I spoke to", "Kollege am Apparat"],
        "app": ["Login auf dem Handy", "the update on my phone", "Push-Nachricht"],
        "invoice": ["Abschlag", "the amount charged", "Jahresbetrag"],
        "parcel": ["Karton", "the courier", "Sendungsverfolgung"],
        "installation": ["Monteur", "the engineer", "Zählerschrank"],
    }
    tails = ["war schlecht", "was fine", "hat genervt", "was a mess", "ok", "super", "meh"]
    keys = list(cues)
    y = np.array([keys[i] for i in rng.integers(0, len(keys), n)], dtype=object)
    texts = [
        f"{rng.choice(['Der', 'Die', 'Also', 'Hmm', 'Well,'])} {rng.choice(cues[t])} "
        f"{rng.choice(tails)} {rng.choice(['', 'heute', 'again', 'leider'])}".strip()
        for t in y
    ]
    return texts, y


def test_learned_model_beats_keywords_only(jm):
    texts, y = _generated(0)
    n_train = 100
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i}" for i in range(len(texts))],
            "text": texts,
            "touchpoint": pd.Series(
                list(y[:n_train]) + [None] * (len(texts) - n_train), dtype="string"
            ),
        }
    )
    links, _, summary = link_feedback(fb, jm)
    assert summary["model_mode"] == "learned" and summary["model_used"]
    assert summary["model_cv_accuracy"] > summary["text_accuracy_on_explicit"]
    rest = links.iloc[n_train:]
    truth = y[n_train:]
    model_acc = np.mean(rest["touchpoint"].to_numpy() == truth)
    keyword_acc = np.mean(link_text(texts[n_train:], jm).touchpoint == truth)
    assert model_acc >= keyword_acc + 0.3
    assert model_acc >= 0.8


def test_output_contract_and_determinism(jm):
    texts, y = _generated(1, n=80)
    texts += ["", "Die Hotline war super", "Alles in allem ok."]
    n = len(texts)
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i}" for i in range(n)],
            "text": texts,
            "touchpoint": pd.Series(list(y[:50]) + [None] * (n - 50), dtype="string"),
        }
    )
    a, _, sa = link_feedback(fb, jm, random_state=3)
    b, _, sb = link_feedback(fb, jm, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert sa == sb
    for col in ("feedback_id", "journey", "touchpoint", "link_method", "link_confidence"):
        assert col in a.columns
    assert set(a["link_method"]) <= set(METHODS) | {""}
    assert a["link_confidence"].between(0, 1).all()
    unlinked = a["touchpoint"] == ""
    assert (a.loc[unlinked, "link_method"] == "").all()
    assert (a.loc[~unlinked, "link_method"] != "").all()
    assert a.loc[n - 3, "touchpoint"] == ""  # an empty text is never linked
    assert a.loc[n - 2, "touchpoint"] == "hotline"
    assert (a["link_method"].iloc[:50] == "explicit").all()
    # rules only: no model links
    rules, _, _ = link_feedback(fb, jm, use_model="never")
    assert "model" not in set(rules["link_method"])


def test_bad_parameters(jm):
    from cjwork.errors import UsageError

    fb = pd.DataFrame({"feedback_id": ["F1"], "text": ["x"]})
    with pytest.raises(UsageError, match="use_model"):
        link_feedback(fb, jm, use_model="sometimes")
    with pytest.raises(UsageError, match="min_model_confidence"):
        link_feedback(fb, jm, min_model_confidence=2)
    with pytest.raises(UsageError, match="embeddings"):
        link_feedback(fb, jm, embeddings="yes")
    with pytest.raises(UsageError, match="does not know"):
        TouchpointLinker(jm).fit(["a"] * 10, ["nowhere"] * 10)
