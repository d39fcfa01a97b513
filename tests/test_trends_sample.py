"""The planted late hotline-wait trend change of the sample company is flagged; stable periods are not."""

from __future__ import annotations

import pandas as pd
import pytest
from prio_synth import sample_workspace_and_feedback

from cjwork.trends import kpi_trends


@pytest.fixture(scope="module")
def sample():
    return sample_workspace_and_feedback()


def test_planted_trend_change_flagged_and_nothing_else(sample):
    ws, fb, effects = sample
    planted = [e for e in effects.values() if e["type"] == "trend_change"]
    assert planted
    for e in planted:
        t = kpi_trends(ws.events, fb, ws.journeys, e["journey"], "month")
        start = pd.Timestamp(e["change_from"] + "-01")
        row = t[(t["touchpoint"] == e["touchpoint"]) & (t["period"] == start)].iloc[0]
        assert row["significant_change"]
        assert f"kpi_{e['metric']}" in row["changed_metrics"].split(", ")
        assert "+" in row["change_detail"]  # waits went up ("worse")
        # every other period of the journey is stable: no flag anywhere before the change
        flagged = t[t["significant_change"]]
        assert (flagged["period"] >= start).all()
        assert set(flagged["touchpoint"]) <= {e["touchpoint"], ""}
        # the wait metric is flagged only at the change itself
        wait_flags = t[t["changed_metrics"].str.contains(f"kpi_{e['metric']}")]
        assert wait_flags["period"].tolist() == [start]


def test_stable_journeys_have_no_flags(sample):
    ws, fb, effects = sample
    changed = {e["journey"] for e in effects.values() if e["type"] == "trend_change"}
    for j in ws.journeys.journey_ids:
        if j in changed:
            continue
        t = kpi_trends(ws.events, fb, ws.journeys, j, "month")
        assert len(t) and not t["significant_change"].any(), t[t["significant_change"]]
