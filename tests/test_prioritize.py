"""prioritize_touchpoints on synthetic journeys with planted penalty/reward effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prio_synth import PLANTED, journey_map, make_feedback

from cjwork.errors import UsageError
from cjwork.prioritize import (
    CONTRACT_COLUMNS,
    feedback_scores,
    kano_category,
    penalty_reward,
    prioritize_touchpoints,
    quick_wins_by_owner,
)

EVENTS = {"form": 5000, "welcome": 4000, "install": 3000, "bill": 6000, "hotline": 8000}


@pytest.fixture(scope="module")
def table():
    return prioritize_touchpoints(make_feedback(), journey_map(), "onboarding", EVENTS, n_boot=150)


def test_contract_columns_and_map_order(table):
    assert list(table.columns[: len(CONTRACT_COLUMNS) + 1]) == ["journey", *CONTRACT_COLUMNS]
    assert table["touchpoint"].tolist() == list(PLANTED)  # map order, every touchpoint
    assert table["stage"].tolist() == ["signup", "signup", "setup", "setup", "support", "support"]
    assert set(table["category"]) <= {"dissatisfier", "ok", "delighter", "unclear"}
    assert table.loc[table.touchpoint == "bill", "owner"].item() == "Billing"
    assert table["events"].tolist() == [5000, 4000, 3000, 6000, 8000, 0]


def test_planted_categories(table):
    cat = table.set_index("touchpoint")["category"]
    assert cat["bill"] == "dissatisfier"
    assert cat["install"] == "delighter"
    assert cat["form"] == "ok"  # symmetric penalty and reward
    assert cat["hotline"] == "ok"
    assert cat["welcome"] == "ok"  # no effect at all, tightly estimated: both small
    assert cat["faq"] == "unclear"  # no feedback


def test_penalty_reward_estimates_recover_planted_sizes(table):
    t = table.set_index("touchpoint")
    for tp in ("form", "install", "bill", "hotline"):
        _, _, pen, rew = PLANTED[tp]
        # NPS is clipped to 0..10, which shrinks large effects a little: allow 25 %
        assert t.loc[tp, "penalty"] == pytest.approx(pen, rel=0.25, abs=0.3)
        assert t.loc[tp, "reward"] == pytest.approx(rew, rel=0.25, abs=0.3)
    # importance = penalty + reward, the effectless touchpoint is least important
    assert np.allclose(t["importance"].dropna(), (t["penalty"] + t["reward"]).dropna())
    assert t["importance"].idxmin() == "welcome"


def test_performance_is_mean_score_with_ci(table):
    fb = make_feedback()
    expect = fb.groupby("touchpoint")["sentiment_score"].mean()
    t = table.set_index("touchpoint")
    for tp, v in expect.items():
        assert t.loc[tp, "performance"] == pytest.approx(v)
        assert t.loc[tp, "performance_lo"] < v < t.loc[tp, "performance_hi"]
    assert t.loc["bill", "feedback"] == (fb["touchpoint"] == "bill").sum()


def test_quick_win_and_moment_of_truth(table):
    t = table.set_index("touchpoint")
    assert t.loc["bill", "quick_win"]  # high importance, low performance, owner Billing
    assert not t.loc["install", "quick_win"]  # performs well
    assert t.loc["bill", "moment_of_truth"]  # important and among the busiest touchpoints
    assert not t.loc["welcome", "moment_of_truth"]
    assert not t.loc["faq", "quick_win"]  # no owner, no feedback
    qw = quick_wins_by_owner(table)
    assert qw["owner"].tolist() == ["Billing"]
    assert "First bill" in qw.loc[0, "action"] and "dissatisfier" in qw.loc[0, "action"]
    row = qw.loc[0]
    assert f"{row['performance']:+.2f}" in row["action"]


def test_quick_win_action_in_german(table):
    en = quick_wins_by_owner(table).loc[0]
    de = quick_wins_by_owner(table, language="de").loc[0]
    assert de.drop("action").equals(en.drop("action"))
    assert de["action"].startswith("First bill (onboarding) verbessern:")
    assert "Enttäuschungsfaktor" in de["action"] and "Fix" not in de["action"]
    # German decimal commas for the sentiment and the importance
    assert f"{de['performance']:+.2f}".replace(".", ",") in de["action"]
    assert f"um {de['importance']:.1f}".replace(".", ",") + " Punkte" in de["action"]
    with pytest.raises(UsageError, match="language"):
        quick_wins_by_owner(table, language="fr")


def test_deterministic_and_seeded():
    fb = make_feedback(800, seed=3)
    a = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=50, random_state=7)
    b = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=50, random_state=7)
    pd.testing.assert_frame_equal(a, b)
    c = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=50, random_state=8)
    assert not np.allclose(a["importance_lo"].dropna(), c["importance_lo"].dropna())
    # shuffled input rows give the same point estimates
    d = prioritize_touchpoints(
        fb.sample(frac=1, random_state=1), journey_map(), "onboarding", n_boot=0
    )
    assert np.allclose(d["importance"].dropna(), a["importance"].dropna())


def test_without_feedback_or_events_every_category_unclear():
    t = prioritize_touchpoints(None, journey_map(), "onboarding")
    assert (t["category"] == "unclear").all()
    assert (t["feedback"] == 0).all() and t["events"].isna().all()
    assert not t["quick_win"].any() and not t["moment_of_truth"].any()


def test_small_samples_are_unclear():
    fb = make_feedback(60, seed=2)
    t = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=50, min_n=10)
    small = (t["n_negative"] < 10) | (t["n_positive"] < 10)
    assert small.any()
    assert (t.loc[small, "category"] == "unclear").all()


def test_rating_fallback_without_text_scores():
    fb = make_feedback(1500, seed=4).drop(columns=["sentiment_score"])
    fb["rating"] = np.where(
        fb["sentiment_label"] == "negative", 1, np.where(fb["sentiment_label"] == "positive", 5, 3)
    )
    assert feedback_scores(fb).isin([-1.0, 0.0, 1.0]).all()
    t = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=50)
    assert t.set_index("touchpoint").loc["bill", "performance"] < 0
    assert t["outcome"].iloc[0] == "nps"


def test_feedback_of_other_journeys_and_unlinked_rows_are_ignored():
    fb = make_feedback(1000, seed=5)
    other = fb.head(200).assign(journey="service")
    unlinked = fb.head(50).assign(touchpoint=pd.NA)
    base = prioritize_touchpoints(fb, journey_map(), "onboarding", n_boot=0)
    mixed = prioritize_touchpoints(pd.concat([fb, other]), journey_map(), "onboarding", n_boot=0)
    pd.testing.assert_series_equal(base["feedback"], mixed["feedback"])
    with_unlinked = prioritize_touchpoints(
        pd.concat([fb, unlinked]), journey_map(), "onboarding", n_boot=0
    )
    pd.testing.assert_series_equal(base["feedback"], with_unlinked["feedback"])


def test_bad_parameters_raise_usage_errors():
    with pytest.raises(UsageError, match="unknown journey id 'onbording'"):
        prioritize_touchpoints(None, journey_map(), "onbording")
    with pytest.raises(UsageError, match="outcome"):
        prioritize_touchpoints(make_feedback(100), journey_map(), "onboarding", outcome="csat")
    with pytest.raises(UsageError, match="volume_quantile"):
        prioritize_touchpoints(None, journey_map(), "onboarding", volume_quantile=2)


def test_kano_rule_on_handmade_table():
    t = pd.DataFrame(
        {
            "n_negative": [50, 50, 50, 50, 5],
            "n_positive": [50, 50, 50, 50, 50],
            "penalty": [3.0, 0.2, 1.0, 0.05, 3.0],
            "penalty_lo": [2.5, -0.1, 0.7, -0.1, 2.0],
            "penalty_hi": [3.5, 0.5, 1.3, 0.1, 4.0],
            "reward": [0.2, 3.0, 1.1, 0.02, 0.1],
            "reward_lo": [-0.1, 2.5, 0.8, -0.1, -0.5],
            "reward_hi": [0.5, 3.5, 1.4, 0.1, 0.6],
            "asymmetry": [2.8, -2.8, -0.1, 0.03, 2.9],
            "asymmetry_lo": [2.2, -3.4, -0.5, -0.1, 1.5],
            "asymmetry_hi": [3.4, -2.2, 0.3, 0.2, 4.0],
            "outcome_sd": [2.0] * 5,
        }
    )
    assert kano_category(t).tolist() == ["dissatisfier", "delighter", "ok", "ok", "unclear"]


def test_penalty_reward_regression_is_exact_on_noiseless_data():
    # outcome = 7 - 2*neg(A) + 1*pos(A) + 3*pos(B); every customer rated both touchpoints
    rng = np.random.default_rng(0)
    n = 400
    sa = rng.choice([-0.8, 0.0, 0.8], n)
    sb = rng.choice([-0.8, 0.0, 0.8], n)
    y = 7 - 2 * (sa < 0) + 1 * (sa > 0) + 3 * (sb > 0)
    exp = pd.DataFrame(
        {
            "customer": np.r_[np.arange(n), np.arange(n)],
            "touchpoint": ["A"] * n + ["B"] * n,
            "vote": np.sign(np.r_[sa, sb]),
        }
    )
    out = penalty_reward(exp, pd.Series(y.astype(float), index=np.arange(n)), ["A", "B"], n_boot=20)
    assert out.loc["A", "penalty"] == pytest.approx(2.0)
    assert out.loc["A", "reward"] == pytest.approx(1.0)
    assert out.loc["B", "penalty"] == pytest.approx(0.0, abs=1e-9)
    assert out.loc["B", "reward"] == pytest.approx(3.0)
    assert out.loc["B", "importance_lo"] == pytest.approx(3.0)  # no noise: every resample agrees


def test_unlinked_feedback_is_a_usage_error_and_events_are_counted():
    fb = make_feedback(100).drop(columns=["touchpoint"])
    with pytest.raises(UsageError, match="touchpoint"):
        prioritize_touchpoints(fb, journey_map(), "onboarding")
    ev = pd.DataFrame(
        {
            "journey": pd.Categorical(["onboarding", "onboarding", "service", "onboarding"]),
            "touchpoint": pd.Categorical(["bill", "bill", "x", "form"]),
        }
    )
    from cjwork.prioritize import events_per_touchpoint

    assert events_per_touchpoint(ev, "onboarding").to_dict() == {"bill": 2, "form": 1}
    t = prioritize_touchpoints(
        None, journey_map(), "onboarding", events_per_touchpoint(ev, "onboarding")
    )
    assert t.set_index("touchpoint")["events"].to_dict() == {
        "form": 1,
        "welcome": 0,
        "install": 0,
        "bill": 2,
        "hotline": 0,
        "faq": 0,
    }
