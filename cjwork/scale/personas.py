"""Personas at scale: features per customer partition, fit on a stratified sample, predict per partition.

1. **Features** (:func:`persona_features`): the behaviour block (events: journeys started
   and completed, depth, channel mix, recency, gaps) is the costly one; it runs per
   customer partition on the workers with the existing
   :func:`cjwork.personas.features.event_features` and one global reference time (the last
   event of the whole log), so each customer's row is the row one process computes.
   The customer-attribute and feedback blocks are one small row per customer and are built
   on the client with :func:`~cjwork.personas.features.build_features`.
2. **Fit** (:func:`fit_on_sample`): :class:`~cjwork.personas.PersonaModel` is fitted on a
   stratified sample of customers. Strata: the values of the first categorical customer
   attribute (e.g. ``segment``) crossed with the quintile of ``events`` (activity), or the
   quintile alone; every stratum is sampled in proportion to its size (at least one
   customer each), with ``random_state``. 50,000 customers per fit are plenty for
   k-means on a few dozen features.
3. **Predict** (:func:`predict_personas`): the fitted model is shipped to every worker
   once and ``predict`` runs per partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.scale.dask_engine import dask_client
from cjwork.scale.partition import customer_bucket

if TYPE_CHECKING:
    from collections.abc import Sequence

    from distributed import Client

    from cjwork.io.workspace import Workspace
    from cjwork.personas import PersonaModel, PersonaResult


def _event_part(events: pd.DataFrame, jmap, as_of) -> pd.DataFrame:
    from cjwork.personas.features import event_features

    if len(events) == 0:
        return pd.DataFrame()
    return event_features(events, jmap, as_of=as_of)


def persona_features(
    ws: Workspace,
    *,
    blocks: tuple[str, ...] | list[str] | str | None = None,
    as_of: pd.Timestamp | str | None = None,
    sentiment: str = "rating",
    enriched_feedback: pd.DataFrame | None = None,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """:func:`cjwork.personas.build_features` with the events block computed on a Dask cluster.

    Parameters
    ----------
    ws : Workspace
    blocks, as_of, sentiment
        As ``build_features`` (``sentiment="rating"`` by default: no text scoring here; pass
        ``"text"`` to score on the client).
    enriched_feedback : DataFrame, optional
        Feedback scored before (``sentiment_score`` per feedback row, in order), as
        ``build_features``.
    scheduler : str or distributed.Client, optional
    npartitions : int, optional
        Customer partitions of the event log (default: 2 per worker thread).

    Returns
    -------
    DataFrame
        The same frame as ``build_features(ws, blocks=..., as_of=..., sentiment=...)``.
    """
    from cjwork.personas.features import build_features, reference_time, resolve_blocks

    chosen = resolve_blocks(ws, blocks)
    ref = reference_time(ws, as_of)
    rest = [b for b in chosen if b != "events"]
    if "events" not in chosen:
        return build_features(
            ws, blocks=chosen, as_of=ref, sentiment=sentiment, enriched_feedback=enriched_feedback
        )
    base = (
        build_features(
            ws, blocks=rest, as_of=ref, sentiment=sentiment, enriched_feedback=enriched_feedback
        )
        if rest
        else None
    )
    with dask_client(scheduler) as client:
        n = npartitions or 2 * max(1, sum(client.nthreads().values()))
        b = customer_bucket(ws.events["customer_id"], n)
        jm = client.scatter(ws.journeys, broadcast=True, hash=False)
        futures = [
            client.submit(
                _event_part, ws.events.iloc[np.flatnonzero(b == i)], jm, ref, pure=False, retries=3
            )
            for i in range(n)
        ]
        parts = [p for p in client.gather(futures) if len(p)]
    ev = pd.concat(parts) if parts else pd.DataFrame()
    shares = sorted(c for c in ev.columns if c.startswith("channel_share_"))
    for c in shares:  # a channel absent from a partition: its customers have share 0
        ev[c] = ev[c].fillna(0.0)
    first = [c for c in ev.columns if not c.startswith("channel_share_")]
    pos = next((i for i, c in enumerate(first) if c.startswith("journey_share_")), len(first))
    ev = ev[first[:pos] + shares + first[pos:]] if shares else ev
    if base is not None:
        ids = base.index
        block_of = dict(base.attrs.get("blocks", {}))
        dropped = base.attrs.get("dropped", {})
    else:
        from cjwork.personas.features import workspace_customer_ids

        ids = pd.Index(workspace_customer_ids(ws), name="customer_id")
        block_of, dropped = {}, {}
    out = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    order = ("customers", "events", "feedback")
    for blk in order:
        if blk == "events":
            part = ev.reindex(out.index)
            for col in part.columns:
                out[col] = part[col]
                block_of[col] = "events"
        elif base is not None:
            for col in [c for c in base.columns if block_of.get(c) == blk]:
                out[col] = base[col]
    for col in ("events", "journeys_started", "journeys_completed", "feedback_count"):
        if col in out:
            out[col] = out[col].fillna(0.0)
    out.attrs["blocks"] = {c: block_of[c] for c in out.columns if c in block_of}
    out.attrs["dropped"] = dropped
    return out


def stratified_sample(
    features: pd.DataFrame, size: int = 50_000, random_state: int = 0
) -> pd.DataFrame:
    """A stratified sample of customers (rows of ``features``), proportional per stratum.

    Strata: the first categorical feature crossed with the quintile of ``events`` (when both
    exist), else whichever exists, else one stratum. Each stratum contributes
    ``round(size * share)`` customers and at least one. The row order of ``features`` is kept.
    """
    if size < 2:
        raise UsageError(f"size must be >= 2, got {size}")
    if len(features) <= size:
        return features
    keys = []
    cats = [c for c in features.columns if isinstance(features[c].dtype, pd.CategoricalDtype)]
    if cats:
        keys.append(features[cats[0]].astype("string").fillna("(none)").to_numpy(dtype=object))
    if "events" in features:
        ranks = features["events"].rank(method="first", pct=True).to_numpy()
        keys.append(np.minimum((ranks * 5).astype(int), 4).astype(str))
    stratum = (
        pd.Series(["|".join(t) for t in zip(*keys, strict=True)], index=features.index)
        if keys
        else pd.Series("all", index=features.index)
    )
    rng = np.random.default_rng(random_state)
    frac = size / len(features)
    take = []
    for _, idx in stratum.groupby(stratum, sort=True).indices.items():
        k = max(1, int(round(len(idx) * frac)))
        take.append(rng.choice(idx, size=min(k, len(idx)), replace=False))
    rows = np.sort(np.concatenate(take))
    return features.iloc[rows]


def fit_on_sample(
    features: pd.DataFrame,
    model: PersonaModel | None = None,
    size: int = 50_000,
    random_state: int = 0,
) -> PersonaModel:
    """Fit a :class:`~cjwork.personas.PersonaModel` on :func:`stratified_sample` of ``features``."""
    from cjwork.personas import PersonaModel

    model = model if model is not None else PersonaModel(random_state=random_state)
    return model.fit(stratified_sample(features, size, random_state))


def _predict_part(features: pd.DataFrame, model) -> np.ndarray:
    return np.asarray(model.predict(features))


def predict_personas(
    features: pd.DataFrame,
    model: PersonaModel,
    *,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
) -> np.ndarray:
    """``model.predict(features)`` per partition on a Dask cluster (model shipped once)."""
    with dask_client(scheduler) as client:
        n = npartitions or 2 * max(1, sum(client.nthreads().values()))
        bounds = np.linspace(0, len(features), n + 1).astype(int)
        shipped = client.scatter(model, broadcast=True, hash=False)
        futures = [
            client.submit(_predict_part, features.iloc[a:b], shipped, pure=False, retries=3)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            if b > a
        ]
        parts = client.gather(futures)
    return np.concatenate(parts) if parts else np.array([], dtype=int)


def find_personas_dask(
    ws: Workspace,
    n_personas: int | str = "auto",
    random_state: int = 0,
    *,
    blocks: str | Sequence[str] = "auto",
    language: str = "en",
    sentiment: str = "auto",
    sample_size: int = 50_000,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
    **model_params,
) -> PersonaResult:
    """:func:`cjwork.personas.find_personas` on a Dask cluster (``cjwork personas --engine dask``).

    The features' events block is computed per customer partition on the workers
    (:func:`persona_features`), the :class:`~cjwork.personas.PersonaModel` is fitted on a
    stratified sample of ``sample_size`` customers (:func:`fit_on_sample`; all customers
    when there are fewer) and every customer is assigned on the workers
    (:func:`predict_personas`). The profiles are built on the client from the
    assignments with :func:`cjwork.personas.profile_personas`. With no more customers
    than ``sample_size`` the personas are the ones of ``find_personas``.

    Parameters
    ----------
    ws : Workspace
    n_personas, random_state, blocks, language, sentiment, **model_params
        As :func:`cjwork.personas.find_personas`.
    sample_size : int
        Customers the model is fitted on.
    scheduler : str or distributed.Client, optional
        Scheduler address or a client; ``None`` starts a ``LocalCluster`` of 2 workers.
    npartitions : int, optional
        Customer partitions (default: 2 per worker thread).

    Returns
    -------
    cjwork.personas.PersonaResult
    """
    from cjwork.personas import PersonaModel, PersonaResult, profile_personas
    from cjwork.personas.features import (
        BLOCKS,
        default_blocks,
        feedback_sentiment,
        resolve_blocks,
    )

    chosen = default_blocks(ws) if blocks in (None, "auto") else resolve_blocks(ws, blocks)
    enriched = None
    if ws.feedback is not None and len(ws.feedback):
        # score once on the client, share between the features and the profiles
        enriched = pd.DataFrame({"sentiment_score": feedback_sentiment(ws, sentiment=sentiment)})
    with dask_client(scheduler) as client:
        features = persona_features(
            ws,
            blocks=[b for b in BLOCKS if b in chosen],
            sentiment=sentiment,
            enriched_feedback=enriched,
            scheduler=client,
            npartitions=npartitions,
        )
        model = PersonaModel(n_personas=n_personas, random_state=random_state, **model_params)
        fit_on_sample(features, model, size=sample_size, random_state=random_state)
        labels = predict_personas(features, model, scheduler=client, npartitions=npartitions) + 1
    assignments = pd.DataFrame(
        {
            "customer_id": pd.array(features.index.to_numpy(dtype=object), dtype="string"),
            "persona_id": labels.astype(np.int64),
        }
    )
    profiles = profile_personas(
        ws, assignments, features, language=language, enriched_feedback=enriched
    )
    names = profiles.names
    assignments["persona_name"] = pd.array([names[int(p)] for p in labels], dtype="string")
    return PersonaResult(features=features, model=model, assignments=assignments, profiles=profiles)
