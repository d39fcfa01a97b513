"""Paths around a touchpoint match a plain-pandas computation; the planted pattern is found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from journeys_synth import journey_map, make_log, ordered

import cjwork
from cjwork.cli import main
from cjwork.errors import CjworkError
from cjwork.journeys.around import (
    END,
    START,
    differential_step_matrix,
    paths_around,
    step_flows,
    step_matrix,
)
from cjwork.journeys.engine import prepare
from cjwork.journeys.sequences import (
    case_events,
    case_table,
    concat_frames,
    partition_frames,
)
from cjwork.scale.dask_engine import split_by_customer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def synth():
    log = make_log()
    prep = prepare(log, journey_map())
    ev = case_events(prep)
    cs = case_table(prep)
    prep.close()
    return log, ev, cs


def ref_around(log: pd.DataFrame, tp: str, steps: int) -> pd.DataFrame:
    """journey, step, touchpoint, cases by plain loops over the case sequences."""
    df = ordered(log)
    rows = []
    for (j, _), seq in df.groupby(["journey", "case_id"], sort=False)["touchpoint"]:
        seq = list(seq)
        if tp not in seq:
            continue
        f = seq.index(tp)
        for k in [*range(-steps, 0), *range(1, steps + 1)]:
            p = f + k
            rows.append((j, k, START if p < 0 else END if p >= len(seq) else seq[p]))
    out = pd.DataFrame(rows, columns=["journey", "step", "touchpoint"])
    return out.groupby(["journey", "step", "touchpoint"]).size().rename("cases").reset_index()


@pytest.mark.parametrize(("tp", "steps"), [("call", 3), ("web", 2), ("hotline", 4), ("mail", 1)])
def test_matches_plain_pandas(synth, tp, steps):
    log, ev, _ = synth
    before, after = paths_around(ev, tp, steps)
    got = pd.concat([before, after], ignore_index=True)
    ref = ref_around(log, tp, steps)
    key = ["journey", "step", "touchpoint"]
    merged = got.merge(ref, on=key, how="outer", suffixes=("", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["cases"] == merged["cases_ref"]).all()
    n_cases = ref[ref["step"] == 1]["cases"].sum()
    assert np.allclose(got["share"], got["cases"] / n_cases)
    # every step sums to all cases through the touchpoint
    assert (got.groupby("step")["cases"].sum() == n_cases).all()
    assert list(before.columns) == ["journey", "step", "touchpoint", "cases", "share"]
    assert before["step"].between(-steps, -1).all() and after["step"].between(1, steps).all()
    # nearest step first, then most cases
    assert before["step"].abs().is_monotonic_increasing


def test_first_visit_counts_once_with_repeats(synth):
    log, ev, _ = synth
    # "call" repeats within cases (call > call): still one anchor per case
    df = ordered(log)
    cases_with_call = df[df["touchpoint"] == "call"].groupby("case_id").ngroups
    _, after = paths_around(ev, "call", 1)
    assert after["cases"].sum() == cases_with_call
    assert after.loc[after["touchpoint"] == "call", "cases"].iloc[0] > 0  # the repeat is a step


def test_unknown_touchpoint_names_closest(synth):
    _, ev, _ = synth
    with pytest.raises(CjworkError, match="closest known: call"):
        paths_around(ev, "cal", 2, known=journey_map().touchpoint_ids)


def test_step_matrix_and_flows(synth):
    _, ev, _ = synth
    before, after = paths_around(ev, "web", 2)
    m = step_matrix(before, after, "web")
    assert list(m.columns) == [-2, -1, 0, 1, 2]
    assert m.index[0] == "web" and m.loc["web", 0] == 1.0
    assert np.allclose(m.drop(columns=0).sum(axis=0), 1.0)
    flows = step_flows(ev, "web", 2)
    assert flows["step"].between(-2, 1).all()
    n = before[before["step"] == -1]["cases"].sum()
    assert (flows.groupby("step")["cases"].sum() == n).all()
    # flows into step 1 reproduce after.csv's step 1
    into = flows[flows["step"] == 0].groupby("target")["cases"].sum()
    s1 = after[after["step"] == 1].set_index("touchpoint")["cases"]
    assert into.sort_index().equals(s1.sort_index())


def test_differential_step_matrix(synth):
    _, ev, cs = synth
    keys_a = set(cs["case_key"].iloc[::2])
    ea, eb = ev[ev["case_key"].isin(keys_a)], ev[~ev["case_key"].isin(keys_a)]
    d = differential_step_matrix(ea, eb, "web", 2)
    ma = step_matrix(*paths_around(ea, "web", 2), "web")
    mb = step_matrix(*paths_around(eb, "web", 2), "web")
    for tp in d.index:
        for s in d.columns:
            a = ma.loc[tp, s] if tp in ma.index else 0.0
            b = mb.loc[tp, s] if tp in mb.index else 0.0
            assert d.loc[tp, s] == pytest.approx(b - a)


def test_partitioned_frames_give_equal_tables(synth):
    """What --engine dask does per customer partition: concatenated frames, equal tables."""
    log, ev, cs = synth
    parts = [partition_frames(p, journey_map(), ["buy", "help"]) for p in split_by_customer(log, 3)]
    ev2, cs2 = concat_frames(parts)
    pd.testing.assert_frame_equal(ev2, ev, check_dtype=False)
    pd.testing.assert_frame_equal(cs2, cs, check_dtype=False)
    for a, b in zip(paths_around(ev2, "call", 3), paths_around(ev, "call", 3), strict=True):
        pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_events():
    ws = cjwork.load(SAMPLE)
    prep = prepare(ws.events, ws.journeys, "service")
    ev = case_events(prep)
    prep.close()
    return ws, ev


def test_planted_price_letter_then_faq(sample_events):
    """Planted: after a price-change letter, customers look it up in the FAQ."""
    _, ev = sample_events
    _, after = paths_around(ev, "price_change_letter", 2)
    first = after[after["step"] == 1].iloc[0]
    assert first["touchpoint"] == "faq" and first["share"] > 0.4
    _, after_bill = paths_around(ev, "annual_bill", 2)
    bill = after_bill[(after_bill["step"] == 1) & (after_bill["touchpoint"] == "faq")]
    assert first["share"] > 1.8 * bill["share"].sum()
    before, _ = paths_around(ev, "faq", 1)
    step1 = before[before["step"] == -1].set_index("touchpoint")["cases"]
    # of the cases reaching the FAQ right after a letter or bill, far more came from the letter
    # than its share of triggers (about 1 in 4) would give
    assert (
        step1["price_change_letter"] / (step1["price_change_letter"] + step1["annual_bill"]) > 0.4
    )


def test_cli_paths(tmp_path):
    out = tmp_path / "p"
    cmd = [sys.executable, "-m", "cjwork", "paths", str(SAMPLE), "--around", "hotline"]
    with pytest.raises(SystemExit) as exc:
        main([*cmd[3:], "--steps", "2", "-o", str(out)])
    assert exc.value.code == 0
    before = pd.read_csv(out / "before.csv")
    after = pd.read_csv(out / "after.csv")
    assert list(after.columns) == ["journey", "step", "touchpoint", "cases", "share"]
    assert set(before["step"]) == {-1, -2} and set(after["step"]) == {1, 2}
    assert (out / "flows.csv").exists()
    bad = subprocess.run([*cmd[:-1], "hotlin", "-o", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "closest known: hotline" in bad.stderr and "Traceback" not in bad.stderr


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize(
    ("language", "label", "start"),
    [
        ("en", "step (0 = web, first visit)", "(start)"),
        ("de", "Schritt (0 = web, erster Besuch)", "(Beginn)"),
    ],
)
def test_step_matrix_plot(synth, language, label, start):
    from cjwork.plots.explore import step_matrix_plot

    _, ev, _ = synth
    m = step_matrix(*paths_around(ev, "web", 2), "web")
    ax = step_matrix_plot(m, language=language)
    assert ax.images[0].get_array().shape == m.shape
    assert ax.get_xlabel() == label
    assert [t.get_text() for t in ax.get_yticklabels()][-2] == start
    assert ax.images[0].get_clim() == (0, 1)


def test_differential_plot_is_diverging(synth):
    from cjwork.plots.explore import step_matrix_plot

    _, ev, cs = synth
    keys_a = set(cs["case_key"].iloc[::2])
    d = differential_step_matrix(
        ev[ev["case_key"].isin(keys_a)], ev[~ev["case_key"].isin(keys_a)], "web", 2
    )
    ax = step_matrix_plot(d)
    lo, hi = ax.images[0].get_clim()
    assert lo == -hi and hi > 0


def test_sankey_layout_and_plot(synth):
    from cjwork.plots.explore import sankey_layout, step_sankey_plot

    _, ev, _ = synth
    flows = step_flows(ev, "call", 2)
    nodes, links = sankey_layout(flows, top=3)
    assert (nodes.groupby("step").size() <= 4).all()  # top 3 + (other)
    n = flows[flows["step"] == -2]["cases"].sum()
    assert (nodes.groupby("step")["cases"].sum() == n).all()
    assert (links.groupby("step")["cases"].sum() == n).all()
    # bands leave and enter their nodes inside the node's extent
    span = nodes.set_index(["step", "touchpoint"])
    for r in links.itertuples():
        s, t = span.loc[(r.step, r.source)], span.loc[(r.step + 1, r.target)]
        assert s["y0"] - 1e-9 <= r.sy0 <= r.sy1 <= s["y1"] + 1e-9
        assert t["y0"] - 1e-9 <= r.ty0 <= r.ty1 <= t["y1"] + 1e-9
    ax = step_sankey_plot(flows, touchpoint="call", top=3, language="de")
    assert len(ax.patches) == len(nodes) + len(links)
    assert "(Ende)" in [t.get_text() for t in ax.texts]


@pytest.mark.xdist_group("dask")
def test_dask_engine_gives_equal_tables(synth):
    """--engine dask: the frames prepared per customer partition on a cluster, equal tables."""
    pytest.importorskip("distributed")
    from scale_cluster import local_client

    from cjwork.engine import case_frames as frames

    log, ev, cs = synth
    ev2, cs2 = frames(log, journey_map(), engine="dask", scheduler=local_client(), npartitions=3)
    pd.testing.assert_frame_equal(ev2, ev, check_dtype=False)
    pd.testing.assert_frame_equal(cs2, cs, check_dtype=False)
    for a, b in zip(paths_around(ev2, "web", 2), paths_around(ev, "web", 2), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_explore_views_on_the_tiny_workspace(tiny_dir):
    """The views the notebook and report sections call: tables plus a figure, in German too."""
    from cjwork.explore import around_view, cohort_view, compare_view

    ws = cjwork.load(tiny_dir)
    view = around_view(ws, "signup_form", 2, language="de")
    assert set(view) == {"before", "after", "flows", "matrix", "figure"}
    assert len(view["figure"].axes) >= 2 and view["matrix"].index[0] == "signup_form"
    with pytest.raises(CjworkError, match="closest known: hotline"):
        around_view(ws, "hotlin")
    cmp = compare_view(ws, "completed", "yes", "no", touchpoint="signup_form", steps=1)
    assert {"table", "matrix", "figure"} <= set(cmp)
    coh = cohort_view(ws, max_months=2)
    assert coh["table"]["share"].between(0, 1).all() and coh["figure"].axes
