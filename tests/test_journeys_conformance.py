"""Conformance rules: parsing with FILE:LINE errors, checks equal to plain loops, the planted breach."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from journeys_synth import BUY_STAGE, SYNTH_YML, make_log, ordered
from scipy import stats as st

import cjwork
from cjwork.errors import JourneyMapError
from cjwork.journeymap import parse_duration, parse_journey_map
from cjwork.journeys.conformance import (
    CONFORMANCE_COLUMNS,
    conformance,
    describe_rule,
    deviations,
    rule_checks,
)
from cjwork.journeys.engine import prepare
from cjwork.journeys.sequences import case_events, case_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

BUY_RULES = """\
    rules:
      - {id: in_order, stages: in_order}
      - {id: no_skip, stages: no_skip}
      - {id: web_form_1h, after: [web, call], expect: form, within: 1h}
"""
HELP_RULES = """\
    rules:
      - {id: chat_30m, after: hotline, expect: chat, within: 30m, missing: ignore}
"""


def rules_yml() -> str:
    head, help_part = SYNTH_YML.split("  - id: help\n")
    return head + BUY_RULES + "  - id: help\n" + help_part + HELP_RULES


@pytest.fixture(scope="module")
def synth():
    jmap = parse_journey_map(rules_yml())
    log = make_log()
    prep = prepare(log, jmap)
    ev, cs = case_events(prep), case_table(prep)
    prep.close()
    checks = rule_checks(ev, jmap)
    return jmap, log, ev, cs, checks


def ref_checks(log: pd.DataFrame) -> dict[tuple[str, str], bool]:
    """(rule, case_id) → broken, by plain loops over the ordered events."""
    df = ordered(log)
    out = {}
    for (j, case), g in df.groupby(["journey", "case_id"], sort=False):
        tps, ts = list(g["touchpoint"]), list(g["timestamp"])
        if j == "buy":
            st_ = [BUY_STAGE[t] for t in tps]
            out[("in_order", case)] = any(st_[i] < max(st_[:i]) for i in range(1, len(st_)))
            out[("no_skip", case)] = not set(range(max(st_) + 1)) <= set(st_)
            first = next((i for i, t in enumerate(tps) if t in ("web", "call")), None)
            if first is not None:
                nxt = next((i for i in range(first + 1, len(tps)) if tps[i] == "form"), None)
                out[("web_form_1h", case)] = (
                    nxt is None or (ts[nxt] - ts[first]).total_seconds() > 3600
                )
        else:
            if "hotline" in tps:
                first = tps.index("hotline")
                nxt = next((i for i in range(first + 1, len(tps)) if tps[i] == "chat"), None)
                if nxt is not None:
                    out[("chat_30m", case)] = (ts[nxt] - ts[first]).total_seconds() > 1800
    return out


def test_rules_parsed():
    jmap = parse_journey_map(rules_yml())
    rules = jmap.journey("buy").rules
    assert [r.kind for r in rules] == ["in_order", "no_skip", "max_gap"]
    assert rules[2].after == ("web", "call") and rules[2].within_s == 3600
    assert jmap.journey("help").rules[0].missing == "ignore"
    assert parse_duration("48h") == 172800 and parse_duration("2d") == 172800
    assert parse_duration("1.5 w") == 907200 and parse_duration("soon") is None
    assert describe_rule(rules[2], "de") == "nach web / call folgt form binnen 1 h"
    assert describe_rule(rules[0], "en") == "stages in order"


@pytest.mark.parametrize(
    ("rule", "column", "message"),
    [
        ("{after: web, expect: fom, within: 1h}", "expect", "closest known: form"),
        ("{after: web, expect: form, within: soon}", "within", "48h, 2d"),
        ("{stages: sideways}", "stages", "in_order or no_skip"),
        ("{after: web, expect: form}", "rules", "after, expect and within"),
        ("{after: web, expect: form, within: 1h, when: never}", "when", "unknown key"),
        ("{after: hotline, expect: form, within: 1h}", "after", "known: ad, portal"),
    ],
)
def test_rule_errors_name_file_and_line(rule, column, message):
    text = SYNTH_YML.replace("  - id: help\n", f"    rules:\n      - {rule}\n  - id: help\n")
    line = text.splitlines().index(f"      - {rule}") + 1
    with pytest.raises(JourneyMapError) as exc:
        parse_journey_map(text)
    problems = [p for p in exc.value.problems if p.column == column]
    assert problems, str(exc.value)
    assert problems[0].row == line and message in problems[0].message
    assert str(problems[0]).startswith(f"journeys.yml:{line}:{column}:")


def test_checks_match_plain_loops(synth):
    _, log, _, cs, checks = synth
    ref = ref_checks(log)
    case_ids = dict(zip(cs["case_key"], cs["case_id"], strict=True))
    got = {(r.rule, case_ids[r.case_key]): bool(r.broken) for r in checks.itertuples()}
    assert got == ref
    dev = deviations(checks)
    assert len(dev) == sum(ref.values())
    assert dev["detail"].str.len().gt(0).all()
    in_order = dev[dev["rule"] == "in_order"]["detail"]
    assert in_order.str.startswith("back to ").all()
    assert dev[dev["rule"] == "no_skip"]["detail"].str.startswith("skipped ").all()


def test_summary_and_sentiment_difference(synth):
    jmap, log, _, cs, checks = synth
    df = ordered(log).drop_duplicates(["journey", "case_id"])
    rng = np.random.default_rng(5)
    broken = dict(zip(cs["case_id"], cs["case_key"], strict=True))
    flag = checks[checks["rule"] == "no_skip"].set_index("case_key")["broken"]
    is_broken = df["case_id"].map(broken).map(flag).fillna(False).astype(bool).to_numpy()
    fb = pd.DataFrame(
        {
            "customer_id": df["customer_id"].astype(str).to_numpy(),
            "timestamp": (df["timestamp"] + pd.Timedelta(minutes=1)).to_numpy(),
            "journey": df["journey"].to_numpy(),
            "sentiment_score": np.where(is_broken, -0.3, 0.3) + rng.normal(0, 0.2, len(df)),
            "nps": rng.integers(0, 11, len(df)),
        }
    )
    table = conformance(checks, jmap, cs, fb)
    assert list(table.columns) == CONFORMANCE_COLUMNS
    assert table["rule"].tolist() == ["in_order", "no_skip", "web_form_1h", "chat_30m"]
    for r in table.itertuples():
        c = checks[checks["rule"] == r.rule]
        assert (r.cases, r.breaking) == (len(c), int(c["broken"].sum()))
    row = table.set_index("rule").loc["no_skip"]
    assert row["sentiment_diff"] < -0.4 and row["sentiment_high"] < 0
    assert row["sentiment_p_adjusted"] < 0.001
    # the same numbers by hand: feedback one minute after the case start lies in that case
    one_per_case = fb.assign(b=is_broken)[df["journey"].to_numpy() == "buy"]
    a, b = (
        one_per_case.loc[~one_per_case["b"], "sentiment_score"],
        one_per_case.loc[one_per_case["b"], "sentiment_score"],
    )
    assert row["sentiment_diff"] == pytest.approx(b.mean() - a.mean())
    assert row["sentiment_p"] == pytest.approx(st.ttest_ind(b, a, equal_var=False).pvalue)


def test_planted_late_installation_costs_sentiment():
    """Planted: installations more than 14 days after the appointment feel worse."""
    ws = cjwork.load(SAMPLE)
    tr = pd.read_csv(SAMPLE / "truth" / "feedback.csv")
    fb = ws.feedback.merge(
        tr[["feedback_id", "sentiment"]].rename(columns={"sentiment": "sentiment_score"}),
        on="feedback_id",
    )
    prep = prepare(ws.events, ws.journeys, "onboarding")
    ev, cs = case_events(prep), case_table(prep)
    prep.close()
    table = conformance(rule_checks(ev, ws.journeys), ws.journeys, cs, fb).set_index("rule")
    row = table.loc["meter_within_14d"]
    assert 0.15 < row["share_breaking"] < 0.45
    assert row["sentiment_diff"] < -0.15 and row["sentiment_high"] < 0
    assert row["sentiment_p_adjusted"] < 0.01


def test_analyze_writes_conformance(synth, tmp_path):
    """cjwork analyze writes conformance.csv: the same table as the tool."""
    from cjwork.cli import main

    jmap, log, _, cs, checks = synth
    (tmp_path / "journeys.yml").write_text(rules_yml(), encoding="utf-8")
    log.to_csv(tmp_path / "events.csv", index=False)
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(tmp_path), "-o", str(tmp_path / "out")])
    assert exc.value.code == 0
    got = pd.read_csv(tmp_path / "out" / "conformance.csv")
    want = conformance(checks, jmap)
    assert list(got.columns) == CONFORMANCE_COLUMNS
    pd.testing.assert_frame_equal(
        got[["journey", "rule", "cases", "breaking"]],
        want[["journey", "rule", "cases", "breaking"]],
    )
    assert np.allclose(got["share_breaking"], want["share_breaking"])
