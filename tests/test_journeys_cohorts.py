"""Cohorts match a plain-pandas computation; persona split and churn mode; heatmap drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from journeys_synth import make_log

import cjwork
from cjwork.errors import UsageError
from cjwork.journeys.cohorts import COHORT_COLUMNS, cohort_matrix, cohorts
from cjwork.plots.explore import cohort_heatmap_plot

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def month(ts: pd.Series) -> pd.Series:
    t = pd.to_datetime(ts, utc=True)
    return t.dt.year * 12 + t.dt.month - 1


def ref_active(log: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame({"c": log["customer_id"].astype(str), "m": month(log["timestamp"])})
    first = df.groupby("c")["m"].min()
    last = df["m"].max()
    rows = []
    for cohort, members in first.groupby(first):
        ids = set(members.index)
        for k in range(0, last - cohort + 1):
            act = df[(df["m"] == cohort + k) & df["c"].isin(ids)]["c"].nunique()
            rows.append((f"{cohort // 12:04d}-{cohort % 12 + 1:02d}", k, len(ids), act))
    return pd.DataFrame(rows, columns=["cohort", "months_since", "customers", "active"])


def test_active_matches_plain_pandas():
    log = make_log()
    got = cohorts(log)
    assert list(got.columns) == COHORT_COLUMNS
    ref = ref_active(log)
    pd.testing.assert_frame_equal(
        got[["cohort", "months_since", "customers", "active"]].reset_index(drop=True),
        ref,
        check_dtype=False,
    )
    assert (got.loc[got["months_since"] == 0, "share"] == 1.0).all()
    assert np.allclose(got["share"], got["active"] / got["customers"])


def test_retained_mode_and_groups():
    log = make_log()
    churn_tp = "mail"
    got = cohorts(log, mode="retained", churn_touchpoints=[churn_tp])
    df = pd.DataFrame(
        {
            "c": log["customer_id"].astype(str),
            "m": month(log["timestamp"]),
            "tp": log["touchpoint"].astype(str),
        }
    )
    first = df.groupby("c")["m"].min()
    churn = df[df["tp"] == churn_tp].groupby("c")["m"].min()
    for row in got.sample(15, random_state=0).itertuples():
        y, mo = map(int, row.cohort.split("-"))
        c = y * 12 + mo - 1
        ids = first[first == c].index
        still = sum(1 for i in ids if not (i in churn.index and churn[i] <= c + row.months_since))
        assert row.active == still
    # retention never rises
    for _, g in got.groupby("cohort"):
        assert g["active"].is_monotonic_decreasing
    # by group: sizes add up to the overall cohort sizes
    ids = sorted(log["customer_id"].astype(str).unique())
    personas = pd.DataFrame(
        {
            "customer_id": ids,
            "persona_name": ["Sparfüchse" if i[-1] in "02468" else "Digital" for i in ids],
        }
    )
    by = cohorts(log, groups=personas)
    assert set(by["group"]) == {"Sparfüchse", "Digital"}
    tot = by[by["months_since"] == 0].groupby("cohort")["customers"].sum()
    base = cohorts(log)
    assert (
        tot.to_dict() == base[base["months_since"] == 0].set_index("cohort")["customers"].to_dict()
    )
    with pytest.raises(UsageError, match="churn"):
        cohorts(log, mode="retained")


def test_sample_cancellations_lower_retention():
    """On the sample, retention (not cancelled) falls below 100 % and activity stays partial."""
    ws = cjwork.load(SAMPLE)
    ret = cohorts(ws.events, mode="retained", churn_touchpoints=["final_bill"], max_months=6)
    m = cohort_matrix(ret)
    assert m.shape[1] == 7 and m.iloc[0, 0] == 1.0
    assert 0.8 < m.iloc[0, 6] < 1.0  # some cancelled within six months
    act = cohorts(ws.events, max_months=3)
    assert act.loc[act["months_since"] == 1, "share"].between(0, 1).all()


@pytest.mark.parametrize("language", ["en", "de"])
def test_heatmap(language):
    log = make_log()
    table = cohorts(log, max_months=4)
    ax = cohort_heatmap_plot(table, language=language)
    m = cohort_matrix(table)
    assert ax.images[0].get_array().shape == m.shape
    label = "Monate seit Start" if language == "de" else "months since start"
    assert ax.get_xlabel() == label
