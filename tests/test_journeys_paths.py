"""Variants, transitions, funnel and loops against an independent plain-pandas computation."""

from __future__ import annotations

import journeys_synth as synth
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cjwork.journeys import cases as jcases
from cjwork.journeys import funnel as jfunnel
from cjwork.journeys import paths
from cjwork.journeys.engine import prepare


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return synth.make_log()


@pytest.fixture(scope="module")
def prep(log):
    p = prepare(log, synth.journey_map())
    yield p
    p.close()


def test_log_has_the_hard_cases(log):
    ordered = synth.ordered(log, dedupe=False)
    sizes = ordered.groupby("case_id").size()
    assert (sizes == 1).sum() > 20  # one-event cases
    key = ["case_id", "timestamp"]
    assert ordered.duplicated(key).sum() > 20  # timestamp ties within a case
    assert (
        ordered["touchpoint"] == ordered.groupby("case_id")["touchpoint"].shift()
    ).sum() > 10  # repeats
    assert not log["timestamp"].is_monotonic_increasing  # rows out of time order


def test_variants_equal_reference(prep, log):
    got = paths.variants(prep)
    ref = synth.ref_variants(log)
    merged = got.merge(
        ref, on=["journey", "variant"], how="outer", suffixes=("", "_ref"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["cases"] == merged["cases_ref"]).all()
    np.testing.assert_allclose(merged["share"], merged["share_ref"])
    np.testing.assert_allclose(merged["completion_rate"], merged["completion_rate_ref"])
    assert got.groupby("journey")["share"].sum().round(12).eq(1).all()
    # sorted: journeys in map order, then cases descending
    assert list(dict.fromkeys(got["journey"])) == ["buy", "help"]
    for _, g in got.groupby("journey"):
        assert g["cases"].is_monotonic_decreasing
    assert set(got["length"]) >= {1}


def test_variants_top_folds_the_rest(prep):
    full = paths.variants(prep, journey="buy")
    top = paths.variants(prep, journey="buy", top=5)
    assert len(top) == 6
    assert top["variant"].iloc[-1] == f"(other: {len(full) - 5} variants)"
    assert top["cases"].sum() == full["cases"].sum()
    assert top["share"].sum() == pytest.approx(1.0)
    assert top["completion_rate"].iloc[-1] == pytest.approx(
        (full["completion_rate"] * full["cases"]).iloc[5:].sum() / full["cases"].iloc[5:].sum()
    )


def test_transitions_equal_reference(prep, log):
    got = paths.transitions(prep)
    ref = synth.ref_transitions(log)
    merged = got.merge(
        ref, on=["journey", "source", "target"], how="outer", suffixes=("", "_ref"), indicator=True
    )
    assert (merged["_merge"] == "both").all()
    assert (merged["count"] == merged["count_ref"]).all()
    np.testing.assert_allclose(merged["median_s"], merged["median_s_ref"])
    np.testing.assert_allclose(merged["p90_s"], merged["p90_s_ref"])
    assert ((got["source"] == got["target"]) & (got["count"] > 0)).any()  # self-loops present
    np.testing.assert_allclose(got.groupby(["journey", "source"])["share_of_source"].sum(), 1.0)


def test_funnel_equal_reference(prep, log):
    got = jfunnel.funnel(prep, journey="buy")
    ref = synth.ref_funnel(log)
    assert list(got["stage"]) == ["aware", "consider", "order", "confirm"]  # map order
    assert list(got["reached"]) == list(ref["reached"])
    n = ref["reached"].iloc[0]
    np.testing.assert_allclose(got["share_of_start"], ref["reached"] / n)
    expected_drop = 1 - ref["reached"].shift(-1) / ref["reached"]
    np.testing.assert_allclose(got["dropoff"].iloc[:-1], expected_drop.iloc[:-1])
    assert np.isnan(got["dropoff"].iloc[-1])
    assert got["completion_rate"].iloc[0] == pytest.approx(ref["reached"].iloc[-1] / n)


def test_one_stage_journey_every_case_complete(prep):
    f = jfunnel.funnel(prep, journey="help")
    assert list(f["stage"]) == ["contact"]
    assert f["share_of_start"].iloc[0] == 1.0 and f["completion_rate"].iloc[0] == 1.0
    v = paths.variants(prep, journey="help")
    assert (v["completion_rate"] == 1.0).all()


def test_loops_per_touchpoint(prep, log):
    lp = paths.loops(prep)
    ordered = synth.ordered(log)
    assert list(lp.loc[lp["journey"] == "buy", "touchpoint"]) == [
        "ad",
        "portal",
        "web",
        "call",
        "form",
        "unused_shop",
        "mail",
    ]
    unused = lp[lp["touchpoint"] == "unused_shop"].iloc[0]
    assert unused["events"] == 0 and unused["cases"] == 0 and np.isnan(unused["repeat_share"])
    per = ordered.groupby(["touchpoint", "case_id"]).size()
    ref = pd.DataFrame(
        {
            "events": per.groupby(level=0).sum(),
            "cases": per.groupby(level=0).size(),
            "repeat_cases": (per >= 2).groupby(level=0).sum(),
            "cases_3plus": (per >= 3).groupby(level=0).sum(),
        }
    )
    got = lp.set_index("touchpoint").loc[ref.index]
    for c in ref.columns:
        assert (got[c].to_numpy() == ref[c].to_numpy()).all(), c
    tr = paths.transitions(prep)
    selfl = tr[tr["source"] == tr["target"]].set_index("source")["count"]
    assert (got.loc[selfl.index, "self_loops"] == selfl).all()
    assert (got["events"] == got["cases"] + got["self_loops"] + got["returns"]).all()


def test_same_answers_from_arrow_and_parquet(prep, log, tmp_path):
    ref = paths.transitions(prep)
    p1 = prepare(pa.Table.from_pandas(log, preserve_index=False), synth.journey_map())
    pd.testing.assert_frame_equal(paths.transitions(p1), ref)
    half = len(log) // 2
    f1, f2 = tmp_path / "a.parquet", tmp_path / "b.parquet"
    log.iloc[:half].to_parquet(f1)
    log.iloc[half:].to_parquet(f2)
    p2 = prepare([f1, f2], synth.journey_map())
    pd.testing.assert_frame_equal(paths.transitions(p2), ref)
    pd.testing.assert_frame_equal(paths.variants(p2), paths.variants(prep))


def test_cases_frame(prep):
    c = jcases.cases(prep, journey="buy")
    assert list(c.columns) == jcases.CASE_COLUMNS
    assert c["case_id"].is_unique
    assert (c["n_events"] == c["variant"].str.count(" > ") + 1).all()
    assert c.loc[c["complete"], "variant"].str.contains("mail").all()


PREFIX_YML = """\
journeys:
  - id: j
    stages:
      - id: s1
        touchpoints: [{id: web_form}, {id: web}, {id: webshop}, {id: a}]
      - id: s2
        touchpoints: [{id: web2}, {id: z}]
"""


def test_variant_order_is_the_string_order(monkeypatch):
    """Ids that extend other ids, and long cases equal on their first 62 events."""
    from cjwork.journeymap import parse_journey_map

    jmap = parse_journey_map(PREFIX_YML)
    ids = ["web_form", "web", "webshop", "a", "web2", "z"]
    rng = np.random.default_rng(0)
    rows = []
    for c in range(400):
        n = int(rng.integers(1, 7))
        rows += [(f"k{c}", ids[int(rng.integers(0, 6))], i) for i in range(n)]
    base = [ids[i % 6] for i in range(70)]
    for c, tail in enumerate([["a"], ["z"], ["a", "z"], [], ["a"]]):  # 70+ events each
        rows += [(f"long{c}", tp, i) for i, tp in enumerate(base + tail)]
    log = pd.DataFrame(rows, columns=["case_id", "touchpoint", "i"])
    log = log.assign(
        customer_id=log["case_id"],
        journey="j",
        timestamp=pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(log["i"], unit="min"),
    ).drop(columns="i")
    got = paths.variants(prepare(log, jmap))
    want = got.assign(_c=-got["cases"]).sort_values(["_c", "variant"], kind="mergesort")
    assert got["variant"].tolist() == want["variant"].tolist()
    long = got[got["length"] >= 70]
    assert len(long) == 4 and long["cases"].sum() == 5
    monkeypatch.setattr(paths, "_name_ranks", lambda *a: None)  # the plain string sort
    pd.testing.assert_frame_equal(paths.variants(prepare(log, jmap)), got)
