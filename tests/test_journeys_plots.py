"""Flow and funnel figures: what is drawn, not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import journeys_synth as synth
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cjwork.journeys import funnel, paths
from cjwork.journeys.engine import prepare
from cjwork.plots.flow import flow_layout, plot_flow
from cjwork.plots.funnel import plot_dropoff_by_group, plot_funnel


@pytest.fixture(scope="module")
def prep():
    return prepare(synth.make_log(n_cases=200, seed=4), synth.journey_map())


def test_flow_layout_places_stages_in_map_order(prep):
    tr = paths.transitions(prep, journey="buy")
    tps = synth.journey_map().touchpoints_frame()
    nodes, edges = flow_layout(
        tr, ["aware", "consider", "order", "confirm"], tps[tps["journey"] == "buy"], top=None
    )
    assert nodes.set_index("touchpoint").loc[["ad", "web", "form", "mail"], "x"].tolist() == [
        0,
        1,
        2,
        3,
    ]
    assert len(edges) == len(tr)
    assert set(edges["kind"]) == {"forward", "backward", "loop"}
    assert edges.loc[edges["source"] == edges["target"], "kind"].eq("loop").all()
    assert edges["width"].max() == pytest.approx(12.0) and edges["count"].is_monotonic_decreasing
    _, top5 = flow_layout(tr, top=5)
    assert len(top5) == 5


def test_plot_flow_draws_one_patch_per_edge_and_a_label_per_touchpoint(prep):
    tr = paths.transitions(prep, journey="buy")
    fig, ax = plt.subplots()
    out = plot_flow(tr, ["aware", "consider", "order", "confirm"], ax=ax, top=10, title="Buy")
    assert out is ax
    assert len(ax.patches) == 10
    nodes, _ = flow_layout(tr, ["aware", "consider", "order", "confirm"], top=10)
    labels = {t.get_text().replace("\n", "_") for t in ax.texts}
    assert set(nodes["touchpoint"]) <= labels and {"aware", "confirm"} <= labels
    plt.close(fig)


def test_plot_funnel_bars_and_dropoff_text(prep):
    f = funnel.funnel(prep, journey="buy")
    fig, ax = plt.subplots()
    plot_funnel(f, ax=ax)
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(sorted(widths), sorted(f["share_of_start"]))
    assert sum("drop off" in t.get_text() for t in ax.texts) == f["dropoff"].notna().sum()
    assert [t.get_text() for t in ax.get_yticklabels()] == f["stage_name"].tolist()
    plt.close(fig)


def test_plot_dropoff_by_group_marks_significant_stages():
    rows = []
    for g, drop in (("a", 0.1), ("b", 0.5)):
        for i, s in enumerate(["s1", "s2", "s3"]):
            rows.append(
                {
                    "journey": "j",
                    "by": "persona",
                    "group": g,
                    "stage": s,
                    "stage_order": i,
                    "dropoff": drop if s == "s2" else (0.05 if s == "s1" else np.nan),
                    "dropoff_low": 0.0,
                    "dropoff_high": 0.7,
                    "significant": s == "s2",
                }
            )
    d = pd.DataFrame(rows)
    fig, ax = plt.subplots()
    plot_dropoff_by_group(d, ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["s1", "s2 *"]
    assert len(ax.containers) == 2
    plt.close(fig)
