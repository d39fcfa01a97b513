"""Voice of the customer at scale: sentiment scoring and touchpoint linking per partition.

Both are row-wise once the model is fixed, so they run as ``map_partitions`` over the
feedback (a pandas frame split here, or a Dask DataFrame read from a lake):

* :func:`score_sentiment` — the (fitted) :class:`~cjwork.text.SentimentScorer` is shipped
  to every worker **once** (``client.scatter(..., broadcast=True)``) and each partition
  calls its ``score``; the result is the same table, row for row, as scoring in one
  process. Fit the scorer first (on a sample, on the client) if it should learn from
  ratings.
* :func:`link_touchpoints` — the feedback and the event log are split by the same
  customer hash, so each partition links its feedback with the customer's own events
  (``explicit`` → ``event`` → ``text`` rules of :func:`cjwork.text.link_feedback`). The
  learned link classifier is trained on the whole table in one process, so it is not used
  here (``use_model="never"``); the result equals ``link_feedback(..., use_model="never")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.scale.dask_engine import dask_client
from cjwork.scale.partition import customer_bucket

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

    from cjwork.journeymap import JourneyMap
    from cjwork.text.sentiment import SentimentScorer

SCORE_META = {"language": "object", "sentiment_score": "float64", "sentiment_label": "object"}


def _score_part(part: pd.DataFrame, scorer, text_column: str, language_column: str | None):
    langs = part[language_column] if language_column and language_column in part else None
    out = scorer.score(part[text_column], languages=langs)
    out.index = part.index
    return out.astype(SCORE_META)


def score_sentiment(
    feedback: pd.DataFrame | dd.DataFrame,
    scorer: SentimentScorer | None = None,
    *,
    text_column: str = "text",
    language_column: str | None = "language",
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """Score feedback on a Dask cluster: ``language``, ``sentiment_score``, ``sentiment_label``.

    Parameters
    ----------
    feedback : pandas or Dask DataFrame
        With ``text_column`` (and optionally ``language_column``, whose ``de``/``en``
        values override detection).
    scorer : SentimentScorer, optional
        Fitted or not; default: the lexicon scorer (``language="auto"``).
    text_column, language_column : str
    scheduler : str or distributed.Client, optional
        ``None`` starts a local cluster of 2 workers.
    npartitions : int, optional
        Partitions of a pandas input (default: 2 per worker thread, at most one per 1,000
        rows).

    Returns
    -------
    pandas.DataFrame
        One row per feedback row, in order, with the three columns.
    """
    import dask.dataframe as dd

    from cjwork.text import SentimentScorer

    scorer = scorer if scorer is not None else SentimentScorer(language="auto")
    if isinstance(feedback, pd.DataFrame) and text_column not in feedback.columns:
        raise UsageError(f"the feedback has no '{text_column}' column")
    with dask_client(scheduler) as client:
        if isinstance(feedback, pd.DataFrame):
            n = npartitions or _parts(client, len(feedback), 1000)
            ddf = dd.from_pandas(feedback.reset_index(drop=True), npartitions=n, sort=True)
        else:
            ddf = feedback
        cols = [text_column] + (
            [language_column] if language_column and language_column in ddf.columns else []
        )
        shipped = client.scatter(scorer, broadcast=True, hash=False)
        result = ddf[cols].map_partitions(
            _score_part,
            shipped,
            text_column,
            language_column if len(cols) > 1 else None,
            meta=pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCORE_META.items()}),
        )
        out = client.compute(result).result()
    return out.reset_index(drop=True)


def _parts(client, n_rows: int, per: int) -> int:
    threads = max(sum(client.nthreads().values()), 1)
    return int(max(1, min(2 * threads, -(-n_rows // per))))


def _link_part(fb: pd.DataFrame, ev: pd.DataFrame | None, jmap, window, text_overrides_event):
    from cjwork.text import link_feedback

    links, _, _ = link_feedback(
        fb.reset_index(drop=True),
        jmap,
        events=ev,
        window=window,
        text_overrides_event=text_overrides_event,
        use_model="never",
    )
    links.index = fb.index
    return links


def link_touchpoints(
    feedback: pd.DataFrame,
    jmap: JourneyMap,
    events: pd.DataFrame | None = None,
    *,
    window: str = "14D",
    text_overrides_event: float = 0.6,
    scheduler: str | Client | None = None,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """Link feedback to touchpoints on a Dask cluster (customer partitions).

    Parameters
    ----------
    feedback : DataFrame
        The feedback table (``feedback_id``, ``text``, optional ``customer_id``,
        ``timestamp``, ``journey``, ``touchpoint``).
    jmap : JourneyMap
    events : DataFrame, optional
        The event log, for ``event`` links.
    window, text_overrides_event
        As :func:`cjwork.text.link_feedback`.
    scheduler : str or distributed.Client, optional
    npartitions : int, optional

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`cjwork.text.link_feedback`'s links, one row per feedback row
        in order.
    """
    with dask_client(scheduler) as client:
        n = npartitions or _parts(client, len(feedback), 1000)
        fb = feedback.reset_index(drop=True)
        if "customer_id" in fb.columns:
            cid = fb["customer_id"].astype("string").fillna("")
            fb_b = customer_bucket(cid, n)
        else:
            fb_b = np.arange(len(fb)) % n
        ev_b = (
            customer_bucket(events["customer_id"], n)
            if events is not None and "customer_id" in fb.columns
            else None
        )
        jm = client.scatter(jmap, broadcast=True, hash=False)
        futures = []
        for i in range(n):
            part = fb.iloc[np.flatnonzero(fb_b == i)]
            if not len(part):
                continue
            ev = events.iloc[np.flatnonzero(ev_b == i)] if ev_b is not None else None
            futures.append(
                client.submit(
                    _link_part, part, ev, jm, window, text_overrides_event, pure=False, retries=3
                )
            )
        parts = client.gather(futures)
    return pd.concat(parts).sort_index().reset_index(drop=True)


def score_frame_dask(
    frame: pd.DataFrame,
    text_column: str,
    language: str = "auto",
    learn_from: str = "none",
    embeddings: bool | str = "auto",
    random_state: int = 0,
    scheduler: str | Client | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """``cjwork sentiment --engine dask``: fit on the client (if asked), score on the workers.

    Same output as :func:`cjwork.text.cli_support.score_frame`: the rows in order with
    ``language``, ``sentiment_score`` and ``sentiment_label``, plus notes for the user.
    """
    from cjwork.errors import ModelError
    from cjwork.text import SentimentScorer, choose_learning

    if text_column not in frame.columns:
        raise UsageError(f"the input has no '{text_column}' column; name it with --text-column")
    notes: list[str] = []
    scorer = SentimentScorer(language=language, embeddings=embeddings, random_state=random_state)
    labels, source = choose_learning(frame, learn_from)
    if labels is not None:
        try:
            scorer.fit(frame[text_column], labels=labels)
        except ModelError as exc:
            notes.append(f"note: not learning from {source}: {exc}")
    scored = score_sentiment(
        frame,
        scorer,
        text_column=text_column,
        language_column="language" if language == "auto" else None,
        scheduler=scheduler,
    )
    out = frame.reset_index(drop=True).copy()
    for col in ("language", "sentiment_score", "sentiment_label"):
        out[col] = scored[col].to_numpy()
    notes.append(
        f"note: scorer: {scorer.summary()}"
        + (f" (weak labels from {source})" if source != "none" else "")
        + "; scored on the Dask workers"
    )
    counts = out["sentiment_label"].value_counts()
    notes.append(
        "note: labels: "
        + ", ".join(f"{k} {int(counts.get(k, 0)):,}" for k in ("negative", "neutral", "positive"))
    )
    return out, notes
