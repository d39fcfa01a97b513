"""Root causes of a change: mix/rate contributions of groups to flagged KPI changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cjwork.changes import CHANGE_COLUMNS, change_contributions, decompose, top_contributors


def test_decompose_sums_exactly_to_the_change():
    rng = np.random.default_rng(3)
    before = pd.DataFrame({"group": rng.choice(list("abc"), 200), "value": rng.normal(0, 1, 200)})
    after = pd.DataFrame({"group": rng.choice(list("abcd"), 150), "value": rng.normal(0.5, 1, 150)})
    out = decompose(before, after)
    assert out["contribution"].sum() == pytest.approx(after.value.mean() - before.value.mean())
    d = out.set_index("group").loc["d"]
    assert d["n_before"] == 0 and d["rate"] == 0  # new group: only mix


def test_pure_mix_and_pure_rate():
    # the groups keep their means, only their shares change: all mix
    before = pd.DataFrame({"group": ["a"] * 50 + ["b"] * 50, "value": [0.0] * 50 + [1.0] * 50})
    after = pd.DataFrame({"group": ["a"] * 20 + ["b"] * 80, "value": [0.0] * 20 + [1.0] * 80})
    out = decompose(before, after).set_index("group")
    assert out["rate"].abs().max() == pytest.approx(0)
    assert out["mix"].sum() == pytest.approx(0.3)
    # same shares, group b moves: all rate, all in b
    after2 = pd.DataFrame({"group": ["a"] * 50 + ["b"] * 50, "value": [0.0] * 50 + [0.0] * 50})
    out2 = decompose(before, after2).set_index("group")
    assert out2.loc["b", "rate"] == pytest.approx(-0.5) and out2.loc["a", "contribution"] == 0


def _data(seed=0):
    rng = np.random.default_rng(seed)
    n = 1200
    month = rng.choice(["2026-08-10", "2026-09-10"], n)
    channel = rng.choice(["app", "email", "phone"], n, p=[0.4, 0.4, 0.2])
    cust = [f"C{i % 300}" for i in range(n)]
    s = rng.normal(0.3, 0.3, n)
    s[(month == "2026-09-10") & (channel == "app")] -= 0.8  # the app broke in September
    fb = pd.DataFrame(
        {
            "customer_id": cust,
            "timestamp": pd.to_datetime(month, utc=True),
            "journey": "service",
            "touchpoint": rng.choice(["hotline", "faq"], n),
            "channel": channel,
            "sentiment_score": s,
            "nps": rng.integers(0, 11, n),
        }
    )
    trends = pd.DataFrame(
        {
            "journey": "service",
            "period": ["2026-08-01", "2026-09-01"],
            "touchpoint": ["", ""],
            "sentiment": [0.3, 0.0],
            "significant_change": [False, True],
            "changed_metrics": ["", "sentiment"],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(300)], "segment": ["private", "business"] * 150}
    )
    return trends, fb, customers


def test_change_is_attributed_to_the_channel_that_moved():
    trends, fb, customers = _data()
    out = change_contributions(trends, feedback=fb, customers=customers)
    assert list(out.columns) == CHANGE_COLUMNS
    assert set(out["dimension"]) == {"channel", "segment", "touchpoint"}
    ch = out[out["dimension"] == "channel"].set_index("group")
    total = (
        fb[fb.timestamp.dt.month == 9].sentiment_score.mean()
        - fb[fb.timestamp.dt.month == 8].sentiment_score.mean()
    )
    assert ch["contribution"].sum() == pytest.approx(total)
    assert ch["share_of_change"].idxmax() == "app" and ch.loc["app", "share_of_change"] > 0.85
    top = top_contributors(out)
    assert top.set_index("dimension").loc["channel", "group"] == "app"
    # segments are unrelated: each carries about half
    seg = out[out["dimension"] == "segment"]
    assert seg["share_of_change"].between(0.3, 0.7).all()


def test_volume_change_counts_per_day_per_group():
    rng = np.random.default_rng(1)
    n_aug, n_sep = 310, 600  # 10/day in August; September adds 300 app events
    ts = pd.to_datetime(["2026-08-15"] * n_aug + ["2026-09-15"] * n_sep, utc=True)
    ch = ["web"] * n_aug + ["web"] * 300 + ["app"] * 300
    ev = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n_aug + n_sep)],
            "timestamp": ts,
            "journey": "service",
            "touchpoint": "meter",
            "channel": ch,
        }
    )
    trends = pd.DataFrame(
        {
            "journey": "service",
            "period": ["2026-08-01", "2026-09-01"],
            "touchpoint": ["meter", "meter"],
            "volume": [n_aug, n_sep],
            "significant_change": [False, True],
            "changed_metrics": ["", "volume"],
        }
    )
    out = change_contributions(trends, events=ev).set_index("group")
    assert out.loc["app", "contribution"] == pytest.approx(10.0)  # 300 events / 30 days
    assert out.loc["web", "contribution"] == pytest.approx(0.0)
    assert rng is not None


def test_no_flag_no_rows():
    trends, fb, _ = _data()
    trends["significant_change"] = False
    assert change_contributions(trends, feedback=fb).empty


def test_sample_volume_change_is_attributed_to_the_planted_app_channel():
    import json
    from pathlib import Path

    import cjwork
    from cjwork.trends import kpi_trends

    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    truth = json.loads((root / "truth" / "loop.json").read_text(encoding="utf-8"))["change"]
    ws = cjwork.load(root)
    trends = kpi_trends(ws.events, None, ws.journeys, truth["journey"])
    out = change_contributions(trends, events=ws.events)
    mine = out[
        (out["period"] == truth["period"])
        & (out["touchpoint"] == "")
        & (out["metric"] == truth["metric"])
        & (out["dimension"] == "channel")
    ]
    assert len(mine)
    top = top_contributors(mine).iloc[0]
    assert top["group"] == truth["channel"] and top["share_of_change"] > 0.6
    by_tp = out[(out["period"] == truth["period"]) & (out["dimension"] == "touchpoint")]
    assert top_contributors(by_tp).iloc[0]["group"] == truth["touchpoint"]
