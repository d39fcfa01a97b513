"""The tables of the why and the loop that :func:`cjwork.analyze` adds to its result.

``themes`` (:func:`cjwork.text.themes.feedback_themes`), ``changes``
(:func:`cjwork.changes.change_contributions`), ``whatif``
(:func:`cjwork.loop.whatif.what_if`, with feedback and events) and ``actions``
(:func:`cjwork.loop.actions.measure_actions`, when the workspace has an ``actions.yml``).
What cannot be computed is skipped with one sentence in the result's ``skipped`` list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cjwork.errors import CjworkError


def loop_tables(
    ws: Any,
    feedback: pd.DataFrame | None,
    personas: pd.DataFrame | None,
    journeys: list[str],
    period: str,
    random_state: int,
    out: Any,
) -> None:
    """Add ``themes``, ``changes``, ``whatif`` and (with an actions.yml) ``actions`` to ``out``."""
    from cjwork.changes import CHANGE_COLUMNS, change_contributions
    from cjwork.text.themes import THEME_COLUMNS, feedback_themes

    if feedback is not None and len(feedback):
        try:
            themes, _ = feedback_themes(feedback, ws.journeys, journeys, random_state=random_state)
            out["themes"] = themes
        except CjworkError as exc:
            out.skipped.append(f"themes.csv: {str(exc).splitlines()[0]}")
            out["themes"] = pd.DataFrame(columns=THEME_COLUMNS)
    else:
        out.skipped.append("themes.csv: the workspace has no feedback")
        out["themes"] = pd.DataFrame(columns=THEME_COLUMNS)
    trends = out.get("trends")
    out["changes"] = change_contributions(
        trends[trends["journey"].isin(journeys)] if trends is not None and len(trends) else trends,
        feedback=feedback,
        events=ws.events,
        customers=ws.customers,
        personas=personas,
        period=period,
    )
    if len(out["changes"]) == 0:
        out["changes"] = pd.DataFrame(columns=CHANGE_COLUMNS)
    if (
        feedback is not None
        and len(feedback)
        and ws.events is not None
        and {"customer_id", "timestamp"} <= set(feedback.columns)
    ):
        from cjwork.loop.whatif import what_if

        out["whatif"] = what_if(feedback, ws.events, ws.journeys, journeys)
    try:
        from cjwork.loop.actions import actions_path, measure_actions, read_actions
    except ImportError:  # pragma: no cover - part of the package
        return
    path = actions_path(ws)
    if path is not None:
        actions = read_actions(path, ws.journeys)
        out["actions"] = measure_actions(
            actions, ws.events, feedback, ws.journeys, journeys=journeys, random_state=random_state
        )
