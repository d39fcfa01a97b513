"""Callback cases: rules per journey, one list per owner, closure read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cjwork
from cjwork.errors import DataError, UsageError
from cjwork.journeymap import parse_journey_map
from cjwork.loop.cases import (
    CASE_COLUMNS,
    CLOSURE_COLUMNS,
    case_list,
    case_rules,
    closure_by_owner,
    closure_stats,
    owner_slug,
    read_case_lists,
    touchpoint_flags,
    write_case_lists,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

MAP = """
journeys:
  - id: service
    name: Service
    owner: Service Lead
    cases:
      sla_days: 2
      window_days: 10
      moments_of_truth: [hotline]
      dissatisfiers: [bill]
      repeat_days: 3
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - {id: bill, name: Bill, channel: letter, owner: Billing}
          - {id: hotline, name: Hotline, channel: phone, owner: Call Centre}
"""


def _data():
    ts = pd.to_datetime
    fb = pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "customer_id": ["C1", "C2", "C3", "C4", "C5"],
            "timestamp": ts(
                ["2026-10-28", "2026-10-29", "2026-10-29", "2026-10-01", "2026-10-30"], utc=True
            ),
            "journey": "service",
            "touchpoint": ["hotline", "hotline", "bill", "hotline", "bill"],
            "text": [
                "Hotline schlecht, ruf mich an: 0171 2345678",
                "ok",
                "Rechnung falsch",
                "alt",
                "gut",
            ],
            "sentiment_score": [-0.5, 0.1, -0.7, -0.9, 0.6],
            "nps": [3, 9, 8, 0, 2],
        }
    )
    ev = pd.DataFrame(
        {
            "customer_id": ["C6", "C6", "C7", "C7", "C2", "C2"],
            "timestamp": ts(
                [
                    "2026-10-20",
                    "2026-10-22",
                    "2026-10-01",
                    "2026-10-25",
                    "2026-10-27",
                    "2026-10-29",
                ],
                utc=True,
            ),
            "journey": "service",
            "touchpoint": "hotline",
        }
    )
    return fb, ev


def test_rules_select_the_right_feedback_and_customers():
    jm = parse_journey_map(MAP)
    fb, ev = _data()
    out = case_list(fb, ev, jm)
    assert list(out.columns[: len(CASE_COLUMNS)]) == CASE_COLUMNS
    by = out.set_index("customer_id")
    # C1: detractor at the moment of truth; C3: negative at the dissatisfier; C4 is too old;
    # C5 is a detractor but not at a moment of truth and positive; C6 and C2: repeat calls
    assert set(by.index) == {"C1", "C3", "C6", "C2"}
    assert by.loc["C1", "rule"] == "detractor" and by.loc["C1", "owner"] == "Call Centre"
    assert by.loc["C3", "rule"] == "negative" and by.loc["C3", "owner"] == "Billing"
    assert by.loc["C1", "due"] == "2026-10-30"  # 2-day SLA
    assert "0171" not in by.loc["C1", "text"]  # PII masked
    assert by.loc["C6", "feedback_id"] == "" and by.loc["C6", "rule"] == "repeat"
    assert by.loc["C2", "feedback_id"] == "F2"  # the customer's feedback there is attached
    assert (out["status"] == "").all()
    de = case_list(fb, ev, jm, language="de")
    assert "Kritiker" in de.set_index("customer_id").loc["C1", "reason"]


def test_rules_validation():
    jm = parse_journey_map(MAP.replace("sla_days: 2", "sla_days: -1"))
    with pytest.raises(UsageError, match="sla_days"):
        case_rules(jm.journey("service"))
    jm = parse_journey_map(MAP.replace("sla_days: 2", "sla: 2"))
    with pytest.raises(UsageError, match="unknown key"):
        case_rules(jm.journey("service"))


def test_lists_per_owner_and_closure_round_trip(tmp_path):
    jm = parse_journey_map(MAP)
    fb, ev = _data()
    out = case_list(fb, ev, jm)
    paths = write_case_lists(out, tmp_path)
    assert sorted(p.name for p in paths) == ["cases_billing.csv", "cases_call_centre.csv"]
    cc = pd.read_csv(tmp_path / "cases_call_centre.csv", dtype=str, keep_default_na=False)
    assert list(cc.columns[:8]) == CASE_COLUMNS
    # the owner works through the list: two done (1 and 4 days), one open
    cc.loc[0, ["status", "closed"]] = [
        "done",
        (pd.Timestamp(cc.loc[0, "created"]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
    ]
    cc.loc[1, ["status", "closed"]] = [
        "Erledigt",
        (pd.Timestamp(cc.loc[1, "created"]) + pd.Timedelta(days=4)).strftime("%Y-%m-%d"),
    ]
    cc.to_csv(tmp_path / "cases_call_centre.csv", index=False)
    stats = closure_stats(read_case_lists(sorted(tmp_path.glob("cases_*.csv")))).set_index("owner")
    assert stats.loc["call_centre", "cases"] == 3
    assert stats.loc["call_centre", "closure_rate"] == pytest.approx(2 / 3)
    assert stats.loc["call_centre", "median_days_to_close"] == pytest.approx(2.5)
    assert stats.loc["billing", "closure_rate"] == 0
    cc.loc[2, "closed"] = "gestern"
    cc.to_csv(tmp_path / "cases_call_centre.csv", index=False)
    with pytest.raises(DataError, match="cases_call_centre.csv:4:closed"):
        read_case_lists([tmp_path / "cases_call_centre.csv"])


def _filled(tmp_path):
    """The lists of the small map, the call centre's filled in: 1 and 4 days, one open."""
    jm = parse_journey_map(MAP)
    fb, ev = _data()
    write_case_lists(case_list(fb, ev, jm), tmp_path)
    path = tmp_path / "cases_call_centre.csv"
    cc = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, (status, days) in enumerate([("done", 1), ("Geschlossen", 4)]):
        closed = pd.Timestamp(cc.loc[i, "created"]) + pd.Timedelta(days=days)
        cc.loc[i, ["status", "closed"]] = [status, closed.strftime("%Y-%m-%d")]
    cc.loc[2, "status"] = "in Bearbeitung"
    cc.to_csv(path, index=False)
    return jm, cc, path


def test_closure_by_owner_names_owners_and_formats_both_languages(tmp_path):
    jm, _, path = _filled(tmp_path)
    out = closure_by_owner(tmp_path, jm)
    assert list(out.columns) == CLOSURE_COLUMNS
    assert list(out["owner"]) == ["Billing", "Call Centre"]  # names from journeys.yml
    cc = out.set_index("owner").loc["Call Centre"]
    assert (cc["cases"], cc["closed"], cc["open"]) == (3, 2, 1)
    assert cc["closure_rate"] == pytest.approx(2 / 3)
    assert cc["median_days_to_close"] == pytest.approx(2.5)
    assert cc["closure"] == "2 of 3 closed (67%)"
    assert cc["time_to_close"] == "median 2.5 days (mean 2.5)"
    billing = out.set_index("owner").loc["Billing"]
    assert billing["closure_rate"] == 0 and billing["time_to_close"] == "none closed yet"
    de = closure_by_owner([path], jm, owner="Call Centre", language="de")
    assert len(de) == 1 and de.loc[0, "closure"] == "2 von 3 erledigt (67 %)"
    assert de.loc[0, "time_to_close"] == "Median 2,5 Tage (Mittel 2,5)"
    # without the map the owner is the file's slug; an already read frame works too
    assert list(closure_by_owner(read_case_lists([path]))["owner"]) == ["call_centre"]
    with pytest.raises(UsageError, match="no cases_"):
        closure_by_owner(_empty(tmp_path))


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


@pytest.mark.parametrize(
    ("row", "values", "where", "message"),
    [
        (0, {"status": "vielleicht"}, ":2:status", "unknown status 'vielleicht'"),
        (0, {"status": "done", "closed": ""}, ":2:closed", "no closed date"),
        (2, {"closed": "2026-11-05"}, ":4:status", "status is open"),
        (0, {"closed": "2020-01-01"}, ":2:closed", "before the case was created"),
        (1, {"created": "soon"}, ":3:created", "not a date"),
    ],
)
def test_closure_rejects_bad_status_and_dates(tmp_path, row, values, where, message):
    _, cc, path = _filled(tmp_path)
    for col, v in values.items():
        cc.loc[row, col] = v
    cc.to_csv(path, index=False)
    with pytest.raises(DataError, match="cases_call_centre.csv" + where) as err:
        closure_by_owner(tmp_path)
    assert message in str(err.value)


def test_closure_of_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        closure_by_owner([tmp_path / "cases_nobody.csv"])


def test_owner_slug():
    assert owner_slug("Kundenservice Süd / Team 2") == "kundenservice_sud_team_2"


@pytest.fixture(scope="module")
def sample():
    from cjwork.text import enrich_feedback

    ws = cjwork.load(SAMPLE)
    fb = enrich_feedback(ws)
    tps = touchpoint_flags(fb, ws.events, ws.journeys, ws.journeys.journey_ids)
    return ws, fb, tps


def test_sample_case_list_is_exactly_what_the_rules_select(sample):
    ws, fb, tps = sample
    got = case_list(fb, ws.events, ws.journeys, tps)
    # the same rules, computed independently with pandas (defaults of DESIGN: NPS <= 6 at a
    # moment of truth, sentiment < -0.25 at a dissatisfier, repeat contact within 7 days,
    # the last 30 days)
    end = max(fb["timestamp"].max(), ws.events["timestamp"].max())
    start = end - pd.Timedelta(days=30)
    f = fb[(fb["timestamp"] > start) & (fb["timestamp"] <= end)]
    mot = set(tps.loc[tps["moment_of_truth"].astype(bool), "touchpoint"])
    dis = set(tps.loc[tps["category"] == "dissatisfier", "touchpoint"])
    nps = pd.to_numeric(f["nps"], errors="coerce")
    sel = f[
        (f["touchpoint"].isin(mot) & (nps <= 6))
        | (f["touchpoint"].isin(dis) & (f["sentiment_score"] < -0.25))
    ]
    contact = {
        tp.touchpoint
        for tp in ws.journeys.touchpoints_frame().itertuples()
        if tp.channel in ("phone", "chat", "email", "shop")
    }
    e = ws.events[ws.events["touchpoint"].isin(contact)].sort_values(
        ["customer_id", "touchpoint", "timestamp"]
    )
    gap = e.groupby(["customer_id", "touchpoint"])["timestamp"].diff()
    rep = e[(gap <= pd.Timedelta(days=7)) & (e["timestamp"] > start)]
    expected = set(sel["customer_id"]) | set(rep["customer_id"])
    assert set(got["customer_id"]) == expected
    assert set(got.loc[got["rule"].str.contains("detractor|negative"), "feedback_id"]) == set(
        sel["feedback_id"]
    )
    # the planted detractors (hotline, NPS 0-3, last 30 days) are all on the list
    planted = f[(f["touchpoint"] == "hotline") & (nps <= 3)]
    assert len(planted) >= 5 and set(planted["feedback_id"]) <= set(got["feedback_id"])


def test_cases_command_writes_lists_and_reads_closure_back(tmp_path):
    from cjwork.cli import main

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "journeys.yml").write_text(MAP, encoding="utf-8")
    fb, ev = _data()
    fb.assign(timestamp=fb["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(
        ws / "feedback.csv", index=False
    )
    ev.assign(timestamp=ev["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(
        ws / "events.csv", index=False
    )
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["cases", str(ws), "-o", str(out), "--language", "de"])
    assert done.value.code == 0
    assert sorted(p.name for p in out.iterdir()) == ["cases_billing.csv", "cases_call_centre.csv"]
    billing = pd.read_csv(out / "cases_billing.csv", dtype=str, keep_default_na=False)
    assert (
        list(billing["customer_id"]) == ["C3"] and "Unzufriedenmacher" in billing.loc[0, "reason"]
    )
    billing.loc[0, ["status", "closed"]] = ["closed", "2026-11-02"]
    billing.to_csv(out / "cases_billing.csv", index=False)
    with pytest.raises(SystemExit) as done:
        main(["cases", str(ws), "-o", str(tmp_path / "stats"), "--closure", str(out)])
    assert done.value.code == 0
    stats = pd.read_csv(tmp_path / "stats" / "closure.csv").set_index("owner")
    assert stats.loc["billing", "closure_rate"] == 1.0
    assert stats.loc["billing", "median_days_to_close"] == pytest.approx(4.0)  # 10-29 → 11-02


def test_cases_command_names_an_unknown_journey(tmp_path, tiny_dir, capsys):
    """An unknown --journey is a clear error with the closest ids, not a traceback."""
    from cjwork.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["cases", str(tiny_dir), "-o", str(tmp_path / "out"), "--journey", "servce"])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "journeys.yml:-:journey: unknown journey id 'servce'" in err and "service" in err
    assert "Traceback" not in err
