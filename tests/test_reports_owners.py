"""The owner view and the summary lists, computed without Jupyter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.journeymap import load_journey_map
from cjwork.reports import owners, summary
from cjwork.reports.params import validate_owner_params


def _touchpoints() -> pd.DataFrame:
    """A prioritisation table as analyze() returns it, for the tiny map."""
    return pd.DataFrame(
        {
            "journey": ["onboarding", "onboarding", "onboarding", "service", "service"],
            "stage": ["signup", "signup", "first_bill", "contact", "contact"],
            "stage_name": ["Sign-up", "Sign-up", "First bill", "Contact", "Contact"],
            "touchpoint": ["signup_form", "welcome_mail", "first_bill", "hotline", "chat"],
            "touchpoint_name": ["Sign-up form", "Welcome e-mail", "First bill", "Hotline", "Chat"],
            "owner": ["Digital Sales", "CRM", "Billing", "Customer Service", "Customer Service"],
            "events": [8, 8, 4, 2, 0],
            "feedback": [3, 2, 40, 30, 0],
            "performance": [0.2, 0.6, -0.4, -0.1, None],
            "importance": [0.5, 1.2, 2.8, 1.9, None],
            "share_negative": [0.1, 0.0, 0.6, 0.4, None],
            "category": ["unclear", "delighter", "dissatisfier", "ok", "unclear"],
            "moment_of_truth": [False, False, True, True, False],
            "quick_win": [False, False, True, False, False],
        }
    )


def test_summary_lists_rank_pains_delights_and_quick_wins() -> None:
    tp = _touchpoints()
    pains = summary.top_pains(tp, 2)
    assert list(pains["touchpoint_name"]) == [
        "First bill",
        "Hotline",
    ]  # dissatisfier first, then below zero
    delights = summary.top_delights(tp, 3)
    assert list(delights["touchpoint_name"]) == [
        "Welcome e-mail",
        "Sign-up form",
    ]  # delighter, then above the median
    wins = summary.quick_wins(tp, 3)
    assert list(wins["owner"]) == ["Billing"] and wins.loc[0, "touchpoint_name"] == "First bill"
    assert "First bill" in wins.loc[0, "action"]
    assert summary.quick_wins(tp.assign(quick_win=False)).empty
    assert summary.top_pains(tp.assign(performance=float("nan"))).empty


def test_owner_tables_cover_the_owners_touchpoints_across_journeys(tiny_dir: Path) -> None:
    jm = load_journey_map(tiny_dir / "journeys.yml")
    assert owners.owners(jm) == ["Billing", "CRM", "Customer Service", "Digital Sales"]
    assert owners.owner_slug("Customer Service") == "customer-service"
    analysis = {
        "touchpoints": _touchpoints(),
        "kpis": pd.DataFrame(
            {
                "journey": ["service"],
                "touchpoint": ["hotline"],
                "metric": ["wait_s"],
                "target": [120.0],
                "share_within_target": [0.5],
                "median": [150.0],
            }
        ),
        "trends": pd.DataFrame(
            {
                "journey": ["service", "service", "onboarding"],
                "period": ["2025-05", "2025-06", "2025-06"],
                "touchpoint": ["hotline", "hotline", "first_bill"],
                "significant_change": [False, True, True],
                "change_detail": ["", "sentiment -0.3", "volume +40%"],
            }
        ),
    }
    t = owners.owner_tables(jm, "Customer Service", analysis)
    assert list(t["touchpoints"]["touchpoint_name"]) == ["Hotline", "Chat"]
    assert list(t["touchpoints"]["events"]) == [2, 0]
    assert t["quick_wins"].empty
    assert list(t["kpis"]["metric"]) == ["wait_s"]
    assert list(t["changes"]["change_detail"]) == ["sentiment -0.3"]
    billing = owners.owner_tables(jm, "Billing", analysis)
    assert list(billing["quick_wins"]["touchpoint_name"]) == ["First bill"]
    assert billing["kpis"].empty and list(billing["changes"]["period"]) == ["2025-06"]
    with pytest.raises(UsageError, match="owners in journeys.yml: Billing, CRM"):
        owners.owner_tables(jm, "Billing Dept", analysis)


def test_owner_params_name_the_known_owners(tiny_dir: Path) -> None:
    with pytest.raises(UsageError, match="unknown owner 'Nobody'; owners in journeys.yml: Billing"):
        validate_owner_params(data_dir=tiny_dir, owner="Nobody")
    p = validate_owner_params(data_dir=tiny_dir, owner="CRM", language="de")
    assert (p.owner, p.language) == ("CRM", "de")
