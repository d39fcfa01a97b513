"""Actions with measured impact: actions.yml, difference in differences with a bootstrap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cjwork
from cjwork.errors import DataError
from cjwork.journeymap import parse_journey_map
from cjwork.loop.actions import (
    ACTION_COLUMNS,
    action_summary,
    did_bootstrap,
    measure_actions,
    read_actions,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

MAP = """
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: chat
            name: Chat
            channel: chat
            owner: Service
            kpis: {wait_s: {target: 60}}
          - id: sales_chat
            name: Sales chat
            channel: chat
            kpis: {wait_s: {target: 60}}
      - id: end
        name: End
        touchpoints:
          - {id: done, name: Done, channel: web}
"""


def test_did_recovers_a_known_shift_and_nets_out_a_common_trend():
    rng = np.random.default_rng(0)
    tb, ta = rng.normal(10, 2, 400), rng.normal(10 + 3 - 2, 2, 400)  # effect -2 on top of +3
    cb, ca = rng.normal(5, 2, 400), rng.normal(5 + 3, 2, 400)  # the common trend +3
    eff, lo, hi = did_bootstrap(tb, ta, cb, ca, random_state=1)
    assert lo < -2 < hi and hi - lo < 1.0
    assert eff == pytest.approx((ta.mean() - tb.mean()) - (ca.mean() - cb.mean()))
    plain, lo2, hi2 = did_bootstrap(tb, ta, None, None)
    assert plain == pytest.approx(ta.mean() - tb.mean()) and lo2 < plain < hi2
    assert np.isnan(did_bootstrap([], ta)[0])
    assert did_bootstrap(tb, ta, cb, ca, random_state=1) == (eff, lo, hi)  # seeded


def test_read_actions_validates_with_file_row_column(tmp_path):
    jm = parse_journey_map(MAP)
    p = tmp_path / "actions.yml"
    p.write_text(
        "actions:\n"
        "  - {touchpoint: chat, action: {de: Mehr Personal, en: More staff}, status: live, live_from: 2026-02-01}\n"
        "  - {touchpoint: chat, action: Bot, status: planned}\n",
        encoding="utf-8",
    )
    a = read_actions(p, jm)
    assert list(a["status"]) == ["live", "planned"]
    assert a.loc[0, "owner"] == "Service" and a.loc[0, "action_de"] == "Mehr Personal"
    assert a.loc[0, "live_from"] == pd.Timestamp("2026-02-01")
    p.write_text(
        "actions:\n  - {touchpoint: chatt, status: live, live_from: 2026-02-01}\n"
        "  - {touchpoint: chat, status: sometime}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        read_actions(p, jm)
    text = str(err.value)
    assert "actions.yml:1:touchpoint" in text and "chat" in text
    assert "actions.yml:2:status" in text


def test_measure_actions_on_synthetic_events():
    jm = parse_journey_map(MAP)
    rng = np.random.default_rng(2)
    n = 600
    ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    tp = rng.choice(["chat", "sales_chat"], n)
    after = ts >= pd.Timestamp("2026-02-01", tz="UTC")
    wait = rng.normal(60, 10, n) - np.where((tp == "chat") & after, 20, 0)
    ev = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "case_id": [f"K{i}" for i in range(n)],
            "timestamp": ts,
            "journey": "service",
            "touchpoint": tp,
            "wait_s": wait,
        }
    )
    actions = pd.DataFrame(
        {
            "touchpoint": ["chat"],
            "journey": ["service"],
            "owner": ["Service"],
            "action": ["More staff"],
            "action_de": ["Mehr Personal"],
            "action_en": ["More staff"],
            "status": ["live"],
            "live_from": [pd.Timestamp("2026-02-01")],
        }
    )
    out = measure_actions(actions, ev, None, jm, window_days=30, n_boot=300)
    assert list(out.columns[: len(ACTION_COLUMNS)]) == ACTION_COLUMNS
    row = out.set_index("metric").loc["kpi_wait_s"]
    assert row["comparison"] == "same metric and channel"
    assert row["effect_low"] < -20 < row["effect_high"]
    drop = out.set_index("metric").loc["dropoff"]
    assert drop["before"] == 1.0  # every one-step case ends at chat without completing
    table = action_summary(out, owner="Service", language="de")
    assert table.loc[0, "action"] == "Mehr Personal" and len(table) == len(out)


def test_sample_planted_action_effect_lies_in_its_interval():
    ws = cjwork.load(SAMPLE)
    truth = json.loads((SAMPLE / "truth" / "loop.json").read_text(encoding="utf-8"))["action"]
    actions = read_actions(SAMPLE / "actions.yml", ws.journeys)
    out = measure_actions(actions, ws.events, None, ws.journeys, random_state=0)
    row = out[(out["touchpoint"] == truth["touchpoint"]) & (out["metric"] == truth["metric"])]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["comparison"] == "same metric and channel"
    assert row["effect_low"] <= truth["expected_effect_s"] <= row["effect_high"]
    assert row["effect_high"] < 0  # and it is a real effect
    assert set(out["touchpoint"]) == {truth["touchpoint"]}  # the planned action is not measured


def test_what_if_from_the_process_feedback_relation():
    from cjwork.loop.whatif import WHATIF_COLUMNS, what_if

    jm = parse_journey_map(MAP)
    rng = np.random.default_rng(4)
    n = 400
    ts = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
    wait = rng.exponential(60, n)  # target 60: about 37 % of events outside
    ev = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "timestamp": ts,
            "journey": "service",
            "touchpoint": "chat",
            "wait_s": wait,
        }
    )
    slow = wait > 60
    fb = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "timestamp": ts + pd.Timedelta(hours=1),
            "journey": "service",
            "touchpoint": "chat",
            "sentiment_score": np.where(slow, -0.4, 0.3) + 0.1 * rng.standard_normal(n),
            "nps": np.where(slow, 3, 10),
        }
    )
    out = what_if(fb, ev, jm)
    assert list(out.columns) == WHATIF_COLUMNS and len(out) == 1
    r = out.iloc[0]
    p_out = (wait > 60).mean()
    assert r["share_outside_target"] == pytest.approx(p_out)
    assert r["sentiment_change_low"] < p_out * 0.7 < r["sentiment_change_high"]
    assert r["nps_change"] == pytest.approx(p_out * 200)
