"""prepare's fast paths give the same tables as the general one.

Integer customer and case ids travel through the sort as integers, channels as small codes,
and given cases without duplicates are built in one window pass (with duplicates, the
exact two-pass build runs). Each path is checked against the plain-pandas reference.
"""

from __future__ import annotations

import journeys_synth as synth
import numpy as np
import pandas as pd
import pytest

from cjwork.journeys import cases as jcases
from cjwork.journeys import funnel as jfunnel
from cjwork.journeys import paths
from cjwork.journeys.engine import prepare


def _integer_ids(log: pd.DataFrame) -> pd.DataFrame:
    """The same log with customer and case ids as int64 (ids as their position in a sorted list)."""
    out = log.copy()
    for col in ("customer_id", "case_id"):
        values = sorted(out[col].astype(str).unique())
        out[col] = out[col].astype(str).map({v: i for i, v in enumerate(values)}).astype("int64")
    return out


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return synth.make_log(n_cases=300, seed=11)


@pytest.mark.parametrize("integer_ids", [False, True])
@pytest.mark.parametrize("with_duplicate", [False, True])
def test_fast_paths_equal_reference(log, integer_ids, with_duplicate):
    if with_duplicate:
        ref_log = log
    else:  # the same events without the duplicates (in case order: ties keep their order)
        ref_log = synth.ordered(log).drop(columns="_row")
        for c in ("journey", "touchpoint"):
            ref_log[c] = ref_log[c].astype("category")
    n_dup = len(ref_log) - len(synth.ordered(ref_log))
    assert (n_dup > 0) == with_duplicate
    given = _integer_ids(ref_log) if integer_ids else ref_log
    prep = prepare(given, synth.journey_map())
    try:
        assert prep.counts["duplicates"] == n_dup
        got_v = paths.variants(prep)
        ref_v = synth.ref_variants(ref_log)
        merged = got_v.merge(ref_v, on=["journey", "variant"], suffixes=("", "_ref"))
        assert len(merged) == len(ref_v) == len(got_v)
        assert (merged["cases"] == merged["cases_ref"]).all()
        got_t = paths.transitions(prep)
        ref_t = synth.ref_transitions(ref_log)
        merged = got_t.merge(ref_t, on=["journey", "source", "target"], suffixes=("", "_ref"))
        assert len(merged) == len(ref_t) == len(got_t)
        assert (merged["count"] == merged["count_ref"]).all()
        np.testing.assert_allclose(merged["median_s"], merged["median_s_ref"])
        got_f = jfunnel.funnel(prep, journey="buy")
        ref_f = synth.ref_funnel(ref_log)
        assert got_f["stage"].tolist() == ref_f["stage"].tolist()
        assert got_f["reached"].tolist() == ref_f["reached"].tolist()
        c = jcases.cases(prep)
        # ids come back as text, channels as their names
        assert c["customer_id"].map(type).eq(str).all()
        assert c["case_id"].map(type).eq(str).all()
        assert set(c["channel"].dropna()) <= {"phone", "web"}
        steps = prep.df("SELECT customer_id, channel FROM steps")
        assert steps["customer_id"].map(type).eq(str).all()
        assert set(steps["channel"].dropna()) == {"phone", "web"}
    finally:
        prep.close()


def test_integer_and_text_ids_give_the_same_cases(log):
    text = prepare(log, synth.journey_map())
    ints = prepare(_integer_ids(log), synth.journey_map())
    try:
        a = jcases.cases(text).drop(columns=["customer_id", "case_id"])
        b = jcases.cases(ints).drop(columns=["customer_id", "case_id"])
        key = ["journey", "variant", "n_events", "depth", "complete", "channel"]
        a = a.sort_values(key + ["start_ts"]).reset_index(drop=True)
        b = b.sort_values(key + ["start_ts"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a[sorted(a.columns)], b[sorted(b.columns)])
    finally:
        text.close()
        ints.close()


def test_derived_cases_with_integer_customers(log):
    no_case = synth.make_log(n_cases=200, seed=5, with_case_id=False)
    as_int = no_case.copy()
    values = sorted(as_int["customer_id"].astype(str).unique())
    as_int["customer_id"] = (
        as_int["customer_id"].astype(str).map({v: i for i, v in enumerate(values)})
    )
    p1, p2 = prepare(no_case, synth.journey_map()), prepare(as_int, synth.journey_map())
    try:
        pd.testing.assert_frame_equal(paths.variants(p1), paths.variants(p2))
        pd.testing.assert_frame_equal(paths.transitions(p1), paths.transitions(p2))
        c2 = jcases.cases(p2)
        assert c2["case_id"].str.fullmatch(r"\d+#\d+").all()  # derived: customer#n
    finally:
        p1.close()
        p2.close()
