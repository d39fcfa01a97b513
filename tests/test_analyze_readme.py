"""The README's analytics example runs and prints what it promises."""

from __future__ import annotations

import re

import pytest
from doc_text import DOCS, ROOT


def example(name: str) -> str:
    match = re.search(
        rf"<!-- example: {re.escape(name)} -->\n```python\n(.*?)```", DOCS, flags=re.S
    )
    assert match, f"README has no example '{name}'"
    return match.group(1)


@pytest.mark.slow
def test_analyze_api_example_runs(monkeypatch, capsys):
    if not (ROOT / "data" / "sample" / "events.csv").exists():
        pytest.skip("bundled sample not present")
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(compile(example("analyze-api"), "README.md", "exec"), scope)
    out = capsys.readouterr().out
    tables = scope["tables"]
    assert list(tables["funnel"]["stage"]) == [
        "awareness",
        "research",
        "consultation",
        "order",
        "confirmation",
    ]
    assert "reached" in out and "share_of_start" in out and "completion_rate" in out
    assert set(tables["variants"]["journey"]) == {"purchase"}
