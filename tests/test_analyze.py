"""`analyze()` and `cjwork analyze`: the six contract tables, any event log, bad input, determinism."""

from __future__ import annotations

from pathlib import Path

import journeys_synth as synth
import pandas as pd
import pytest

from cjwork.analysis import CONTRACT, EXTRA_TABLES, TABLES, analyze, write_analysis
from cjwork.cli import main
from cjwork.errors import DataError, UsageError
from cjwork.io import Workspace

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def run_cli(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def events_only(tmp_path_factory) -> Path:
    """A workspace with only journeys.yml and events.csv (1,000+ events, no case_id)."""
    d = tmp_path_factory.mktemp("events_only")
    (d / "journeys.yml").write_text(synth.SYNTH_YML, encoding="utf-8")
    log = synth.make_log(n_cases=300, seed=11, with_case_id=False)
    log.drop(columns=["resolved"]).to_csv(d / "events.csv", index=False)
    return d


@pytest.fixture(scope="module")
def events_only_run(events_only, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(events_only), "-o", str(out)])
    return exc.value.code, out


def test_events_only_workspace_gets_every_event_analysis(events_only_run, events_only, capsys):
    code, out = events_only_run
    assert code == 0
    for name in (*TABLES, *EXTRA_TABLES):
        assert (out / f"{name}.csv").exists(), name
    for name, cols in CONTRACT.items():
        df = pd.read_csv(out / f"{name}.csv")
        assert list(df.columns[: len(cols)]) == cols, name
    tp = pd.read_csv(out / "touchpoints.csv")
    assert (
        tp["events"].sum() > 1000
        and (tp.loc[tp["touchpoint"] == "unused_shop", "events"] == 0).all()
    )
    assert (
        tp["feedback"].fillna(0).eq(0).all()
        and tp["performance"].isna().all()
        and tp["importance"].isna().all()
    )
    v = pd.read_csv(out / "variants.csv")
    assert v.groupby("journey")["share"].sum().round(9).eq(1).all()
    f = pd.read_csv(out / "funnel.csv")
    assert f.loc[f["journey"] == "buy", "stage"].tolist() == [
        "aware",
        "consider",
        "order",
        "confirm",
    ]
    tr = pd.read_csv(out / "trends.csv")
    assert len(tr) and tr["sentiment"].isna().all() and tr["volume"].notna().any()
    k = pd.read_csv(out / "kpis.csv")
    assert {"wait_s"} <= set(k["metric"])


def test_events_only_says_once_what_was_skipped(events_only, tmp_path, capsys):
    code, out, err = run_cli(
        ["analyze", events_only, "-o", tmp_path / "o", "--journey", "buy", "--period", "week"],
        capsys,
    )
    assert code == 0 and "1 journey(s) (buy)" in out
    skipped = [ln for ln in err.splitlines() if ln.startswith("skipped:")]
    assert any("no feedback" in ln for ln in skipped) and any(
        "no customers" in ln for ln in skipped
    )
    assert len(skipped) == len(set(skipped))
    assert "Traceback" not in err
    assert set(pd.read_csv(tmp_path / "o" / "variants.csv")["journey"]) == {"buy"}


def test_output_is_deterministic_and_parquet_matches(
    events_only, events_only_run, tmp_path, capsys
):
    _, first = events_only_run
    code, _, _ = run_cli(["analyze", events_only, "-o", tmp_path / "again"], capsys)
    assert code == 0
    for name in TABLES:
        assert (first / f"{name}.csv").read_bytes() == (
            tmp_path / "again" / f"{name}.csv"
        ).read_bytes(), name
    code, _, _ = run_cli(
        ["analyze", events_only, "-o", tmp_path / "pq", "--format", "parquet"], capsys
    )
    assert code == 0
    pv = pd.read_parquet(tmp_path / "pq" / "transitions.parquet")
    cv = pd.read_csv(first / "transitions.csv")
    pd.testing.assert_frame_equal(
        pv[["journey", "source", "target", "count"]],
        cv[["journey", "source", "target", "count"]],
        check_dtype=False,
    )
    assert not list((tmp_path / "pq").glob(".*tmp"))  # atomic writes leave nothing behind


def test_bad_input_exit_codes(events_only, tmp_path, capsys):
    code, _, err = run_cli(
        ["analyze", events_only, "-o", tmp_path / "x", "--journey", "bux"], capsys
    )
    assert (
        code == 1
        and "unknown journey id 'bux'" in err
        and "closest known: buy" in err
        and "Traceback" not in err
    )
    code, _, err = run_cli(
        ["analyze", events_only, "-o", tmp_path / "x", "--journey", "buy", "--all"], capsys
    )
    assert code == 2 and "not both" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "journeys.yml").write_text(synth.SYNTH_YML, encoding="utf-8")
    (empty / "events.csv").write_text(
        "customer_id,timestamp,journey,touchpoint\n", encoding="utf-8"
    )
    code, _, err = run_cli(["analyze", empty, "-o", tmp_path / "y"], capsys)
    assert code == 1 and "Traceback" not in err and err.strip()
    none = tmp_path / "none"
    none.mkdir()
    (none / "journeys.yml").write_text(synth.SYNTH_YML, encoding="utf-8")
    code, _, err = run_cli(["analyze", none, "-o", tmp_path / "z"], capsys)
    assert code == 1 and "events.csv" in err and "Traceback" not in err


def test_a_journey_without_events_fails_alone(tmp_path, capsys):
    d = tmp_path / "ws"
    d.mkdir()
    (d / "journeys.yml").write_text(synth.SYNTH_YML, encoding="utf-8")
    log = synth.make_log(n_cases=50, seed=2)
    log[log["journey"] == "buy"].to_csv(d / "events.csv", index=False)
    code, out, err = run_cli(["analyze", d, "-o", tmp_path / "o"], capsys)
    assert code == 1 and "journey 'help' failed" in err and "no events" in err
    v = pd.read_csv(tmp_path / "o" / "variants.csv")
    assert set(v["journey"]) == {"buy"}
    code, _, err = run_cli(["analyze", d, "-o", tmp_path / "o2", "--journey", "help"], capsys)
    assert code == 1 and "no events" in err


def test_analyze_api_errors():
    ws = Workspace(Path("."), synth.journey_map())
    with pytest.raises(DataError, match="event log"):
        analyze(ws)
    ws.events = synth.make_log(n_cases=20)
    with pytest.raises(UsageError, match="period"):
        analyze(ws, period="fortnight")
    with pytest.raises(DataError, match="unknown journey"):
        analyze(ws, journeys=["nope"])


def test_write_analysis_never_overwrites_inputs(tmp_path):
    d = tmp_path / "ws"
    d.mkdir()
    (d / "journeys.yml").write_text(synth.SYNTH_YML, encoding="utf-8")
    synth.make_log(n_cases=20).to_csv(d / "events.csv", index=False)
    import cjwork

    ws = cjwork.load(d)
    before = (d / "events.csv").read_bytes()
    with pytest.raises(UsageError):
        write_analysis({"events": pd.DataFrame({"a": [1]})}, d, inputs=ws)
    assert (d / "events.csv").read_bytes() == before


@pytest.fixture(scope="module")
def sample_result():
    if not (SAMPLE / "truth" / "customers.csv").exists():
        pytest.skip("bundled sample not present")
    from prio_synth import sample_workspace_and_feedback

    ws, fb, effects = sample_workspace_and_feedback()
    personas = pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str)
    return analyze(ws, feedback=fb, personas=personas), effects


def test_sample_company_planted_effects_in_the_tables(sample_result):
    res, effects = sample_result
    assert list(res.journeys) == ["purchase", "onboarding", "service", "cancellation"]
    for name, cols in CONTRACT.items():
        assert list(res[name].columns[: len(cols)]) == cols
        assert set(res[name]["journey"]) <= set(res.journeys) and len(res[name]), name
    tp = res["touchpoints"].set_index("touchpoint")
    assert tp.loc["first_bill", "category"] == "dissatisfier"
    assert tp.loc["smart_meter_installation", "category"] == "delighter"
    assert bool(tp.loc["first_bill", "quick_win"]) and tp.loc["first_bill", "owner"] == "Billing"
    assert (
        tp.loc["hotline", "events"] == res["loops"].set_index("touchpoint").loc["hotline", "events"]
    )
    drop = effects["persona_order_dropoff"]
    g = res["funnel_groups"]
    at = g[
        (g["by"] == "persona") & (g["journey"] == drop["journey"]) & (g["stage"] == drop["stage"])
    ].set_index("group")
    assert at.loc[str(drop["persona_id"]), "significant"] and at["dropoff"].idxmax() == str(
        drop["persona_id"]
    )
    k = res["kpis"].set_index(["touchpoint", "metric"])
    assert k.loc[("hotline", "wait_s"), "target"] == 120
    assert not res.skipped
