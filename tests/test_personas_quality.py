"""Personas on generated companies that are not the sample (issue 18) and wide tables (17.10).

Small, fast versions of ``benchmarks/bench_personas_quality.py``: the right number of
personas and an ARI floor on a few shapes, noise columns weighted down, the plain "no
clear persona structure" verdict on data without personas, and a 10,000-column customers
table that finishes quickly with the cap message and no PerformanceWarning.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from cjwork.io.workspace import Workspace
from cjwork.personas import PersonaModel, build_features, find_personas
from cjwork.personas.features import MAX_ATTRIBUTE_COLUMNS
from cjwork.personas.selection import NO_STRUCTURE
from cjwork.personas.synthetic import COMPANIES, CompanySpec, journey_map, make_company

FAST = {"n_stability_runs": 0, "k_range": (2, 7), "k_selection_rows": 1500}


def _fit(ws, truth, **kw):
    r = find_personas(ws, random_state=0, profile=False, **FAST, **kw)
    order = r.assignments.set_index("customer_id")["persona_id"]
    labels = order.loc[truth["customer_id"].astype(str)].to_numpy()
    return r, adjusted_rand_score(truth["persona_id"], labels)


@pytest.mark.parametrize(
    "spec",
    [
        replace(COMPANIES[0], n_customers=1500),  # insurer: 5 personas, skewed premium
        CompanySpec(
            "three attribute personas, unequal",
            1200,
            (0.6, 0.3, 0.1),
            ("both", "both", "both"),
            numeric=("age", "income*", "tenure_months"),
            categorical=("segment",),
        ),
    ],
    ids=["insurer", "three-unequal"],
)
def test_right_k_and_ari_on_generated_companies(spec):
    ws, truth = make_company(spec, seed=7)
    r, ari = _fit(ws, truth)
    assert r.model.n_personas_ == len(spec.sizes), r.model.k_scores_
    assert ari >= 0.85
    assert r.model.structure_ == "personas"
    # the evidence per k is exposed: one row per k (k = 1 with the gap only)
    k = r.model.k_scores_
    assert list(k["k"]) == list(range(1, 8)) and k["chosen"].sum() == 1
    assert {"silhouette", "calinski_harabasz", "gap", "bic", "stability"} <= set(k.columns)


def test_noise_columns_are_weighted_down_and_do_not_wreck():
    spec = CompanySpec(
        "noisy",
        1500,
        (0.4, 0.35, 0.25),
        ("both", "attributes", "attributes"),
        numeric=("age", "income*"),
        categorical=("segment",),
        noise_numeric=6,
        noise_categorical=2,
        missing=0.05,
    )
    ws, truth = make_company(spec, seed=11)
    features = build_features(ws, blocks=["customers"])
    m = PersonaModel(n_personas=3, random_state=0, **FAST).fit(features)
    assert adjusted_rand_score(truth["persona_id"], m.labels_) >= 0.8
    rel = m.feature_relevance_
    noise = [c for c in rel.index if c.startswith("noise")]
    assert len(noise) == 8
    assert rel[noise].max() < 0.5 * rel[["age", "income"]].min()


def test_skewed_numbers_are_log_scaled_and_categories_balanced():
    spec = replace(COMPANIES[0], n_customers=600)
    ws, _ = make_company(spec, seed=3)
    features = build_features(ws, blocks=["customers"])
    m = PersonaModel(n_personas=3, random_state=0, **FAST).fit(features)
    assert "annual_premium" in m.log_features_ and "age" not in m.log_features_
    # a categorical's one-hot levels add up to the variance of one standardised column
    Z = m.preprocessor_.transform(features)
    seg = [i for i, n in enumerate(m.preprocessed_names_) if n.startswith("segment_")]
    assert Z[:, seg].var(axis=0).sum() == pytest.approx(1.0, rel=0.02)


def test_no_structure_gets_the_verdict():
    rng = np.random.default_rng(5)
    n = 1500
    X = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": np.exp(rng.normal(8, 0.5, n)),
            "score": rng.uniform(0, 1, n),
            "x": rng.normal(0, 1, n),
            "segment": pd.Categorical(rng.choice(list("abc"), n)),
        }
    )
    m = PersonaModel(random_state=0, **FAST).fit(X)
    assert m.structure_ == NO_STRUCTURE


def test_wide_customers_table_is_capped_quickly_without_performance_warnings():
    rng = np.random.default_rng(0)
    n, width = 300, 10_000
    data = rng.normal(size=(n, width)).astype(np.float32)
    customers = pd.DataFrame(data, columns=[f"a{i}" for i in range(width)])
    customers.insert(0, "customer_id", pd.array([f"C{i}" for i in range(n)], dtype="string"))
    ws = Workspace(path=Path("<wide>"), journeys=journey_map(), customers=customers)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = find_personas(ws, n_personas=3, random_state=0, profile=False, n_stability_runs=0)
    secs = time.perf_counter() - t0
    kinds = {type(w.message).__name__ for w in caught}
    assert "PerformanceWarning" not in kinds, kinds
    capped = [str(w.message) for w in caught if "attribute columns" in str(w.message)]
    assert capped and f"the first {MAX_ATTRIBUTE_COLUMNS}" in capped[0]
    assert "9,800" in capped[0]
    assert r.features.shape[1] == MAX_ATTRIBUTE_COLUMNS
    assert r.features.attrs["dropped"]["a9999"].startswith("beyond the first")
    assert secs < 30, secs


def test_evidence_in_cards_and_plot():
    import matplotlib.pyplot as plt

    from cjwork.plots.persona_cards import k_evidence_data, k_evidence_plot

    ws, _ = make_company(replace(COMPANIES[0], n_customers=600), seed=5)
    r = find_personas(ws, random_state=0, **FAST)
    md = r.profiles.to_markdown()
    assert "## How many personas" in md and " ✓ |" in md
    assert md.count("\n| ") == 1 + len(r.model.k_scores_[r.model.k_scores_["k"] >= 2])
    assert "No clear persona structure" not in md
    r.profiles.verdict = NO_STRUCTURE
    assert "**No clear persona structure" in r.profiles.to_markdown()
    data = k_evidence_data(r.model.k_scores_)
    assert list(data["k"]) == list(range(2, 8))
    assert data[["silhouette", "calinski_harabasz", "gap"]].max().eq(1.0).all()
    _, ax = plt.subplots()
    assert k_evidence_plot(r.model.k_scores_, ax=ax) is ax
    assert len(ax.lines) == 5  # four criteria and the chosen k
    assert ax.get_xlabel() == "number of personas k"
