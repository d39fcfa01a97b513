"""The README's personas example runs and prints what it promises."""

from __future__ import annotations

import re

from doc_text import DOCS, ROOT


def test_personas_readme_example_runs(monkeypatch, capsys):
    match = re.search(r"<!-- example: personas-api -->\n```python\n(.*?)```", DOCS, flags=re.S)
    assert match, "README/docs have no personas-api example"
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(compile(match.group(1), "README.md", "exec"), scope)
    out = capsys.readouterr().out
    result = scope["result"]
    assert result.model.n_personas_ == 5
    assert "silhouette" in out and "chosen" in out and "# Persona profiles" in out
    assert result.assignments["persona_name"].nunique() == 5
