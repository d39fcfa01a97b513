"""Quality targets of the personas on the bundled sample company's planted truth.

- auto k finds the planted number of personas, ARI >= 0.90 against the planted personas;
- refits with 5 different seeds agree: mean pairwise ARI >= 0.90;
- the planted persona-specific drop-off (effects.json ``persona_dropoff``) shows up in
  the profile of the persona that matches the planted one.

The numbers are read from ``data/sample/truth``, never hard-coded.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

import cjwork
from cjwork.personas import find_personas

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def sample():
    ws = cjwork.load(SAMPLE)
    truth = pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype={"customer_id": str})
    effects = json.loads((SAMPLE / "truth" / "effects.json").read_text(encoding="utf-8"))
    return ws, truth, effects


@pytest.fixture(scope="module")
def runs(sample):
    ws, _, _ = sample
    out = {}
    for seed in SEEDS:
        out[seed] = find_personas(ws, n_personas="auto", random_state=seed, profile=seed == 0)
    return out


def _truth_for(truth: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    return (
        truth.set_index("customer_id")
        .loc[assignments["customer_id"].astype(str), "persona_id"]
        .to_numpy()
    )


def test_auto_k_finds_the_planted_personas(sample, runs):
    _, truth, _ = sample
    r = runs[0]
    planted = truth["persona_id"].nunique()
    assert r.model.n_personas_ == planted, r.model.k_scores_
    ari = adjusted_rand_score(_truth_for(truth, r.assignments), r.assignments["persona_id"])
    assert ari >= 0.90, ari
    # the evidence per k is reported and marks the chosen k
    k = r.model.k_scores_
    assert int(k.loc[k["chosen"], "k"].iloc[0]) == planted
    assert r.model.structure_ == "personas"


def test_refits_with_five_seeds_agree(sample, runs):
    _, truth, _ = sample
    labels = [runs[s].assignments["persona_id"].to_numpy() for s in SEEDS]
    pairwise = [adjusted_rand_score(a, b) for a, b in itertools.combinations(labels, 2)]
    assert np.mean(pairwise) >= 0.90, pairwise
    for s in SEEDS:
        assert adjusted_rand_score(_truth_for(truth, runs[s].assignments), labels[s]) >= 0.90
    assert runs[0].model.stability_ari_ >= 0.90


def test_planted_persona_dropoff_is_in_the_profile(sample, runs):
    _, truth, effects = sample
    eff = next(e for e in effects["effects"].values() if e.get("type") == "persona_dropoff")
    r = runs[0]
    a = r.assignments.assign(true=_truth_for(truth, r.assignments))
    found = int(a[a["true"] == eff["persona_id"]]["persona_id"].mode().iloc[0])
    row = r.profiles.summary.set_index("persona_id").loc[found]
    assert (row["dropoff_journey"], row["dropoff_stage"]) == (eff["journey"], eff["stage"])
    assert row["dropoff"] == pytest.approx(eff["observed"]["dropoff_rate"], abs=0.08)
    assert row["dropoff_rest"] == pytest.approx(eff["observed"]["dropoff_rate_others"], abs=0.05)
    card = next(c for c in r.profiles.cards if c.persona_id == found)
    assert any("Order" in p or "order" in p for p in card.pains)


def test_journey_report_numbers_show_the_planted_dropoff(sample, runs):
    from cjwork.personas.journey import persona_journey_experience
    from cjwork.reports.personas_section import notable_differences

    ws, truth, effects = sample
    eff = next(e for e in effects["effects"].values() if e.get("type") == "persona_dropoff")
    r = runs[0]
    exp = persona_journey_experience(ws, r.assignments, eff["journey"])
    assert (
        exp["personas"]["cases"].sum() == exp["stages"].query("stage_order == 0")["reached"].sum()
    )
    a = r.assignments.assign(true=_truth_for(truth, r.assignments))
    found = int(a[a["true"] == eff["persona_id"]]["persona_id"].mode().iloc[0])
    name = r.profiles.names[found]
    top = notable_differences(exp["differences"]).iloc[0]
    stage_name = next(
        s.name for s in ws.journeys.journey(eff["journey"]).stages if s.id == eff["stage"]
    )
    assert (top["persona_name"], top["stage_name"], top["measure"]) == (name, stage_name, "dropoff")
    assert top["value"] == pytest.approx(eff["observed"]["dropoff_rate"], abs=0.08)
