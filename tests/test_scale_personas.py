"""Persona features on a Dask cluster equal the one-process features; predict per partition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import cjwork
from cjwork.personas import PersonaModel, build_features
from cjwork.scale.personas import persona_features, predict_personas, stratified_sample

pytestmark = pytest.mark.xdist_group("dask")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def client():
    from scale_cluster import local_client

    return local_client()


@pytest.fixture(scope="module")
def ws():
    return cjwork.load(SAMPLE)


def test_features_equal(ws, client):
    want = build_features(ws, sentiment="rating")
    got = persona_features(ws, sentiment="rating", scheduler=client, npartitions=4)
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert got.attrs["blocks"] == want.attrs["blocks"]


def test_stratified_sample_keeps_strata(ws):
    feats = build_features(ws, blocks=["events"], sentiment="rating")
    sample = stratified_sample(feats, size=400, random_state=0)
    assert 380 <= len(sample) <= 420
    assert sample.index.is_unique and sample.index.isin(feats.index).all()
    q = pd.qcut(feats["events"].rank(method="first"), 5, labels=False)
    share = q.loc[sample.index].value_counts(normalize=True)
    assert (share.between(0.15, 0.25)).all()
    again = stratified_sample(feats, size=400, random_state=0)
    assert again.index.equals(sample.index)


def test_predict_distributed_equals_predict(ws, client):
    feats = build_features(ws, blocks=["events"], sentiment="rating")
    model = PersonaModel(n_personas=3, random_state=0).fit(stratified_sample(feats, 600, 0))
    got = predict_personas(feats, model, scheduler=client, npartitions=3)
    np.testing.assert_array_equal(got, model.predict(feats))


def test_find_personas_dask_equals_one_process(ws, client):
    from cjwork.personas import find_personas
    from cjwork.scale.personas import find_personas_dask

    want = find_personas(ws, n_personas=3, random_state=0, blocks="all")
    got = find_personas_dask(
        ws, n_personas=3, random_state=0, blocks="all", scheduler=client, npartitions=3
    )
    # the events block came from the workers, the fit saw every customer (2,000 < sample)
    assert got.features.attrs["blocks"] == want.features.attrs["blocks"]
    assert "events" in set(got.features.attrs["blocks"].values())
    pd.testing.assert_frame_equal(got.assignments, want.assignments)
    assert got.profiles.to_markdown() == want.profiles.to_markdown()


def test_cli_personas_engine_dask(client, tmp_path):
    from click.testing import CliRunner

    from cjwork.cli import cli

    address = client.scheduler.address
    one, many = tmp_path / "duckdb", tmp_path / "dask"
    runner = CliRunner()
    r1 = runner.invoke(cli, ["personas", str(SAMPLE), "-o", str(one), "--k", "4"])
    r2 = runner.invoke(
        cli,
        ["personas", str(SAMPLE), "-o", str(many), "--k", "4", "--engine", "dask"]
        + ["--scheduler", address, "--partitions", "3"],
    )
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    assert "4 personas" in r2.output
    for name in ("personas.csv", "persona_profiles.csv", "persona_profiles.md"):
        assert (many / name).read_bytes() == (one / name).read_bytes(), name


def test_find_personas_dask_fits_on_a_sample(ws, client):
    from sklearn.metrics import adjusted_rand_score

    from cjwork.scale.personas import find_personas_dask

    got = find_personas_dask(ws, random_state=0, sample_size=600, scheduler=client)
    assert len(got.assignments) == len(ws.customers)
    assert got.model.n_features_in_ > 0 and got.model.n_personas_ == 5
    truth = pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str)
    merged = got.assignments.astype({"customer_id": str}).merge(truth, on="customer_id")
    assert len(merged) == len(ws.customers)
    assert adjusted_rand_score(merged["persona_id_y"], merged["persona_id_x"]) >= 0.9
