"""The planted hotline wait effect of the sample company is detected with the right sign."""

from __future__ import annotations

import pytest
from prio_synth import sample_workspace_and_feedback

from cjwork.journeys.process_feedback import process_feedback_effects


@pytest.fixture(scope="module")
def sample():
    return sample_workspace_and_feedback()


def test_planted_wait_effect_detected(sample):
    ws, fb, effects = sample
    planted = [e for e in effects.values() if e["type"] == "process_metric_drives_sentiment"]
    assert planted
    for e in planted:
        bands, eff = process_feedback_effects(fb, ws.events, ws.journeys, e["journey"])
        row = eff[(eff["touchpoint"] == e["touchpoint"]) & (eff["metric"] == e["metric"])].iloc[0]
        assert row["significant"] and row["p_adj"] < 0.001
        sign = (
            -1
            if e["planted"]["sentiment_mean_above"] < e["planted"]["sentiment_mean_at_or_below"]
            else 1
        )
        bound = row["diff_hi"] if sign < 0 else row["diff_lo"]  # the whole CI on the planted side
        assert sign * row["diff"] > 0 and sign * bound > 0
        assert abs(row["cohens_d"]) > 0.8  # a large effect
        # the band above the planted threshold holds exactly the planted feedback
        assert row["worst_edge"] == e["threshold"]
        # the join takes the customer's latest call before the feedback; with repeat calls that
        # is not always the call the comment was about, so allow a little slack against the truth
        assert row["worst_n"] == pytest.approx(e["observed"]["feedback_above"], rel=0.05)
        assert row["worst_sentiment"] == pytest.approx(
            e["observed"]["sentiment_mean_above"], abs=0.05
        )
        b = bands[(bands["touchpoint"] == e["touchpoint"]) & (bands["metric"] == e["metric"])]
        at_or_below = b[~b["worst"]]
        assert at_or_below["n"].sum() == pytest.approx(
            e["observed"]["feedback_at_or_below"], rel=0.05
        )
        assert row["sentence"].startswith("Above 5 min waiting time, sentiment at")
        assert "drops from +0.3" in row["sentence"]


def test_planted_metric_is_the_strongest_link_at_its_touchpoint(sample):
    ws, fb, effects = sample
    for e in effects.values():
        if e["type"] != "process_metric_drives_sentiment":
            continue
        _, eff = process_feedback_effects(fb, ws.events, ws.journeys, e["journey"])
        at = eff[(eff["touchpoint"] == e["touchpoint"]) & eff["p_adj"].notna()]
        assert len(at) >= 2
        assert at.loc[at["cohens_d"].abs().idxmax(), "metric"] == e["metric"]
