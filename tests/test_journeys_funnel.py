"""Funnel by group (Wilson intervals, chi-square, two-proportion test), timing and process KPIs."""

from __future__ import annotations

from pathlib import Path

import journeys_synth as synth
import numpy as np
import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.journeys import funnel, kpis, timing
from cjwork.journeys.engine import prepare

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def log():
    return synth.make_log()


@pytest.fixture(scope="module")
def prep(log):
    return prepare(log, synth.journey_map())


def test_wilson_interval_known_values():
    lo, hi = funnel.wilson_interval([0, 5, 10], [10, 10, 10])
    np.testing.assert_allclose(lo, [0.0, 0.236593, 0.722467], atol=1e-6)
    np.testing.assert_allclose(hi, [0.277533, 0.763407, 1.0], atol=1e-6)
    lo, hi = funnel.wilson_interval([1], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_holm():
    np.testing.assert_allclose(
        funnel.holm(np.array([0.01, 0.04, np.nan, 0.03])), [0.03, 0.06, np.nan, 0.06]
    )


def _planted(n=400, seed=1):
    """Two groups; group 'b' drops off at stage 'order' four times as often."""
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for i in range(n):
        g = "a" if i % 2 else "b"
        groups.append((f"k{i}", g))
        seq = ["ad", "web", "form"]
        if rng.random() > (0.6 if g == "b" else 0.15):
            seq.append("mail")
        for j, tp in enumerate(seq):
            rows.append(
                (
                    f"k{i}",
                    f"c{i}",
                    pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=i % 60, minutes=j),
                    "buy",
                    tp,
                    "web" if i % 3 else "phone",
                )
            )
    df = pd.DataFrame(
        rows, columns=["customer_id", "case_id", "timestamp", "journey", "touchpoint", "channel"]
    )
    return df, pd.DataFrame(groups, columns=["customer_id", "persona_id"])


def test_funnel_by_persona_finds_the_planted_dropoff():
    df, groups = _planted()
    p = prepare(df, synth.journey_map(), journeys="buy")
    fb = funnel.funnel_by(p, "persona", groups)
    order = fb[fb["stage"] == "order"].set_index("group")
    assert order.loc["b", "dropoff"] > order.loc["a", "dropoff"] + 0.3
    assert order["significant"].all() and order["p_value"].iloc[0] < 1e-6
    assert (order["dropoff_low"] <= order["dropoff"]).all() and (
        order["dropoff"] <= order["dropoff_high"]
    ).all()
    aware = fb[fb["stage"] == "aware"]
    assert not aware["significant"].any()  # nobody drops off there
    test = funnel.compare_dropoff(fb, "b", "order")
    assert test["dropoff_group"] == pytest.approx(order.loc["b", "dropoff"])
    assert test["z"] > 5 and test["p_value"] < 1e-6
    assert list(fb.columns) == funnel.GROUP_COLUMNS


def test_funnel_by_channel_and_period(prep):
    ch = funnel.funnel_by(prep, "channel", journey="buy")
    assert set(ch["group"]) == {"web", "phone"}
    per = funnel.funnel_by(prep, "period", period="month", journey="buy")
    assert per["group"].str.match(r"^2024-\d\d-01$").all()
    total = funnel.funnel(prep, journey="buy")
    first = per[per["stage_order"] == 0]
    assert first["cases"].sum() == total["reached"].iloc[0]
    with pytest.raises(UsageError):
        funnel.funnel_by(prep, "persona")
    with pytest.raises(UsageError):
        funnel.funnel_by(prep, "weather")


@pytest.mark.skipif(
    not (SAMPLE / "truth" / "customers.csv").exists(), reason="bundled sample not present"
)
def test_sample_company_persona_dropoff_at_order_is_significant():
    import json

    import cjwork

    ws = cjwork.load(SAMPLE)
    truth = pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str)
    effect = json.loads((SAMPLE / "truth" / "effects.json").read_text(encoding="utf-8"))["effects"][
        "persona_order_dropoff"
    ]
    p = prepare(ws.events, ws.journeys, effect["journey"])
    fb = funnel.funnel_by(p, "persona", truth[["customer_id", "persona_id"]])
    at = fb[fb["stage"] == effect["stage"]].set_index("group")
    planted = str(effect["persona_id"])
    assert at.loc[planted, "significant"]
    assert at["dropoff"].idxmax() == planted
    assert at.loc[planted, "dropoff"] == pytest.approx(effect["observed"]["dropoff_rate"], abs=0.02)
    test = funnel.compare_dropoff(fb, planted, effect["stage"])
    assert test["p_value"] < 1e-6 and test["difference"] > 0.2


def test_timing_against_reference(prep, log):
    t = timing.timing(prep)
    ordered = synth.ordered(log)
    buy = ordered[ordered["journey"] == "buy"]
    g = buy.groupby("case_id")["timestamp"]
    dur = (g.max() - g.min()).dt.total_seconds()
    row = t[(t["journey"] == "buy") & (t["measure"] == "case_duration")].iloc[0]
    assert (
        row["n"] == len(dur)
        and row["median"] == pytest.approx(dur.median())
        and row["p90"] == pytest.approx(dur.quantile(0.9))
    )
    first_mail = buy[buy["touchpoint"] == "mail"].groupby("case_id")["timestamp"].min()
    ttc = (first_mail - g.min().loc[first_mail.index]).dt.total_seconds()
    row = t[(t["journey"] == "buy") & (t["measure"] == "time_to_complete")].iloc[0]
    assert row["n"] == len(ttc) and row["median"] == pytest.approx(ttc.median())
    wait = t[(t["measure"] == "wait") & (t["touchpoint"] == "hotline")].iloc[0]
    ref = ordered.loc[ordered["touchpoint"] == "hotline", "wait_s"]
    assert (
        wait["unit"] == "wait_s"
        and wait["median"] == pytest.approx(ref.median())
        and wait["n"] == ref.notna().sum()
    )
    assert set(t["measure"]) == {"time_to_complete", "case_duration", "to_next", "wait"}


def test_kpis_against_targets(prep, log):
    k = kpis.kpis(prep)
    ordered = synth.ordered(log)
    call = ordered[ordered["touchpoint"] == "call"]
    row = k[(k["touchpoint"] == "call") & (k["metric"] == "wait_s")].iloc[0]
    assert row["target"] == 60 and row["better"] == "lower"
    assert row["share_within_target"] == pytest.approx((call["wait_s"] <= 60).mean())
    assert row["median"] == pytest.approx(call["wait_s"].median()) and row["n"] == len(call)
    res = k[(k["touchpoint"] == "call") & (k["metric"] == "resolved")].iloc[0]
    assert res["share_within_target"] == pytest.approx((call["resolved"] >= 0.8).mean())
    assert bool(res["on_target"]) == (call["resolved"].mean() >= 0.8)  # 0/1 metric: the rate counts
    # a metric seen without a target is listed with an empty target
    hot = k[(k["touchpoint"] == "hotline") & (k["metric"] == "resolved")]
    assert hot.empty or np.isnan(hot["target"].iloc[0])
    per = kpis.kpis(prep, period="month")
    monthly = per[(per["touchpoint"] == "call") & (per["metric"] == "wait_s")]
    assert monthly["n"].sum() == row["n"] and monthly["period"].is_monotonic_increasing


def test_kpi_target_without_data_is_listed():
    df = pd.DataFrame(
        {
            "customer_id": ["a"],
            "timestamp": pd.to_datetime(["2024-01-01"], utc=True),
            "journey": ["buy"],
            "touchpoint": ["web"],
        }
    )
    k = kpis.kpis(prepare(df, synth.journey_map()))
    row = k[(k["touchpoint"] == "call") & (k["metric"] == "wait_s")].iloc[0]
    assert row["n"] == 0 and np.isnan(row["median"]) and row["target"] == 60


def test_funnel_by_p_values_do_not_depend_on_the_order_groups_arrive_in():
    df, groups = _planted()
    groups["persona_id"] = np.where(np.arange(len(groups)) % 3 == 0, "c", groups["persona_id"])
    p = prepare(df, synth.journey_map(), journeys="buy")
    try:
        gsql, join = funnel.funnel_group_sql(p, "persona", groups, "month")
        counts = funnel.depth_counts(p, None, gsql, join)
        ref = funnel.finish_funnel_by(p, counts, "persona", None)
        for seed in range(3):
            shuffled = counts.sample(frac=1.0, random_state=seed).reset_index(drop=True)
            got = funnel.finish_funnel_by(p, shuffled, "persona", None)
            pd.testing.assert_frame_equal(got, ref, check_exact=True)
    finally:
        p.close()
