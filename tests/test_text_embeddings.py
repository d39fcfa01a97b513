"""Sentence embeddings of the learned sentiment model, and the rule that decides whether the
learned model reads them."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.text import SentimentScorer
from cjwork.text import embeddings as emb_mod
from cjwork.text.embeddings import (
    DIM,
    SentenceEmbeddings,
    embed_texts,
    embedding_cache,
    split_sentences,
)


def test_split_sentences():
    assert split_sentences("Gut. Aber teuer!\nNie wieder") == ["Gut.", "Aber teuer!", "Nie wieder"]
    assert split_sentences("Was kostet das? 3.50 Euro … zu viel") == [
        "Was kostet das?",
        "3.50 Euro …",
        "zu viel",
    ]
    assert split_sentences("one sentence, no end") == ["one sentence, no end"]
    assert split_sentences("   ") == ["   "]


def test_embeddings_are_unit_vectors_and_single_sentences_are_not_encoded_twice():
    texts = ["Der Service war super.", "Lange gewartet. Dann aufgelegt. Nie wieder!"]
    e = embed_texts(texts)
    assert e.shape == (2, 2 * DIM)
    assert e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e[:, :DIM], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(e[:, DIM:], axis=1), 1.0, atol=1e-5)
    # one sentence: the sentence mean is the whole-text vector
    np.testing.assert_array_equal(e[0, :DIM], e[0, DIM:])
    # three sentences: the mean of the three differs from the whole text's vector
    assert not np.allclose(e[1, :DIM], e[1, DIM:])
    parts = embed_texts(split_sentences(texts[1]))[:, :DIM].mean(axis=0)
    np.testing.assert_allclose(e[1, DIM:], parts / np.linalg.norm(parts), atol=1e-5)
    assert embed_texts([]).shape == (0, 2 * DIM)


def test_embeddings_are_multilingual_and_carry_sentiment():
    de_good, en_good, de_bad, en_bad = embed_texts(
        [
            "Der Kundenservice war sehr freundlich und hilfsbereit.",
            "The customer service was very friendly and helpful.",
            "Seit drei Wochen keine Antwort, eine Frechheit.",
            "No answer for three weeks, an outrage.",
        ]
    )[:, :DIM]
    # a German text is nearer its English translation than the opposite German complaint
    assert de_good @ en_good > de_good @ de_bad + 0.2
    assert de_bad @ en_bad > de_bad @ de_good + 0.2


def test_each_distinct_text_is_encoded_once(monkeypatch):
    calls: list[list[str]] = []
    real = emb_mod._encode

    def counting(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(emb_mod, "_encode", counting)
    a = embed_texts(["gut", "schlecht", "gut"])
    assert calls == [["gut", "schlecht"]]
    np.testing.assert_array_equal(a[0], a[2])
    with embedding_cache():
        embed_texts(["gut"])
        embed_texts(["gut", "mies"])
        embed_texts(["mies", "gut"])
        assert emb_mod._CACHE is not None
    assert calls[1:] == [["gut"], ["mies"]]
    # the cache ends with the block
    assert emb_mod._CACHE is None


def test_transformer_scales_the_block():
    t = SentenceEmbeddings(weight=0.5).fit(["x"])
    out = t.transform(["Alles bestens.", "Nichts geht. Gar nichts."])
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 0.5, atol=1e-5)


def _corpus(n: int = 150, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    good = ["super Beratung", "sehr freundlich", "schnell erledigt", "great support"]
    bad = ["lange Wartezeit", "falsche Rechnung", "nie wieder", "rude agent"]
    neutral = ["Adresse geändert", "Zählerstand gemeldet", "Tarif gewechselt", "moved house"]
    texts, labels = [], []
    for i in range(n):
        kind = ("positive", "negative", "neutral")[i % 3]
        pool = {"positive": good, "negative": bad, "neutral": neutral}[kind]
        texts.append(f"{rng.choice(pool)}. Kunde {rng.integers(1000)}")
        labels.append(kind)
    return texts, labels


def test_auto_keeps_embeddings_only_when_they_raise_cv_macro_f1():
    texts, labels = _corpus()
    sc = SentimentScorer(random_state=0).fit(texts, labels=labels)
    variants = sc.cv_scores_["variants"]
    assert set(variants) == {"tfidf", "tfidf+embeddings"}
    with_, without = variants["tfidf+embeddings"]["macro_f1"], variants["tfidf"]["macro_f1"]
    assert sc.embeddings_ == (with_ > without)
    chosen = "tfidf+embeddings" if sc.embeddings_ else "tfidf"
    assert sc.cv_scores_["learned"]["macro_f1"] == variants[chosen]["macro_f1"]
    steps = dict(sc.model_.named_steps["features"].transformer_list)
    assert ("embeddings" in steps) == sc.embeddings_
    assert "sentence embeddings" in sc.summary()


def test_fixed_choice_fits_one_model(monkeypatch):
    texts, labels = _corpus()

    def no_encoding(texts):
        raise AssertionError("embeddings=False must not encode")

    monkeypatch.setattr(emb_mod, "_encode", no_encoding)
    sc = SentimentScorer(random_state=0, embeddings=False).fit(texts, labels=labels)
    assert list(sc.cv_scores_["variants"]) == ["tfidf"]
    assert sc.embeddings_ is False
    monkeypatch.undo()
    sc = SentimentScorer(random_state=0, embeddings=True, use="learned").fit(texts, labels=labels)
    assert list(sc.cv_scores_["variants"]) == ["tfidf+embeddings"]
    assert "embeddings" in dict(sc.model_.named_steps["features"].transformer_list)
    # the fitted model travels (to Dask workers, into files) without the encoder in it
    again = pickle.loads(pickle.dumps(sc))
    assert len(pickle.dumps(sc)) < 20_000_000
    new = ["Sehr freundlich, danke.", "Wieder eine falsche Rechnung!"]
    pd.testing.assert_frame_equal(sc.score(new), again.score(new))
    with pytest.raises(UsageError, match="embeddings must be"):
        SentimentScorer(embeddings="yes").fit(texts, labels=labels)


def test_encoding_does_not_depend_on_the_number_of_threads(monkeypatch):
    texts = [f"Rechnung {i} war falsch. Bitte korrigieren!" for i in range(2 * emb_mod.CHUNK + 7)]
    monkeypatch.setattr(emb_mod, "_threads", lambda: 1)
    one = embed_texts(texts)
    monkeypatch.setattr(emb_mod, "_threads", lambda: 3)
    three = embed_texts(texts)
    np.testing.assert_array_equal(one, three)


def test_auto_does_not_try_embeddings_on_large_training_sets(monkeypatch):
    from cjwork.text import sentiment as sent_mod

    texts, labels = _corpus()
    monkeypatch.setattr(sent_mod, "EMBEDDINGS_MAX_TRAIN", len(texts) - 1)
    monkeypatch.setattr(emb_mod, "_encode", lambda t: pytest.fail("must not encode"))
    sc = SentimentScorer(random_state=0).fit(texts, labels=labels)
    assert list(sc.cv_scores_["variants"]) == ["tfidf"] and not sc.embeddings_
    assert f"not tried (more than {len(texts) - 1:,} labelled texts)" in sc.summary()


def test_learned_scores_do_not_depend_on_the_scoring_chunk(monkeypatch):
    from cjwork.text import sentiment as sent_mod

    texts, labels = _corpus(90, seed=4)
    sc = SentimentScorer(random_state=0, embeddings=True, use="learned").fit(texts, labels=labels)
    new = [f"sehr freundlich. Kunde {i}" for i in range(10)] + ["", "nie wieder!"]
    whole = sc.score(new)
    monkeypatch.setattr(sent_mod, "PREDICT_CHUNK", 3)
    pd.testing.assert_frame_equal(sc.score(new), whole)
    assert whole["sentiment_label"].iat[-2] == "neutral"  # empty text
    assert sc.score([]).empty


def test_cli_embeddings_switch(tmp_path, capsys):
    from cjwork.cli import main

    texts, labels = _corpus(240, seed=5)
    stars = {"positive": 5, "neutral": 3, "negative": 1}
    src = tmp_path / "rated.csv"
    pd.DataFrame({"text": texts, "rating": [stars[lab] for lab in labels]}).to_csv(src, index=False)
    out = tmp_path / "scored.csv"
    for flag, phrase in (("off", "learned"), ("on", "it reads sentence embeddings")):
        with pytest.raises(SystemExit) as e:
            main(
                ["sentiment", str(src), "--text-column", "text", "-o", str(out)]
                + ["--learn-from", "rating", "--embeddings", flag]
            )
        assert e.value.code == 0
        err = capsys.readouterr().err
        assert phrase in err
        assert ("sentence embeddings" in err) == (flag == "on")
        res = pd.read_csv(out)
        assert len(res) == len(texts)
        # the planted words are learned either way
        assert (res["sentiment_label"] == pd.Series(labels)).mean() > 0.9
