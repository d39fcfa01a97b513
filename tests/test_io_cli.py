"""`cjwork validate`: exit 0 when valid, 1 with one line per problem, 2 on usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cjwork.cli import main

JOURNEYS = """\
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
          - id: chat
            name: Chat
"""


def workspace(tmp_path: Path, events: str) -> Path:
    d = tmp_path / "ws"
    d.mkdir()
    (d / "journeys.yml").write_text(JOURNEYS, encoding="utf-8")
    (d / "events.csv").write_text(events, encoding="utf-8")
    return d


GOOD = "customer_id,timestamp,journey,touchpoint\nC1,2024-01-01T10:00:00Z,service,hotline\n"
BAD = (
    "customer_id,timestamp,journey,touchpoint\n"
    "C1,2024-01-01T10:00:00Z,service,hotlin\n"
    "C2,morgen,service,chat\n"
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_valid_directory_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = workspace(tmp_path, GOOD)
    code, out, err = run(["validate", str(d)], capsys)
    assert code == 0, err
    assert out == f"{d}: OK — 1 journey, 2 touchpoints, 1 event\n"


def test_problems_exit_1_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = workspace(tmp_path, BAD)
    code, out, err = run(["validate", str(d)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("events.csv:2:touchpoint: unknown touchpoint id 'hotlin'")
    assert lines[1].startswith("events.csv:3:timestamp: 'morgen' cannot be read as a timestamp")
    assert lines[2] == f"{d}: 2 problems"
    assert "Traceback" not in out + err


def test_broken_yaml_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = workspace(tmp_path, GOOD)
    (d / "journeys.yml").write_text("journeys:\n  - id: [unclosed\n", encoding="utf-8")
    code, out, _ = run(["validate", str(d)], capsys)
    assert code == 1
    assert out.splitlines()[0].startswith("journeys.yml:")
    assert "not valid YAML" in out


def test_missing_journeys_yml_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    code, out, _ = run(["validate", str(d)], capsys)
    assert code == 1
    assert out.splitlines()[0].startswith("journeys.yml:-:-: file not found")


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["validate", "/no/such/dir"],
        ["validate", "a", "b"],
        ["validate", "--bogus", "x"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert "Traceback" not in out + err
    assert err.strip()


def test_the_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    d = workspace(tmp_path, BAD)
    (d / "customers.csv").write_bytes(b"customer_id\nC\x81\n")
    exe = Path(sys.executable).with_name("cjwork")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cjwork.cli"]
    proc = subprocess.run([*cmd, "validate", str(d)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "customers.csv:2:-: cannot tell the text encoding" in proc.stdout
