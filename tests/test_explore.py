"""The explorer, driven without a browser: set the widgets' values, check what they produce."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cjwork
from cjwork.explore import ALL, Explorer, filter_workspace


@pytest.fixture(scope="module")
def explorer(tiny_dir: Path) -> Explorer:
    ws = cjwork.load(tiny_dir)
    personas = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(1, 9)],
            "persona_id": [1 if i % 2 else 2 for i in range(1, 9)],
            "persona_name": ["Odd" if i % 2 else "Even" for i in range(1, 9)],
        }
    )
    feedback = ws.feedback.assign(
        text=ws.feedback["text"].str.replace(
            "viel zu hoch.", "viel zu hoch, Frau Schmidt, mail an a.b@example.org", regex=False
        )
    )
    ws.feedback = feedback
    return Explorer(ws, personas=personas, seed=1)


def test_controls_offer_the_workspace_choices(explorer: Explorer) -> None:
    assert explorer.journey.options == ("onboarding", "service")
    assert explorer.persona.options == (ALL, "Even", "Odd")
    assert explorer.channel.options == (ALL, "email", "phone", "web")
    assert [v for _, v in explorer.touchpoint.options] == [
        "signup_form",
        "welcome_mail",
        "first_bill",
    ]
    assert "onboarding" in explorer.status.value and "20 events" in explorer.status.value


def test_views_follow_journey_persona_and_channel(explorer: Explorer) -> None:
    explorer.journey.value = "onboarding"
    all_tp = explorer.tables()["touchpoints"].set_index("touchpoint")
    assert all_tp.loc["signup_form", "events"] == 8
    assert list(explorer.tables()["funnel"]["stage"]) == ["signup", "first_bill"]

    explorer.persona.value = "Even"  # C002, C004, C006, C008: all get a first bill
    even = explorer.tables()["touchpoints"].set_index("touchpoint")
    assert even.loc["signup_form", "events"] == 4 and even.loc["first_bill", "events"] == 4
    assert "persona Even" in explorer.status.value

    explorer.channel.value = "web"  # only the sign-up form is on the web
    web = explorer.tables()["touchpoints"].set_index("touchpoint")
    assert web.loc["signup_form", "events"] == 4 and web.loc["first_bill", "events"] == 0
    explorer.persona.value = ALL
    explorer.channel.value = ALL

    explorer.journey.value = "service"  # the touchpoint list follows the journey
    assert [v for _, v in explorer.touchpoint.options] == ["hotline", "chat"]
    assert explorer.touchpoint.value == "hotline"
    assert explorer.tables()["touchpoints"].set_index("touchpoint").loc["hotline", "events"] == 2


def test_touchpoint_detail_shows_kpis_and_masked_quotes(explorer: Explorer) -> None:
    explorer.journey.value = "service"
    explorer.touchpoint.value = "hotline"
    detail = explorer.touchpoint_detail()
    assert list(detail["kpis"]["metric"]) == ["wait_s"]
    assert detail["kpis"].loc[0, "target"] == 120
    assert len(detail["quotes"]) == 2

    explorer.journey.value = "onboarding"
    explorer.touchpoint.value = "first_bill"
    quotes = explorer.touchpoint_detail()["quotes"]
    assert quotes and "Rechnung" in quotes[0]
    assert not any("Schmidt" in q or "a.b@example.org" in q for q in quotes)


def test_filter_workspace_keeps_the_personas_rows(tiny_dir: Path) -> None:
    ws = cjwork.load(tiny_dir)
    personas = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "persona_id": [1, 1], "persona_name": ["A", "A"]}
    )
    sub, fb = filter_workspace(ws, ws.feedback, personas, persona="A", channel="web")
    assert set(sub.events["customer_id"]) == {"C001", "C002"} and set(sub.events["channel"]) == {
        "web"
    }
    assert set(sub.customers["customer_id"]) == {"C001", "C002"}
    assert list(fb["feedback_id"]) == ["F1"]  # C002's feedback (no channel column in the tiny data)
    assert ws.events is not sub.events and len(ws.events) == 22  # the original is untouched
