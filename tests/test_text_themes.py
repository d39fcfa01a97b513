"""Themes: ThemeModel (clustered sentence embeddings, bilingual labels) and feedback_themes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from cjwork.errors import UsageError
from cjwork.text.themes import (
    THEME_COLUMNS,
    ThemeModel,
    class_phrases,
    feedback_themes,
    nps_score,
    parse_seeds,
)

BILL_DE = [
    "Die Nachzahlung ist unverständlich, niemand erklärt sie.",
    "Nachzahlung unverständlich, ich verstehe die Abrechnung nicht.",
    "Warum so eine hohe Nachzahlung? Völlig unverständlich.",
    "Die Nachzahlung auf der ersten Rechnung ist unverständlich.",
    "Nachzahlung unverständlich und keine Erklärung dazu.",
    "Eine Nachzahlung von 300 Euro, unverständlich!",
]
BILL_EN = [
    "The back-payment was not explained at all.",
    "Back-payment not explained on my first bill.",
    "Nobody explained the back-payment, very confusing.",
    "A huge back-payment and it was not explained.",
    "Back-payment not explained, I do not understand it.",
    "Why a back-payment? It was never explained.",
]
WAIT_DE = [
    "Ewig in der Warteschleife der Hotline gehangen.",
    "Die Hotline hat mich 40 Minuten warten lassen.",
    "Lange Wartezeit an der Hotline, keiner geht ran.",
    "Warteschleife ohne Ende bei der Hotline.",
    "An der Hotline wartet man eine Ewigkeit.",
    "Hotline Wartezeit viel zu lang.",
]
WAIT_EN = [
    "I was on hold with the hotline for ages.",
    "The hotline kept me waiting for 40 minutes.",
    "Long waiting time on the hotline, nobody answers.",
    "Endless hold music on the hotline.",
    "Waiting forever on the hotline.",
    "Hotline waiting time far too long.",
]
TEXTS = BILL_DE + BILL_EN + WAIT_DE + WAIT_EN
TRUTH = np.array([0] * 12 + [1] * 12)
LANGS = ["de"] * 6 + ["en"] * 6 + ["de"] * 6 + ["en"] * 6


@pytest.fixture(scope="module")
def fitted() -> ThemeModel:
    return ThemeModel(n_themes=2, random_state=0).fit(TEXTS, languages=LANGS)


def test_two_topics_across_languages_are_found(fitted):
    assert fitted.n_themes_ == 2
    assert adjusted_rand_score(TRUTH, fitted.labels_) == 1.0


def test_labels_name_the_topic_in_each_language(fitted):
    bill = fitted.labels_[0]
    assert "nachzahlung" in fitted.labels_de_[bill]
    assert "back payment" in fitted.labels_en_[bill]
    wait = 1 - bill
    assert "hotline" in fitted.labels_de_[wait]
    assert "hotline" in fitted.labels_en_[wait]


def test_auto_chooses_two_themes_and_records_silhouettes():
    m = ThemeModel(random_state=0, max_themes=4).fit(TEXTS, languages=LANGS)
    assert set(m.silhouette_) <= {2, 3, 4} and m.silhouette_
    assert m.n_themes_ == max(m.silhouette_, key=m.silhouette_.get)
    assert adjusted_rand_score(TRUTH, m.labels_) > 0.6


def test_predict_and_transform_new_texts(fitted):
    idx = fitted.predict(["Nachzahlung wieder nicht erklärt", "on hold at the hotline again"])
    assert idx[0] == fitted.labels_[0] and idx[1] == fitted.labels_[-1]
    tr = fitted.transform(["Nachzahlung wieder nicht erklärt"])
    assert list(tr.columns) == ["theme", "label_de", "label_en"]
    assert tr.loc[0, "theme"] == fitted.theme_ids_[fitted.labels_[0]]


def test_one_language_theme_takes_the_other_languages_label():
    texts = BILL_DE + WAIT_EN
    m = ThemeModel(n_themes=2, random_state=0).fit(texts, languages=["de"] * 6 + ["en"] * 6)
    bill = m.labels_[0]
    assert m.labels_en_[bill] == m.labels_de_[bill] and "nachzahlung" in m.labels_en_[bill]
    wait = m.labels_[-1]
    assert m.labels_de_[wait] == m.labels_en_[wait] and "hotline" in m.labels_de_[wait]


def test_seeded_theme_takes_keyword_texts_first():
    seeds = parse_seeds(
        [
            {
                "id": "waiting",
                "name": {"de": "Wartezeit", "en": "Waiting time"},
                "keywords": {"de": ["warteschleife", "wartezeit"], "en": ["on hold", "waiting"]},
            }
        ]
    )
    m = ThemeModel(seeds=seeds, random_state=0).fit(TEXTS, languages=LANGS)
    assert m.theme_ids_[0] == "waiting" and m.seeded_[0]
    assert (m.labels_de_[0], m.labels_en_[0]) == ("Wartezeit", "Waiting time")
    words = re.compile(r"\b(warteschleife|wartezeit|on hold|waiting)\b")
    hits = [i for i, t in enumerate(TEXTS) if words.search(t.lower())]
    assert len(hits) == 9
    assert (m.labels_[hits] == 0).all()
    assert m.predict(["Schon wieder in der Warteschleife"])[0] == 0


def test_subsample_then_classifier_assigns_the_rest():
    m = ThemeModel(n_themes=2, sample_size=12, random_state=1).fit(TEXTS * 2, languages=LANGS * 2)
    assert m.embedded_ == 12 and m.assigner_ is not None
    assert adjusted_rand_score(np.tile(TRUTH, 2), m.labels_) > 0.6


def test_bad_parameters_and_not_fitted():
    with pytest.raises(UsageError, match="n_themes"):
        ThemeModel(n_themes=0).fit(TEXTS)
    with pytest.raises(UsageError, match="keywords"):
        parse_seeds([{"id": "x"}])
    with pytest.raises(NotFittedError, match="fit"):
        ThemeModel().predict(["x"])


def test_class_phrases_prefers_distinctive_longer_phrases():
    texts = ["die nachzahlung ist unverständlich"] * 4 + ["die hotline ist langsam"] * 4
    labels = np.array([0] * 4 + [1] * 4)
    out = class_phrases(texts, labels, 3)
    assert out[0].startswith("nachzahlung") and "unverständlich" in out[0]
    assert out[1].startswith("hotline") and out[2] == ""


def test_feedback_themes_table_measures_each_theme():
    rng = np.random.default_rng(0)
    n = len(TEXTS)
    fb = pd.DataFrame(
        {
            "feedback_id": [f"F{i}" for i in range(n)],
            "journey": "service",
            "touchpoint": "hotline",
            "text": TEXTS,
            "language": LANGS,
            "sentiment_score": np.where(TRUTH == 0, -0.6, -0.2) + 0.05 * rng.standard_normal(n),
            "nps": np.where(TRUTH == 0, 2, 9),
        }
    )
    table, assigned = feedback_themes(fb, min_feedback=5, n_themes=2)
    assert list(table.columns[: len(THEME_COLUMNS)]) == THEME_COLUMNS
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["feedback"].sum() == n
    assert (table["sentiment_low"] <= table["sentiment"]).all()
    assert (table["sentiment"] <= table["sentiment_high"]).all()
    bill = table[table["label_de"].str.contains("nachzahlung")].iloc[0]
    assert bill["sentiment"] == pytest.approx(-0.6, abs=0.05)
    # NPS of the theme (all detractors) minus the rest (all promoters)
    assert bill["importance"] == pytest.approx(-200.0)
    assert len(assigned) == n and set(assigned["theme"]) == set(table["theme"])
    small, _ = feedback_themes(fb, min_feedback=n + 1)
    assert small.empty and list(small.columns[: len(THEME_COLUMNS)]) == THEME_COLUMNS


def test_nps_score():
    assert nps_score(pd.Series([10, 9, 8, 0, None])) == pytest.approx(25.0)


def test_sample_first_bill_top_theme_names_the_planted_back_payment():
    import json
    from pathlib import Path

    import cjwork
    from cjwork.text import enrich_feedback
    from cjwork.text.themes import top_theme

    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    ws = cjwork.load(root)
    fb = enrich_feedback(ws)
    fb = fb[fb["touchpoint"] == "first_bill"]
    table, assigned = feedback_themes(fb, ws.journeys)
    top = top_theme(table, "onboarding", "first_bill")
    behind = top_theme(table, "onboarding", "first_bill", negative=True)
    # the planted theme is the largest theme there (a tie within 10 % counts) and the theme
    # behind the dissatisfier, as the reports name it
    assert behind["theme"] == top["theme"] or behind["feedback"] >= 0.9 * top["feedback"]
    assert "nachzahlung" in behind["label_de"]
    assert "back payment" in behind["label_en"]
    assert behind["sentiment"] < -0.3
    # it holds the planted comments and little else (the truth of the sample company)
    truth = json.loads((root / "truth" / "loop.json").read_text(encoding="utf-8"))
    assert truth["first_bill_theme"]["touchpoint"] == "first_bill"
    planted = fb["text"].str.lower().str.contains(r"nachzahlung|back.payment", regex=True)
    mine = assigned.loc[fb.index, "theme"].eq(behind["theme"])
    assert (mine & planted).sum() / planted.sum() >= 0.9  # recall
    assert (mine & planted).sum() / mine.sum() >= 0.8  # precision
    labels = pd.read_csv(root / "truth" / "feedback.csv", dtype=str).set_index("feedback_id")
    negative = fb["feedback_id"].map(labels["sentiment_label"]).eq("negative").to_numpy()
    share_of_negative = (mine & negative).sum() / negative.sum()
    assert abs(share_of_negative - truth["first_bill_theme"]["share_of_negative_comments"]) < 0.2
