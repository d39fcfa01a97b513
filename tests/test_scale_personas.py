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
