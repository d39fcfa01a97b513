"""The README's data-contract examples are real: the files validate and print what is shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_text import DOCS, README

import cjwork
from cjwork.cli import main
from cjwork.io.schemas import contract_markdown

BLOCK = r"<!-- {kind}: {name} -->\n```[a-z]*\n(.*?)```"


def block(kind: str, name: str) -> str:
    match = re.search(BLOCK.format(kind=kind, name=re.escape(name)), DOCS, flags=re.S)
    assert match, f"README/docs have no block '<!-- {kind}: {name} -->'"
    return match.group(1)


def expected_output(name: str) -> list[str]:
    lines = block("output", name).splitlines()
    assert lines[0] == "$ cjwork validate mydata"
    return lines[1:]


@pytest.fixture
def mydata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "mydata"
    d.mkdir()
    for name in ("journeys.yml", "customers.csv", "events.csv", "feedback.csv"):
        (d / name).write_text(block("file", name), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return d


def validate(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as info:
        main(["validate", "mydata"])
    return int(info.value.code or 0), capsys.readouterr().out.splitlines()


def test_worked_example_validates_as_shown(
    mydata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = validate(capsys)
    assert code == 0
    assert out == expected_output("valid")


def test_broken_example_prints_as_shown(mydata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mydata / "events.csv").write_text(block("file", "broken/events.csv"), encoding="utf-8")
    code, out = validate(capsys)
    assert code == 1
    assert out == expected_output("broken")


def test_german_excel_example_loads(mydata: Path) -> None:
    (mydata / "events.csv").write_bytes(block("file", "german/events.csv").encode("cp1252"))
    ws = cjwork.load(mydata)
    assert list(ws.events["wait_s"].fillna(-1)) == [340.5, -1]
    assert str(ws.events["timestamp"].iloc[0]) == "2025-03-04 08:12:00+00:00"


def test_contract_table_is_the_schema() -> None:
    assert contract_markdown() in README
