"""What-if beside the quick wins: the expected change per quick win if its KPI met target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.journeymap import parse_journey_map
from cjwork.loop.whatif import QUICK_WIN_WHATIF_COLUMNS, WHATIF_COLUMNS, quick_win_whatif

MAP = """
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
            channel: phone
            owner: Call Centre
            kpis:
              wait_s: {target: 120, better: lower, unit: s, name: {de: Wartezeit, en: Waiting time}}
              handle_s: {target: 600, better: lower, unit: s}
          - id: chat
            name: Chat
            channel: chat
            owner: Call Centre
            kpis:
              wait_s: {target: 30, better: lower, unit: s}
          - {id: bill, name: Bill, channel: letter, owner: Billing}
"""


def _whatif() -> pd.DataFrame:
    rows = [
        ("hotline", "wait_s", 120.0, 0.62, 0.26, 0.19, 0.33, 15.2, 3.1, 27.4),
        ("hotline", "handle_s", 600.0, 0.10, 0.02, -0.01, 0.05, np.nan, np.nan, np.nan),
    ]
    out = pd.DataFrame(
        [
            {
                "journey": "service",
                "touchpoint": tp,
                "metric": m,
                "target": t,
                "better": "lower",
                "share_outside_target": p,
                "n_within": 40,
                "n_outside": 30,
                "sentiment_now": -0.1,
                "sentiment_change": s,
                "sentiment_change_low": sl,
                "sentiment_change_high": sh,
                "nps_now": -5.0,
                "nps_change": n,
                "nps_change_low": nl,
                "nps_change_high": nh,
            }
            for tp, m, t, p, s, sl, sh, n, nl, nh in rows
        ]
    )
    assert list(out.columns) == WHATIF_COLUMNS
    return out


QUICK_WINS = pd.DataFrame(
    {
        "owner": ["Billing", "Call Centre", "Call Centre"],
        "journey": "service",
        "touchpoint": ["bill", "hotline", "chat"],
        "importance": [3.0, 2.0, 1.0],
    },
    index=[5, 7, 9],
)


def test_each_quick_win_gets_its_best_kpi_or_a_reason():
    jm = parse_journey_map(MAP)
    out = quick_win_whatif(QUICK_WINS, _whatif(), jm)
    assert list(out.columns) == QUICK_WIN_WHATIF_COLUMNS
    assert list(out.index) == [5, 7, 9] and list(out["touchpoint"]) == ["bill", "hotline", "chat"]
    hot = out.loc[7]
    # the KPI with the largest expected sentiment change, numbers as in whatif.csv
    assert hot["metric"] == "wait_s" and hot["kpi"] == "Waiting time" and hot["reason"] == ""
    assert hot["sentiment_change"] == pytest.approx(0.26)
    assert (hot["nps_change_low"], hot["nps_change_high"]) == (3.1, 27.4)
    assert hot["whatif_sentiment"] == "+0.26 [+0.19, +0.33]"
    assert hot["whatif_nps"] == "+15 points [+3, +27]"
    assert hot["whatif_note"] == (
        "if Waiting time met its target ≤ 120 s (62% of events miss it now); "
        "1 more KPI(s) in whatif.csv"
    )
    # no KPI target at the bill; the chat has one, but no what-if (too few comments)
    bill, chat = out.loc[5], out.loc[9]
    assert bill["reason"] == "no_kpi_target" and np.isnan(bill["sentiment_change"])
    assert bill["whatif_note"] == "no KPI with a target at this touchpoint"
    assert bill["whatif_sentiment"] == "" and bill["metric"] == ""
    assert chat["reason"] == "too_few_comments" and np.isnan(chat["nps_change"])
    assert chat["metric"] == "wait_s" and chat["target"] == 30


def test_german_values_and_no_nps():
    jm = parse_journey_map(MAP)
    wi = _whatif()
    wi.loc[0, ["nps_change", "nps_change_low", "nps_change_high"]] = np.nan
    out = quick_win_whatif(QUICK_WINS, wi, jm, language="de")
    hot = out.loc[7]
    assert hot["kpi"] == "Wartezeit"
    assert hot["whatif_sentiment"] == "+0,26 [+0,19; +0,33]"
    assert hot["whatif_nps"] == "keine NPS-Antworten"
    assert hot["whatif_note"].startswith("wenn Wartezeit das Ziel ≤ 120 s erreichte")
    assert "62 %" in hot["whatif_note"]
    assert out.loc[5, "whatif_note"] == "kein KPI mit Ziel an diesem Touchpoint"


def test_without_map_prioritize_table_and_bad_input():
    # a prioritize_touchpoints table: only its quick wins; without a map no target is known
    table = QUICK_WINS.assign(quick_win=[False, True, True])
    out = quick_win_whatif(table, _whatif())
    assert list(out["touchpoint"]) == ["hotline", "chat"]
    assert out.loc[9, "reason"] == "no_kpi_target" and out.loc[7, "kpi"] == "wait_s"
    assert quick_win_whatif(QUICK_WINS.iloc[:0], _whatif()).columns.tolist() == (
        QUICK_WIN_WHATIF_COLUMNS
    )
    with pytest.raises(UsageError, match="touchpoint"):
        quick_win_whatif(QUICK_WINS.drop(columns="touchpoint"), _whatif())
    with pytest.raises(UsageError, match="what-if columns"):
        quick_win_whatif(QUICK_WINS, _whatif().drop(columns="nps_change"))
    with pytest.raises(UsageError, match="language"):
        quick_win_whatif(QUICK_WINS, _whatif(), language="fr")


def test_sample_hotline_quick_win_carries_the_measured_whatif():
    """On the sample, each quick win's what-if is whatif.csv's row for its touchpoint."""
    from pathlib import Path

    import cjwork
    from cjwork.loop.whatif import what_if
    from cjwork.text import enrich_feedback

    ws = cjwork.load(Path(__file__).resolve().parents[1] / "data" / "sample")
    fb = enrich_feedback(ws)
    wi = what_if(fb, ws.events, ws.journeys)
    kpi_tps = ws.journeys.kpis_frame()
    qw = pd.DataFrame(
        {
            "owner": "x",
            "journey": list(kpi_tps["journey"]) + ["onboarding"],
            "touchpoint": list(kpi_tps["touchpoint"]) + ["first_bill"],
        }
    ).drop_duplicates(["journey", "touchpoint"], ignore_index=True)
    out = quick_win_whatif(qw, wi, ws.journeys)
    have = out[out["reason"] == ""]
    assert len(have) == len(wi.drop_duplicates(["journey", "touchpoint"]))
    for _, r in have.iterrows():
        w = wi[(wi["touchpoint"] == r["touchpoint"]) & (wi["metric"] == r["metric"])].iloc[0]
        assert r["sentiment_change"] == w["sentiment_change"]
        assert (
            w["sentiment_change"]
            == wi.loc[wi["touchpoint"] == r["touchpoint"], "sentiment_change"].max()
        )
    assert out.set_index("touchpoint").loc["first_bill", "reason"] == "no_kpi_target"
    assert set(out["reason"]) <= {"", "no_kpi_target", "too_few_comments"}
