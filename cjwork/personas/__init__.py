"""Personas: customer features, :class:`PersonaModel` (an estimator), profiles and names.

>>> from cjwork.personas import find_personas             # doctest: +SKIP
>>> result = find_personas(ws, n_personas="auto", random_state=0)  # doctest: +SKIP
>>> result.assignments.head()                             # doctest: +SKIP
>>> print(result.profiles.to_markdown())                  # doctest: +SKIP

One computation serves the command line (``cjwork personas``), the notebook
(``notebooks/personas.ipynb``) and the journey report: :func:`find_personas` builds the
features, fits the model, names and profiles the personas and returns all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.personas.cards import PersonaCard
from cjwork.personas.features import FEATURES, build_features, describe_features
from cjwork.personas.funnels import persona_funnels
from cjwork.personas.model import PersonaModel, PersonaParameterError
from cjwork.personas.profiles import PersonaProfiles, profile_personas

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace

__all__ = [
    "FEATURES",
    "PersonaCard",
    "PersonaModel",
    "PersonaParameterError",
    "PersonaProfiles",
    "PersonaResult",
    "assign_personas",
    "build_features",
    "check_params",
    "describe_features",
    "find_personas",
    "persona_funnels",
    "profile_personas",
]


@dataclass
class PersonaResult:
    """Everything :func:`find_personas` computed.

    Attributes
    ----------
    features : DataFrame
        One row per customer (index ``customer_id``).
    model : PersonaModel
        The fitted model (``k_scores_``, ``stability_ari_``, ...).
    assignments : DataFrame
        ``customer_id``, ``persona_id`` (1 … k, 1 = largest persona), ``persona_name``.
    profiles : PersonaProfiles or None
        ``None`` when :func:`find_personas` ran with ``profile=False``.
    """

    features: pd.DataFrame
    model: PersonaModel
    assignments: pd.DataFrame
    profiles: PersonaProfiles | None


def find_personas(
    ws: Workspace,
    n_personas: int | str = "auto",
    random_state: int = 0,
    *,
    blocks: str | Sequence[str] | None = "auto",
    language: str = "en",
    sentiment: str = "auto",
    profile: bool = True,
    enriched_feedback: pd.DataFrame | None = None,
    **model_params,
) -> PersonaResult:
    """Features → PersonaModel → names and profiles, in one call.

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (:func:`cjwork.load`).
    n_personas : "auto" or int
        Number of personas, or ``"auto"`` to choose it (see :class:`PersonaModel`).
    random_state : int
        Seed for every random step.
    blocks : "auto", "all" or sequence of str
        Feature blocks the personas are found in (``customers``, ``events``,
        ``feedback``). ``"auto"`` (default; ``None`` means the same): the customer
        attributes when customers.csv has any, otherwise every block present. Behaviour and voice always go into the
        *profiles*; segmenting on them too is possible (``blocks="all"``) but makes
        "persona X drops off more" partly true by construction, and their noise blurs the
        personas (see the README).
    language : {"en", "de"}
        Language of persona names and cards.
    sentiment : {"auto", "text", "rating"}
        Source of feedback sentiment (see :func:`build_features`).
    profile : bool
        Also build the profiles (names need them; without, names are "Persona N").
    enriched_feedback : DataFrame, optional
        :func:`cjwork.text.enrich_feedback` output to take the sentiment from (e.g. shared
        by a report batch); otherwise the texts are scored once here (no linking needed).
    **model_params
        Further :class:`PersonaModel` parameters (``method``, ``k_range``, ``selection``,
        ``max_fit_rows``, ``n_stability_runs``, ...).

    Returns
    -------
    PersonaResult
    """
    from cjwork.personas.features import (
        BLOCKS,
        default_blocks,
        engine_events,
        feedback_sentiment,
        release_memory,
        resolve_blocks,
    )

    chosen = default_blocks(ws) if blocks in (None, "auto") else resolve_blocks(ws, blocks)
    prep = None
    enriched = None
    try:
        release_memory()
        if enriched_feedback is not None:
            enriched = enriched_feedback
        elif ws.feedback is not None and len(ws.feedback) and ("feedback" in chosen or profile):
            # score once, share between the features and the profiles; first, so that the
            # scorer's working memory is freed before the journey engine holds the events
            enriched = pd.DataFrame(
                {"sentiment_score": feedback_sentiment(ws, sentiment=sentiment)}
            )
        release_memory()
        if ws.events is not None and len(ws.events) and "events" in chosen:
            from cjwork.journeys.engine import prepare

            # one engine for the behaviour features and the profiles' funnels; without the
            # events block the profiles prepare (and close) their own, only for the funnels
            prep = prepare(engine_events(ws.events), ws.journeys)
        features = build_features(
            ws,
            blocks=[b for b in BLOCKS if b in chosen],
            sentiment=sentiment,
            enriched_feedback=enriched,
            prep=prep,
        )
        model = PersonaModel(n_personas=n_personas, random_state=random_state, **model_params)
        labels = model.fit_predict(features) + 1
        assignments = pd.DataFrame(
            {
                "customer_id": pd.array(features.index.to_numpy(dtype=object), dtype="string"),
                "persona_id": labels.astype(np.int64),
            }
        )
        if profile:
            release_memory()
            profiles = profile_personas(
                ws, assignments, features, language=language, prep=prep, enriched_feedback=enriched
            )
            names = profiles.names
            if n_personas == "auto":
                profiles.evidence = model.k_scores_
                profiles.verdict = getattr(model, "structure_", "")
        else:
            profiles = None
            names = {int(p): f"Persona {p}" for p in np.unique(labels)}
        assignments["persona_name"] = pd.array([names[int(p)] for p in labels], dtype="string")
    finally:
        if prep is not None:
            prep.close()
    return PersonaResult(features=features, model=model, assignments=assignments, profiles=profiles)


def check_params(
    n_personas: int | str = "auto",
    blocks: str | Sequence[str] = "auto",
    random_state: int = 0,
    language: str = "en",
) -> dict:
    """Validate the personas notebook's parameters; returns them normalised for :func:`find_personas`.

    Raises
    ------
    UsageError
        Naming the parameter and the value received.
    """
    from cjwork.errors import UsageError
    from cjwork.personas.features import BLOCKS

    if isinstance(n_personas, str) and n_personas.strip().isdigit():
        n_personas = int(n_personas)
    if not (
        n_personas == "auto"
        or (isinstance(n_personas, int) and not isinstance(n_personas, bool) and n_personas >= 2)
    ):
        raise UsageError(f"n_personas must be 'auto' or an int >= 2, got {n_personas!r}")
    if isinstance(blocks, str) and blocks not in ("auto", "all"):
        blocks = [b.strip() for b in blocks.split(",") if b.strip()]
    if not isinstance(blocks, str):
        unknown = [b for b in blocks if b not in BLOCKS]
        if unknown or not blocks:
            raise UsageError(
                f"blocks must be 'auto', 'all' or a list of {', '.join(BLOCKS)}, got {blocks!r}"
            )
    if not isinstance(random_state, int) or isinstance(random_state, bool):
        raise UsageError(f"seed must be an int, got {random_state!r}")
    if language not in ("en", "de"):
        raise UsageError(f"language must be 'en' or 'de', got {language!r}")
    return {
        "n_personas": n_personas,
        "blocks": blocks,
        "random_state": random_state,
        "language": language,
    }


def assign_personas(
    ws: Workspace, n_personas: int | str = "auto", random_state: int = 0, **kwargs
) -> pd.DataFrame:
    """Find personas in a workspace and return one row per customer.

    Parameters
    ----------
    ws : Workspace
    n_personas : "auto" or int
    random_state : int
    **kwargs
        Passed to :func:`find_personas` (``blocks``, ``language``, model parameters).

    Returns
    -------
    DataFrame
        ``customer_id``, ``persona_id`` (1 = largest persona), ``persona_name``.
    """
    return find_personas(ws, n_personas=n_personas, random_state=random_state, **kwargs).assignments
