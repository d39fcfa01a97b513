"""The report's own words and numbers in German (``language="de"``) — sentences, table
headings, p-values and the overview and persona figures — while English stays as it was."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from cjwork.journeys.process_feedback import describe_band_effect, format_value
from cjwork.plots.persona_cards import (
    k_selection_curve,
    persona_heatmap,
    persona_stage_heatmap,
)
from cjwork.reports import display as d
from cjwork.reports import figures, paths_section, personas_section
from cjwork.reports import journey_sections as sections
from cjwork.text import report_section

# --------------------------------------------------------------------------- helpers


def test_format_text_writes_german_numbers_and_leaves_english_as_format():
    template = "{n:,} runs, {r:.0%} left, sentiment {s:+.2f} at {name}"
    values = {"n": 1060, "r": 0.2, "s": -0.26, "name": "Bill 2.0"}
    assert (
        d.format_text(template, "de", **values)
        == "1.060 runs, 20 % left, sentiment -0,26 at Bill 2.0"
    )
    assert d.format_text(template, **values) == template.format(**values)
    assert (
        d.format_text(template, "en", **values)
        == "1,060 runs, 20% left, sentiment -0.26 at Bill 2.0"
    )


def test_format_p_one_german_style():
    assert d.format_p(7.8e-15, "de") == "p < 0,001"
    assert d.format_p(0.023, "de") == "p = 0,023"
    assert d.format_p(0.0027, "de") == "p = 0,0027"
    assert d.format_p(float("nan"), "de") == "p n. v."
    assert d.format_p(7.8e-15) == "p = 7.8e-15"
    assert d.format_p(0.0027, spec=".3f") == "p = 0.003"


# --------------------------------------------------------------------------- sentences


def test_paths_persona_dropoff_sentence():
    kw = {"stage": "Self-service", "p": 7.8e-15, "group": "1", "rate": 0.2}
    de = paths_section._t("significant", "de", p_text=d.format_p(kw["p"], "de"), **kw)
    assert de == (
        "Der Abbruch in Phase **Self-service** unterscheidet sich zwischen Personas "
        "(p < 0,001); am höchsten bei Persona 1 (20 %)."
    )
    de = paths_section._t("significant", "de", **{**kw, "p": 0.023, "p_text": "p = 0,023"})
    assert "(p = 0,023)" in de
    en = paths_section._t("significant", "en", p_text="unused", **kw)
    assert en == (
        "Drop-off at stage **Self-service** differs between personas (p = 7.8e-15); "
        "highest for persona 1 (20%)."
    )


def test_personas_and_feedback_sentences():
    kw = {"persona": "Young", "stage": "Contact", "value": 0.2, "rest": 0.123, "n": 1466}
    assert personas_section._t("dropoff", "de", **kw) == (
        "- **Young** bricht bei **Contact** in 20 % der Durchläufe ab, die anderen "
        "Kund:innen in 12 % (1.466 Durchläufe)."
    )
    assert personas_section._t("dropoff", "en", **kw).endswith("in 12% (1,466 runs).")
    kw = {**kw, "value": -0.31, "rest": 0.05}
    assert "mit Sentiment -0,31, die anderen Kund:innen mit +0,05 (1.466 Kommentare)" in (
        personas_section._t("sentiment", "de", **kw)
    )
    assert "at -0.31 sentiment, the other customers at +0.05 (1,466 comments)" in (
        personas_section._t("sentiment", "en", **kw)
    )
    links = {"n": 1783, "explicit": 0.33, "event": 0.63, "text": 0.04, "model": 0.0}
    de = report_section._t("links", "de", **links)
    assert de.startswith("1.783 Kommentare zu dieser Journey; zugeordnet explizit 33 %, ")
    assert "über das Modell 0 %." in de and "95-%-Konfidenzintervalle" in de
    assert report_section._t("links", "en", **links).startswith(
        "1,783 comments on this journey; linked explicitly 33%, by the last event 63%"
    )


ROW = {
    "touchpoint": "hotline",
    "touchpoint_name": "Service hotline",
    "metric": "wait_s",
    "metric_name": "Waiting time",
    "unit": None,
    "rule": "target",
    "better": "lower",
    "target": 120.0,
    "reference_band": "≤ 2 min",
    "worst_band": "> 5 min",
    "worst_edge": 300.0,
    "reference_n": 106,
    "worst_n": 1116,
    "reference_sentiment": 0.29,
    "worst_sentiment": -0.53,
    "cohens_d": -2.08,
    "p_adj": 1e-36,
    "significant": True,
}


def test_process_sentence_in_german_and_english():
    assert describe_band_effect(ROW, "de") == (
        "Über 5 min Waiting time sinkt die Stimmung bei Service hotline von +0,29 "
        "(im Ziel von 2 min) auf -0,53 (n = 106 gegenüber 1.116; Cohen's d = -2,08; p < 0,001)."
    )
    assert describe_band_effect(ROW) == (
        "Above 5 min waiting time, sentiment at Service hotline drops from +0.29 "
        "(within the 2 min target) to -0.53 (n = 106 vs 1116; Cohen's d = -2.08; p < 0.001)."
    )
    terciles = {
        **ROW,
        "rule": "terciles",
        "better": "higher",
        "reference_band": "≥ 17.5 min",
        "worst_band": "< 2.5 min",
        "worst_edge": 150.0,
        "worst_sentiment": 0.4,
        "significant": False,
        "p_adj": 0.246,
    }
    assert describe_band_effect(terciles, "de") == (
        "Kein klarer Zusammenhang zwischen Waiting time und der Stimmung bei Service hotline: "
        "+0,29 (im obersten Band (≥ 17,5 min)) gegenüber +0,40 (< 2,5 min) "
        "(n = 106 gegenüber 1.116; Cohen's d = -2,08; p = 0,25)."
    )
    binary = {**ROW, "rule": "binary", "metric": "resolved", "p_adj": 0.0123}
    assert describe_band_effect(binary, "de").startswith(
        "Bei resolved = 0 sinkt die Stimmung bei Service hotline von +0,29 (resolved = 1)"
    )
    assert "p = 0,012)." in describe_band_effect(binary, "de")
    few = {**ROW, "p_adj": np.nan}
    assert describe_band_effect(few, "de").startswith(
        "Zu wenig Feedback, um Waiting time bei Service hotline zu beurteilen: +0,29"
    )
    assert describe_band_effect({**ROW, "worst_sentiment": np.nan}, "de") == (
        "Zu wenig Feedback zu Waiting time bei Service hotline, um die Bänder zu vergleichen."
    )
    assert format_value(150, "wait_s", language="de") == "2,5 min"
    assert format_value(150, "wait_s") == "2.5 min"


def _effects() -> pd.DataFrame:
    row = {
        **ROW,
        "diff": -0.82,
        "diff_lo": -0.93,
        "diff_hi": -0.72,
        "p_adj": 4.78e-36,
        "worst_band": "> 17.5 min",
    }
    empty = {
        **row,
        "touchpoint_name": "Shop",
        "worst_n": 0,
        "worst_sentiment": np.nan,
        "diff": np.nan,
        "diff_lo": np.nan,
        "diff_hi": np.nan,
        "cohens_d": np.nan,
        "p_adj": 0.246,
    }
    return pd.DataFrame([row, empty])


def test_process_table_headings_and_numbers():
    de = sections.process_table(_effects(), "de")
    assert list(de.columns) == [
        "touchpoint_name",
        "metric",
        "Referenz",
        "Schlechtestes Band",
        "Stimmung",
        "Differenz (95-%-KI)",
        "Cohen's d",
        "p (Holm)",
    ]
    assert de.iloc[0, 2:].tolist() == [
        "≤ 2 min (n=106)",
        "> 17,5 min (n=1.116)",
        "+0,29 → -0,53",
        "-0,82 [-0,93; -0,72]",
        "-2,08",
        "< 0,001",
    ]
    assert de.iloc[1, 4:].tolist() == ["+0,29 → –", "– [–; –]", "–", "0,25"]
    html = d.table_html(de, language="de")
    assert "<th>Kennzahl</th>" in html and "<th>Referenz</th>" in html

    en = sections.process_table(_effects())
    assert list(en.columns)[2:] == [
        "reference",
        "worst",
        "sentiment",
        "difference (95% CI)",
        "Cohen's d",
        "p (Holm)",
    ]
    assert en.iloc[0, 2:].tolist() == [
        "≤ 2 min (n=106)",
        "> 17.5 min (n=1116)",
        "+0.29 → -0.53",
        "-0.82 [-0.93, -0.72]",
        "-2.08",
        "4.78e-36",
    ]
    assert en.iloc[1, 7] == "0.246"


def test_touchpoint_table_headings_and_numbers():
    tp = pd.DataFrame(
        {
            "stage_name": ["Contact", "Contact"],
            "touchpoint_name": ["Service hotline", "Shop"],
            "owner": ["Customer Service", None],
            "events": [1760, 144],
            "feedback": [380, 7],
            "performance": [0.02, -0.51],
            "importance": [2.31, np.nan],
            "importance_lo": [1.9, np.nan],
            "importance_hi": [2.7, np.nan],
            "category": ["ok", "unclear"],
            "moment_of_truth": [True, False],
            "quick_win": [True, False],
        }
    )
    de = sections.touchpoint_table(tp, "de")
    assert list(de.columns)[5:] == [
        "performance",
        "Wichtigkeit (95-%-KI)",
        "category",
        "Moment of Truth",
        "Quick Win",
    ]
    assert de.iloc[0, 5:].tolist() == ["+0,02", "2,3 [1,9; 2,7]", "OK-Faktor", "★", "✔"]
    assert de.iloc[1, 5:7].tolist() == ["-0,51", "– [–; –]"]
    html = d.table_html(de, language="de")
    assert "<th>Leistung</th>" in html and '<td class="num">1.760</td>' in html

    en = sections.touchpoint_table(tp)
    assert list(en.columns)[5:] == [
        "performance",
        "importance (95% CI)",
        "category",
        "moment of truth",
        "quick win",
    ]
    assert en.iloc[0, 5:].tolist() == ["+0.02", "2.3 [1.9, 2.7]", "OK factor", "★", "✔"]


# --------------------------------------------------------------------------- figures

STRUCTURE = pd.DataFrame(
    {
        "stage": ["contact", "contact"],
        "stage_name": ["Contact", "Contact"],
        "touchpoint": ["hotline", "shop"],
        "touchpoint_name": ["Service hotline", "Shop"],
        "channel": ["phone", "shop"],
        "owner": ["Customer Service", "Retail"],
        "events": [1760, 144],
        "customers": [894, 136],
    }
)


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_overview_figures_in_german_and_english():
    ax = figures.volume_bars(STRUCTURE, language="de")
    assert ax.get_xlabel() == "Ereignisse"
    assert _texts(ax) == ["1.760", "144"]
    assert figures.volume_bars(STRUCTURE, value="customers", language="de").get_xlabel() == "Kunden"
    en = figures.volume_bars(STRUCTURE)
    assert en.get_xlabel() == "events" and _texts(en) == ["1,760", "144"]

    events = STRUCTURE.set_index("touchpoint")["events"]
    de = _texts(figures.journey_structure_plot(STRUCTURE, events=events, language="de"))
    assert "Service hotline\n1.760 Ereignisse" in de and "Shop\n144 Ereignisse" in de
    en = _texts(figures.journey_structure_plot(STRUCTURE, events=events))
    assert "Service hotline\n1,760 events" in en and "Shop\n144 events" in en


def test_persona_heatmap_in_german_and_english():
    data = pd.DataFrame({"age": [1.25, -0.5], "nps": [0.04, 2.0]}, index=["A", "B"])
    ax = persona_heatmap(data, language="de")
    assert ax.collections[0].colorbar.ax.get_ylabel() == "Effektstärke ggü. den übrigen Kund:innen"
    assert _texts(ax) == ["1,2", "0,0", "-0,5", "2,0"]
    cbar = ax.collections[0].colorbar.ax
    assert list(cbar.yaxis.get_major_formatter().format_ticks([-1.5, 0.5])) == ["−1,5", "0,5"]

    en = persona_heatmap(data)
    assert en.collections[0].colorbar.ax.get_ylabel() == "effect size vs. other customers"
    assert _texts(en) == ["1.2", "0.0", "-0.5", "2.0"]


def test_k_selection_curve_in_german_and_english():
    scores = pd.DataFrame(
        {"k": [2, 3, 4], "silhouette": [0.21, 0.35, 0.3], "bic": [10.0, 8.0, 9.0]}
    ).assign(chosen=[False, True, False])
    ax = k_selection_curve(scores, language="de")
    assert ax.get_xlabel() == "Anzahl der Personas k"
    assert ax.get_ylabel() == "silhouette (höher ist besser)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gewähltes k = 3"]
    assert list(ax.yaxis.get_major_formatter().format_ticks([0.25, 0.3])) == ["0,25", "0,30"]
    assert k_selection_curve(scores, criterion="bic", language="de").get_ylabel() == (
        "bic (niedriger ist besser)"
    )

    en = k_selection_curve(scores)
    assert en.get_xlabel() == "number of personas k"
    assert en.get_ylabel() == "silhouette (higher is better)"
    assert [t.get_text() for t in en.get_legend().get_texts()] == ["chosen k = 3"]
    assert k_selection_curve(scores, criterion="bic").get_ylabel() == "bic (lower is better)"


STAGES = pd.DataFrame(
    {
        "persona_name": ["A", "A", "B", "B"],
        "stage_name": ["Order", "Use", "Order", "Use"],
        "stage_order": [0, 1, 0, 1],
        "dropoff": [0.125, 0.5, np.nan, 0.3],
        "sentiment": [0.25, -0.5, 0.1, np.nan],
    }
)


def test_persona_stage_heatmap_in_german_and_english():
    ax = persona_stage_heatmap(STAGES, "dropoff", language="de")
    assert ax.get_title() == "Abbruch"
    assert _texts(ax) == ["12 %", "50 %", "30 %"]
    ax = persona_stage_heatmap(STAGES, "sentiment", fmt="+.2f", language="de")
    assert ax.get_title() == "Sentiment" and _texts(ax) == ["+0,25", "-0,50", "+0,10"]
    empty = STAGES.iloc[:0]
    assert _texts(persona_stage_heatmap(empty, "dropoff", language="de")) == [
        "keine Daten: Abbruch"
    ]

    en = persona_stage_heatmap(STAGES, "dropoff")
    assert en.get_title() == "dropoff" and _texts(en) == ["12%", "50%", "30%"]
    en = persona_stage_heatmap(STAGES, "sentiment", fmt="+.2f")
    assert en.get_title() == "sentiment" and _texts(en) == ["+0.25", "-0.50", "+0.10"]
    assert _texts(persona_stage_heatmap(empty, "dropoff")) == ["no dropoff data"]


def test_trend_change_detail_in_german_and_english():
    detail = "sentiment -0.42 (p=0.0003); volume ×1.50 (p=0.012); kpi_wait_s +135 (p=0.0027)"
    assert d.change_detail_text(detail, "de") == (
        "mittlere Stimmung -0,42 (p < 0,001); Volumen ×1,50 (p = 0,012); "
        "kpi_wait_s +135 (p = 0,0027)"
    )
    assert d.change_detail_text(detail) == detail
    assert d.change_detail_text(detail, "en") == detail


def test_data_quality_details_in_german_and_english():
    from cjwork.reports.overview import data_quality_details

    dq = pd.DataFrame(
        {
            "check": ["rows", "time range", "missing values", "duplicate feedback", "rows"],
            "table": ["events", "events", "events", "feedback", "feedback"],
            "count": [7824, 7824, 11152, 0, 262],
            "share": [np.nan, 1.0, 0.323, 0.0, np.nan],
            "status": ["info", "info", "warning", "ok", "info"],
            "detail": [
                "events of this journey",
                "2025-05-01 to 2026-10-31",
                "wait_s 5504, handle_s 5648",
                "same customer_id, text",
                "rows naming this journey or one of its touchpoints (before linking)",
            ],
        }
    )
    de = data_quality_details(dq, "de")
    assert de["detail"].tolist() == [
        "Ereignisse dieser Journey",
        "01.05.2025 bis 31.10.2026",
        "wait_s 5.504, handle_s 5.648",
        "gleiche customer_id, text",
        "Zeilen, die diese Journey oder einen ihrer Touchpoints nennen (vor der Zuordnung)",
    ]
    html = d.table_html(de, language="de", percent=["share"])
    for word in ("<td>Zeitraum</td>", "<td>fehlende Werte</td>", "<td>doppeltes Feedback</td>"):
        assert word in html
    assert "<td>Warnung</td>" in html and "32,3 %" in html
    assert data_quality_details(dq, "en") is dq
    en = d.table_html(dq, percent=["share"])
    assert "<td>time range</td>" in en and "<td>2025-05-01 to 2026-10-31</td>" in en


def test_no_change_sentence_names_the_period_in_german():
    assert sections._t("no_changes", "de", period=sections.period_name("month", "de")) == (
        "Keine statistisch belastbare Veränderung gegenüber der Vorperiode (Monat)."
    )
    assert sections.period_name("quarter", "de") == "Quartal"
    assert sections._t("no_changes", "en", period=sections.period_name("month")) == (
        "No statistically meaningful change against the previous month."
    )


def test_structure_table_kpi_targets_with_a_decimal_comma():
    from pathlib import Path

    from cjwork.reports import notebook as report

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    shown = {}
    for lang in ("de", "en"):
        params = report.validate_params(data_dir=str(sample), journey="service", language=lang)
        shown[lang] = report.show_structure(report.load(params), params).data
    # readable targets: the map's metric names and units, no raw ids
    assert "<td>Resolved by the bot ≥ 50 %</td>" in shown["de"]
    assert (
        "Waiting time ≤ 120 s; Handling time ≤ 420 s; First-contact resolution ≥ 80 %"
        in (shown["de"])
    )
    assert "<td>Resolved by the bot ≥ 50%</td>" in shown["en"] and "50 %" not in shown["en"]
    assert "handle_s" not in shown["en"]


def test_table_note_on_rows_left_out():
    df = pd.DataFrame({"events": range(1205)})
    assert "1.203 weitere Zeilen nicht angezeigt." in d.table_html(df, language="de", max_rows=2)
    assert "1,203 more rows not shown." in d.table_html(df, max_rows=2)
