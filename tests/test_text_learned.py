"""The learned sentiment path chooses C, calibration and class offsets inside its own CV."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from cjwork.errors import UsageError
from cjwork.text.sentiment import (
    C_GRID,
    SentimentScorer,
    choose_offsets,
    fast_macro_f1,
)


def test_fast_macro_f1_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    pred = np.where(rng.random(300) < 0.6, y, rng.integers(0, 3, 300))
    assert fast_macro_f1(y, pred, 3) == pytest.approx(f1_score(y, pred, average="macro"))
    # a class absent from y is left out, as sklearn does with labels=present classes
    y2 = np.where(y == 2, 0, y)
    assert fast_macro_f1(y2, pred, 3) == pytest.approx(
        f1_score(y2, pred, labels=[0, 1], average="macro")
    )


def test_offsets_lift_a_rare_class_that_argmax_never_predicts():
    rng = np.random.default_rng(1)
    n = 600
    y = np.where(rng.random(n) < 0.1, 2, np.where(rng.random(n) < 0.5, 0, 1))
    logp = rng.normal(0, 0.3, (n, 3))
    logp[np.arange(n), y] += 0.5
    logp[:, 2] -= 1.0  # the rare class is (almost) never the arg-max
    assert (logp.argmax(axis=1) == 2).mean() < 0.02
    off, f1 = choose_offsets(logp, y)
    assert off[0] == 0.0 and off[2] > 0.5
    assert f1 > fast_macro_f1(y, logp.argmax(axis=1), 3) + 0.1
    # nothing to gain: no offsets
    clean = np.eye(3)[y] * 5
    off, f1 = choose_offsets(clean, y)
    assert f1 == 1.0 and not off.any()


def _corpus(n: int = 150, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    words = {
        "positive": ["blorptastic", "zimzam"],
        "negative": ["flarnish", "grodden"],
        "neutral": ["tarif", "zaehler"],
    }
    texts, labels = [], []
    for i in range(n):
        lab = ("neutral", "neutral", "negative", "positive")[i % 4]
        texts.append(f"{rng.choice(words[lab])} Vertrag {rng.integers(100)}")
        labels.append(lab)
    return texts, labels


def test_fit_chooses_c_and_offsets_and_summary_states_them():
    texts, labels = _corpus()
    sc = SentimentScorer(embeddings=False, random_state=0).fit(texts, labels=labels)
    assert sc.C_ in C_GRID
    assert set(sc.cv_scores_["grid"]) == {f"tfidf, C={c:g}" for c in C_GRID}
    assert sc.offsets_.shape == (3,)
    assert list(sc.classes_) == ["negative", "neutral", "positive"]
    proba = sc._learned_proba(["blorptastic Vertrag", "grodden Vertrag"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert sc.predict(["blorptastic Vertrag", "grodden Vertrag", "tarif Vertrag"]).tolist() == [
        "positive",
        "negative",
        "neutral",
    ]
    text = sc.summary()
    assert f"C={sc.C_:g} (chosen by CV)" in text
    assert "calibrated probabilities" in text and "nested CV" in text
    fixed = SentimentScorer(embeddings=False, C=0.5, offsets=False, random_state=0)
    fixed.fit(texts, labels=labels)
    assert fixed.C_ == 0.5 and not fixed.offsets_.any()
    assert "(given)" in fixed.summary() and "no class offsets" in fixed.summary()


@pytest.mark.parametrize("bad", ["best", 0, -1.0])
def test_c_must_be_auto_or_positive(bad):
    with pytest.raises(UsageError, match="C must be"):
        SentimentScorer(C=bad).score(["gut"])
