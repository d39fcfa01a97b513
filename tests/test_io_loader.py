"""Loading real-world files into a validated Workspace; every rule of the data contract.

Every malformed file is made in the test (tmp_path), so each test shows the input it
checks and the exact problem line it expects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cjwork
from cjwork.errors import DataError, UsageError
from cjwork.io import load_workspace, validate_workspace, write_rejected

JOURNEYS = """\
company: Beispiel AG
timezone: Europe/Berlin
journeys:
  - id: onboarding
    name: Onboarding
    stages:
      - id: signup
        name: Sign-up
        touchpoints:
          - id: signup_form
            name: Sign-up form
          - id: welcome_mail
            name: Welcome e-mail
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
            kpis:
              wait_s: {target: 120, better: lower}
"""

CUSTOMERS = "customer_id,segment,age\nC1,private,34\nC2,business,51\n"
EVENTS = (
    "customer_id,timestamp,journey,touchpoint,channel,wait_s\n"
    "C1,2024-03-05T10:00:00+01:00,onboarding,signup_form,web,\n"
    "C1,2024-03-05T10:05:00Z,onboarding,welcome_mail,email,\n"
    "C2,2024-07-06 09:00,service,hotline,phone,312.5\n"
)
FEEDBACK = (
    "feedback_id,customer_id,text,rating,nps,language,journey,touchpoint\n"
    'F1,C1,"Super schnell, danke!",5,9,de,,\n'
    'F2,C2,"Hotline: ewig gewartet",1,2,DE,service,hotline\n'
)


def make(tmp_path: Path, files: dict[str, str | bytes], journeys: str = JOURNEYS) -> Path:
    """Write a data directory: journeys.yml plus the given files (text is UTF-8)."""
    d = tmp_path / "data"
    d.mkdir(parents=True, exist_ok=True)
    (d / "journeys.yml").write_text(journeys, encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (d / name).write_bytes(data)
    return d


def valid(tmp_path: Path, **override: str | bytes) -> Path:
    files = {"customers.csv": CUSTOMERS, "events.csv": EVENTS, "feedback.csv": FEEDBACK}
    files.update({k.replace("_", "."): v for k, v in override.items()})
    return make(tmp_path, files)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_workspace(path)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- happy path


def test_valid_workspace_has_contract_dtypes(tmp_path: Path) -> None:
    ws = cjwork.load(valid(tmp_path))
    ev, fb, cu = ws.events, ws.feedback, ws.customers
    assert len(ev) == 3 and len(fb) == 2 and len(cu) == 2
    assert ev["customer_id"].dtype == "str"
    assert str(ev["timestamp"].dtype) == "datetime64[us, UTC]"
    for col in ("journey", "touchpoint", "channel"):
        assert isinstance(ev[col].dtype, pd.CategoricalDtype), col
    # categories of journey/touchpoint are the map's ids in map order
    assert list(ev["journey"].cat.categories) == ["onboarding", "service"]
    assert list(ev["touchpoint"].cat.categories) == ["signup_form", "welcome_mail", "hotline"]
    assert ev["wait_s"].dtype == "float64"
    assert ev["wait_s"].iloc[2] == 312.5
    assert fb["rating"].dtype == "Float64" and fb["nps"].dtype == "Int64"
    assert fb["text"].dtype == "str" and fb["feedback_id"].dtype == "str"
    assert list(fb["language"]) == ["de", "de"]  # 'DE' read as 'de'
    assert pd.isna(fb["journey"].iloc[0]) and fb["touchpoint"].iloc[1] == "hotline"
    assert cu["age"].dtype.kind == "i" and cu["segment"].dtype == "str"
    assert ws.files["events"].name == "events.csv"
    assert ws.warnings == [] and ws.rejected == {}


def test_timestamps_become_utc_naive_ones_are_local_time_of_the_map(tmp_path: Path) -> None:
    ws = cjwork.load(valid(tmp_path))
    ts = ws.events["timestamp"]
    assert ts.iloc[0] == pd.Timestamp("2024-03-05T09:00:00Z")  # +01:00 offset honoured
    assert ts.iloc[1] == pd.Timestamp("2024-03-05T10:05:00Z")  # Z
    # naive 09:00 in Europe/Berlin in July (CEST, +02:00) is 07:00 UTC
    assert ts.iloc[2] == pd.Timestamp("2024-07-06T07:00:00Z")


def test_default_timezone_is_utc(tmp_path: Path) -> None:
    journeys = JOURNEYS.replace("timezone: Europe/Berlin\n", "")
    d = make(tmp_path, {"events.csv": EVENTS}, journeys=journeys)
    ws = cjwork.load(d)
    assert ws.events["timestamp"].iloc[2] == pd.Timestamp("2024-07-06T09:00:00Z")


def test_only_journeys_yml_is_required(tmp_path: Path) -> None:
    ws = cjwork.load(make(tmp_path, {}))
    assert ws.customers is None and ws.events is None and ws.feedback is None
    assert len(ws.journeys) == 2


def test_ids_stay_text_and_are_trimmed(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": "customer_id,age\n00123,4\n 00124 ,5\n"})
    ws = cjwork.load(d)
    assert list(ws.customers["customer_id"]) == ["00123", "00124"]


# --------------------------------------------------------------------------- German Excel


GERMAN_EVENTS = (
    "customer_id;timestamp;journey;touchpoint;channel;wait_s;kosten\n"
    "C1;05.03.2024 10:00;onboarding;signup_form;web;12,5;1.234,50\n"
    "C1;5.3.2024 10:05:30;onboarding;welcome_mail;E-Mail;0,5;3\n"
    "C2;06.07.2024;service;hotline;Telefon;300;7,25\n"
)
GERMAN_FEEDBACK = (
    "feedback_id;customer_id;text;rating;nps\n"
    'F1;C1;"Größter Ärger: die Rechnung – 12,50 € zu viel";2;3\n'
    "F2;C2;Sehr zufrieden mit der Störungsbehebung;4,5;9\n"
)


def test_german_excel_export_cp1252_semicolon_decimal_comma(tmp_path: Path) -> None:
    d = make(
        tmp_path,
        {
            "customers.csv": "customer_id;Region\nC1;Köln\nC2;Düsseldorf\n".encode("cp1252"),
            "events.csv": GERMAN_EVENTS.encode("cp1252"),
            "feedback.csv": GERMAN_FEEDBACK.encode("cp1252"),
        },
    )
    ws = cjwork.load(d)
    assert list(ws.customers["Region"]) == ["Köln", "Düsseldorf"]
    assert ws.feedback["text"].iloc[0] == "Größter Ärger: die Rechnung – 12,50 € zu viel"
    assert list(ws.feedback["rating"]) == [2.0, 4.5]
    assert list(ws.events["wait_s"]) == [12.5, 0.5, 300.0]
    assert list(ws.events["kosten"]) == [1234.5, 3.0, 7.25]
    ts = ws.events["timestamp"]
    assert ts.iloc[0] == pd.Timestamp("2024-03-05T09:00:00Z")  # CET
    assert ts.iloc[1] == pd.Timestamp("2024-03-05T09:05:30Z")
    assert ts.iloc[2] == pd.Timestamp("2024-07-05T22:00:00Z")  # midnight CEST
    assert list(ws.events["channel"].cat.categories) == ["E-Mail", "Telefon", "web"]
    messages = [w.message for w in ws.warnings]
    assert any("Windows-1252" in m for m in messages)
    assert any("decimal commas" in m for m in messages)


def test_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    events = "\ufeff" + EVENTS.replace("\n", "\r\n")
    d = make(tmp_path, {"events.csv": events, "feedback.csv": "\ufeff" + FEEDBACK})
    ws = cjwork.load(d)
    assert list(ws.events.columns)[0] == "customer_id"
    assert list(ws.feedback["feedback_id"]) == ["F1", "F2"]
    assert ws.events["touchpoint"].iloc[2] == "hotline"


def test_parquet_tables(tmp_path: Path) -> None:
    src = cjwork.load(valid(tmp_path / "src"))
    d = make(tmp_path, {})
    events = pd.read_csv(src.path / "events.csv", dtype=str)
    events["wait_s"] = pd.to_numeric(events["wait_s"])
    events.to_parquet(d / "events.parquet")
    fb = src.feedback.copy()
    fb["timestamp"] = pd.Timestamp("2024-03-05 10:00")  # naive → local time of the map
    fb.to_parquet(d / "feedback.parquet")
    ws = cjwork.load(d)
    assert ws.files["events"].name == "events.parquet"
    assert str(ws.events["timestamp"].dtype) == "datetime64[us, UTC]"
    assert ws.events["timestamp"].iloc[0] == pd.Timestamp("2024-03-05T09:00:00Z")
    assert isinstance(ws.events["touchpoint"].dtype, pd.CategoricalDtype)
    assert ws.feedback["timestamp"].iloc[0] == pd.Timestamp("2024-03-05T09:00:00Z")
    assert ws.feedback["nps"].dtype == "Int64"


def test_parquet_problems_name_the_row_number(tmp_path: Path) -> None:
    d = make(tmp_path, {})
    pd.DataFrame({"customer_id": ["C1", "C1", "C2"]}).to_parquet(d / "customers.parquet")
    assert problems_of(d) == [
        "customers.parquet:2:customer_id: duplicate customer_id 'C1' (first on line 1); "
        "every customer_id must be unique"
    ]


def test_csv_and_parquet_of_the_same_table_is_an_error(tmp_path: Path) -> None:
    d = valid(tmp_path)
    pd.DataFrame({"customer_id": ["C1"]}).to_parquet(d / "customers.parquet")
    problems = problems_of(d)
    assert any("both customers.csv and customers.parquet exist" in p for p in problems)


def test_text_with_newlines_keeps_line_numbers_right(tmp_path: Path) -> None:
    feedback = 'feedback_id,text,rating\nF1,"erste Zeile\nzweite Zeile\ndritte",5\nF2,kurz,9\n'
    d = make(tmp_path, {"feedback.csv": feedback})
    assert problems_of(d) == ["feedback.csv:5:rating: '9' must be between 1 and 5"]


def test_empty_rows_are_ignored_with_a_warning(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": "customer_id;age\nC1;3\n;\n\nC2;4\n"})
    ws = cjwork.load(d)
    assert list(ws.customers["customer_id"]) == ["C1", "C2"]
    assert any("2 empty row(s) ignored (line(s) 3, 4)" in w.message for w in ws.warnings)


# --------------------------------------------------------------------------- rules


def test_missing_required_column_suggests_the_misspelt_header(tmp_path: Path) -> None:
    d = valid(tmp_path, events_csv=EVENTS.replace("touchpoint,", "touch_point,", 1))
    assert problems_of(d) == [
        "events.csv:1:touchpoint: required column 'touchpoint' is missing; "
        "did you mean 'touch_point'? Rename that column to 'touchpoint'"
    ]


def test_duplicate_ids(tmp_path: Path) -> None:
    d = valid(
        tmp_path,
        customers_csv=CUSTOMERS + "C1,private,20\n",
        feedback_csv=FEEDBACK + "F2,C1,nochmal,3,5,de,,\n",
    )
    assert problems_of(d) == [
        "customers.csv:4:customer_id: duplicate customer_id 'C1' (first on line 2); every customer_id must be unique",
        "feedback.csv:4:feedback_id: duplicate feedback_id 'F2' (first on line 3); every feedback_id must be unique",
    ]


def test_timestamps_that_cannot_be_read(tmp_path: Path) -> None:
    events = (
        "customer_id,timestamp,journey,touchpoint\n"
        "C1,03/04/2024 10:00,onboarding,signup_form\n"
        "C1,31.02.2024 10:00,onboarding,signup_form\n"
        "C1,gestern,onboarding,signup_form\n"
        "C1,,onboarding,signup_form\n"
        "C1,2024-10-27 02:30,onboarding,signup_form\n"
        "C1,2024-03-31 02:30,onboarding,signup_form\n"
        "C1,2024-10-27T02:30:00+01:00,onboarding,signup_form\n"
    )
    path = valid(tmp_path, events_csv=events)
    got = problems_of(path)
    assert len(got) == 4
    assert got[0].startswith(
        "events.csv:2:timestamp: '03/04/2024 10:00' is ambiguous: with slashes"
    )
    assert got[1].startswith("events.csv:3:timestamp: '31.02.2024 10:00' is not a real date")
    assert got[2].startswith(
        "events.csv:4:timestamp: 'gestern' cannot be read as a timestamp; write ISO 8601"
    )
    assert got[3] == "events.csv:5:timestamp: is empty; every row needs a timestamp"
    # daylight-saving changes load, with a warning that counts them
    warned = [str(w) for w in validate_workspace(path).warnings if "clocks" in w.message]
    assert warned and "1 local time(s) fall in the hour that happens twice" in warned[0]
    assert "1 local time(s) do not exist in Europe/Berlin" in warned[0]


def test_rating_nps_language_rules(tmp_path: Path) -> None:
    feedback = (
        "feedback_id,text,rating,nps,language\n"
        "F1,a,0,5,de\n"
        "F2,b,3,11,en\n"
        "F3,c,4,7.5,fr\n"
        "F4,d,gut,,\n"
    )
    assert problems_of(valid(tmp_path, feedback_csv=feedback)) == [
        "feedback.csv:2:rating: '0' must be between 1 and 5",
        "feedback.csv:3:nps: '11' must be a whole number from 0 to 10",
        "feedback.csv:4:nps: '7.5' must be a whole number from 0 to 10",
        "feedback.csv:4:language: 'fr' must be 'de' or 'en' (or empty)",
        "feedback.csv:5:rating: 'gut' is not a number from 1 to 5",
    ]


def test_numeric_metrics_must_be_numbers(tmp_path: Path) -> None:
    rows = "".join(f"C1,2024-03-05 10:{m:02d},service,hotline,{m}\n" for m in range(40))
    events = (
        "customer_id,timestamp,journey,touchpoint,wait_s\n"
        + rows
        + "C1,2024-03-05 11:00,service,hotline,lang\n"
    )
    assert problems_of(valid(tmp_path, events_csv=events)) == [
        "events.csv:42:wait_s: 'lang' is not a number"
    ]


def test_mixed_decimal_marks_are_ambiguous(tmp_path: Path) -> None:
    events = (
        "customer_id;timestamp;journey;touchpoint;wait_s\n"
        "C1;05.03.2024 10:00;service;hotline;12,5\n"
        "C1;05.03.2024 10:01;service;hotline;12.5\n"
    )
    got = problems_of(valid(tmp_path, events_csv=events))
    assert got == [
        "events.csv:3:wait_s: '12.5' is ambiguous: this column uses decimal commas (12,5) but "
        "this value has a decimal point; write every number the same way"
    ]


def test_text_columns_in_events_are_kept_with_a_warning(tmp_path: Path) -> None:
    events = (
        EVENTS.replace("wait_s\n", "wait_s,agent\n")
        .replace(",\n", ",,Anna\n")
        .replace("312.5\n", "312.5,Ben\n")
    )
    ws = cjwork.load(valid(tmp_path, events_csv=events))
    assert ws.events["agent"].dtype == "str"
    assert any("column 'agent' holds text" in w.message for w in ws.warnings)


def test_unknown_journey_and_touchpoint_ids_are_grouped_with_suggestions(tmp_path: Path) -> None:
    rows = ["customer_id,timestamp,journey,touchpoint"]
    rows += ["C1,2024-03-05T10:00:00Z,service,hotlien"] * 7
    rows += ["C1,2024-03-05T10:00:00Z,onbording,signup_form"]
    got = problems_of(valid(tmp_path, events_csv="\n".join(rows) + "\n"))
    assert got == [
        "events.csv:2:touchpoint: unknown touchpoint id 'hotlien' (7 rows: lines 2, 3, 4, 5, 6, ...); "
        "closest known: hotline; fix the value or add it to journeys.yml",
        "events.csv:9:journey: unknown journey id 'onbording' (1 row: line 9); "
        "closest known: onboarding; fix the value or add it to journeys.yml",
    ]


def test_touchpoint_of_another_journey(tmp_path: Path) -> None:
    events = (
        "customer_id,timestamp,journey,touchpoint\nC1,2024-03-05T10:00:00Z,onboarding,hotline\n"
    )
    feedback = "feedback_id,text,journey,touchpoint\nF1,x,service,signup_form\nF2,y,,hotline\n"
    assert problems_of(valid(tmp_path, events_csv=events, feedback_csv=feedback)) == [
        "events.csv:2:touchpoint: touchpoint 'hotline' belongs to journey 'service', not 'onboarding' "
        "(1 row: line 2); fix the journey or the touchpoint of these rows",
        "feedback.csv:2:touchpoint: touchpoint 'signup_form' belongs to journey 'onboarding', not "
        "'service' (1 row: line 2); fix the journey or the touchpoint of these rows",
    ]


def test_unknown_customers_are_a_warning_not_an_error(tmp_path: Path) -> None:
    events = EVENTS + "C9,2024-03-05T10:00:00Z,service,hotline,phone,1\n"
    ws = cjwork.load(valid(tmp_path, events_csv=events))
    assert len(ws.events) == 4
    (warning,) = [w for w in ws.warnings if w.column == "customer_id"]
    assert str(warning).startswith(
        "events.csv:-:customer_id: 1 row(s) refer to 1 customer_id(s) not in customers.csv (e.g. 'C9'; line(s) 5)"
    )


def test_malformed_line_is_reported_with_its_line(tmp_path: Path) -> None:
    customers = "customer_id,age\nC1,3\nC2,4,5\nC3,6\n"
    assert problems_of(make(tmp_path, {"customers.csv": customers})) == [
        "customers.csv:3:-: this line has 3 field(s) but the header has 2; check the delimiter ',' "
        "and the quoting of this line"
    ]


def test_neither_utf8_nor_cp1252_is_an_error_with_the_line(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": b"customer_id\nC1\nC\x81\n"})
    (problem,) = problems_of(d)
    assert problem.startswith("customers.csv:3:-: cannot tell the text encoding")
    assert "CSV UTF-8" in problem


def test_broken_journey_map_is_reported_together_with_table_problems(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": "customer_id\nC1\nC1\n"}, journeys="journeys: []\n")
    report = validate_workspace(d)
    assert not report.ok
    files = [p.file for p in report.problems]
    assert files == ["journeys.yml", "customers.csv"]


def test_all_problems_are_collected_at_once(tmp_path: Path) -> None:
    d = valid(
        tmp_path,
        customers_csv=CUSTOMERS + "C2,x,1\n",
        events_csv=EVENTS + "C1,kaputt,service,hotline,phone,1\n",
        feedback_csv=FEEDBACK + "F3,C1,x,6,1,de,,\n",
    )
    got = problems_of(d)
    assert [p.split(":")[0] for p in got] == ["customers.csv", "events.csv", "feedback.csv"]


def test_many_bad_rows_are_summed_up(tmp_path: Path) -> None:
    rows = "".join(f"C1,2024-03-05 10:{m % 60:02d},service,hotline,,{m}\n" for m in range(100))
    events = "customer_id,timestamp,journey,touchpoint,channel,wait_s\n" + rows.replace(
        ",hotline,,", ",hotline,,"
    )
    events = events.replace("2024-03-05 10:", "2024-13-05 10:")
    got = problems_of(valid(tmp_path, events_csv=events))
    assert len(got) == 21
    assert got[-1].startswith(
        "events.csv:-:timestamp: ... and 80 more row(s) with problems in this column (line(s) 22, 23, 24, 25, 26, ...)"
    )


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a directory"):
        load_workspace(tmp_path / "nope")


# --------------------------------------------------------------------------- lenient mode


def test_lenient_sets_bad_rows_aside_and_reports_them(tmp_path: Path) -> None:
    events = (
        EVENTS
        + "C1,2024-03-05T11:00:00Z,service,hotlien,phone,1\nC2,kaputt,service,hotline,phone,2\nC2,2024-03-05T12:00:00Z,service,hotline,phone,3,99\n"
    )
    d = valid(tmp_path, events_csv=events)
    with pytest.raises(DataError):
        load_workspace(d)
    ws = load_workspace(d, lenient=True)
    assert len(ws.events) == 3  # the three good rows
    rej = ws.rejected["events"]
    assert list(rej["line"]) == [5, 6, 7]
    assert rej["touchpoint"].iloc[0] == "hotlien"  # as written in the file
    assert "unknown touchpoint id 'hotlien'" in rej["problem"].iloc[0]
    assert "'kaputt' cannot be read as a timestamp" in rej["problem"].iloc[1]
    assert "7 field(s)" in rej["problem"].iloc[2] and rej["raw"].iloc[2].endswith(",3,99")
    summary = [w for w in ws.warnings if "set aside (lenient mode)" in w.message]
    assert len(summary) == 1 and summary[0].message.startswith("3 row(s) set aside")
    assert sum(w.message.startswith("set aside:") for w in ws.warnings) == 3
    # the kept rows are typed normally
    assert str(ws.events["timestamp"].dtype) == "datetime64[us, UTC]"
    assert ws.events["touchpoint"].notna().all()

    out = tmp_path / "rejected"
    (path,) = write_rejected(ws, out)
    assert path.name == "events.rejected.csv"
    back = pd.read_csv(path)
    assert list(back["line"]) == [5, 6, 7] and back["problem"].notna().all()


def test_lenient_keeps_the_first_of_duplicates(tmp_path: Path) -> None:
    d = valid(tmp_path, customers_csv=CUSTOMERS + "C1,later,1\n")
    ws = load_workspace(d, lenient=True)
    assert list(ws.customers["customer_id"]) == ["C1", "C2"]
    assert ws.customers["segment"].iloc[0] == "private"
    assert list(ws.rejected["customers"]["line"]) == [4]


def test_lenient_still_raises_for_file_level_problems(tmp_path: Path) -> None:
    d = valid(tmp_path, events_csv=EVENTS.replace("journey,", "jorney,", 1))
    with pytest.raises(DataError, match="required column 'journey' is missing"):
        load_workspace(d, lenient=True)


def test_nps_is_whole_after_lenient_removal(tmp_path: Path) -> None:
    d = valid(tmp_path, feedback_csv=FEEDBACK + "F3,C1,x,3,4.5,de,,\n")
    ws = load_workspace(d, lenient=True)
    assert ws.feedback["nps"].dtype == "Int64" and list(ws.feedback["nps"]) == [9, 2]


# --------------------------------------------------------------------------- report


def test_validation_report_lines_and_summary(tmp_path: Path) -> None:
    d = valid(tmp_path)
    report = validate_workspace(d)
    assert report.ok
    assert report.lines() == [
        f"{d}: OK — 2 journeys, 3 touchpoints, 2 customers, 3 events, 2 feedback"
    ]
    bad = valid(tmp_path / "bad", customers_csv=CUSTOMERS + "C1,x,1\nC2,y,2\n")
    report = validate_workspace(bad)
    assert not report.ok and len(report.problems) == 2
    assert report.lines()[-1] == f"{bad}: 2 problems"


def test_inputs_are_protected_after_loading(tmp_path: Path) -> None:
    from cjwork.io import write_csv_atomic

    ws = cjwork.load(valid(tmp_path))
    with pytest.raises(UsageError, match="input file of the workspace"):
        write_csv_atomic(pd.DataFrame({"a": [1]}), ws.path / "events.csv")
    assert (ws.path / "events.csv").read_text(encoding="utf-8") == EVENTS


def test_counts_match_frames(tmp_path: Path) -> None:
    d = valid(tmp_path)
    ws = cjwork.load(d)
    report = validate_workspace(d)
    assert report.counts["events"] == len(ws.events)
    assert np.isclose(ws.events["wait_s"].sum(), 312.5)


def test_cp1252_after_a_long_ascii_head_is_still_found(tmp_path: Path) -> None:
    rows = "".join(f"C{i},x\n" for i in range(20_000))  # > 64 KiB of plain ASCII first
    data = ("customer_id,city\n" + rows + "C_last,Köln\n").encode("cp1252")
    ws = cjwork.load(make(tmp_path, {"customers.csv": data}))
    assert ws.customers["city"].iloc[-1] == "Köln"
    assert any("Windows-1252" in w.message for w in ws.warnings)


def test_lenient_sets_aside_malformed_lines_with_a_warning(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": "customer_id,age\nC1,3\nC2,4,5\n"})
    ws = load_workspace(d, lenient=True)
    assert list(ws.customers["customer_id"]) == ["C1"]
    assert list(ws.rejected["customers"]["line"]) == [3]
    assert any("1 row(s) set aside" in w.message for w in ws.warnings)


def test_lenient_still_raises_for_csv_and_parquet_side_by_side(tmp_path: Path) -> None:
    d = valid(tmp_path)
    pd.DataFrame({"customer_id": ["C1"]}).to_parquet(d / "customers.parquet")
    with pytest.raises(DataError, match="keep only one of them"):
        load_workspace(d, lenient=True)


def test_other_date_columns_become_utc_too(tmp_path: Path) -> None:
    d = make(
        tmp_path,
        {"customers.csv": "customer_id,contract_start\nC1,2024-07-01 12:00\nC2,2024-01-01 12:00\n"},
    )
    ws = cjwork.load(d)
    assert list(ws.customers["contract_start"]) == [
        pd.Timestamp("2024-07-01T10:00Z"),
        pd.Timestamp("2024-01-01T11:00Z"),
    ]


def test_excel_sep_line_and_trailing_empty_columns(tmp_path: Path) -> None:
    customers = "sep=;\ncustomer_id;age;;\nC1;3;;\nC1;4;;\n"
    d = make(tmp_path, {"customers.csv": customers.encode("cp1252")})
    # line numbers count the sep= line: the duplicate is on line 4
    assert problems_of(d) == [
        "customers.csv:4:customer_id: duplicate customer_id 'C1' (first on line 3); every customer_id must be unique"
    ]
    (d / "customers.csv").write_text("sep=;\ncustomer_id;age;;\nC1;3;;\nC2;4;;\n", encoding="utf-8")
    ws = cjwork.load(d)
    assert list(ws.customers.columns) == ["customer_id", "age"]
    assert any("2 empty column(s) without a name ignored" in w.message for w in ws.warnings)


def test_unnamed_column_with_values_is_an_error(tmp_path: Path) -> None:
    d = make(tmp_path, {"customers.csv": "customer_id,,age\nC1,x,3\n"})
    assert problems_of(d) == [
        "customers.csv:1:-: column 2 has values but no name in the header; name it or delete it"
    ]
