"""Reports that tell the story: the summary's findings, evidence guards, languages, the CLI
vocabulary and the docs build (tests without Jupyter; the browser checks are in
tests/test_reports_story_browser.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


# --------------------------------------------------------------------------- docs


def test_docs_build_offline_with_mkdocs_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (site / "index.html").is_file()
    assert (site / "reference" / "changelog.html").is_file()
    assert (site / "reports.html").is_file()
    # no nav in mkdocs.yml: a new docs/<topic>.md is a page without editing the config
    assert not re.search(r"(?m)^nav:", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_summaries(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Summary inputs (health, findings) of three sample journeys, English and German,
    from one analysis of the three journeys and one persona model."""
    import cjwork
    from cjwork.analysis import analyze
    from cjwork.reports.params import validate_params
    from cjwork.reports.shared import shared_tables, write_shared_tables
    from cjwork.reports.summary_section import summary_inputs

    ws = cjwork.load(SAMPLE)
    cache = tmp_path_factory.mktemp("shared")
    write_shared_tables(ws, cache, "auto", 42)
    feedback, personas = shared_tables(ws, cache, seed=42)
    journeys = ["service", "purchase", "onboarding"]
    an = analyze(
        ws, journeys, period="month", feedback=feedback, personas=personas, random_state=42
    )
    an.feedback = feedback
    out = {}
    for j in journeys:
        for lang in ("en", "de"):
            params = validate_params(
                data_dir=str(SAMPLE), journey=j, language=lang, cache_dir=str(cache)
            )
            got = summary_inputs(ws, params, an)
            out[j, lang] = got
    return out


def _summary_text(got: dict, language: str) -> str:
    from cjwork.reports.summary_section import summary_html

    html = summary_html(got["health"], got["findings"], language)
    import html as _html

    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_service_summary_names_the_waiting_time_effect_and_the_august_change(
    sample_summaries: dict,
) -> None:
    got = sample_summaries["service", "en"]
    f = got["findings"]
    process = f[f["kind"] == "process"]
    assert "hotline" in set(process["touchpoint"])
    row = process[process["touchpoint"] == "hotline"].iloc[0]
    assert row["owner"] == "Customer Service"
    assert row["n"] >= 200 and row["value"] < -0.5  # planted: +0.29 → −0.53
    assert "> 5 min" in row["sentence"] and "Service hotline" in row["sentence"]
    change = f[(f["kind"] == "change") & (f["touchpoint"] == "hotline")]
    assert len(change)  # (the sample also plants an app-driven volume change in 2026-09)
    assert "August 2026" in change.iloc[0]["sentence"]
    assert re.search(r"\+1\d\d s", change.iloc[0]["sentence"])  # +135 s
    text = _summary_text(got, "en")
    for needed in ("NPS", "n = ", "Owner: Customer Service", "Action:", "Trends"):
        assert needed in text
    # the health line: NPS on −100 … +100 with its n, not the mean 0–10 answer
    assert -100 <= got["health"]["nps"] <= 100 and got["health"]["nps_n"] > 100


def test_purchase_summary_names_the_persona_drop_off_at_order(sample_summaries: dict) -> None:
    f = sample_summaries["purchase", "en"]["findings"]
    persona = f[f["kind"] == "persona"]
    assert len(persona)
    row = persona.iloc[0]
    assert row["stage_name"] == "Order"
    assert row["value"] > 0.25  # planted 42 % vs 10 %
    assert row["owner"]  # the journey owner
    assert re.search(r"in 4\d% of 1\d\d journey runs", row["sentence"])
    assert row["action"]


def test_onboarding_summary_names_the_first_bill_dissatisfier_with_its_owner(
    sample_summaries: dict,
) -> None:
    f = sample_summaries["onboarding", "en"]["findings"]
    dis = f[f["kind"] == "dissatisfier"]
    assert list(dis["touchpoint"]) == ["first_bill"]
    row = dis.iloc[0]
    assert row["owner"] == "Billing" and row["n"] >= 200
    assert "First bill" in row["sentence"] and "negative" in row["sentence"]
    text = _summary_text(sample_summaries["onboarding", "en"], "en")
    assert "Owner: Billing" in text


def test_findings_are_ranked_and_guarded(sample_summaries: dict) -> None:
    from cjwork.reports.findings import FINDING_COLUMNS, MIN_N

    for (_j, _lang), got in sample_summaries.items():
        f = got["findings"]
        assert list(f.columns) == FINDING_COLUMNS
        assert len(f) <= 5
        assert list(f["rank"]) == list(range(1, len(f) + 1))
        assert f["score"].is_monotonic_decreasing
        assert (f["n"] >= 2 * MIN_N).all()
        assert f["sentence"].str.len().gt(20).all() and f["action"].str.len().gt(20).all()


def test_german_summary_has_german_numbers_and_dates(sample_summaries: dict) -> None:
    text = _summary_text(sample_summaries["service", "de"], "de")
    assert "August 2026" in text and "Verantwortlich: Customer Service" in text
    assert "Maßnahme:" in text
    assert re.search(r"[+-]0,\d\d", text)  # decimal comma
    for english in ("Owner", "Action", "sentiment drops", "journey runs", "comments"):
        assert english not in text


# --------------------------------------------------------------------------- small pieces


def test_findings_need_min_n_on_each_side() -> None:
    from cjwork.reports.findings import journey_findings

    tp = pd.DataFrame(
        {
            "touchpoint": ["a"],
            "touchpoint_name": ["A"],
            "stage_name": ["S"],
            "owner": ["O"],
            "category": ["dissatisfier"],
            "feedback": [12],
            "penalty": [3.0],
            "reward": [0.1],
            "reward_lo": [-0.2],
            "outcome_sd": [2.0],
            "share_negative": [0.6],
        }
    )
    effects = pd.DataFrame(
        {
            "touchpoint": ["a"],
            "touchpoint_name": ["A"],
            "metric": ["wait_s"],
            "metric_name": ["Waiting time"],
            "unit": ["s"],
            "target": [60.0],
            "reference_band": ["≤ 1 min"],
            "worst_band": ["> 5 min"],
            "reference_n": [200],
            "worst_n": [12],
            "reference_sentiment": [0.3],
            "worst_sentiment": [-0.6],
            "diff": [-0.9],
            "cohens_d": [-2.0],
            "p_adj": [0.001],
            "significant": [True],
        }
    )
    assert journey_findings(tp, effects=effects).empty  # 12 comments each: below 30
    tp2 = tp.assign(feedback=120)
    effects2 = effects.assign(worst_n=40)
    f = journey_findings(tp2, effects=effects2)
    assert set(f["kind"]) == {"dissatisfier", "process"}
    assert f.iloc[0]["kind"] == "process"  # d = 2.0 beats 3.0 / 2.0 = 1.5 at less evidence


def test_unclear_is_explained_and_changes_show_counts() -> None:
    from cjwork.reports.findings import unclear_reason
    from cjwork.reports.summary_section import change_with_counts

    assert unclear_reason(53, 23, 8) == "53 comments; needs about 70"
    assert unclear_reason(1, 0, 1, language="de") == "1 Kommentar; braucht etwa 20"
    assert unclear_reason(1200, 0, 400, language="de") == "1.200 Kommentare; braucht etwa 24.000"
    assert unclear_reason(45, 10, 20) == "45 comments; effects still too uncertain"
    assert change_with_counts(3, 2, "en", 30) == "3 → 2, too few to compare"
    assert change_with_counts(250, 280, "en", 30) == "+12.0 % (250 → 280)"
    assert change_with_counts(2500, 2800, "de", 30) == "+12,0 % (2.500 → 2.800)"


def test_nps_is_promoters_minus_detractors() -> None:
    from cjwork.reports.findings import nps_score

    assert nps_score([10, 9, 8, 7, 0]) == (20.0, 5)
    v, n = nps_score([None, 3])
    assert (v, n) == (-100.0, 1)


def test_periods_and_dates_in_both_languages() -> None:
    from cjwork.i18n import format_date, format_period

    assert format_period("2026-08-01", "month", "en") == "August 2026"
    assert format_period("2026-03-01", "month", "de") == "März 2026"
    assert format_period("2026-07-01", "quarter", "de") == "3. Quartal 2026"
    assert format_period("2026-08-03", "week", "de") == "Woche ab 03.08.2026"
    assert format_date("2026-08-03", "de") == "03.08.2026"


def test_summary_escapes_data_values() -> None:
    from cjwork.reports.summary_section import summary_html

    f = pd.DataFrame(
        [
            {
                "rank": 1,
                "kind": "dissatisfier",
                "section": "priorities",
                "touchpoint": "x",
                "touchpoint_name": "<script>alert(1)</script>",
                "stage_name": "",
                "owner": "<img src=x onerror=alert(1)>",
                "value": 1.0,
                "n": 100,
                "effect": 1.0,
                "p": float("nan"),
                "score": 1.0,
                "sentence": "<script>alert(1)</script> is bad",
                "action": "fix <b>it</b>",
            }
        ]
    )
    html = summary_html({"nps": float("nan"), "nps_n": 0, "kpis_total": 0}, f, "en")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_module_has_no_private_imports() -> None:
    src = (ROOT / "cjwork" / "reports" / "findings.py").read_text(encoding="utf-8")
    assert not re.search(r"from cjwork\S* import _", src)


# --------------------------------------------------------------------------- the command line

WRITING_COMMANDS = ["sample", "analyze", "personas", "report", "sentiment", "link"]


def test_every_writing_command_takes_output_and_one_seed_default() -> None:
    import click

    from cjwork.cli import DEFAULT_SEED, cli
    from cjwork.reports.params import DEFAULTS

    assert DEFAULT_SEED == DEFAULTS["seed"]
    ctx = click.Context(cli)
    for name in WRITING_COMMANDS:
        cmd = cli.commands[name]
        opts = {o: p for p in cmd.params for o in getattr(p, "opts", [])}
        assert "-o" in opts and "--output" in opts and "--out" in opts, name
        help_text = cmd.get_help(click.Context(cmd, parent=ctx, info_name=name))
        assert "-o, --output" in help_text and "--out " not in help_text, name
        if "--seed" in opts and name != "report":
            assert opts["--seed"].default == DEFAULT_SEED, name
        if "--engine" in opts:
            assert list(opts["--engine"].type.choices) == ["local", "dask"], name
            assert opts["--engine"].default == "local", name


def test_engine_duckdb_is_an_alias_of_local(capsys: pytest.CaptureFixture) -> None:
    from cjwork.cli import EngineChoice

    assert EngineChoice().convert("duckdb", None, None) == "local"
    assert "now called --engine local" in capsys.readouterr().err
    assert EngineChoice().convert("dask", None, None) == "dask"


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_unknown_journey_exits_1_with_a_suggestion_in_every_command(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from cjwork.cli import main

    with pytest.raises(SystemExit) as done:
        main([command, str(SAMPLE), "--journey", "servce", "--out", str(tmp_path / "o")])
    assert done.value.code == 1
    assert "closest known: service" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_report_language_and_period_flags_must_agree_with_p(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from cjwork.cli import main

    with pytest.raises(SystemExit) as done:
        main(
            ["report", str(SAMPLE), "--all", "-o", str(tmp_path / "o"), "--language", "de"]
            + ["-p", "language", "en"]
        )
    assert done.value.code == 2
    assert "disagree" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["report", str(SAMPLE), "--all", "-o", str(tmp_path / "o"), "--period", "day"])
    assert done.value.code == 2


# --------------------------------------------------------------------------- progress


def test_progress_names_the_running_step(tmp_path: Path) -> None:
    import json

    from cjwork.reports.progress import progress_text, running_step

    nb = tmp_path / "x.ipynb"
    assert running_step(nb) == "starting"

    def write(statuses: list) -> None:
        cells = [
            {"metadata": {"tags": [f"section-{name}"], "papermill": {"status": s}}}
            for name, s in statuses
        ]
        nb.write_text(json.dumps({"cells": cells}), encoding="utf-8")

    write([("setup", "completed"), ("summary", "running"), ("trends", "pending")])
    assert running_step(nb) == "summary"
    write([("setup", "completed"), ("trends", "completed")])
    assert running_step(nb) == "export"
    nb.write_text("{ half written", encoding="utf-8")
    assert running_step(nb) == ""
    line = progress_text({"service": "personas", "purchase": "summary"}, "de")
    assert line == "service: Personas · purchase: Zusammenfassung"
    assert progress_text({"shared": "shared"}) == "shared: feedback & personas"


def test_explorer_shows_a_busy_state_while_it_recomputes(tiny_dir: Path) -> None:
    import cjwork
    from cjwork.explore import Explorer

    ws = cjwork.load(tiny_dir)
    personas = pd.DataFrame({"customer_id": ["C001"], "persona_id": [1], "persona_name": ["One"]})
    ex = Explorer(ws, personas=personas, seed=1)
    seen = []
    real = ex.tables

    def watching():
        seen.append((ex.journey.disabled, ex.channel.disabled, ex.status.value))
        return real()

    ex.tables = watching
    ex.channel.value = ex.channel.options[1]
    assert seen and seen[0][0] and seen[0][1] and Explorer.BUSY_TEXT in seen[0][2]
    assert not ex.journey.disabled and Explorer.BUSY_TEXT not in ex.status.value


def test_change_details_name_process_metrics() -> None:
    from cjwork.reports.display import change_detail_text

    names = {"kpi_wait_s": "Waiting time"}
    assert change_detail_text("kpi_wait_s +135 (p=0.0027)", "en", names) == (
        "Waiting time +135 (p=0.0027)"
    )
    assert change_detail_text("kpi_wait_s +135 (p=0.0027)", "de", {"kpi_wait_s": "Wartezeit"}) == (
        "Wartezeit +135 (p = 0,0027)"
    )


def test_expected_gaps_are_information_and_real_gaps_warnings() -> None:
    import cjwork
    from cjwork.reports import overview

    ws = cjwork.load(SAMPLE)
    dq = overview.data_quality(ws, "service").set_index(["check", "table"])
    # waits exist only where people queue: the gaps elsewhere are expected
    assert dq.loc[("missing values", "events"), "status"] == "info"
    hotline = ws.events.index[ws.events["touchpoint"] == "hotline"][:3]
    ws.events.loc[hotline, "wait_s"] = float("nan")
    dq = overview.data_quality(ws, "service").set_index(["check", "table"])
    assert dq.loc[("missing values", "events"), "status"] == "warning"


def test_summary_names_the_theme_behind_the_first_bill_and_the_cause_of_the_app_change(
    sample_summaries: dict,
) -> None:
    """Issue 22 in the summary: the dissatisfier's top theme (planted: the back-payment theme
    at the first bill) and the group behind a flagged change (planted: the app channel)."""
    f = sample_summaries["onboarding", "en"]["findings"]
    first = f[(f["kind"] == "dissatisfier") & (f["touchpoint"] == "first_bill")]
    assert len(first)
    assert re.search(r"Top theme: “[^”]*back payment[^”]*”", first.iloc[0]["sentence"])
    f_de = sample_summaries["onboarding", "de"]["findings"]
    first_de = f_de[(f_de["kind"] == "dissatisfier") & (f_de["touchpoint"] == "first_bill")]
    assert "Nachzahlung" in first_de.iloc[0]["sentence"].title()
    service = sample_summaries["service", "en"]["findings"]
    volume = service[(service["kind"] == "change") & (service["touchpoint"] == "")]
    assert len(volume)
    assert "Mostly channel app (" in volume.iloc[0]["sentence"]
    hotline = service[(service["kind"] == "change") & (service["touchpoint"] == "hotline")]
    assert "Mostly" not in hotline.iloc[0]["sentence"]  # no group moved more than its size
