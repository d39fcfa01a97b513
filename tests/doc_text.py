"""The user documentation as one text: README.md first, then every page under docs/.

The examples and worked files in the documentation are tests: each is looked up here by
its marker (``<!-- example: NAME -->``, ``<!-- file: NAME -->``, ``<!-- output: NAME -->``),
wherever it lives.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = "\n".join(
    [README] + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md"))]
)
