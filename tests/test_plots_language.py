"""The figures speak the report's language: German words and numbers for ``language="de"``,
the English texts unchanged by default, English for a language the figures do not know."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from prio_synth import (
    journey_map,
    onboarding_priorities,
    onboarding_trends,
)

from cjwork.journeys.process_feedback import process_feedback_effects
from cjwork.plots.emotion import plot_emotion_curve, plot_touchpoint_sentiment
from cjwork.plots.flow import plot_flow
from cjwork.plots.funnel import plot_dropoff_by_group, plot_funnel
from cjwork.plots.journey_map import plot_journey_map
from cjwork.plots.priority import plot_priority_matrix
from cjwork.plots.trends import plot_kpi_trends, plot_metric_bands, trend_points


@pytest.fixture(scope="module")
def table():
    return onboarding_priorities()


@pytest.fixture(scope="module")
def trend_data():
    return onboarding_trends()


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _ticks(axis, values) -> list[str]:
    return list(axis.get_major_formatter().format_ticks(values))


FUNNEL = pd.DataFrame(
    {
        "stage": ["aware", "order", "done"],
        "stage_name": ["Aware", "Order", "Done"],
        "reached": [3310, 2850, 1200],
        "share_of_start": [1.0, 2850 / 3310, 1200 / 3310],
        "dropoff": [0.139, 0.579, np.nan],
    }
)


def test_funnel_in_german_and_english():
    ax = plot_funnel(FUNNEL, language="de")
    texts = _texts(ax)
    assert "3.310 (100 %)" in texts and "2.850 (86 %)" in texts
    assert "  ↓ 14 % Abbruch" in texts and "  ↓ 58 % Abbruch" in texts
    assert ax.get_xlabel() == "Anteil der Fälle, die die Phase erreichen"
    assert _ticks(ax.xaxis, [0.0, 0.25, 0.5]) == ["0,00", "0,25", "0,50"]

    en = plot_funnel(FUNNEL)
    assert _texts(en) == [
        "3,310 (100%)",
        "2,850 (86%)",
        "1,200 (36%)",
        "  ↓ 14% drop off",
        "  ↓ 58% drop off",
    ]
    assert en.get_xlabel() == "share of cases that reached the stage"
    assert _ticks(en.xaxis, [0.0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"]


def test_dropoff_by_group_in_german_and_english():
    rows = [
        {
            "by": "persona",
            "group": g,
            "stage": s,
            "stage_order": i,
            "dropoff": 0.2 if g == "a" else 0.4,
            "dropoff_low": 0.1,
            "dropoff_high": 0.5,
            "significant": s == "s2",
        }
        for g in ("a", "b")
        for i, s in enumerate(["s1", "s2"])
    ]
    d = pd.DataFrame(rows)
    ax = plot_dropoff_by_group(d, language="de")
    assert ax.get_ylabel() == "Abbruchquote (95-%-KI)"
    assert ax.get_legend().get_title().get_text() == "Persona"
    en = plot_dropoff_by_group(d)
    assert en.get_ylabel() == "drop-off (95% CI)"
    assert en.get_legend().get_title().get_text() == "persona"


def test_flow_legend_in_german_and_english():
    tr = pd.DataFrame(
        {
            "source": ["a", "b", "b"],
            "target": ["b", "a", "c"],
            "count": [10, 3, 7],
            "source_stage": ["s1", "s2", "s2"],
            "target_stage": ["s2", "s1", "s3"],
        }
    )
    assert _legend(plot_flow(tr, language="de")) == ["vorwärts", "rückwärts / Wiederholung"]
    assert _legend(plot_flow(tr)) == ["forward", "backward / repeat"]


CURVE = pd.DataFrame(
    {
        "persona": ["all"] * 3 + ["P1"] * 3,
        "step": [0, 1, 2] * 2,
        "label": ["Hotline", "Chat", "Bill"] * 2,
        "mean": [-0.4, 0.5, 0.1, -0.2, 0.3, 0.0],
        "ci_low": [-0.6, 0.3, -0.1, -0.5, 0.0, -0.3],
        "ci_high": [-0.2, 0.7, 0.3, 0.1, 0.6, 0.3],
    }
)


def test_emotion_curve_in_german_and_english():
    ax = plot_emotion_curve(CURVE, language="de")
    assert ax.get_ylabel() == "Stimmung (−1 … 1)"
    assert _ticks(ax.yaxis, [-0.5, 0.0, 0.5]) == ["−0,5", "0,0", "0,5"]
    per_persona = plot_emotion_curve(CURVE, hue="persona", language="de")
    assert per_persona.get_legend().get_title().get_text() == "Persona"
    en = plot_emotion_curve(CURVE)
    assert en.get_ylabel() == "sentiment (−1 … 1)"
    assert _ticks(en.yaxis, [-0.5, 0.0, 0.5]) == ["−0.5", "0.0", "0.5"]
    assert plot_emotion_curve(CURVE, hue="persona").get_legend().get_title().get_text() == (
        "persona"
    )


def test_touchpoint_sentiment_in_german_and_english():
    summary = pd.DataFrame(
        {
            "touchpoint": ["hotline", "chat"],
            "mean": [-0.3, 0.4],
            "ci_low": [-0.5, 0.2],
            "ci_high": [-0.1, 0.6],
            "n": [1500, 40],
        }
    )
    ax = plot_touchpoint_sentiment(summary, language="de")
    assert ax.get_xlabel() == "mittlere Stimmung (−1 … 1)"
    assert _texts(ax) == ["n=1.500", "n=40"]
    en = plot_touchpoint_sentiment(summary)
    assert en.get_xlabel() == "mean sentiment (−1 … 1)"
    assert _texts(en) == ["n=1500", "n=40"]


def test_journey_map_in_german_and_english(table):
    fig = plot_journey_map(table, language="de")
    ax, ax_e, cax = fig.axes[:3]
    assert ax_e.get_title(loc="left") == "Emotionskurve"
    assert ax_e.get_ylabel() == "Stimmung"
    assert _legend(ax_e) == ["Phase (nach Feedback gewichtet)", "Touchpoint"]
    assert cax.get_ylabel() == "mittlere Stimmung"
    footers = [t for t in _texts(ax) if " · " in t]
    bill = table.set_index("touchpoint").loc["bill"]
    shown = f"{bill['performance']:+.2f}".replace(".", ",")
    assert any(shown in t and f"{int(bill['events']):,}".replace(",", ".") in t for t in footers)
    assert any("kein Feedback" in t for t in footers)  # the touchpoint without feedback
    assert not any("no feedback" in t for t in footers)

    en = plot_journey_map(table)
    ax, ax_e, cax = en.axes[:3]
    assert ax_e.get_title(loc="left") == "Emotion curve"
    assert ax_e.get_ylabel() == "sentiment"
    assert _legend(ax_e) == ["stage (feedback-weighted)", "touchpoint"]
    assert cax.get_ylabel() == "mean sentiment"
    assert any(f"{bill['performance']:+.2f} · {int(bill['events']):,}" in t for t in _texts(ax))
    assert any("no feedback" in t for t in _texts(ax))


def test_priority_matrix_in_german_and_english(table):
    ax = plot_priority_matrix(table, language="de")
    texts = set(_texts(ax))
    assert {"ZUERST BEHEBEN", "WEITER SO", "BEOBACHTEN", "HALTEN"} <= texts
    assert ax.get_xlabel() == "Leistung: mittlere Stimmung am Touchpoint"
    assert ax.get_ylabel() == "Wichtigkeit: NPS-Punkte, schlechte vs. gute Erfahrung"
    legend = set(_legend(ax))
    assert {"Enttäuschung", "Begeisterung", "Quick Win"} <= legend
    assert not legend & {"dissatisfier", "delighter", "quick win"}
    assert "First bill\n(Billing)" in texts  # names and owners are data, not translated

    en = plot_priority_matrix(table)
    assert {"FIX FIRST", "KEEP IT UP", "MONITOR", "MAINTAIN"} <= set(_texts(en))
    assert en.get_xlabel() == "performance: mean sentiment at the touchpoint"
    assert en.get_ylabel() == "importance: NPS points, bad vs good experience"
    assert {"dissatisfier", "delighter", "quick win"} <= set(_legend(en))


def test_kpi_trends_in_german_and_english(trend_data):
    _, _, tr = trend_data
    pts = trend_points(tr, language="de")
    assert pts.loc[pts["touchpoint"] == "", "series"].eq("gesamte Journey").all()
    fig = plot_kpi_trends(tr, language="de")
    assert [a.get_ylabel() for a in fig.axes] == [
        "Volumen",
        "mittlere Stimmung",
        "NPS",
        "Abschlussquote",
    ]
    legend = _legend(fig.axes[0])
    assert legend[0] == "gesamte Journey" and legend[-1] == "signifikante Veränderung"
    assert _ticks(fig.axes[3].yaxis, [0.5, 1.0]) == ["0,5", "1,0"]
    assert _ticks(fig.axes[1].yaxis, [-0.5, 0.5]) == ["−0,5", "0,5"]

    en = plot_kpi_trends(tr)
    assert [a.get_ylabel() for a in en.axes] == ["volume", "mean sentiment", "NPS", "completion"]
    legend = _legend(en.axes[0])
    assert legend[0] == "whole journey" and legend[-1] == "significant change"
    assert _ticks(en.axes[3].yaxis, [0.5, 1.0]) == ["0.5", "1.0"]


def test_metric_bands_in_german_and_english(trend_data):
    ev, fb, _ = trend_data
    bands, _ = process_feedback_effects(fb, ev, journey_map(), "onboarding", metrics=["wait_s"])
    first = bands.iloc[0]
    ax = plot_metric_bands(bands, touchpoint="hotline", metric="wait_s", language="de")
    assert ax.get_ylabel() == "mittlere Stimmung"
    assert ax.get_title(loc="left") == (
        f"Stimmung bei {first['touchpoint_name']} nach {first['metric_name']}"
    )
    assert _ticks(ax.yaxis, [-0.5, 0.5]) == ["−0,5", "0,5"]
    many = bands.assign(n=bands["n"] * 10)  # thousands point in German, comma in English
    n0 = int(many["n"].iloc[0])
    assert f"n={n0:,}".replace(",", ".") in _texts(plot_metric_bands(many, language="de"))
    assert f"n={n0:,}" in _texts(plot_metric_bands(many))
    empty = plot_metric_bands(bands.iloc[0:0], language="de")
    assert _texts(empty) == ["kein Prozessmesswert mit Feedback verknüpft"]

    en = plot_metric_bands(bands, touchpoint="hotline", metric="wait_s")
    assert en.get_ylabel() == "mean sentiment"
    assert en.get_title(loc="left") == (
        f"Sentiment at {first['touchpoint_name']} by {first['metric_name']}"
    )
    assert _texts(plot_metric_bands(bands.iloc[0:0])) == ["no process metric linked to feedback"]


@pytest.mark.parametrize("language", ["fr", "", "EN"])
def test_unknown_language_draws_english_like_the_persona_cards(language):
    ax = plot_funnel(FUNNEL, language=language)
    assert ax.get_xlabel() == "share of cases that reached the stage"
    assert "  ↓ 14% drop off" in _texts(ax)
    assert _ticks(ax.xaxis, [0.5]) == ["0.5"]
    curve = plot_emotion_curve(CURVE, language=language)
    assert curve.get_ylabel() == "sentiment (−1 … 1)"
    assert trend_points(
        pd.DataFrame(
            {
                "period": ["2026-01-01"],
                "touchpoint": [""],
                "volume": [3],
                "significant_change": [False],
            }
        ),
        language=language,
    )["series"].tolist() == ["whole journey"]
