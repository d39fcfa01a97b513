"""Sentiment scoring and touchpoint linking on a Dask cluster equal the one-process results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import cjwork
from cjwork.scale.text import link_touchpoints, score_sentiment
from cjwork.text import SentimentScorer, link_feedback

pytestmark = pytest.mark.xdist_group("dask")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def client():
    from scale_cluster import local_client

    return local_client()


@pytest.fixture(scope="module")
def ws():
    return cjwork.load(SAMPLE)


def test_sentiment_scores_equal(ws, client):
    fb = ws.feedback
    want = SentimentScorer(language="auto").score(fb["text"], languages=fb.get("language"))
    got = score_sentiment(fb, scheduler=client, npartitions=4)
    assert len(got) == len(fb)
    assert got["language"].tolist() == want["language"].tolist()
    assert got["sentiment_label"].tolist() == want["sentiment_label"].tolist()
    np.testing.assert_array_equal(
        got["sentiment_score"].to_numpy(), want["sentiment_score"].to_numpy()
    )
    assert set(got["sentiment_label"]) == {"negative", "neutral", "positive"}


def test_the_given_scorer_is_the_one_used(ws, client):
    fb = ws.feedback
    scorer = SentimentScorer(language="auto", neg_threshold=-0.5, pos_threshold=0.5)
    want = scorer.score(fb["text"], languages=fb.get("language"))
    default = SentimentScorer(language="auto").score(fb["text"], languages=fb.get("language"))
    assert (want["sentiment_label"] != default["sentiment_label"]).any()
    got = score_sentiment(fb, scorer, scheduler=client, npartitions=3)
    assert got["sentiment_label"].tolist() == want["sentiment_label"].tolist()
    np.testing.assert_array_equal(
        got["sentiment_score"].to_numpy(), want["sentiment_score"].to_numpy()
    )


def test_a_learned_scorer_with_sentence_embeddings_travels_to_the_workers(ws, client):
    fb = ws.feedback
    scorer = SentimentScorer(language="auto", embeddings=True, use="learned").fit(
        fb["text"].iloc[:600], ratings=fb["rating"].iloc[:600]
    )
    want = scorer.score(fb["text"], languages=fb.get("language"))
    got = score_sentiment(fb, scorer, scheduler=client, npartitions=3)
    assert got["sentiment_label"].tolist() == want["sentiment_label"].tolist()
    # the encoder's float32 sums follow its batches, which follow the partitions: equal up to
    # the last rounded digit at most
    np.testing.assert_allclose(
        got["sentiment_score"].to_numpy(), want["sentiment_score"].to_numpy(), atol=1e-4, rtol=0
    )


def test_links_equal(ws, client):
    want, _, _ = link_feedback(ws.feedback, ws.journeys, events=ws.events, use_model="never")
    got = link_touchpoints(ws.feedback, ws.journeys, ws.events, scheduler=client, npartitions=4)
    assert len(got) == len(want)
    for col in want.columns:
        pd.testing.assert_series_equal(
            got[col].reset_index(drop=True), want[col].reset_index(drop=True), check_dtype=False
        )
    assert set(got["link_method"]) >= {"explicit", "event", "text"}
