"""Voice of the customer: language, sentiment (German + English), links to touchpoints,
aggregation into the emotional journey, themes and PII-masked quotes.

>>> import cjwork                                   # doctest: +SKIP
>>> from cjwork.text import enrich_feedback          # doctest: +SKIP
>>> fb = enrich_feedback(cjwork.load("data/sample"))  # doctest: +SKIP
>>> fb[["touchpoint", "sentiment_score", "link_method"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.text.language import detect_language
from cjwork.text.linking import link_feedback, link_text
from cjwork.text.pii import mask_pii
from cjwork.text.sentiment import LEARN_FROM, SentimentScorer, weak_labels

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace

__all__ = [
    "SentimentScorer",
    "detect_language",
    "enrich_feedback",
    "link_feedback",
    "link_text",
    "mask_pii",
    "score_texts",
]

#: fewer labelled texts than this and ``learn_from="auto"`` keeps the lexicon scorer
MIN_LABELLED = 200


def score_texts(
    texts: Sequence[Any] | pd.Series | np.ndarray,
    language: str = "auto",
    languages: Sequence[Any] | pd.Series | np.ndarray | None = None,
    scorer: SentimentScorer | None = None,
) -> pd.DataFrame:
    """Score any texts: ``language``, ``sentiment_score`` (−1 … 1), ``sentiment_label``.

    Parameters
    ----------
    texts : sequence
    language : {"auto", "de", "en"}
        Language of all texts, or ``auto`` to detect per text.
    languages : sequence, optional
        A ``language`` column whose ``de``/``en`` values override detection.
    scorer : SentimentScorer, optional
        A (fitted) scorer; default: the lexicon scorer.
    """
    scorer = scorer or SentimentScorer(language=language)
    return scorer.score(texts, languages=languages)


def choose_learning(fb: pd.DataFrame, learn_from: str) -> tuple[np.ndarray | None, str]:
    """The weak labels a sentiment model can learn from, and the column they came from.

    Parameters
    ----------
    fb : DataFrame
        Feedback with ``rating`` and/or ``nps`` columns.
    learn_from : {"auto", "rating", "nps", "none"}
        ``auto`` takes the first of rating, NPS with enough labelled rows.

    Returns
    -------
    labels : ndarray or None
        One label (or ``None``) per row; ``None`` when nothing is learned.
    column : str
        ``"rating"``, ``"nps"`` or ``"none"``.
    """
    if learn_from not in LEARN_FROM:
        raise UsageError(f"learn_from must be one of {', '.join(LEARN_FROM)}, got {learn_from!r}")
    if learn_from == "none":
        return None, "none"
    options = ["rating", "nps"] if learn_from == "auto" else [learn_from]
    for col in options:
        if col not in fb.columns:
            if learn_from != "auto":
                raise UsageError(f"learn_from='{col}' but the feedback has no '{col}' column")
            continue
        labels = weak_labels(ratings=fb[col]) if col == "rating" else weak_labels(nps=fb[col])
        n = int(sum(v is not None for v in labels))
        if n >= MIN_LABELLED or learn_from != "auto":
            return labels, col
    return None, "none"


def enrich_feedback(
    ws: Workspace,
    learn_from: str = "none",
    language: str = "auto",
    window: str = "14D",
    use_events: bool = True,
    text_overrides_event: float = 0.6,
    use_model: str = "auto",
    random_state: int = 0,
) -> pd.DataFrame:
    """The feedback table of a workspace, scored and linked to touchpoints.

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (``cjwork.load``) with a feedback table.
    learn_from : {"none", "auto", "rating", "nps"}
        ``none`` (default) uses the lexicon scorer; otherwise a model is fitted on weak
        labels from ratings (1–2/3/4–5) or NPS (0–6/7–8/9–10) and used only when its 5-fold
        CV macro-F1 beats the lexicon's on the same folds by 0.02 (``auto`` picks ratings,
        then NPS, when at least 200 rows carry them).
    language : {"auto", "de", "en"}
        Language of all texts; with ``auto`` a ``language`` column wins where it is set.
    window : str
        How far back an event may be for an ``event`` link.
    use_events : bool
        Link by the customer's last event (needs events with customer ids and timestamps).
    text_overrides_event : float
        Text-link confidence at which a text naming another touchpoint beats the event.
    use_model : {"auto", "never"}
        ``auto``: the link model links what the rules leave unlinked (sentence-embedding
        similarity, learned from explicit links when there are at least 30; it abstains
        when unsure); ``never``: rules only. See :func:`cjwork.text.linking.link_feedback`.
    random_state : int
        Seed for every random step (CV splits, solvers).

    Returns
    -------
    pandas.DataFrame
        The feedback rows in order with ``language``, ``sentiment_score``,
        ``sentiment_label``, ``journey``, ``touchpoint`` ("" when unknown), ``stage``,
        ``link_method``, ``link_confidence`` (given ``journey``/``touchpoint`` values are
        kept in ``journey_given``/``touchpoint_given``). ``attrs`` hold ``link_summary``
        (coverage per method, share unlinked), ``clean_report`` (counts of empty, non-text,
        cut and repaired texts) and ``scorer`` (a sentence on which scorer was used and
        why). The long table of every touchpoint a text names comes from
        :func:`cjwork.text.linking.link_feedback`.
    """
    ws.require("feedback")
    fb = ws.feedback
    if "text" not in fb.columns:
        raise UsageError("the feedback table has no 'text' column")
    scorer = SentimentScorer(language=language, random_state=random_state)
    labels, source = choose_learning(fb, learn_from)
    if labels is not None:
        try:
            scorer.fit(fb["text"], labels=labels)
        except Exception as exc:
            from cjwork.errors import ModelError

            if not isinstance(exc, ModelError):
                raise
    override = fb["language"] if ("language" in fb.columns and language == "auto") else None
    scored = scorer.score(fb["text"], languages=override)
    links, _candidates, summary = link_feedback(
        fb,
        ws.journeys,
        events=ws.events if use_events else None,
        window=window,
        text_overrides_event=text_overrides_event,
        use_model=use_model,
        random_state=random_state,
    )
    out = fb.reset_index(drop=True).copy()
    for col in ("journey", "touchpoint"):
        if col in out.columns:
            out[f"{col}_given"] = out[col].astype("string")
    out["language"] = scored["language"].to_numpy()
    out["sentiment_score"] = scored["sentiment_score"].to_numpy()
    out["sentiment_label"] = scored["sentiment_label"].to_numpy()
    for col in ("journey", "touchpoint", "stage", "link_method", "link_confidence"):
        out[col] = links[col].to_numpy()
    # attrs hold plain values only (a DataFrame in attrs breaks pandas' concat/astype)
    out.attrs["link_summary"] = summary
    report = scored.attrs.get("clean_report")
    out.attrs["clean_report"] = report.as_dict() if report is not None else {}
    out.attrs["scorer"] = scorer.summary() + (
        f" (weak labels from {source})" if source != "none" else ""
    )
    return out
