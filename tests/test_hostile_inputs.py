"""Issue 17, the input and output-file side: hostile or careless input never overwrites an
input, never runs without end, never writes a live formula, never prints a traceback.

Every test hashes its input files before and after and asserts they are unchanged; every
command runs through the real command line (``cjwork.cli.main``) and its output must not
contain "Traceback".
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY_JOURNEYS_YML, write_tiny_workspace

import cjwork
from cjwork.cli import main
from cjwork.errors import OutputError
from cjwork.io.outputs import (
    STAGING_PREFIX,
    OutputGuard,
    marker_path,
    neutralise_formulas,
    read_marker,
    staged_outputs,
    write_csv,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


# --------------------------------------------------------------------------- helpers


def hashes(*roots: Path) -> dict[str, str]:
    """sha256 of every file under the roots (the inputs of a test)."""
    out = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the command line in-process; returns (exit code, stdout + stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    text = out + err
    assert "Traceback" not in text, text
    return int(info.value.code or 0), text


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return write_tiny_workspace(tmp_path / "ws")


# --------------------------------------------------------------------------- item 2: outputs


def test_item2_no_output_may_be_an_input_or_another_output(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = hashes(ws)
    out = tmp_path / "out"
    # the pickle that replaced customers.csv in the issue
    code, text = run(["personas", ws, "-o", out, "--save-model", ws / "customers.csv"], capsys)
    assert code == 1 and "refusing to write" in text and "input file" in text
    # another output of the same run
    code, text = run(["personas", ws, "-o", out, "--save-model", out / "personas.csv"], capsys)
    assert code == 1 and "--save-model" in text and "also the output personas.csv" in text
    code, text = run(
        ["link", ws, "-o", tmp_path / "x.csv", "--candidates", tmp_path / "x.csv"], capsys
    )
    assert code == 1 and "--candidates" in text and "also the output -o" in text
    # an input reached by another name: '..', a symlink, a hard link
    code, text = run(["link", ws, "-o", ws / ".." / "ws" / "feedback.csv"], capsys)
    assert code == 1 and "input file" in text
    (tmp_path / "alias.csv").symlink_to(ws / "events.csv")
    code, text = run(["sentiment", ws, "-o", tmp_path / "alias.csv"], capsys)
    assert code == 1 and "input file" in text
    os.link(ws / "feedback.csv", tmp_path / "hard.csv")
    code, text = run(["link", ws, "-o", tmp_path / "hard.csv"], capsys)
    assert code == 1 and "input file" in text
    # a CSV given as the source of `sentiment` is an input too
    code, text = run(
        ["sentiment", ws / "feedback.csv", "--text-column", "text", "-o", ws / "feedback.csv"],
        capsys,
    )
    assert code == 1 and "input file" in text
    code, text = run(["analyze", ws, "-o", ws / "events.csv"], capsys)
    assert code == 1 and "is a file" in text
    code, text = run(["link", ws, "--no-model", "-o", ws / "events.csv" / "x.csv"], capsys)
    assert code == 1 and "events.csv is a file, not a folder" in text
    code, text = run(["report", ws, "--all", "-o", ws / "events.csv"], capsys)
    assert code == 1 and "is a file" in text
    assert not out.exists() and not (tmp_path / "x.csv").exists()
    assert hashes(ws) == before


def test_item2_analyze_output_set_is_complete_or_visibly_not(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cjwork.io.outputs as outputs
    from cjwork.analysis import write_analysis

    before = hashes(ws)
    out = tmp_path / "tables"
    code, _ = run(["analyze", ws, "-o", out], capsys)
    assert code == 0
    marker = read_marker(out, "analyze")
    assert marker is not None and "variants.csv" in marker["files"]
    first = hashes(out)

    # what a killed run leaves: a staging folder of a dead process, a temporary file, and a
    # table of an earlier run that the next run does not write (listed in the old marker)
    (out / f"{STAGING_PREFIX}999999999-dead").mkdir()
    (out / f"{STAGING_PREFIX}999999999-dead" / "variants.csv").write_text("half", encoding="utf-8")
    (out / ".variants.csv.k2j3h4g5.tmp").write_text("half", encoding="utf-8")
    doc = marker_path(out, "analyze").read_text(encoding="utf-8")
    (out / "old_table.csv").write_text("stale\n", encoding="utf-8")
    marker_path(out, "analyze").write_text(
        doc.replace('"files": [', '"files": [\n    "old_table.csv",'), encoding="utf-8"
    )
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")  # not ours: kept
    loaded = cjwork.load(ws)
    # the tables as analyze made them (read back: no second analysis needed)
    result = {p.stem: pd.read_csv(p) for p in sorted(out.glob("*.csv")) if p.stem != "old_table"}
    write_analysis(result, out, fmt="parquet", inputs=loaded)
    names = sorted(p.name for p in out.iterdir())
    assert not any(n.startswith(".") for n in names), names
    assert "old_table.csv" not in names and "notes.txt" in names
    assert not any(n.endswith(".csv") for n in names)  # the csv set of the first run is gone
    assert set(read_marker(out, "analyze")["files"]) == {n for n in names if n.endswith(".parquet")}

    # an interrupt while the tables are written: the previous set stays complete, nothing stray
    write_analysis(result, out, fmt="csv", inputs=loaded)
    assert hashes(out).keys() - {str(out / "notes.txt")} == first.keys()
    complete = hashes(out)
    real = outputs.write_csv
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "write_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_analysis(result, out, fmt="csv", inputs=loaded)
    monkeypatch.undo()
    assert hashes(out) == complete and read_marker(out, "analyze") is not None
    assert not any(p.name.startswith(".") for p in out.iterdir())

    # killed while the tables are moved into place: the set no longer looks complete
    real_replace = os.replace
    moved = {"n": 0}

    def dies(src, dst):
        if STAGING_PREFIX in str(src) and STAGING_PREFIX not in str(dst):
            moved["n"] += 1
            if moved["n"] == 2:
                raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", dies)
    with pytest.raises(KeyboardInterrupt):
        write_analysis(result, out, fmt="csv", inputs=loaded)
    monkeypatch.undo()
    assert read_marker(out, "analyze") is None
    assert not any(p.name.startswith(".") for p in out.iterdir())
    # another command's set in the same folder has its own marker and is left alone
    with staged_outputs(out, OutputGuard(ws), command="personas") as staged:
        staged.write_csv(pd.DataFrame({"customer_id": ["C001"]}), "personas.csv")
    write_analysis(result, out, fmt="csv", inputs=loaded)  # a rerun makes it whole again
    assert read_marker(out, "analyze") is not None
    assert read_marker(out, "personas")["files"] == ["personas.csv"]
    assert (out / "personas.csv").exists()
    assert hashes(ws) == before


def test_item2_guard_api(tmp_path: Path) -> None:
    src = tmp_path / "ws"
    write_tiny_workspace(src)
    before = hashes(src)
    guard = OutputGuard(src)
    with pytest.raises(OutputError, match="input file"):
        guard.claim(src / "journeys.yml")
    a = guard.claim(tmp_path / "a.csv", "-o")
    with pytest.raises(OutputError, match="also the output -o"):
        guard.claim(tmp_path / "sub" / ".." / "a.csv", "--other")
    guard.write_csv(pd.DataFrame({"x": ["=1+1"]}), a)
    assert a.read_text(encoding="utf-8") == "x\n'=1+1\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert hashes(src) == before


# --------------------------------------------------------------------------- item 3: YAML


def _yaml_ws(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "yws"
    d.mkdir(parents=True)
    (d / "journeys.yml").write_text(text, encoding="utf-8")
    return d


def test_item3_yaml_alias_bomb_and_deep_nesting_fail_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = "abcdefghi"
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip(levels, levels[1:], strict=False)
    )
    bomb += "company: *i\n" + TINY_JOURNEYS_YML.split("\n", 1)[1]
    d = _yaml_ws(tmp_path, bomb)
    before = hashes(d)
    started = time.perf_counter()
    code, text = run(["validate", d], capsys)
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert "journeys.yml:1:-: anchor '&a' is not allowed" in text
    code, text = run(["analyze", d, "-o", tmp_path / "o"], capsys)
    assert code == 1 and "anchor" in text and not (tmp_path / "o").exists()

    deep = _yaml_ws(tmp_path / "deep", "company: " + "[" * 20000 + "]" * 20000 + "\n")
    started = time.perf_counter()
    code, text = run(["validate", deep], capsys)
    assert time.perf_counter() - started < 1.0
    assert code == 1 and "journeys.yml:1:-: nested deeper than 50 levels" in text
    assert "RecursionError" not in text
    block = "journeys:\n" + "".join("  " * i + "- \n" for i in range(1, 200))
    code, text = run(["validate", _yaml_ws(tmp_path / "block", block)], capsys)
    assert code == 1 and "nested deeper than 50 levels" in text
    assert hashes(d) == before


def test_item3_yaml_scalar_types_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = TINY_JOURNEYS_YML.replace("company: Tiny Test GmbH", "company: [1, 2]").replace(
        "    name: Onboarding", "    name: {x: 1}"
    )
    text = text.replace("owner: CRM", "owner: [a, b]")
    d = _yaml_ws(tmp_path, text)
    before = hashes(d)
    code, out = run(["validate", d], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("journeys.yml:1:company: 'company' of the top level must be text")
    assert any(
        ln.startswith("journeys.yml:4:name: 'name' of a journey must be text") and "mapping" in ln
        for ln in lines
    )
    assert any(":owner: 'owner' of a touchpoint" in ln and "a list" in ln for ln in lines)
    # a complex key cannot crash the loader either; a device is not read at all
    code, out = run(["validate", _yaml_ws(tmp_path / "k", "? [a, b]\n: c\n")], capsys)
    assert code == 1 and "a key must be plain text" in out
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "journeys.yml").symlink_to("/dev/zero")
    code, out = run(["validate", tmp_path / "dev"], capsys)
    assert code == 1 and "is not a regular file" in out
    # what stays allowed: dates, numbers, names per language
    ok = TINY_JOURNEYS_YML.replace("company: Tiny Test GmbH", "company: {de: Klein, en: Tiny}")
    code, out = run(["validate", _yaml_ws(tmp_path / "ok", "version: 2024-01-01\n" + ok)], capsys)
    assert code == 0, out
    assert hashes(d) == before


# --------------------------------------------------------------------------- item 4: formulas

PAYLOAD = '=HYPERLINK("http://evil.example","klick")'


def _read_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _live_formulas(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: start with = + - @ tab CR and are not plain numbers."""
    live = []
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    live.append(cell)
    return live


def test_item4_csv_outputs_have_no_live_formulas(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yml = (ws / "journeys.yml").read_text(encoding="utf-8")
    yml = yml.replace("owner: Digital Sales", f"owner: '{PAYLOAD}'").replace(
        "owner: CRM", "owner: '+cmd|calc'"
    )
    (ws / "journeys.yml").write_text(yml, encoding="utf-8")
    fb = pd.read_csv(ws / "feedback.csv", dtype=str, keep_default_na=False)
    fb.loc[0, "text"] = "@SUM(1+1) die Rechnung ist zu hoch"
    fb.loc[1, "text"] = "-2+3 sign up was bad"
    fb.loc[2, "text"] = "\t=1+1 Warteschleife"
    fb.to_csv(ws / "feedback.csv", index=False)
    before = hashes(ws)

    code, _ = run(["analyze", ws, "-o", tmp_path / "an"], capsys)
    assert code == 0
    code, _ = run(["sentiment", ws, "-o", tmp_path / "s.csv"], capsys)
    assert code == 0
    code, _ = run(
        ["link", ws, "-o", tmp_path / "l.csv", "--no-model", "--candidates", tmp_path / "c.csv"],
        capsys,
    )
    assert code == 0
    written = [*sorted((tmp_path / "an").glob("*.csv")), tmp_path / "s.csv", tmp_path / "l.csv"]
    for path in written:
        assert _live_formulas(_read_cells(path)) == [], path
    touchpoints = _read_cells(tmp_path / "an" / "touchpoints.csv")
    owners = {row[touchpoints[0].index("owner")] for row in touchpoints[1:]}
    assert "'" + PAYLOAD in owners and "'+cmd|calc" in owners
    scored = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    assert scored["text"].iloc[0] == "'@SUM(1+1) die Rechnung ist zu hoch"
    assert scored["text"].iloc[2] == "'\t=1+1 Warteschleife"
    # numbers stay numbers: negative sentiment scores are not prefixed
    assert (pd.to_numeric(scored["sentiment_score"]) < 0).any()

    code, _ = run(["sentiment", ws, "-o", tmp_path / "raw.csv", "--no-formula-guard"], capsys)
    assert code == 0
    raw = pd.read_csv(tmp_path / "raw.csv", dtype=str, keep_default_na=False)
    assert raw["text"].iloc[0] == "@SUM(1+1) die Rechnung ist zu hoch"
    assert hashes(ws) == before


def test_item4_neutralise_formulas_rules(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "text": ["=1+1", "-0.26", "-1+2", "+49 171 2345", "@x", "\tx", "\rx", "ok", None],
            "num": [-0.26, -1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "cat": pd.Categorical(["=A", "b", "=A", "b", "b", "b", "b", "b", "-5"]),
            "mixed": ["=x", 1, -2, "y", "+z", 3.5, None, "-7", "-a"],
        }
    )
    df["=header"] = 1
    out, n = neutralise_formulas(df)
    assert pd.isna(out["text"].iloc[8])
    assert list(out["text"])[:8] == [
        "'=1+1",
        "-0.26",  # a plain number written as text stays a number
        "'-1+2",
        "'+49 171 2345",
        "'@x",
        "'\tx",
        "'\rx",
        "ok",
    ]
    assert list(out["num"]) == list(df["num"])
    assert list(out["cat"].astype(object)) == ["'=A", "b", "'=A", "b", "b", "b", "b", "b", "-5"]
    assert list(out["mixed"]) == ["'=x", 1, -2, "y", "'+z", 3.5, None, "-7", "'-a"]
    assert list(out.columns)[-1] == "'=header"
    assert n == 6 + 2 + 3 + 1
    assert df["text"].iloc[0] == "=1+1"  # the caller's frame is not changed
    path = write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["text"].iloc[0] == "'=1+1" and back["num"].iloc[0] == "-0.26"
    assert _live_formulas(_read_cells(path)) == []
    more = pd.DataFrame({"t": [" =1+1", "\uff1dcmd", "\nx", " -0.5", "-", "a=b"]})
    assert list(neutralise_formulas(more)[0]["t"]) == [
        "' =1+1",
        "'\uff1dcmd",
        "'\nx",
        " -0.5",
        "-",
        "a=b",
    ]
    write_csv(df, tmp_path / "raw.csv", formula_guard=False)
    assert pd.read_csv(tmp_path / "raw.csv", dtype=str)["text"].iloc[0] == "=1+1"


# --------------------------------------------------------------------------- item 7: range


def test_item7_timestamps_outside_1900_2200_are_reported(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (ws / "events.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2025-", "2262-", 1)
    lines[3] = lines[3].replace("2025-", "1899-", 1)
    lines[4] = lines[4].replace("2025-", "9999-", 1)
    (ws / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = hashes(ws)
    code, out = run(["validate", ws], capsys)
    assert code == 1
    for line in (3, 4, 5):
        assert f"events.csv:{line}:timestamp: '" in out
    assert out.count("is outside the supported range") == 3
    assert "1900-01-01 and 2200-12-31" in out
    for argv in (["analyze", ws, "-o", tmp_path / "a"], ["link", ws, "-o", tmp_path / "l.csv"]):
        code, out = run(argv, capsys)
        assert code == 1 and "OutOfBounds" not in out and "outside the supported range" in out
    assert hashes(ws) == before


# --------------------------------------------------------------------------- item 11: DST


def test_item11_german_excel_export_with_the_repeated_hour_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (SAMPLE / "events.csv").exists():
        pytest.skip("bundled sample not present")
    d = tmp_path / "de"
    d.mkdir()
    for name in ("journeys.yml", "customers.csv", "feedback.csv"):
        (d / name).write_bytes((SAMPLE / name).read_bytes())
    events = pd.read_csv(SAMPLE / "events.csv", dtype=str, keep_default_na=False)
    utc = pd.to_datetime(events["timestamp"], utc=True).dt.floor("min")
    local = utc.dt.tz_convert("Europe/Berlin")
    events["timestamp"] = local.dt.strftime("%d.%m.%Y %H:%M")
    # what Excel writes: semicolons, a BOM
    (d / "events.csv").write_bytes(events.to_csv(sep=";", index=False).encode("utf-8-sig"))
    before = hashes(d)
    repeated = (
        local.dt.tz_localize(None)
        .dt.tz_localize("Europe/Berlin", ambiguous="NaT", nonexistent="NaT")
        .isna()
    )
    n_repeated = int(repeated.sum())
    assert n_repeated >= 3  # the sample has events in the hour that happens twice

    code, out = run(["validate", d], capsys)
    assert code == 0, out
    assert f"{n_repeated} local time(s) fall in the hour that happens twice" in out
    loaded = cjwork.load(d).events["timestamp"].reset_index(drop=True)
    same = loaded == utc.reset_index(drop=True)
    assert same[~repeated.to_numpy()].all()  # every other row is exactly the original instant
    first_hour = repeated & (local.dt.strftime("%z") == "+0200")
    assert same[first_hour.to_numpy()].all()  # read as the first occurrence
    assert hashes(d) == before


def test_item11_order_within_a_case_picks_the_second_occurrence(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "journeys.yml").write_text(
        TINY_JOURNEYS_YML.replace("company:", "timezone: Europe/Berlin\ncompany:"),
        encoding="utf-8",
    )
    (ws / "events.csv").write_text(
        "customer_id;timestamp;journey;touchpoint;case_id\n"
        "C001;26.10.2025 02:50;onboarding;signup_form;K1\n"
        "C001;26.10.2025 02:10;onboarding;welcome_mail;K1\n"  # the clock went back
        "C001;26.10.2025 02:40;onboarding;first_bill;K1\n"
        "C002;26.10.2025 02:30;onboarding;signup_form;K2\n"  # alone: first occurrence
        "C003;30.03.2025 02:30;onboarding;signup_form;K3\n",  # does not exist
        encoding="utf-8",
    )
    before = hashes(ws)
    code, out = run(["validate", ws], capsys)
    assert code == 0, out
    assert "4 local time(s) fall in the hour that happens twice" in out
    assert "2 read as the second occurrence" in out and "2 as the first" in out
    assert "1 local time(s) do not exist in Europe/Berlin" in out
    got = cjwork.load(ws).events["timestamp"].tolist()
    assert got == [
        pd.Timestamp("2025-10-26T00:50Z"),
        pd.Timestamp("2025-10-26T01:10Z"),
        pd.Timestamp("2025-10-26T01:40Z"),
        pd.Timestamp("2025-10-26T00:30Z"),
        pd.Timestamp("2025-03-30T01:30Z"),
    ]
    assert hashes(ws) == before


# --------------------------------------------------------------------------- item 12: messages


def test_item12_utf16_utf32_without_bom_and_cp1252_yaml(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ws / "feedback.csv").read_text(encoding="utf-8")
    (ws / "feedback.csv").write_bytes(text.encode("utf-16-le"))
    (ws / "customers.csv").write_bytes(
        (ws / "customers.csv").read_text(encoding="utf-8").encode("utf-32")
    )
    yml = TINY_JOURNEYS_YML.replace("name: Sign-up form", "name: Anmeldeformular für Käufer")
    (ws / "journeys.yml").write_bytes(yml.encode("cp1252"))
    before = hashes(ws)
    code, out = run(["validate", ws], capsys)
    assert code == 0, out
    assert "did you mean" not in out
    assert "feedback.csv:-:-: warning: read as UTF-16 (little-endian, no BOM)" in out
    assert "journeys.yml:-:-: warning: read as Windows-1252" in out
    loaded = cjwork.load(ws)
    assert loaded.journeys.touchpoint("signup_form").name == "Anmeldeformular für Käufer"
    assert loaded.feedback["text"].iloc[0] == "Die erste Rechnung war viel zu hoch."
    assert len(loaded.customers) == 8
    (ws / "feedback.csv").write_bytes(text.encode("utf-32-be"))
    code, out = run(["validate", ws], capsys)
    assert code == 0 and "UTF-32 (big-endian, no BOM)" in out
    # text that is mostly not ASCII: told by the header line
    chinese = "feedback_id,text\n" + "".join(
        f"F{i},中文反馈很长很长很长很长很长 {i}\n" for i in range(99)
    )
    (ws / "feedback.csv").write_bytes(chinese.encode("utf-16-be"))
    code, out = run(["validate", ws], capsys)
    assert code == 0 and "UTF-16 (big-endian, no BOM)" in out
    assert hashes(ws) != before  # (changed by the test itself, between the two runs)


def test_item12_nul_in_an_id_is_named(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = (ws / "events.csv").read_bytes()
    raw = raw.replace(b",hotline,", b",hot\x00line,", 1).replace(b"K001", b"K\x01001", 1)
    (ws / "events.csv").write_bytes(raw)
    lines = raw.split(b"\n")
    nul_line = next(i for i, ln in enumerate(lines) if b"\x00" in ln) + 1
    before = hashes(ws)
    code, out = run(["validate", ws], capsys)
    assert code == 1
    assert (
        f"events.csv:{nul_line}:touchpoint: 'hot\\x00line' contains a NUL character (\\x00) "
        "at position 4" in out
    )
    assert "case_id: 'K\\x01001' contains a control character U+0001" in out
    assert "closest known: hotline" not in out
    assert "\x00" not in out
    assert hashes(ws) == before


def test_item12_files_that_are_not_csv_are_named(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (ws / "feedback.csv").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    cases = {
        "an Excel workbook (.xlsx)": buf.getvalue(),
        "a gzip-compressed file": gzip.compress(original),
        "a Parquet file": b"PAR1" + b"\x00" * 64 + b"PAR1",
    }
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("feedback.csv", original)
    cases["a ZIP archive"] = zbuf.getvalue()
    for what, data in cases.items():
        (ws / "feedback.csv").write_bytes(data)
        before = hashes(ws)
        code, out = run(["validate", ws], capsys)
        assert code == 1
        assert f"feedback.csv:-:-: this file looks like {what}, not CSV text" in out, out
        assert hashes(ws) == before
    # and CSV text named .parquet
    (ws / "feedback.csv").unlink()
    (ws / "feedback.parquet").write_bytes(original)
    code, out = run(["validate", ws], capsys)
    assert code == 1 and "is not Parquet" in out and "rename it to .csv" in out


@pytest.mark.parametrize("seed", ["4294967296", "-1"])
def test_item12_seed_out_of_range_is_a_usage_error(
    ws: Path, tmp_path: Path, seed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = hashes(ws)
    commands = [
        ["sample", tmp_path / "s"],
        ["analyze", ws, "-o", tmp_path / "a"],
        ["personas", ws, "-o", tmp_path / "p"],
        ["sentiment", ws, "-o", tmp_path / "x.csv"],
        ["link", ws, "-o", tmp_path / "l.csv"],
    ]
    for argv in commands:
        code, out = run([*argv, "--seed", seed], capsys)
        assert code == 2, (argv, out)
        assert "Invalid value for '--seed'" in out and "0<=x<=4294967295" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]
    assert hashes(ws) == before
