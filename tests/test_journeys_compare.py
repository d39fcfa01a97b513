"""Comparing two groups matches plain pandas/scipy on a generated log; the planted difference is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from journeys_synth import BUY_STAGE, journey_map, make_log, ordered
from scipy import stats as st

import cjwork
from cjwork.cli import main
from cjwork.errors import UsageError
from cjwork.journeys.compare import (
    COMPARE_COLUMNS,
    compare_groups,
    group_labels,
    newcombe_interval,
    split_events,
)
from cjwork.journeys.engine import prepare
from cjwork.journeys.sequences import case_events, case_table, feedback_cases

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def synth():
    log = make_log()
    prep = prepare(log, journey_map())
    ev, cs = case_events(prep), case_table(prep)
    prep.close()
    ids = sorted(log["customer_id"].astype(str).unique())
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": ["Geschäft" if int(i[1:]) % 3 == 0 else "privat" for i in ids],
            "age": [20 + int(i[1:]) % 50 for i in ids],
        }
    )
    rng = np.random.default_rng(3)
    pick = ordered(log).sample(160, random_state=1)
    feedback = pd.DataFrame(
        {
            "customer_id": pick["customer_id"].astype(str).to_numpy(),
            "timestamp": (pick["timestamp"] + pd.Timedelta(hours=1)).to_numpy(),
            "journey": pick["journey"].to_numpy(),
            "touchpoint": pick["touchpoint"].to_numpy(),
            "sentiment_score": rng.uniform(-1, 1, len(pick)).round(3),
        }
    )
    labels = group_labels(cs, by="segment", a="privat", b="Geschäft", customers=customers)
    return log, ev, cs, customers, feedback, labels


def ref_case_groups(log: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    df = ordered(log)
    seg = dict(zip(customers["customer_id"], customers["segment"], strict=True))
    g = df.groupby(["journey", "case_id"], sort=False)
    out = g.agg(
        customer_id=("customer_id", "first"), start=("timestamp", "min"), end=("timestamp", "max")
    )
    out["seq"] = g["touchpoint"].agg(list)
    out["group"] = out["customer_id"].astype(str).map(seg).map({"privat": "a", "Geschäft": "b"})
    return out.reset_index()


def holm(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def z_test_p(x1, n1, x2, n2):
    p = (x1 + x2) / (n1 + n2)
    se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return 1.0 if se == 0 else 2 * st.norm.sf(abs((x2 / n2 - x1 / n1) / se))


def test_funnel_and_transitions_match(synth):
    log, ev, cs, customers, _, labels = synth
    out = compare_groups(ev, cs, labels, journey_map(), measures=["funnel", "transition"])
    assert list(out.columns) == COMPARE_COLUMNS
    ref = ref_case_groups(log, customers)
    buy = ref[ref["journey"] == "buy"]
    depth = buy["seq"].map(lambda s: max(BUY_STAGE[t] for t in s))
    f = out[(out["journey"] == "buy") & (out["measure"] == "funnel")]
    assert f["item"].tolist() == ["aware", "consider", "order", "confirm"]
    for k, row in enumerate(f.itertuples()):
        na, nb = (buy["group"] == "a").sum(), (buy["group"] == "b").sum()
        xa = (depth[buy["group"] == "a"] >= k).sum()
        xb = (depth[buy["group"] == "b"] >= k).sum()
        assert (row.a_n, row.b_n) == (na, nb)
        assert row.a_value == pytest.approx(xa / na) and row.b_value == pytest.approx(xb / nb)
        assert row.diff == pytest.approx(xb / nb - xa / na)
        assert row.p_value == pytest.approx(z_test_p(xa, na, xb, nb))
        assert row.diff_low <= row.diff <= row.diff_high
    # transitions: share of cases with the pair at least once
    t = out[out["measure"] == "transition"]
    for row in t.sample(8, random_state=0).itertuples():
        src, dst = row.item.split(" > ")
        cases = ref[ref["journey"] == row.journey]
        has = cases["seq"].map(
            lambda s, a=src, b=dst: any(x == a and y == b for x, y in zip(s, s[1:], strict=False))
        )
        assert row.a_value == pytest.approx(has[cases["group"] == "a"].mean())
        assert row.b_value == pytest.approx(has[cases["group"] == "b"].mean())
    # Holm over each measure
    for m in ("funnel", "transition"):
        sub = out[out["measure"] == m]
        assert np.allclose(sub["p_adjusted"], holm(sub["p_value"].to_numpy()))
    assert (out["significant"] == (out["p_adjusted"] < 0.05)).all()


def test_newcombe_known_value():
    # Newcombe (1998), table II example: 56/70 vs 48/80 → difference 0.2, CI 0.0524 … 0.3339
    low, high = newcombe_interval(np.array([48]), np.array([80]), np.array([56]), np.array([70]))
    assert low[0] == pytest.approx(0.0524, abs=1e-4) and high[0] == pytest.approx(0.3339, abs=1e-4)


def test_timing_medians_and_bootstrap(synth):
    log, ev, cs, customers, _, labels = synth
    out = compare_groups(ev, cs, labels, journey_map(), measures=["timing"], n_boot=200)
    ref = ref_case_groups(log, customers)
    for j in ("buy", "help"):
        row = out[(out["journey"] == j) & (out["item"] == "case duration")].iloc[0]
        r = ref[ref["journey"] == j]
        dur = (r["end"] - r["start"]).dt.total_seconds()
        a, b = dur[r["group"] == "a"], dur[r["group"] == "b"]
        assert row["a_value"] == pytest.approx(a.median()) and row["b_value"] == pytest.approx(
            b.median()
        )
        assert row["p_value"] == pytest.approx(st.mannwhitneyu(a, b).pvalue)
        assert row["diff_low"] <= row["diff_high"]
    again = compare_groups(ev, cs, labels, journey_map(), measures=["timing"], n_boot=200)
    pd.testing.assert_frame_equal(out, again)  # seeded bootstrap


def test_sentiment_matches_welch(synth):
    log, ev, cs, customers, feedback, labels = synth
    out = compare_groups(ev, cs, labels, journey_map(), feedback, measures=["sentiment"])
    assert len(out)
    ref = ref_case_groups(log, customers)
    # plain rule: latest case of the customer and journey started at or before, ended ≤ 14 days before
    rows = []
    for f in feedback.itertuples():
        c = ref[(ref["customer_id"] == f.customer_id) & (ref["journey"] == f.journey)]
        c = c[c["start"] <= f.timestamp].sort_values("start", kind="mergesort")
        if len(c) and f.timestamp <= c["end"].iloc[-1] + pd.Timedelta("14D"):
            rows.append((f.journey, f.touchpoint, c["group"].iloc[-1], f.sentiment_score))
    r = pd.DataFrame(rows, columns=["journey", "tp", "group", "s"])
    for row in out.itertuples():
        x = r[(r["journey"] == row.journey) & (r["tp"] == row.item)]
        a, b = x.loc[x["group"] == "a", "s"], x.loc[x["group"] == "b", "s"]
        assert (row.a_n, row.b_n) == (len(a), len(b))
        assert row.a_value == pytest.approx(a.mean()) and row.b_value == pytest.approx(b.mean())
        assert row.p_value == pytest.approx(st.ttest_ind(b, a, equal_var=False).pvalue)


def test_feedback_cases_keys_exact(synth):
    _, _, cs, _, feedback, _ = synth
    placed = feedback_cases(cs, feedback)
    hit = placed["case_key"].dropna()
    assert len(hit) > 120 and hit.isin(set(cs["case_key"])).all()


def test_group_kinds_and_errors(synth):
    _, ev, cs, customers, _, _ = synth
    done = group_labels(cs, by="completed", a="ja", b="nein")
    assert ((done == "a") == cs["complete"]).all()
    ch = group_labels(cs, by="channel", a="web", b="phone")
    assert set(ch.dropna()) == {"a", "b"}
    ids = customers["customer_id"]
    by_ids = group_labels(cs, by="ids", a_ids=ids[:50], b_ids=ids[50:100])
    assert (by_ids == "a").sum() > 0 and (by_ids == "b").sum() > 0
    ages = group_labels(cs, by="age", a="20", b="21", customers=customers)
    assert (ages == "a").any()
    with pytest.raises(UsageError, match="closest: segment"):
        group_labels(cs, by="segmnt", a="x", b="y", customers=customers)
    with pytest.raises(UsageError, match="values seen: Geschäft, privat"):
        group_labels(cs, by="segment", a="privat", b="gewerbe", customers=customers)
    with pytest.raises(UsageError, match="personas"):
        group_labels(cs, by="persona", a="0", b="1")
    personas = pd.DataFrame(
        {"customer_id": ids, "persona_id": [i % 2 for i in range(len(ids))], "persona_name": "x"}
    )
    per = group_labels(cs, by="persona", a="0", b="1", personas=personas)
    assert set(per.dropna()) == {"a", "b"}
    ea, eb = split_events(ev, cs, per)
    assert len(ea) + len(eb) == len(ev)


# --------------------------------------------------------------------------- the sample


def test_planted_business_drop_found():
    """Planted: business customers leave the purchase after research much more often."""
    ws = cjwork.load(SAMPLE)
    prep = prepare(ws.events, ws.journeys, "purchase")
    ev, cs = case_events(prep), case_table(prep)
    prep.close()
    labels = group_labels(cs, by="segment", a="private", b="business", customers=ws.customers)
    out = compare_groups(ev, cs, labels, ws.journeys, measures=["funnel"])
    row = out[out["item"] == "consultation"].iloc[0]
    assert row["significant"] and row["diff_high"] < -0.15
    # and it is the stage where they leave: research reach does not differ
    assert not out[out["item"] == "research"].iloc[0]["significant"]


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


def test_cli_compare(tiny_dir, tmp_path, capsys):
    out = tmp_path / "c"
    ids = tmp_path / "a.txt"
    base = ["compare", str(tiny_dir), "-o", str(out)]
    code, err = run_cli(
        [*base, "--by", "completed", "--a", "yes", "--b", "no", "--around", "signup_form"], capsys
    )
    assert code == 0, err
    table = pd.read_csv(out / "compare.csv")
    assert list(table.columns) == COMPARE_COLUMNS
    assert set(table["measure"]) >= {"funnel"}
    assert (out / "step_matrix_diff.csv").exists()
    assert set(pd.read_csv(out / "groups.csv")["group"]) == {"a", "b"}
    ids.write_text("customer_id\nC000001\n")
    code, err = run_cli([*base, "--by", "ids", "--a-ids", str(ids)], capsys)
    assert code == 2 and "--b-ids" in err


def test_bootstrap_medians_equal_plain_resampling():
    from cjwork.journeys.compare import bootstrap_medians

    x = np.random.default_rng(0).exponential(size=151)
    fast = bootstrap_medians(x, np.random.default_rng(1), 20000)
    plain = np.median(x[np.random.default_rng(2).integers(0, 151, (20000, 151))], axis=1)
    assert np.quantile(fast, [0.025, 0.5, 0.975]) == pytest.approx(
        np.quantile(plain, [0.025, 0.5, 0.975]), rel=0.03
    )
