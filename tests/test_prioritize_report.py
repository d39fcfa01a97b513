"""End to end on the sample: text engine → analyze() → touchpoints/trends tables → report sections.

Uses the real ``cjwork.text.enrich_feedback`` (lexicon sentiment, linking), so this checks
that the planted effects survive the whole pipeline, and that the report sections show the
numbers of ``analyze()`` (one computation, two outputs).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from prio_synth import SAMPLE_DIR

import cjwork
from cjwork.analysis import analyze
from cjwork.reports import journey_sections as sections
from cjwork.reports.params import validate_params

NO_PERSONAS = pd.DataFrame(
    {"customer_id": pd.Series(dtype="string"), "persona_id": pd.Series(dtype="int64")}
)


@pytest.fixture(scope="module")
def sample():
    import json

    from cjwork.text import enrich_feedback

    ws = cjwork.load(SAMPLE_DIR)
    fb = enrich_feedback(ws)
    effects = json.loads((SAMPLE_DIR / "truth" / "effects.json").read_text(encoding="utf-8"))[
        "effects"
    ]
    an = analyze(ws, ["onboarding", "service"], feedback=fb, personas=NO_PERSONAS)
    return ws, fb, effects, an


def params(journey: str, language: str = "en"):
    return validate_params(
        data_dir=str(SAMPLE_DIR),
        journey=journey,
        period="month",
        n_personas="auto",
        language=language,
        seed=0,
        lenient=False,
        top_n=3,
    )


def test_analyze_touchpoints_show_planted_effects_with_the_text_engine(sample):
    _, _, effects, an = sample
    tp = an["touchpoints"].set_index(["journey", "touchpoint"])
    for e in effects.values():
        key = (e["journey"], e["touchpoint"]) if "touchpoint" in e else None
        if e["type"] == "kano":
            assert tp.loc[key, "category"] == e["category"]
        elif e["type"] == "quick_win":
            assert tp.loc[key, "quick_win"] and tp.loc[key, "owner"] == e["owner"]
        elif e["type"] == "moment_of_truth":
            assert tp.loc[key, "moment_of_truth"]
    tr = an["trends"]
    change = next(e for e in effects.values() if e["type"] == "trend_change")
    flagged = tr[tr["significant_change"].astype(bool)]
    # the planted changes: the hotline wait (effects.json) and the app-driven volume (loop.json)
    loop = json.loads((SAMPLE_DIR / "truth" / "loop.json").read_text(encoding="utf-8"))
    planted = {change["change_from"], loop["change"]["period"][:7]}
    assert set(flagged["period"].astype(str).str[:7]) == planted


def test_report_sections_show_the_analyze_numbers(sample):
    ws, fb, effects, an = sample
    p = params("onboarding")
    tables = sections.report_tables(ws, p, feedback=fb, analysis=an)
    pd.testing.assert_frame_equal(
        tables.touchpoints.reset_index(drop=True),
        an["touchpoints"][an["touchpoints"]["journey"] == "onboarding"].reset_index(drop=True),
    )
    svg = sections.show_journey_map(tables, p)
    assert svg.data.lstrip().startswith(("<?xml", "<svg"))
    html = sections.show_priorities(tables, p)
    assert "First bill" in html.data or "first_bill" in html.data
    assert "Billing" in html.data


def test_process_and_trend_sections(sample):
    ws, fb, effects, an = sample
    p = params("service", "de")
    tables = sections.report_tables(ws, p, feedback=fb, analysis=an)
    html = sections.show_process_feedback(tables, p)
    assert "Cohen" in html.data and "Service hotline" in html.data
    sig = tables.effects[tables.effects["significant"]]
    assert "wait_s" in set(sig["metric"])
    out = sections.show_trends(tables, p)
    change = next(e for e in effects.values() if e["type"] == "trend_change")
    from cjwork.i18n import format_period

    # the period in words and the metric by its name in the map (no raw ids)
    assert format_period(change["change_from"] + "-01", "month", "de") in out.data
    assert "Waiting time" in out.data and "kpi_wait_s" not in out.data


def test_sections_without_feedback_say_so():
    ws = cjwork.load(SAMPLE_DIR)
    p = params("purchase")
    tables = sections.report_tables(ws, p, feedback=pd.DataFrame(columns=["journey", "touchpoint"]))
    assert not tables.has_feedback
    md = sections.show_priorities(tables, p)
    assert "No scored feedback" in md.data


def test_sections_record_their_key_figures_under_their_own_names(sample, monkeypatch):
    from cjwork.reports import display as d

    ws, fb, effects, an = sample
    p = params("onboarding")
    tables = sections.report_tables(ws, p, feedback=fb, analysis=an)
    recorded = {}

    def spy(name, value):
        recorded[name] = value
        return d.record_bundle(name, value)

    monkeypatch.setattr(sections.nb, "record", spy)
    sections.show_priorities(tables, p)
    sections.show_trends(tables, p)
    assert {"quick_wins_by_owner", "touchpoint_categories", "trend_flags"} <= set(recorded)
    qw = recorded["quick_wins_by_owner"]
    planted = next(e for e in effects.values() if e["type"] == "quick_win")
    assert planted["touchpoint"] in set(qw["touchpoint"])
