"""Process × feedback: as-of join, metric bands, effect sizes and the report sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prio_synth import journey_map, make_events_and_feedback

from cjwork.errors import UsageError
from cjwork.journeys.process_feedback import (
    attach_process_metrics,
    band_effects,
    describe_band_effect,
    format_value,
    metric_bands,
    process_feedback_effects,
    sentiment_by_band,
)


@pytest.fixture(scope="module")
def data():
    ev, fb, _ = make_events_and_feedback(n_customers=2500, seed=11)
    return ev, fb


def test_asof_join_matches_same_customer_latest_prior_event():
    ts = pd.to_datetime(
        ["2025-01-01 10:00", "2025-01-05 10:00", "2025-01-02 09:00", "2025-01-20 10:00"], utc=True
    )
    ev = pd.DataFrame(
        {
            "customer_id": pd.array(["A", "A", "B", "A"], dtype="string"),
            "timestamp": ts,
            "journey": "service",
            "touchpoint": pd.Categorical(["hotline", "hotline", "hotline", "shop"]),
            "wait_s": [100.0, 400.0, 50.0, np.nan],
        }
    )
    fb = pd.DataFrame(
        {
            "customer_id": pd.array(["A", "A", "B", "C", None], dtype="string"),
            "timestamp": pd.to_datetime(
                ["2025-01-06", "2025-01-03", "2025-03-01", "2025-01-06", "2025-01-06"], utc=True
            ),
            "journey": "service",
            "touchpoint": ["hotline", "hotline", "hotline", "hotline", "hotline"],
            "sentiment_score": [-0.5, 0.4, 0.1, 0.0, 0.2],
        }
    )
    j = attach_process_metrics(fb, ev, metrics=["wait_s"], tolerance="14D")
    assert len(j) == len(fb)  # nothing dropped, input order kept
    assert j["sentiment_score"].tolist() == fb["sentiment_score"].tolist()
    assert j["wait_s"].tolist()[:2] == [400.0, 100.0]  # latest event at or before the feedback
    assert np.isnan(j["wait_s"].iloc[2])  # B's call is 2 months earlier: beyond tolerance
    assert j["matched"].tolist() == [
        True,
        True,
        False,
        False,
        False,
    ]  # C has no call, last has no customer


def test_bands_from_target_binary_explicit_and_terciles():
    v = pd.Series(np.arange(0, 1000, 10.0))
    assert metric_bands(v, target=120, better="lower") == ([120, 300], "target")
    assert metric_bands(v, target=0.8, better="higher")[0] == pytest.approx([0.32, 0.8])
    assert metric_bands(pd.Series([0, 1, 1, 0.0]), target=0.8, better="higher") == ([0.5], "binary")
    assert metric_bands(v, bands=[60, 30]) == ([30.0, 60.0], "explicit")
    edges, rule = metric_bands(v)
    assert rule == "terciles" and len(edges) == 2 and 300 <= edges[0] <= 340
    assert format_value(300, "wait_s") == "5 min" and format_value(90, "wait_s") == "90 s"


def test_planted_wait_effect_detected_with_sentence(data):
    ev, fb = data
    bands, eff = process_feedback_effects(fb, ev, journey_map(), "onboarding")
    wait = bands[bands["metric"] == "wait_s"]
    assert wait["band"].tolist() == ["≤ 2 min", "2 min–5 min", "> 5 min"]
    assert wait["n"].sum() == len(fb)  # every hotline feedback matched its call
    row = eff.set_index("metric").loc["wait_s"]
    assert row["significant"] and row["diff"] < -0.5 and row["diff_hi"] < 0
    assert row["cohens_d"] < -0.8
    assert row["worst_edge"] == 300
    assert row["sentence"].startswith("Above 5 min wait, sentiment at Hotline drops from +0.3")
    assert "within the 2 min target" in row["sentence"]
    # the band means equal a plain pandas computation
    j = attach_process_metrics(fb, ev, journey="onboarding")
    plain = j.loc[j["wait_s"] > 300, "sentiment_score"].mean()
    assert wait.loc[wait["worst"], "sentiment"].item() == pytest.approx(plain)
    # resolved has no planted effect: not significant, and said so
    res = eff.set_index("metric").loc["resolved"]
    assert not res["significant"]
    assert res["sentence"].startswith("No clear link between resolved and sentiment at Hotline")


def test_explicit_bands_and_min_n(data):
    ev, fb = data
    bands = sentiment_by_band(
        fb, ev, journey_map(), "onboarding", bands={("hotline", "wait_s"): [60]}, metrics=["wait_s"]
    )
    assert bands["band"].tolist() == ["≤ 60 s", "> 60 s"]
    eff = band_effects(bands, min_n=10**6)
    assert not eff["significant"].any() and eff["p"].isna().all()


def test_no_matches_gives_empty_bands_not_a_crash(data):
    ev, fb = data
    far = fb.assign(timestamp=fb["timestamp"] - pd.Timedelta(days=400))
    bands, eff = process_feedback_effects(far, ev, journey_map(), "onboarding", metrics=["wait_s"])
    assert (bands["n"] == 0).all()
    assert "Too little feedback" in eff["sentence"].iloc[0]


def test_describe_binary_and_higher_is_better():
    row = {
        "touchpoint": "hotline",
        "touchpoint_name": "Hotline",
        "metric": "resolved",
        "metric_name": "resolved",
        "rule": "binary",
        "better": "higher",
        "target": 0.8,
        "reference_band": "resolved = 1",
        "worst_band": "resolved = 0",
        "worst_edge": 0.5,
        "reference_n": 50,
        "worst_n": 40,
        "reference_sentiment": 0.3,
        "worst_sentiment": -0.2,
        "cohens_d": -1.0,
        "p_adj": 0.0001,
        "significant": True,
    }
    assert describe_band_effect(row).startswith(
        "With resolved = 0, sentiment at Hotline drops from +0.30"
    )


def test_missing_columns_raise_usage_error(data):
    ev, fb = data
    with pytest.raises(UsageError, match="customer_id"):
        attach_process_metrics(fb.drop(columns="customer_id"), ev)
    with pytest.raises(UsageError, match="unknown journey id"):
        sentiment_by_band(fb, ev, journey_map(), "nope")
