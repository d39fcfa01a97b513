"""The personas' fast paths give the answers of the plain computations they replace.

At a million customers the profiles score each distinct comment once, count with
``np.bincount`` over codes, pick quotes without sorting every comment and run the journey
engine without duplicate removal. Each test compares one of them with the straightforward
computation on small generated data with the awkward cases (ties, missing values, duplicates).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import cjwork.text
from cjwork.journeys.engine import prepare
from cjwork.journeys.funnel import funnel_by
from cjwork.personas import find_personas, persona_funnels
from cjwork.personas.effects import effect_sizes
from cjwork.personas.features import text_sentiment
from cjwork.personas.lookup import Assignments
from cjwork.personas.model import _n_distinct_rows
from cjwork.personas.quotes import pick_quotes
from cjwork.personas.synthetic import make_persona_workspace

FAST = {"n_stability_runs": 2, "n_init": 2, "k_range": (2, 6)}


@pytest.fixture(scope="module")
def planted():
    ws, _ = make_persona_workspace(400, 3, seed=5)
    result = find_personas(ws, random_state=0, profile=False, **FAST)
    return ws, result.assignments


def test_text_sentiment_scores_each_distinct_text_once(monkeypatch):
    texts = [
        "Die Hotline war super freundlich!",
        "Rechnung falsch, keiner ruft zurück.",
        "Die Hotline war super freundlich!",
        "Great app, easy to use",
        "",
        None,
        "Rechnung falsch, keiner ruft zurück.",
        "Great app, easy to use",
        "   ",
    ]
    languages = ["de", None, None, "en", None, None, None, "de", "en"]
    fb = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="string"),
            "language": pd.array(languages, dtype="string"),
        }
    )
    calls: list[int] = []
    score_texts = cjwork.text.score_texts

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return score_texts(texts, **kwargs)

    monkeypatch.setattr(cjwork.text, "score_texts", counting)
    got = text_sentiment(fb)
    # 7 distinct (text, language) pairs: the repeated German text with and without the
    # language column counts twice, the blank texts once per language value
    assert calls == [7]
    every = score_texts(fb["text"].fillna(""), languages=fb["language"])["sentiment_score"]
    expected = every.to_numpy(dtype=float).copy()
    expected[[4, 5, 8]] = np.nan  # empty and missing texts carry no sentiment
    np.testing.assert_array_equal(got, expected)


def test_effect_sizes_equal_the_formulas():
    rng = np.random.default_rng(0)
    n = 500
    labels = rng.integers(1, 5, n)
    x = rng.normal(1000.0, 5.0, n) + 3.0 * labels  # large mean, small spread
    x[rng.random(n) < 0.1] = np.nan
    region = np.array(["north", "south", "east"], dtype=object)[rng.integers(0, 3, n)]
    region[rng.random(n) < 0.05] = None
    features = pd.DataFrame(
        {
            "x": x,
            "flag": rng.random(n) < 0.3,
            "region": pd.array(region, dtype="string"),
            "tier": pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b", "unused"]),
        }
    )
    e = effect_sizes(features, labels).set_index(["persona_id", "feature", "level"])
    for p in np.unique(labels):
        mine = labels == p
        for col in ("x", "flag"):
            v = features[col].astype(float).to_numpy()
            a, b = v[mine & ~np.isnan(v)], v[~mine & ~np.isnan(v)]
            pooled = np.sqrt(
                (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (len(a) + len(b) - 2)
            )
            row = e.loc[(p, col, "")]
            assert row["value"] == pytest.approx(a.mean(), rel=1e-12)
            assert row["rest_value"] == pytest.approx(b.mean(), rel=1e-12)
            assert row["effect"] == pytest.approx((a.mean() - b.mean()) / pooled, rel=1e-9)
        for col in ("region", "tier"):
            level = features[col].astype("string").fillna("(missing)").to_numpy(dtype=object)
            for lv in np.unique(level):
                p1, p2 = (level[mine] == lv).mean(), (level[~mine] == lv).mean()
                row = e.loc[(p, col, lv)]
                assert row["effect"] == pytest.approx(
                    2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))
                )
    # only levels that occur, sorted; missing values are their own level
    assert sorted(e.loc[1].loc["region"].index) == ["(missing)", "east", "north", "south"]
    assert "unused" not in e.loc[1].loc["tier"].index


def _quotes_reference(frame: pd.DataFrame, n_quotes: int) -> pd.DataFrame:
    """The plain way: per persona, sort every comment by id, then by the criteria."""
    f = frame[frame["text"].notna() & frame["persona_id"].notna()].copy()
    f["persona_id"] = f["persona_id"].astype(int)
    length = f["text"].str.len()
    f = f[(length >= 15) & (length <= 280)]
    picks = []
    for _, g in f.groupby("persona_id", sort=True):
        g = g.sort_values("feedback_id", kind="mergesort")
        s = g["sentiment"]
        chosen: list[int] = []
        if s.notna().any():
            typical = (s - s.mean()).abs().sort_values(kind="mergesort").index
            neg = s.sort_values(kind="mergesort").index
            pos = s.sort_values(ascending=False, kind="mergesort").index
            for idx in (typical[0], neg[0], pos[0], *typical[1:]):
                if idx not in chosen:
                    chosen.append(idx)
                if len(chosen) >= n_quotes:
                    break
        else:
            chosen = list(g.index[:n_quotes])
        picks.append(g.loc[chosen])
    return pd.concat(picks)


def test_quotes_equal_sorting_every_comment():
    rng = np.random.default_rng(1)
    n = 3000
    # few distinct scores: many ties, broken by feedback_id (string order: "F10" < "F9")
    sentiment = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0, np.nan], n)
    sentiment[rng.integers(0, 4, n) == 0] = np.nan
    words = np.array(["short", "a comment of a fitting length", "x" * 300], dtype=object)
    text = words[rng.choice(3, n, p=[0.1, 0.8, 0.1])]
    text[rng.random(n) < 0.05] = None
    ids = np.array([f"F{i}" for i in rng.permutation(n)], dtype=object)
    customers = np.array([f"C{i}" for i in rng.integers(0, 400, n)], dtype=object)
    fb = pd.DataFrame(
        {
            "feedback_id": pd.array(ids, dtype="string"),
            "customer_id": pd.array(customers, dtype="string"),
            "text": pd.array(text, dtype="string"),
        }
    )
    # persona 4 has comments but no sentiment at all: its first comments by id are quoted
    persona_of = {f"C{i}": (i % 4) + 1 for i in range(400)}
    pid = np.array([persona_of[c] for c in customers])
    sentiment[pid == 4] = np.nan
    assign = Assignments(
        pd.DataFrame({"customer_id": list(persona_of), "persona_id": list(persona_of.values())})
    )
    got = pick_quotes(fb, assign.persona_of(fb["customer_id"]), sentiment, 3, [])
    ref = _quotes_reference(
        pd.DataFrame(
            {
                "persona_id": pid,
                "feedback_id": ids,
                "text": text,
                "sentiment": sentiment,
            }
        ),
        3,
    )
    assert list(got["feedback_id"]) == list(ref["feedback_id"])
    assert list(got["persona_id"]) == list(ref["persona_id"])
    np.testing.assert_array_equal(got["sentiment"], ref["sentiment"].to_numpy(dtype=float))
    assert sorted(set(got["persona_id"])) == [1, 2, 3, 4] and len(got) == 12


@pytest.mark.parametrize("case_ids", ["given", "derived", "mixed"])
def test_persona_funnels_equal_the_engine_with_duplicate_removal(planted, case_ids):
    ws, assignments = planted
    ev = ws.events
    ev = pd.concat([ev, ev.iloc[::5]], ignore_index=True)  # exported twice: duplicates
    if case_ids == "derived":
        ev = ev.drop(columns="case_id")
    elif case_ids == "mixed":
        ev = ev.assign(case_id=ev["case_id"].where(np.arange(len(ev)) % 2 == 0))
    ws = dataclasses.replace(ws, events=ev)
    got = persona_funnels(ws, assignments)  # its own engine run: case columns, no dedupe
    prep = prepare(ws.events, ws.journeys)  # the engine's defaults, duplicates removed
    assert prep.counts["duplicates"] > 0
    try:
        groups = pd.DataFrame(
            {
                "customer_id": assignments["customer_id"].astype("string"),
                "persona_id": assignments["persona_id"].astype("string"),
            }
        )
        ref = funnel_by(prep, "persona", groups)
    finally:
        prep.close()
    ref = ref[ref["group"] != "(unknown)"]
    cols = ["journey", "group", "stage", "cases", "reached", "dropoff"]
    key = ["journey", "group", "stage"]
    pd.testing.assert_frame_equal(
        got[cols].sort_values(key).reset_index(drop=True),
        ref[cols].sort_values(key).reset_index(drop=True),
    )


def test_distinct_rows_by_hashing():
    Z = np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 2.0], [1.0 + 1e-12, 2.0], [3.0, 1.0]])
    assert _n_distinct_rows(Z) == 3 == len(np.unique(np.round(Z, 9), axis=0))
    assert _n_distinct_rows(np.empty((0, 2))) == 0


def test_persona_funnels_take_float_ids_read_back_from_a_csv(planted):
    ws, assignments = planted
    ints = persona_funnels(ws, assignments)
    floats = assignments.assign(persona_id=assignments["persona_id"].astype(float))
    floats.loc[floats.index[0], "persona_id"] = np.nan  # a customer without a persona
    got = persona_funnels(ws, floats)
    assert got["persona_id"].dtype.kind == "i"
    assert set(got["persona_id"]) == set(ints["persona_id"])
    # the customer left out changes its own persona's counts only
    merged = got.merge(ints, on=["journey", "persona_id", "stage"], suffixes=("", "_all"))
    assert len(merged) == len(ints)
    changed = merged[merged["cases_all"] != merged["cases"]]
    assert (changed["cases_all"] > changed["cases"]).all()
    assert set(changed["persona_id"]) <= {int(assignments["persona_id"].iloc[0])}


def test_persona_funnels_reject_fractional_ids(planted):
    from cjwork.errors import UsageError

    ws, assignments = planted
    bad = assignments.assign(persona_id=assignments["persona_id"].astype(float))
    bad.loc[bad.index[3], "persona_id"] = 1.5
    with pytest.raises(UsageError, match=r"persona_id must be whole numbers; row 3 has 1\.5"):
        persona_funnels(ws, bad)
