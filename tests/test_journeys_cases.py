"""Case derivation, ordering, duplicates and the edge cases of the event log, as documented."""

from __future__ import annotations

import journeys_synth as synth
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cjwork.errors import DataError, UsageError
from cjwork.journeys import casebuild, paths
from cjwork.journeys import cases as jcases
from cjwork.journeys import funnel as jfunnel
from cjwork.journeys.engine import prepare

T0 = pd.Timestamp("2024-03-01 08:00", tz="UTC")


def ev(rows, case_id=None) -> pd.DataFrame:
    """rows: (customer, minutes after T0, journey, touchpoint)."""
    df = pd.DataFrame(rows, columns=["customer_id", "minutes", "journey", "touchpoint"])
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("minutes"), unit="min")
    if case_id is not None:
        df["case_id"] = pd.array(case_id, dtype="string")
    for c in ("journey", "touchpoint"):
        df[c] = df[c].astype("category")
    return df


def variants_of(df, **kw) -> list[tuple[str, int]]:
    p = prepare(df, synth.journey_map(), **kw)
    v = paths.variants(p)
    return sorted(zip(v["variant"], v["cases"], strict=True))


def test_derived_cases_split_on_first_stage_return_and_gap():
    df = ev(
        [
            ("a", 0, "buy", "ad"),
            ("a", 1, "buy", "portal"),  # consecutive first-stage events: same case
            ("a", 2, "buy", "web"),
            ("a", 3, "buy", "ad"),  # first stage after a later stage: new case
            ("a", 4, "buy", "web"),
            ("a", 60 * 24 * 40, "buy", "web"),  # 40 days later: new case
            ("b", 0, "buy", "web"),  # one-event customer
        ]
    )
    assert variants_of(df) == [("ad > portal > web", 1), ("ad > web", 1), ("web", 2)]
    # a longer gap setting keeps the late event in the second case
    assert variants_of(df, case_gap="60D") == [
        ("ad > portal > web", 1),
        ("ad > web > web", 1),
        ("web", 1),
    ]
    c = jcases.cases(prepare(df, synth.journey_map()))
    assert sorted(c["case_id"]) == ["a#1", "a#2", "a#3", "b#1"]


def test_given_case_ids_are_taken_as_given_and_empty_ones_derived():
    df = ev(
        [
            ("a", 0, "buy", "ad"),
            ("a", 1, "buy", "web"),
            ("a", 2, "buy", "ad"),
            ("a", 3, "buy", "mail"),
            ("b", 0, "buy", "web"),
        ],
        case_id=["x1", "x1", "x1", "x1", None],
    )
    assert variants_of(df) == [("ad > web > ad > mail", 1), ("web", 1)]
    c = jcases.cases(prepare(df, synth.journey_map()))
    assert sorted(c["case_id"]) == ["b#1", "x1"]
    assert c.set_index("case_id").loc["x1", "complete"]


def test_ties_keep_file_order_and_rows_out_of_order_are_sorted():
    # file order: web(t=5), call(t=5), ad(t=0): ad first by time; the tie keeps web before call
    df = ev(
        [("a", 5, "buy", "web"), ("a", 5, "buy", "call"), ("a", 0, "buy", "ad")],
        case_id=["c", "c", "c"],
    )
    assert variants_of(df) == [("ad > web > call", 1)]
    swapped = df.iloc[[1, 0, 2]].reset_index(drop=True)
    assert variants_of(swapped) == [("ad > call > web", 1)]


def test_duplicates_dropped_by_default_and_reported():
    df = ev(
        [("a", 0, "buy", "web"), ("a", 0, "buy", "web"), ("a", 1, "buy", "call")], case_id=["c"] * 3
    )
    p = prepare(df, synth.journey_map())
    assert p.counts["duplicates"] == 1 and any("duplicate" in n for n in p.notes)
    assert paths.variants(p)["variant"].tolist() == ["web > call"]
    kept = prepare(df, synth.journey_map(), dedupe=False)
    tr = paths.transitions(kept)
    loop = tr[(tr["source"] == "web") & (tr["target"] == "web")].iloc[0]
    assert loop["count"] == 1 and loop["median_s"] == 0.0


def test_foreign_touchpoints_are_left_out_and_counted():
    df = ev(
        [("a", 0, "buy", "web"), ("a", 1, "buy", "hotline"), ("a", 2, "buy", "mail")],
        case_id=["c"] * 3,
    )
    p = prepare(df, synth.journey_map())
    assert p.counts["foreign"] == 1 and any("does not belong" in n for n in p.notes)
    assert paths.variants(p)["variant"].tolist() == ["web > mail"]


def test_journey_without_events_is_noted_and_all_empty_is_an_error():
    df = ev([("a", 0, "buy", "web")], case_id=["c"])
    p = prepare(df, synth.journey_map())
    assert any("'help' has no events" in n for n in p.notes)
    f = jfunnel.funnel(p, journey="help")
    assert f["reached"].tolist() == [0]
    with pytest.raises(DataError, match="no events"):
        prepare(df, synth.journey_map(), journeys=["help"])


def test_bad_input_is_a_clear_error():
    jm = synth.journey_map()
    with pytest.raises(DataError, match="empty"):
        prepare(ev([]), jm)
    with pytest.raises(DataError, match="touchpoint"):
        prepare(ev([("a", 0, "buy", "web")]).drop(columns="touchpoint"), jm)
    with pytest.raises(UsageError, match="closest known: buy"):
        prepare(ev([("a", 0, "buy", "web")]), jm, journeys=["bux"])


def test_long_cases_beyond_the_packed_words_are_exact():
    tps = ["web", "call"] * 60 + ["form", "mail"]
    df = ev([("a", i, "buy", t) for i, t in enumerate(tps)], case_id=["long"] * len(tps))
    short = ev([("b", 0, "buy", "web"), ("b", 1, "buy", "mail")], case_id=["s", "s"])
    p = prepare(pd.concat([df, short], ignore_index=True), synth.journey_map())
    v = paths.variants(p).set_index("variant")
    assert " > ".join(tps) in v.index and v.loc[" > ".join(tps), "length"] == len(tps)
    assert "web > mail" in v.index
    c = jcases.cases(p).set_index("case_id")
    assert c.loc["long", "variant"] == " > ".join(tps)


def test_arrow_and_string_timestamps_give_the_same_cases():
    log = synth.make_log(n_cases=60, seed=3)
    ref = paths.variants(prepare(log, synth.journey_map()))
    arrow = paths.variants(
        prepare(pa.Table.from_pandas(log, preserve_index=False), synth.journey_map())
    )
    pd.testing.assert_frame_equal(arrow, ref)
    naive = log.assign(timestamp=log["timestamp"].dt.tz_localize(None))
    pd.testing.assert_frame_equal(paths.variants(prepare(naive, synth.journey_map())), ref)


def test_hash_collision_fallback_gives_the_same_tables(monkeypatch):
    log = synth.make_log(n_cases=80, seed=5, with_case_id=False)
    ref = paths.variants(prepare(log, synth.journey_map()))
    real = casebuild.build_cases
    calls = {"n": 0}

    def clash_once(con, **kw):  # pretend the first build found two cases sharing a hash
        calls["n"] += 1
        ok = real(con, **kw)
        return ok and calls["n"] > 1

    monkeypatch.setattr(casebuild, "build_cases", clash_once)
    got = paths.variants(prepare(log, synth.journey_map()))
    assert calls["n"] == 2
    pd.testing.assert_frame_equal(got, ref)
    assert np.isclose(got["share"].sum(), 2.0)  # two journeys, each summing to 1
