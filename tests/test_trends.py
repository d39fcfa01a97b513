"""kpi_trends: per-period KPIs and statistically meaningful change flags on generated logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prio_synth import journey_map, make_events_and_feedback

from cjwork.errors import UsageError
from cjwork.stats import adjust_pvalues, rate_ratio_test, two_proportion_test, welch_test
from cjwork.trends import CONTRACT_COLUMNS, kpi_trends, period_label


@pytest.fixture(scope="module")
def data():
    return make_events_and_feedback()


@pytest.fixture(scope="module")
def monthly(data):
    ev, fb, _ = data
    return kpi_trends(ev, fb, journey_map(), "onboarding", "month")


def test_contract_columns_and_order(monthly):
    assert list(monthly.columns[:8]) == ["journey", *CONTRACT_COLUMNS]
    assert monthly["period"].is_monotonic_increasing
    first = monthly[monthly["period"] == monthly["period"].min()]
    assert first["touchpoint"].tolist() == ["", "form", "welcome", "install", "bill", "hotline"]
    assert monthly["period_label"].iloc[0] == "2025-01"
    assert monthly["period"].nunique() == 12


def test_volumes_and_sentiment_match_plain_pandas(data, monthly):
    ev, fb, _ = data
    month = ev["timestamp"].dt.tz_convert(None).dt.to_period("M").dt.start_time
    expect = ev.groupby([month, ev["touchpoint"].astype(str)], observed=True).size()
    got = monthly[monthly["touchpoint"] != ""].set_index(["period", "touchpoint"])["volume"]
    assert got.to_dict() == {k: v for k, v in expect.to_dict().items()}
    fmonth = fb["timestamp"].dt.tz_convert(None).dt.to_period("M").dt.start_time
    s = fb.groupby(fmonth)["sentiment_score"].mean()
    hot = monthly[monthly["touchpoint"] == "hotline"].set_index("period")["sentiment"]
    assert np.allclose(hot.reindex(s.index), s)
    # NPS: % promoters - % detractors
    n = fb.groupby(fmonth)["nps"].agg(lambda x: 100 * ((x >= 9).mean() - (x <= 6).mean()))
    assert np.allclose(
        monthly[monthly["touchpoint"] == ""].set_index("period")["nps"].reindex(n.index), n
    )


def test_planted_late_change_flagged_stable_periods_not(data, monthly):
    _, _, change_at = data
    hot = monthly[monthly["touchpoint"] == "hotline"].set_index("period")
    change_period = pd.Timestamp(change_at.tz_convert(None)).to_period("M").start_time
    assert hot.loc[change_period, "significant_change"]
    assert "sentiment" in hot.loc[change_period, "changed_metrics"]
    assert "kpi_wait_s" in hot.loc[change_period, "changed_metrics"]
    assert hot.loc[change_period, "sentiment"] < hot.shift(1).loc[change_period, "sentiment"] - 0.3
    before = hot[hot.index < change_period]
    assert not before["significant_change"].any()
    # sentiment and wait stay flat after the change too
    after = hot[hot.index > change_period]
    assert not after["changed_metrics"].str.contains("sentiment|kpi_wait_s").any()
    # nothing in a stationary touchpoint's sentiment or completion is flagged
    form = monthly[monthly["touchpoint"] == "form"]
    assert not form["changed_metrics"].str.contains("completion").any()


def test_weekly_and_quarterly_periods(data):
    ev, fb, _ = data
    w = kpi_trends(ev, fb, journey_map(), "onboarding", "week")
    assert (pd.to_datetime(w["period"]).dt.day_of_week == 0).all()  # weeks start on Monday
    assert w["period_label"].str.match(r"^\d{4}-W\d{2}$").all()
    q = kpi_trends(ev, fb, journey_map(), "onboarding", "quarter")
    assert q["period_label"].unique().tolist() == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert q.loc[q.touchpoint == "form", "volume"].sum() == (ev["touchpoint"] == "form").sum()


def test_events_only_and_feedback_only(data):
    ev, fb, _ = data
    only_ev = kpi_trends(ev, None, journey_map(), "onboarding")
    assert only_ev["sentiment"].isna().all() and only_ev["volume"].notna().all()
    only_fb = kpi_trends(None, fb, journey_map(), "onboarding")
    assert only_fb["volume"].isna().all() and only_fb["sentiment"].notna().all()
    assert kpi_trends(None, None, journey_map(), "onboarding").empty


def test_min_n_suppresses_tests(data):
    ev, fb, _ = data
    t = kpi_trends(ev, fb, journey_map(), "onboarding", min_n=100_000)
    assert not t["significant_change"].any()


def test_bad_parameters(data):
    ev, fb, _ = data
    with pytest.raises(UsageError, match="period must be one of"):
        kpi_trends(ev, fb, journey_map(), "onboarding", "fortnight")
    with pytest.raises(UsageError, match="unknown journey id"):
        kpi_trends(ev, fb, journey_map(), "nope")


def test_period_labels():
    s = pd.Series(pd.to_datetime(["2025-03-01", "2024-12-30"]))
    assert period_label(s, "month").tolist() == ["2025-03", "2024-12"]
    assert period_label(s, "week").tolist() == ["2025-W09", "2025-W01"]
    assert period_label(s, "quarter").tolist() == ["2025Q1", "2024Q4"]


def test_statistics_against_scipy():
    from scipy import stats

    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 40), rng.normal(0.5, 2, 60)
    w = welch_test(a.mean(), a.var(ddof=1), 40, b.mean(), b.var(ddof=1), 60)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert w["p"].item() == pytest.approx(ref.pvalue)
    z = two_proportion_test(30, 100, 45, 100)
    assert z["diff"].item() == pytest.approx(0.15)
    assert 0.01 < z["p"].item() < 0.05
    r = rate_ratio_test(100, 10, 100, 10)
    assert r["ratio"].item() == 1 and r["p"].item() > 0.9
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.2])
    holm = adjust_pvalues(p, "holm")
    assert np.allclose(holm[[0, 2, 1, 4]], [0.04, 0.09, 0.09, 0.2]) and np.isnan(holm[3])
    bh = adjust_pvalues(p, "bh")
    assert np.allclose(bh[[0, 2, 1, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_censoring_at_the_log_edges_is_not_a_change():
    # the export stops on 5 December: cases started in the last days could not complete yet
    ev, fb, _ = make_events_and_feedback(n_customers=6000, seed=21, wait_shift=0.0)
    cut = ev[ev["timestamp"] < pd.Timestamp("2025-12-05", tz="UTC")]
    t = kpi_trends(cut, fb, journey_map(), "onboarding", "month")
    whole = t[t["touchpoint"] == ""].set_index("period")
    assert (
        whole["completion"].iloc[-1] < whole["completion"].iloc[:-2].min() - 0.1
    )  # the drop is there
    assert not whole["completion_mature"].iloc[-1]  # ... but marked as not yet mature
    assert whole["completion_mature"].iloc[:10].all()
    assert not t["changed_metrics"].str.contains("completion").any()
