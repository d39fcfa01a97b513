"""Journey map, priority matrix, KPI trends and band charts: check what is drawn, not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from prio_synth import (
    EVENTS,
    journey_map,
    onboarding_priorities,
    onboarding_trends,
)

from cjwork.journeys.process_feedback import process_feedback_effects
from cjwork.plots.journey_map import (
    journey_map_layout,
    plot_journey_map,
    sentiment_color,
    stage_emotion,
)
from cjwork.plots.priority import plot_priority_matrix, priority_quadrants
from cjwork.plots.trends import plot_kpi_trends, plot_metric_bands, trend_points
from cjwork.prioritize import prioritize_touchpoints


@pytest.fixture(scope="module")
def table():
    return onboarding_priorities()


@pytest.fixture(scope="module")
def trend_data():
    return onboarding_trends()


def test_layout_cards_per_stage_sized_by_volume_coloured_by_sentiment(table):
    lay = journey_map_layout(table)
    assert lay["touchpoint"].tolist() == table["touchpoint"].tolist()
    assert lay["col"].tolist() == [0, 0, 1, 1, 2, 2]  # stages across, map order
    assert lay["row"].tolist() == [0, 1, 0, 1, 0, 1]
    assert lay.set_index("touchpoint")["width"].idxmax() == "hotline"  # busiest card is biggest
    assert lay.set_index("touchpoint")["width"]["faq"] == lay["width"].min()
    assert lay.loc[lay.touchpoint == "faq", "color"].item() == pytest.approx(
        (0.85, 0.85, 0.85, 1.0)
    )
    bill = lay.set_index("touchpoint").loc["bill", "color"]
    install = lay.set_index("touchpoint").loc["install", "color"]
    assert bill[0] > install[0] and install[1] > bill[1]  # negative is redder, positive greener
    assert pd.isna(lay.set_index("touchpoint").loc["faq", "owner"])


def test_stage_emotion_is_feedback_weighted(table):
    emo = stage_emotion(table)
    setup = table[table.stage == "setup"]
    expect = np.average(setup["performance"], weights=setup["feedback"])
    assert emo.set_index("stage").loc["setup", "sentiment"] == pytest.approx(expect)
    assert emo["stage"].tolist() == ["signup", "setup", "support"]


def test_journey_map_figure(table):
    fig = plot_journey_map(table, title="Onboarding")
    assert isinstance(fig, Figure)
    ax, ax_e = fig.axes[0], fig.axes[1]
    cards = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(cards) == len(table)
    assert {p.get_gid() for p in cards} == {f"card:{t}" for t in table["touchpoint"]}
    texts = [t.get_text() for t in ax.texts]
    assert {"Sign-up", "Set-up", "Support"} <= set(texts)  # stage headers
    assert any("Billing" in t for t in texts)  # owner shown
    assert any("★" in t and "First bill" in t for t in texts)  # moment of truth
    assert "QUICK WIN" in texts
    assert ax.get_title(loc="left") == "Onboarding"
    curve = [ln for ln in ax_e.get_lines() if len(ln.get_xdata()) == 3]
    assert len(curve) == 1 and np.allclose(curve[0].get_ydata(), stage_emotion(table)["sentiment"])
    assert ax_e.get_ylim() == pytest.approx((-1.05, 1.05))


def test_journey_map_without_feedback_draws_grey_cards():
    t = prioritize_touchpoints(None, journey_map(), "onboarding", EVENTS)
    fig = plot_journey_map(t)
    cards = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(cards) == 6
    assert all(tuple(p.get_facecolor()) == pytest.approx((0.85, 0.85, 0.85, 1.0)) for p in cards)


def test_priority_quadrants_and_matrix(table):
    quad, xc, yc = priority_quadrants(table)
    q = dict(zip(table["touchpoint"], quad, strict=True))
    assert q["bill"] == "fix first" and q["install"] == "keep it up" and pd.isna(q["faq"])
    assert xc == pytest.approx(table["performance"].median())
    ax = plot_priority_matrix(table)
    pts = [c for c in ax.collections if c.get_gid() == "touchpoints"][0]
    assert len(pts.get_offsets()) == table["importance"].notna().sum()
    rings = [c for c in ax.collections if c.get_gid() == "quick_wins"][0]
    assert np.allclose(
        rings.get_offsets(), table.loc[table.quick_win, ["performance", "importance"]].to_numpy()
    )
    labels = [t.get_text() for t in ax.texts]
    assert "First bill\n(Billing)" in labels and "FIX FIRST" in labels
    assert ax.get_xlabel().startswith("performance") and "NPS" in ax.get_ylabel()
    assert [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"][
        0
    ] == pytest.approx(xc)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"dissatisfier", "delighter", "quick win"} <= set(legend)


def test_priority_matrix_into_given_axes(table):
    fig = Figure()
    ax = fig.subplots()
    assert plot_priority_matrix(table, ax=ax, errorbars=False) is ax


def test_trend_points_and_figure(trend_data):
    _, _, tr = trend_data
    pts = trend_points(tr)
    assert pts["touchpoint"].iloc[0] == ""  # whole journey first
    assert "hotline" in set(pts["touchpoint"])  # flagged touchpoint chosen by default
    flagged = pts[pts["flagged"]]
    assert set(flagged["metric"]) >= {"sentiment"}
    fig = plot_kpi_trends(tr, title="Onboarding")
    assert len(fig.axes) == 4
    assert [a.get_ylabel() for a in fig.axes] == ["volume", "mean sentiment", "NPS", "completion"]
    assert fig.axes[1].get_ylim() == (-1, 1)
    rings = [c for a in fig.axes for c in a.collections if (c.get_gid() or "").startswith("flag:")]
    assert sum(len(c.get_offsets()) for c in rings) == len(flagged)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "whole journey" in legend and "significant change" in legend


def test_band_chart(trend_data):
    ev, fb, _ = trend_data
    bands, _ = process_feedback_effects(fb, ev, journey_map(), "onboarding", metrics=["wait_s"])
    ax = plot_metric_bands(bands, touchpoint="hotline", metric="wait_s")
    bars = [p for p in ax.patches]
    assert len(bars) == 3
    assert np.allclose([b.get_height() for b in bars], bands["sentiment"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["≤ 2 min", "2 min–5 min", "> 5 min"]
    assert "Hotline" in ax.get_title(loc="left")
    empty = plot_metric_bands(bands.iloc[0:0])
    assert "no process metric" in empty.texts[0].get_text()


def test_sentiment_colors_scale():
    c = sentiment_color([-1, 0, 1, np.nan])
    assert c[0][0] > c[2][0] and c[2][1] > c[0][1]
    assert tuple(c[3]) == (0.85, 0.85, 0.85, 1.0)


def test_empty_inputs_draw_empty_figures_not_errors():
    t = prioritize_touchpoints(None, journey_map(), "onboarding")
    fig = plot_journey_map(t.iloc[0:0])
    assert not [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    ax = plot_priority_matrix(t)  # no feedback: nothing to place
    assert all(len(c.get_offsets()) == 0 for c in ax.collections if c.get_gid() == "touchpoints")
    empty = pd.DataFrame(
        columns=[
            "period",
            "touchpoint",
            "volume",
            "sentiment",
            "nps",
            "completion",
            "significant_change",
        ]
    )
    assert trend_points(empty).empty
    assert len(plot_kpi_trends(empty).axes) == 1
