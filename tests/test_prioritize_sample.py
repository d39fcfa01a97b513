"""On the bundled sample company the planted Kano categories, quick win and moment of truth are found.

The planted truth is read from ``data/sample/truth/effects.json`` (nothing hard-coded);
feedback is linked and scored from ``truth/feedback.csv`` (the text engine's stand-in).
"""

from __future__ import annotations

import pytest
from prio_synth import sample_workspace_and_feedback

from cjwork.prioritize import events_per_touchpoint, prioritize_touchpoints, quick_wins_by_owner


@pytest.fixture(scope="module")
def sample():
    return sample_workspace_and_feedback()


@pytest.fixture(scope="module")
def tables(sample):
    ws, fb, effects = sample
    journeys = sorted(
        {
            e["journey"]
            for e in effects.values()
            if e["type"] in ("kano", "quick_win", "moment_of_truth")
        }
    )
    return {
        j: prioritize_touchpoints(fb, ws.journeys, j, events_per_touchpoint(ws.events, j))
        for j in journeys
    }


def _effects(effects, kind):
    return [e for e in effects.values() if e["type"] == kind]


def test_planted_kano_categories_found(sample, tables):
    _, _, effects = sample
    kano = _effects(effects, "kano")
    assert {e["category"] for e in kano} == {"dissatisfier", "delighter"}
    for e in kano:
        row = tables[e["journey"]].set_index("touchpoint").loc[e["touchpoint"]]
        assert row["category"] == e["category"], (
            e["touchpoint"],
            row[["penalty", "reward", "asymmetry_lo", "asymmetry_hi"]],
        )
        assert row["owner"] == e["owner"]
        if e["category"] == "dissatisfier":
            assert row["penalty_lo"] > 0 and row["asymmetry_lo"] > 0
        else:
            assert row["reward_lo"] > 0 and row["asymmetry_hi"] < 0


def test_no_other_touchpoint_is_called_a_dissatisfier_or_delighter(sample, tables):
    _, _, effects = sample
    planted = {(e["journey"], e["touchpoint"]) for e in _effects(effects, "kano")}
    for j, t in tables.items():
        strong = t[t["category"].isin(["dissatisfier", "delighter"])]
        assert {(j, tp) for tp in strong["touchpoint"]} <= planted


def test_planted_quick_win_with_owner(sample, tables):
    _, _, effects = sample
    for e in _effects(effects, "quick_win"):
        t = tables[e["journey"]]
        row = t.set_index("touchpoint").loc[e["touchpoint"]]
        assert row["quick_win"] and row["owner"] == e["owner"]
        assert row["high_importance"] and row["low_performance"]
        qw = quick_wins_by_owner(t)
        mine = qw[qw["owner"] == e["owner"]]
        assert e["touchpoint"] in set(mine["touchpoint"])


def test_planted_moment_of_truth(sample):
    ws, fb, effects = sample
    for e in _effects(effects, "moment_of_truth"):
        t = prioritize_touchpoints(
            fb, ws.journeys, e["journey"], events_per_touchpoint(ws.events, e["journey"])
        )
        row = t.set_index("touchpoint").loc[e["touchpoint"]]
        assert row["moment_of_truth"]
        assert row["events"] == t["events"].max()  # the busiest touchpoint of its journey


def test_observed_kano_asymmetry_matches_truth_direction(sample, tables):
    _, _, effects = sample
    for e in _effects(effects, "kano"):
        row = tables[e["journey"]].set_index("touchpoint").loc[e["touchpoint"]]
        obs = e["observed"]
        truth_asym = obs["nps_drop_when_negative"] - obs["nps_gain_when_positive"]
        assert (row["asymmetry"] > 0) == (truth_asym > 0)
        assert row["feedback"] == obs["feedback"]
