"""Progress with words: which step each running report is at, for the batch's progress bar.

papermill writes the executing notebook as it goes, marking the running cell
(``metadata.papermill.status == "running"``); the report notebook tags each cell
``section-<name>``. :func:`running_step` reads that back, :func:`progress_text` turns the
steps of the running journeys into one short line: ``service: personas · purchase: summary``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

__all__ = ["STEP_WORDS", "progress_text", "running_step"]

#: the words for the sections of the report notebooks (``section-<name>`` tags)
STEP_WORDS = {
    "en": {
        "starting": "starting",
        "setup": "loading data",
        "title": "title",
        "summary": "summary",
        "overview": "overview",
        "map": "journey map",
        "paths": "paths",
        "personas": "personas",
        "feedback": "feedback",
        "process": "process × feedback",
        "priorities": "priorities",
        "trends": "trends",
        "owner": "owner report",
        "export": "writing HTML",
        "shared": "feedback & personas",
    },
    "de": {
        "starting": "startet",
        "setup": "lädt Daten",
        "title": "Titel",
        "summary": "Zusammenfassung",
        "overview": "Überblick",
        "map": "Journey Map",
        "paths": "Pfade",
        "personas": "Personas",
        "feedback": "Feedback",
        "process": "Prozess × Feedback",
        "priorities": "Prioritäten",
        "trends": "Entwicklung",
        "owner": "Verantwortlichen-Bericht",
        "export": "schreibt HTML",
        "shared": "Feedback & Personas",
    },
}


def running_step(notebook: str | Path | None) -> str:
    """The step (section name) of the cell papermill is running in ``notebook``:
    ``"starting"`` before the notebook exists or while no cell runs yet, ``"export"`` after
    the last cell, else the cell's ``section-<name>`` tag (``"owner"`` for untagged cells)."""
    if notebook is None:
        return "starting"
    path = Path(notebook)
    if not path.exists():
        return "starting"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being written right now
        return ""
    cells = nb.get("cells", [])
    statuses = [c.get("metadata", {}).get("papermill", {}).get("status") for c in cells]
    for cell, status in zip(cells, statuses, strict=True):
        if status == "running":
            tags = cell.get("metadata", {}).get("tags", [])
            for tag in tags:
                if tag.startswith("section-"):
                    return tag.removeprefix("section-")
            return "owner"
    if statuses and all(s == "completed" for s in statuses if s is not None) and any(statuses):
        return "export" if statuses[-1] == "completed" else "starting"
    return "starting"


def progress_text(steps: Mapping[str, str], language: str = "en", width: int = 90) -> str:
    """``{journey: step}`` as one line for the bar: ``service: personas · purchase: summary``
    (steps in ``language``; cut to ``width`` characters)."""
    words = STEP_WORDS.get(language, STEP_WORDS["en"])
    text = " · ".join(f"{k}: {words.get(v, v)}" for k, v in steps.items() if v)
    return text if len(text) <= width else text[: width - 1] + "…"
