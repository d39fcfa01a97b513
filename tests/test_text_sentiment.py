"""Sentiment scorer: lexicon rules, bad input, language, the learned path and its rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from cjwork.errors import ModelError, UsageError
from cjwork.text import SentimentScorer, detect_language, score_texts
from cjwork.text.normalize import clean_texts, fold
from cjwork.text.sentiment import LABELS, LEARN_CHARS, weak_labels

DATA = Path(__file__).parent / "data"


def scores(texts, **kw) -> np.ndarray:
    return score_texts(texts, **kw)["sentiment_score"].to_numpy()


def labels(texts, **kw) -> list[str]:
    return score_texts(texts, **kw)["sentiment_label"].tolist()


def test_basic_polarity_both_languages():
    assert labels(
        ["Die Hotline war sehr freundlich und kompetent.", "The agent was friendly and helpful."]
    ) == ["positive", "positive"]
    assert labels(["Die Rechnung ist eine Frechheit.", "Terrible service, never again."]) == [
        "negative",
        "negative",
    ]
    assert labels(["Ich habe meine Adresse geändert.", "I updated my address."]) == [
        "neutral",
        "neutral",
    ]


@pytest.mark.parametrize(
    ("negated", "plain"),
    [
        ("nicht gut", "gut"),
        ("not good", "good"),
        ("nicht freundlich", "freundlich"),
        ("Die App gefällt mir nicht", "Die App gefällt mir"),
    ],
)
def test_negation_flips_positive_words(negated, plain):
    s_neg, s_plain = scores([negated, plain])
    assert s_plain > 0
    assert s_neg < 0


@pytest.mark.parametrize(
    "text", ["kein Problem", "not bad", "nicht schlecht", "keine Probleme mit der Rechnung"]
)
def test_negated_negative_words_are_not_negative(text):
    assert scores([text])[0] > 0


def test_intensifiers_and_downtoners():
    plain, strong, weak = scores(
        ["Der Service war gut.", "Der Service war sehr gut.", "Der Service war etwas gut."]
    )
    assert strong > plain > weak > 0
    assert scores(["super"])[0] > 0  # an intensifier on its own keeps its valence


def test_umlaut_spellings_are_the_same():
    a, b, c = scores(
        [
            "Die Verspätung war ärgerlich",
            "Die Verspaetung war aergerlich",
            "DIE VERSPÄTUNG WAR ÄRGERLICH",
        ]
    )
    assert a == b == c < 0
    assert fold("Größe") == "groesse"


def test_compounds_use_their_head_and_modifier():
    s = scores(["Hotlinewartezeit", "Zugausfall", "Superservice", "Horrorrechnung", "Rechnung"])
    assert s[0] < 0 and s[1] < 0
    assert s[2] > 0
    assert s[3] < 0
    assert s[4] == 0


def test_emoji_and_customer_service_wording():
    s = scores(
        [
            "😡",
            "👍",
            "Lange Warteschleife und eine Störung",
            "Betrag wurde erstattet, sehr kompetent",
            "Ausfall und Verspätung",
        ]
    )
    assert s[0] < 0 < s[1]
    assert s[2] < 0 < s[3]
    assert s[4] < 0


def test_scores_are_bounded_and_deterministic():
    texts = ["super super super toll klasse 👍👍👍"] * 3 + ["schlecht furchtbar katastrophal 😡😡"]
    a, b = scores(texts), scores(texts)
    assert np.array_equal(a, b)
    assert np.all(np.abs(a) <= 1)


def test_bad_input_is_handled_and_counted():
    long_text = ("Die Hotline war gut. " * 6000)[:120_000]  # > 100 KB
    values = [
        "",
        "   ",
        None,
        np.nan,
        42,
        3.5,
        "Verspätung".encode("cp1252"),
        "Kündigung".encode(),
        "VerspÃ¤tung Ã¤rgerlich",
        long_text,
        "gut",
    ]
    out = score_texts(values)
    assert len(out) == len(values)
    report = out.attrs["clean_report"]
    assert report.missing == 2
    assert report.empty == 2
    assert report.non_text == 2
    assert report.decoded == 2
    assert report.repaired_encoding == 1
    assert report.truncated == 1
    assert out["sentiment_label"].iloc[:6].eq("neutral").all()
    assert out["sentiment_score"].iloc[6] < 0  # cp1252 bytes decoded
    assert out["sentiment_score"].iloc[8] < 0  # mojibake repaired
    assert out["sentiment_score"].iloc[9] > 0


def test_clean_texts_keeps_order_and_length():
    texts, report = clean_texts(pd.Series(["a", None, "b"], index=[10, 5, 7]))
    assert texts == ["a", "", "b"]
    assert report.n == 3


def test_language_detection_and_override():
    texts = [
        "Die Hotline war freundlich.",
        "The hotline was friendly.",
        "12345",
        "Tja, die erste Rechnung ging so",
        "",
        "😡",
    ]
    assert detect_language(texts).tolist() == ["de", "en", "other", "de", "other", "other"]
    over = detect_language(texts, override=["en", None, "de", "fr", "", "DE"])
    assert over.tolist() == ["en", "en", "de", "de", "other", "de"]
    # the override also steers the lexicon: scored as German
    out = score_texts(["gift"], languages=["de"])
    assert out["language"].iat[0] == "de"


def test_language_parameter_validated():
    with pytest.raises(UsageError, match="language"):
        score_texts(["gut"], language="fr")
    with pytest.raises(UsageError, match="use must be"):
        SentimentScorer(use="maybe").score(["gut"])


def test_english_fixture_out_of_the_box():
    d = pd.read_csv(DATA / "english_feedback.tsv", sep="\t", comment="#")
    assert len(d) >= 100 and set(d["label"]) == {"negative", "neutral", "positive"}
    m = SentimentScorer().evaluate(d["text"], d["label"])
    assert m["accuracy"] >= 0.8
    assert m["macro_f1"] >= 0.8
    assert m["confusion"].to_numpy().sum() == len(d)


def test_weak_labels_from_ratings_and_nps():
    assert weak_labels(ratings=[1, 2, 3, 4, 5, None]).tolist() == [
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
        None,
    ]
    assert weak_labels(nps=[0, 6, 7, 8, 9, 10, 11]).tolist() == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "positive",
        None,
    ]
    both = weak_labels(ratings=[None, 5], nps=[0, 0])
    assert both.tolist() == ["negative", "positive"]


def _rated_corpus(n: int = 300, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Texts whose sentiment only a learner can know: made-up product words carry it."""
    rng = np.random.default_rng(seed)
    good = ["blorptastic", "zimzam", "quorble"]
    bad = ["flarnish", "grodden", "snirk"]
    filler = ["Tarif", "Vertrag", "Zähler", "Rechnung", "Termin", "Portal"]
    texts, ratings = [], []
    for _ in range(n):
        r = int(rng.integers(1, 6))
        words = list(rng.choice(filler, 3))
        if r >= 4:
            words.append(str(rng.choice(good)))
        elif r <= 2:
            words.append(str(rng.choice(bad)))
        rng.shuffle(words)
        texts.append(" ".join(words))
        ratings.append(r)
    return texts, np.array(ratings)


def test_fit_learns_from_ratings_and_prefers_the_learned_model():
    texts, ratings = _rated_corpus()
    sc = SentimentScorer(random_state=0).fit(texts, ratings=ratings)
    cv = sc.cv_scores_
    assert cv["learned"]["macro_f1"] > cv["lexicon"]["macro_f1"] + sc.min_gain
    assert len(cv["learned"]["folds"]["accuracy"]) == 5
    assert sc.use_learned_
    out = sc.score(["Vertrag blorptastic", "Rechnung grodden"])
    assert out.attrs["scorer"] == "learned"
    assert out["sentiment_label"].tolist() == ["positive", "negative"]
    assert "learned model" in sc.summary()
    # same data and seed, same result
    sc2 = SentimentScorer(random_state=0).fit(texts, ratings=ratings)
    assert sc2.cv_scores_ == cv


def test_lexicon_kept_when_learning_does_not_help():
    rng = np.random.default_rng(1)
    texts = [
        str(rng.choice(["Alles super, danke!", "Furchtbar schlecht.", "Adresse geändert."]))
        for _ in range(150)
    ]
    lab = [
        "positive" if "super" in t else "negative" if "schlecht" in t else "neutral" for t in texts
    ]
    sc = SentimentScorer(random_state=0).fit(texts, labels=lab)
    assert sc.cv_scores_["lexicon"]["macro_f1"] == pytest.approx(1.0)
    assert not sc.use_learned_
    assert sc.score(["Alles super"]).attrs["scorer"] == "lexicon"


def test_estimator_conventions_and_errors():
    sc = SentimentScorer(C=2.0, random_state=3)
    assert sc.get_params()["C"] == 2.0
    assert clone(sc).get_params() == sc.get_params()
    with pytest.raises(NotFittedError, match="call fit"):
        sc.score(["gut"], use="learned")
    with pytest.raises(ModelError, match="cannot learn"):
        sc.fit(["gut", "schlecht"], labels=["positive", "negative"])
    with pytest.raises(UsageError, match="ratings"):
        sc.fit(["gut"])
    with pytest.raises(UsageError, match="labels must be"):
        sc.evaluate(["gut"], ["great"])


def test_softmax_svc_probabilities_follow_its_decisions():
    from cjwork.text.sentiment import SoftmaxLinearSVC

    texts, ratings = _rated_corpus(120, seed=2)
    y = weak_labels(ratings)
    from sklearn.feature_extraction.text import TfidfVectorizer

    Xm = TfidfVectorizer().fit_transform(texts)
    clf = SoftmaxLinearSVC(C=0.5, random_state=0).fit(Xm, y)
    assert clone(clf).get_params() == {"C": 0.5, "class_weight": "balanced", "random_state": 0}
    proba = clf.predict_proba(Xm)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(Xm)).all()
    assert (clf.predict(Xm) == y).mean() > 0.9
    # two classes: one decision column becomes two probability columns
    two = np.isin(y, ["negative", "positive"])
    clf2 = SoftmaxLinearSVC(random_state=0).fit(Xm[two], y[two])
    p2 = clf2.predict_proba(Xm[two])
    assert p2.shape == (int(two.sum()), 2)
    assert (clf2.classes_[p2.argmax(axis=1)] == clf2.predict(Xm[two])).all()


def test_fit_reports_pooled_out_of_fold_confusion_and_per_class_f1():
    texts, ratings = _rated_corpus()
    sc = SentimentScorer(random_state=0).fit(texts, ratings=ratings)
    for name in ("learned", "lexicon"):
        cm = np.array(sc.cv_scores_[name]["confusion"])
        assert cm.shape == (3, 3)
        assert cm.sum() == sc.n_train_
        # rows are the true labels: they add up to the label counts
        assert cm.sum(axis=1).tolist() == [sc.label_counts_[lab] for lab in LABELS]
        assert set(sc.cv_scores_[name]["per_class_f1"]) == set(LABELS)
    learned = sc.cv_scores_["learned"]
    assert min(learned["per_class_f1"].values()) > 0.8
    # pooled accuracy from the matrix is the fold mean up to fold-size differences
    cm = np.array(learned["confusion"])
    assert np.trace(cm) / cm.sum() == pytest.approx(learned["accuracy"], abs=0.01)


def test_learned_model_reads_the_head_of_long_texts():
    texts, ratings = _rated_corpus()
    sc = SentimentScorer(random_state=0, use="learned").fit(texts, ratings=ratings)
    head = "Vertrag blorptastic " + "Tarif " * (LEARN_CHARS // 6)
    tail = " grodden" * 50
    a, b = sc.score([head, head + tail])["sentiment_score"]
    assert a == b
    assert a > 0
