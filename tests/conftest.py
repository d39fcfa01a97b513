"""Shared fixtures: a tiny workspace made in the test (two journeys, a handful of rows).

Kept small on purpose; a module that needs more makes it itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

TINY_JOURNEYS_YML = """\
company: Tiny Test GmbH
journeys:
  - id: onboarding
    name: Onboarding
    owner: Customer Success
    stages:
      - id: signup
        name: Sign-up
        touchpoints:
          - id: signup_form
            name: Sign-up form
            channel: web
            owner: Digital Sales
            keywords: {de: [anmeldung, formular], en: [sign up, form]}
          - id: welcome_mail
            name: Welcome e-mail
            channel: email
            owner: CRM
            keywords: {de: [willkommen], en: [welcome]}
      - id: first_bill
        name: First bill
        touchpoints:
          - id: first_bill
            name: First bill
            channel: email
            owner: Billing
            keywords: {de: [rechnung], en: [bill, invoice]}
  - id: service
    name: Service
    owner: Customer Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
            channel: phone
            owner: Customer Service
            keywords: {de: [hotline, warteschleife], en: [hotline, waiting]}
            kpis:
              wait_s: {target: 120, better: lower}
          - id: chat
            name: Chat
            channel: chat
            owner: Customer Service
            keywords: {de: [chat], en: [chat]}
"""


def write_tiny_workspace(path: Path) -> Path:
    """Write a tiny, valid data directory (journeys.yml + three CSV tables) to ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "journeys.yml").write_text(TINY_JOURNEYS_YML, encoding="utf-8")
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(1, 9)],
            "age": [25, 34, 41, 52, 63, 29, 38, 47],
            "segment": [
                "private",
                "private",
                "business",
                "private",
                "business",
                "private",
                "private",
                "business",
            ],
        }
    )
    rows = []
    for i in range(1, 9):
        cid = f"C{i:03d}"
        month = 5 if i <= 3 else 6
        rows.append(
            (
                cid,
                f"2025-{month:02d}-0{i % 9 + 1}T09:00:00Z",
                "onboarding",
                "signup_form",
                "web",
                f"K{i:03d}",
                "",
            )
        )
        rows.append(
            (
                cid,
                f"2025-{month:02d}-0{i % 9 + 1}T09:05:00Z",
                "onboarding",
                "welcome_mail",
                "email",
                f"K{i:03d}",
                "",
            )
        )
        if i % 2 == 0:
            rows.append(
                (
                    cid,
                    f"2025-{month:02d}-1{i % 9}T10:00:00Z",
                    "onboarding",
                    "first_bill",
                    "email",
                    f"K{i:03d}",
                    "",
                )
            )
        if i % 3 == 0:
            rows.append(
                (
                    cid,
                    f"2025-{month:02d}-2{i % 9}T11:00:00Z",
                    "service",
                    "hotline",
                    "phone",
                    f"S{i:03d}",
                    str(60 * i),
                )
            )
    events = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "timestamp",
            "journey",
            "touchpoint",
            "channel",
            "case_id",
            "wait_s",
        ],
    )
    feedback = pd.DataFrame(
        {
            "feedback_id": ["F1", "F2", "F3", "F4", "F5"],
            "customer_id": ["C002", "C004", "C003", "C006", "C007"],
            "timestamp": [
                "2025-05-20T12:00:00Z",
                "2025-06-20T12:00:00Z",
                "2025-05-25T12:00:00Z",
                "2025-06-25T12:00:00Z",
                "2025-06-26T12:00:00Z",
            ],
            "journey": ["onboarding", "onboarding", "service", "service", ""],
            "touchpoint": ["first_bill", "", "hotline", "hotline", ""],
            "text": [
                "Die erste Rechnung war viel zu hoch.",
                "Sign up was easy, thanks!",
                "Ewig in der Warteschleife.",
                "Hotline wait was fine.",
                "Alles gut.",
            ],
            "rating": [1, 5, 2, 4, 5],
        }
    )
    customers.to_csv(path / "customers.csv", index=False)
    events.to_csv(path / "events.csv", index=False)
    feedback.to_csv(path / "feedback.csv", index=False)
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (the figure tests draw many)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny data directory on disk (session-scoped; do not modify it, copy it)."""
    return write_tiny_workspace(tmp_path_factory.mktemp("tiny") / "data")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark nbval's notebook cells ``slow`` (``-m "not slow"`` skips the notebooks)."""
    for item in items:
        if type(item).__name__ == "IPyNbCell":
            item.add_marker(pytest.mark.slow)
