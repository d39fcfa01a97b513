"""The journey overview's numbers, computed without Jupyter on a tiny workspace."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.io.workspace import Workspace
from cjwork.journeymap import load_journey_map
from cjwork.reports import overview


def _workspace(path: Path, rejected: dict | None = None) -> Workspace:
    """Build the Workspace by hand with the contract's dtypes (independent of the loader)."""

    def typed(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for col in ("customer_id", "case_id", "feedback_id", "text"):
            if col in df.columns:
                df[col] = df[col].astype("string")
        for col in ("journey", "touchpoint", "channel"):
            if col in df.columns:
                df[col] = df[col].replace("", pd.NA).astype("category")
        if "timestamp" in df.columns:
            df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
        return df

    return Workspace(
        path=path,
        journeys=load_journey_map(path / "journeys.yml"),
        customers=typed(pd.read_csv(path / "customers.csv")),
        events=typed(pd.read_csv(path / "events.csv", keep_default_na=False, na_values=[""])),
        feedback=typed(pd.read_csv(path / "feedback.csv", keep_default_na=False, na_values=[""])),
        rejected=rejected or {},
    )


@pytest.fixture()
def ws(tiny_dir: Path) -> Workspace:
    return _workspace(tiny_dir)


def test_structure_lists_touchpoints_in_map_order(ws: Workspace) -> None:
    s = overview.journey_structure(ws, "service")
    assert list(s["touchpoint"]) == ["hotline", "chat"]
    assert list(s["touchpoint_order"]) == [1, 2]
    assert s.loc[0, "kpis"] == "wait_s <= 120"
    assert s.loc[0, "owner"] == "Customer Service"
    assert list(overview.journey_structure(ws, "onboarding")["stage"]) == [
        "signup",
        "signup",
        "first_bill",
    ]


def test_unknown_journey_is_a_usage_error_naming_the_known(ws: Workspace) -> None:
    with pytest.raises(UsageError, match="onboardng"):
        overview.volumes(ws, "onboardng")


def test_volumes_count_events_customers_cases_feedback(ws: Workspace) -> None:
    v = overview.volumes(ws, "onboarding")
    assert list(v["touchpoint"]) == ["signup_form", "welcome_mail", "first_bill"]
    assert list(v["events"]) == [8, 8, 4]  # every customer signs up; even ids get a bill
    assert list(v["customers"]) == [8, 8, 4]
    assert list(v["cases"]) == [8, 8, 4]
    assert list(v["feedback"]) == [0, 0, 1]  # F1 names first_bill explicitly
    assert v["share_of_events"].sum() == pytest.approx(1.0)
    service = overview.volumes(ws, "service")
    assert list(service["events"]) == [2, 0]  # C003 and C006 call; nobody chats
    assert list(service["feedback"]) == [2, 0]


def test_stage_volumes_count_distinct_customers(ws: Workspace) -> None:
    st = overview.stage_volumes(ws, "onboarding")
    assert list(st["stage"]) == ["signup", "first_bill"]
    assert list(st["customers"]) == [8, 4]
    assert list(st["events"]) == [16, 4]
    assert list(st["share_of_customers"]) == [1.0, 0.5]


def test_key_figures_compare_latest_period_with_previous(ws: Workspace) -> None:
    kf = overview.key_figures(ws, "onboarding", "month").set_index("figure")
    assert kf.loc["events", "current_period"] == "2025-06"
    assert kf.loc["events", "previous_period"] == "2025-05"
    assert kf.loc["customers", "previous"] == 3 and kf.loc["customers", "current"] == 5
    assert kf.loc["customers", "change"] == pytest.approx(5 / 3 - 1, abs=1e-4)
    assert kf.loc["customers", "total"] == 8
    assert kf.loc["events", "total"] == 20
    # F1 (May, first_bill) and F2 (June, journey onboarding)
    assert (kf.loc["feedback", "previous"], kf.loc["feedback", "current"]) == (1, 1)
    assert kf.loc["feedback", "change"] == 0.0


def test_period_labels_week_month_quarter() -> None:
    ts = pd.Series(pd.to_datetime(["2025-06-02T10:00:00Z", "2025-12-31T23:00:00Z"], utc=True))
    assert list(overview.period_labels(ts, "month")) == ["2025-06", "2025-12"]
    assert list(overview.period_labels(ts, "quarter")) == ["2025Q2", "2025Q4"]
    assert list(overview.period_labels(ts, "week")) == ["2025-W23", "2026-W01"]
    with pytest.raises(UsageError, match="period"):
        overview.period_labels(ts, "day")


def test_data_quality_finds_problems(tiny_dir: Path) -> None:
    ws = _workspace(tiny_dir)
    ev = ws.events
    dup = ev[ev["touchpoint"] == "first_bill"].head(1)
    stranger = dup.assign(customer_id=pd.array(["X999"], dtype="string"))
    ws.events = pd.concat([ev, dup, stranger], ignore_index=True)
    ws.rejected = {
        "events": pd.DataFrame(
            {
                "journey": ["onboarding", "service"],
                "touchpoint": ["signup_form", "hotlne"],
                "problem": ["bad timestamp", "unknown touchpoint"],
            }
        )
    }
    dq = overview.data_quality(ws, "onboarding").set_index(["check", "table"])
    assert (
        dq.loc[("duplicate events", "events"), "count"] == 1
    )  # the copy; the stranger differs by customer
    assert dq.loc[("unknown customer ids", "events"), "count"] == 1
    assert dq.loc[("unknown customer ids", "events"), "detail"] == "X999"
    assert dq.loc[("rejected rows", "events"), "count"] == 1
    assert dq.loc[("rejected rows", "events"), "detail"] == "bad timestamp (1)"
    assert dq.loc[("time range", "events"), "detail"] == "2025-05-02 to 2025-06-18"
    assert dq.loc[("touchpoints without events", "events"), "count"] == 0
    assert dq.loc[("rows", "feedback"), "detail"].endswith("(before linking)")
    svc = overview.data_quality(ws, "service").set_index(["check", "table"])
    assert svc.loc[("touchpoints without events", "events"), "detail"] == "chat"
    assert svc.loc[("rejected rows", "events"), "count"] == 1


def test_missing_values_per_column(ws: Workspace) -> None:
    mv = overview.missing_values(ws, "onboarding").set_index(["table", "column"])
    assert (
        "events",
        "wait_s",
    ) not in mv.index  # a hotline metric: not recorded in onboarding at all
    assert mv.loc[("events", "customer_id"), "missing"] == 0
    assert ("feedback", "touchpoint") not in mv.index  # optional link: its own check
    ws.events["wait_s"] = ws.events["wait_s"].astype("float64")
    ws.events.loc[(ws.events["touchpoint"] == "hotline").to_numpy(), "wait_s"] = [
        float("nan"),
        60.0,
    ]
    svc = overview.missing_values(ws, "service").set_index(["table", "column"])
    assert svc.loc[("events", "wait_s"), "missing"] == 1
    assert svc.loc[("events", "wait_s"), "share"] == 0.5
