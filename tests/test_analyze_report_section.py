"""The report's paths & funnel section shows the analyze() frames, unchanged."""

from __future__ import annotations

from pathlib import Path

import journeys_synth as synth
import pandas as pd

from cjwork.analysis import analyze
from cjwork.io import Workspace
from cjwork.reports.paths_section import paths_tables


def test_paths_tables_are_slices_of_the_analysis():
    log = synth.make_log(n_cases=200, seed=9)
    groups = pd.DataFrame({"customer_id": log["customer_id"].unique()})
    groups["persona_id"] = (groups.index % 2).astype(str)
    res = analyze(Workspace(Path("."), synth.journey_map(), events=log), personas=groups)
    t = paths_tables(res, "buy", top=5)
    assert len(t["variants"]) == 5 and (t["variants"]["journey"] == "buy").all()
    pd.testing.assert_frame_equal(
        t["variants"],
        res["variants"][res["variants"]["journey"] == "buy"].head(5).reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        t["funnel"], res["funnel"][res["funnel"]["journey"] == "buy"].reset_index(drop=True)
    )
    assert set(t["persona"]["group"]) == {"0", "1"} and (t["persona"]["by"] == "persona").all()
    assert (t["repeats"]["repeat_cases"] > 0).all() and t["repeats"][
        "repeat_cases"
    ].is_monotonic_decreasing
    assert set(t["timing"]["measure"]) <= {"time_to_complete", "case_duration", "wait"}
    empty = paths_tables({}, "buy")
    assert all(df.empty for df in empty.values())
