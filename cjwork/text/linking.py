"""Linking feedback to touchpoints: explicit, event, text and model links, each with a
method and a confidence in 0 … 1.

Precedence, per feedback row:

1. ``explicit`` — the row names a touchpoint the journey map knows (confidence 1.0).
2. ``event`` — the customer's most recent touchpoint event before the feedback, within
   ``window`` (of the feedback's journey when it names one), by a vectorised as-of merge;
   confidence falls from 0.9 (same moment) to 0.5 (at the edge of the window).
   **Exception:** when the text clearly names a *different* touchpoint (text confidence ≥
   ``text_overrides_event``), the text link wins — a customer who writes about the first
   bill right after a hotline call is talking about the bill.
3. ``text`` — the touchpoint vocabularies of ``journeys.yml`` (de and en keywords, folded,
   compound-aware: ``Hotlinewartezeit`` matches ``hotline`` and ``wartezeit``; Snowball stems
   for inflected forms; multi-word keywords over adjacent words). Every touchpoint a text
   names is kept in the long ``candidates`` table; the strongest one is the link.
4. ``model`` — :class:`~cjwork.text.linkmodel.TouchpointLinker` for the rows still
   unlinked: the similarity of the text to each touchpoint's names and keywords in the
   multilingual sentence embeddings (zero-shot: works with no explicit links at all), and,
   when there are at least 30 explicit links, a linear model learned from them (at most
   ``MAX_MODEL_ROWS``), blended with the similarities; its settings are chosen by
   cross-validation on the explicit links. It abstains below its threshold (chosen on the
   explicit links out of fold, or :data:`~cjwork.text.linkmodel.ZERO_SHOT_THRESHOLD`).
   It re-decides ``text`` links too when, on the explicit links, it beats "text link where
   there is one, else model" by ``OVERRIDE_MARGIN``.

Speed rule (1M rows in under 2 minutes): the rules (explicit, event, text) are vectorised;
the sentence embeddings are computed only for the model's training rows and the rows the
rules left unlinked (plus the text-linked rows when the model re-decides them), each
distinct text (digits masked) once, and only while they number at most ``MAX_EMBEDDED``;
above that the model runs on TF-IDF and keyword scores alone (``summary["model_embeddings"]``
says which). Keyword matching lives in :mod:`cjwork.text.keywords`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.text.keywords import TextLinks, Vocabulary, compile_vocabulary, link_text
from cjwork.text.linkmodel import TouchpointLinker, dedupe_key, touchpoint_phrases
from cjwork.text.normalize import clean_texts

__all__ = [
    "METHODS",
    "TextLinks",
    "Vocabulary",
    "compile_vocabulary",
    "link_feedback",
    "link_text",
]

METHODS = ("explicit", "event", "text", "model")
#: at most this many explicit links train the link model (a seeded sample beyond that)
MAX_MODEL_ROWS = 1000
#: the link model re-decides keyword (text) links only when, on the explicit links, it is
#: right this much more often than "text link where there is one, else the model"
OVERRIDE_MARGIN = 0.02
#: at most this many distinct texts (digits masked) are embedded per call with
#: ``embeddings="auto"`` (about 30 s at 600 texts/s on two loaded cores); above it the link
#: model runs on TF-IDF and keyword scores alone
MAX_EMBEDDED = 20_000


def _utc_naive(values) -> pd.Series:
    """Timestamps as naive UTC ``datetime64`` (unparseable values become NaT)."""
    ts = pd.to_datetime(pd.Series(values), utc=True, errors="coerce")
    return ts.dt.tz_convert(None)


def _event_links(
    feedback: pd.DataFrame, events: pd.DataFrame, window: pd.Timedelta
) -> pd.DataFrame:
    """As-of merge: the customer's last event before each feedback (within ``window``)."""
    n = len(feedback)
    out = pd.DataFrame(
        {
            "touchpoint": np.full(n, "", dtype=object),
            "journey": np.full(n, "", dtype=object),
            "gap": np.full(n, np.nan),
        }
    )
    need = {"customer_id", "timestamp"}
    if (
        events is None
        or not need <= set(feedback.columns)
        or not need | {"touchpoint"} <= set(events.columns)
    ):
        return out
    # Customers as integer codes and times as naive UTC datetime64 (a tz-aware column would
    # become an object array of Timestamps); only the events of customers who gave feedback
    # take part, so a large event log costs one hash lookup per event, not a copy of it.
    fb_customer = feedback["customer_id"].astype("string")
    fb_time = _utc_naive(feedback["timestamp"])
    known = fb_customer.notna().to_numpy() & fb_time.notna().to_numpy()
    if not known.any():
        return out
    customers = pd.Index(fb_customer[known].unique())
    fb = pd.DataFrame(
        {
            "_row": np.arange(n)[known],
            "customer_id": customers.get_indexer(fb_customer[known]),
            "timestamp": fb_time.to_numpy()[known],
            "journey": (
                feedback["journey"].astype("string")
                if "journey" in feedback
                else pd.Series([pd.NA] * n, dtype="string")
            ).to_numpy()[known],
        }
    )
    ev_customer = customers.get_indexer(events["customer_id"].astype("string"))
    mine = np.flatnonzero(ev_customer >= 0)
    ev = pd.DataFrame(
        {
            "customer_id": ev_customer[mine],
            "ev_time": _utc_naive(events["timestamp"].iloc[mine]).to_numpy(),
            "ev_journey": events["journey"].iloc[mine].astype("string").to_numpy()
            if "journey" in events
            else pd.NA,
            "ev_touchpoint": events["touchpoint"].iloc[mine].astype("string").to_numpy(),
        }
    )
    ev = ev[ev["ev_time"].notna()]
    ev = ev.sort_values("ev_time", kind="stable")
    results = []
    with_j = fb[fb["journey"].notna() & (fb["journey"] != "")]
    without_j = fb[~fb.index.isin(with_j.index)]
    if len(with_j):
        left = with_j.rename(columns={"journey": "ev_journey"}).sort_values(
            "timestamp", kind="stable"
        )
        m = pd.merge_asof(
            left,
            ev,
            left_on="timestamp",
            right_on="ev_time",
            by=["customer_id", "ev_journey"],
            direction="backward",
            tolerance=window,
            allow_exact_matches=True,
        )
        results.append(m)
    if len(without_j):
        left = without_j.drop(columns=["journey"]).sort_values("timestamp", kind="stable")
        m = pd.merge_asof(
            left,
            ev,
            left_on="timestamp",
            right_on="ev_time",
            by="customer_id",
            direction="backward",
            tolerance=window,
            allow_exact_matches=True,
        )
        results.append(m)
    m = pd.concat(results, ignore_index=True)
    m = m[m["ev_touchpoint"].notna()]
    rows = m["_row"].to_numpy(dtype=np.int64)
    out.loc[rows, "touchpoint"] = m["ev_touchpoint"].astype(str).to_numpy()
    out.loc[rows, "journey"] = m["ev_journey"].astype(str).to_numpy()
    out.loc[rows, "gap"] = ((m["timestamp"] - m["ev_time"]).dt.total_seconds()).to_numpy()
    return out


def link_feedback(
    feedback: pd.DataFrame,
    journey_map: JourneyMap,
    events: pd.DataFrame | None = None,
    window: str | pd.Timedelta = "14D",
    text_overrides_event: float = 0.6,
    use_model: str = "auto",
    min_model_confidence: float | str = "auto",
    random_state: int = 0,
    embeddings: bool | str = "auto",
    max_embedded: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Link every feedback row to a touchpoint (see the module docstring for the rules).

    Parameters
    ----------
    feedback : pandas.DataFrame
        Needs ``feedback_id`` and ``text``; uses ``journey``, ``touchpoint``,
        ``customer_id`` and ``timestamp`` when present.
    journey_map : JourneyMap
    events : pandas.DataFrame, optional
        The event log (``customer_id``, ``timestamp``, ``journey``, ``touchpoint``).
    window : str or Timedelta
        How far back an event may be to count (default 14 days).
    text_overrides_event : float
        Text confidence at which a text naming another touchpoint beats the event link.
    use_model : {"auto", "never"}
        ``auto``: rows the rules leave unlinked go to the link model
        (:class:`~cjwork.text.linkmodel.TouchpointLinker`) — zero-shot sentence-embedding
        similarity to the touchpoints' names and keywords, learned from the explicit links
        when there are at least 30. ``never``: rules only (explicit, event, text).
    min_model_confidence : float or "auto"
        The model links only where its probability reaches this; ``auto`` chooses it by
        cross-validation on the explicit links (or uses
        :data:`~cjwork.text.linkmodel.ZERO_SHOT_THRESHOLD` without them).
    random_state : int
        Seed for the CV split of the model.
    embeddings : bool or "auto"
        Use the sentence embeddings in the model; ``auto`` uses them when the texts to
        embed (the model's training rows and the rows left unlinked, deduplicated) number
        at most ``max_embedded``.
    max_embedded : int, optional
        Budget of distinct texts to embed (default :data:`MAX_EMBEDDED`).

    Returns
    -------
    links : pandas.DataFrame
        One row per feedback in order: ``feedback_id``, ``journey``, ``touchpoint`` ("" when
        unknown), ``stage``, ``link_method`` ("" when unlinked), ``link_confidence``.
    candidates : pandas.DataFrame
        Long table: ``feedback_id``, ``journey``, ``touchpoint``, ``score`` for every
        touchpoint the text names.
    summary : dict
        ``coverage`` (share per method), ``unlinked`` share, ``n`` and, when a model was
        considered, ``model_cv_accuracy`` and ``text_accuracy_on_explicit``.
    """
    if "feedback_id" not in feedback.columns or "text" not in feedback.columns:
        raise UsageError("link_feedback needs a feedback table with feedback_id and text columns")
    if use_model not in ("auto", "never"):
        raise UsageError(f"use_model must be 'auto' or 'never', got {use_model!r}")
    if not (
        min_model_confidence == "auto"
        or (isinstance(min_model_confidence, int | float) and 0 <= min_model_confidence <= 1)
    ):
        raise UsageError(
            f"min_model_confidence must be 'auto' or a number in 0 … 1, got {min_model_confidence!r}"
        )
    if embeddings not in ("auto", True, False):
        raise UsageError(f"embeddings must be 'auto', True or False, got {embeddings!r}")
    max_embedded = MAX_EMBEDDED if max_embedded is None else int(max_embedded)
    try:
        window = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise UsageError(f"window must be a duration like '14D' or '48h', got {window!r}") from None
    n = len(feedback)
    tpf = journey_map.touchpoints_frame()
    tp_journey = dict(zip(tpf["touchpoint"], tpf["journey"], strict=True))
    tp_stage = dict(zip(tpf["touchpoint"], tpf["stage"], strict=True))
    known = set(tp_journey)

    touchpoint = np.full(n, "", dtype=object)
    journey = np.full(n, "", dtype=object)
    method = np.full(n, "", dtype=object)
    conf = np.zeros(n)

    given_j = (
        feedback["journey"].astype("string").fillna("").to_numpy(dtype=object)
        if "journey" in feedback
        else np.full(n, "", dtype=object)
    )
    journey[:] = given_j
    # 1. explicit
    if "touchpoint" in feedback:
        exp = feedback["touchpoint"].astype("string").fillna("").to_numpy(dtype=object)
        ok = np.isin(exp, list(known))
        touchpoint[ok] = exp[ok]
        method[ok] = "explicit"
        conf[ok] = 1.0
    # 3. text (computed for all rows: the candidates table and the override rule need it)
    vocab = compile_vocabulary(journey_map)
    tl = link_text(feedback["text"], journey_map, journeys=given_j, vocabulary=vocab)
    # 2. event, with the text override
    ev = _event_links(feedback, events, window) if events is not None else None
    free = method == ""
    if ev is not None:
        has_ev = free & (ev["touchpoint"].to_numpy(dtype=object) != "")
        ev_tp = ev["touchpoint"].to_numpy(dtype=object)
        override = (
            has_ev
            & (tl.touchpoint != "")
            & (tl.touchpoint != ev_tp)
            & (tl.confidence >= text_overrides_event)
        )
        use_ev = has_ev & ~override
        gap = ev["gap"].to_numpy(dtype=float)
        touchpoint[use_ev] = ev_tp[use_ev]
        method[use_ev] = "event"
        conf[use_ev] = np.round(
            0.5 + 0.4 * (1 - np.clip(gap[use_ev] / window.total_seconds(), 0, 1)), 3
        )
        # text confirming the event makes it surer
        agree = use_ev & (tl.touchpoint == ev_tp)
        conf[agree] = np.minimum(0.98, conf[agree] + 0.3 * tl.confidence[agree])
        free = method == ""
    use_text = free & (tl.touchpoint != "")
    touchpoint[use_text] = tl.touchpoint[use_text]
    method[use_text] = "text"
    conf[use_text] = tl.confidence[use_text]

    summary: dict = {"n": n}
    # 4. model: sentence-embedding similarity (zero-shot), learned from explicit links
    if use_model == "auto":
        model_info = _model_links(
            feedback,
            journey_map,
            tl,
            touchpoint,
            method,
            given_j,
            random_state=random_state,
            min_conf=min_model_confidence,
            embeddings=embeddings,
            max_embedded=max_embedded,
        )
        summary.update({k: v for k, v in model_info.items() if k != "links"})
        for row, tp, p in model_info.get("links", []):
            touchpoint[row] = tp
            method[row] = "model"
            conf[row] = round(float(p), 3)

    linked = touchpoint != ""
    journey[linked] = [tp_journey[t] for t in touchpoint[linked]]
    stage = np.array([tp_stage.get(t, "") for t in touchpoint], dtype=object)
    links = pd.DataFrame(
        {
            "feedback_id": feedback["feedback_id"].astype("string").to_numpy(),
            "journey": journey,
            "touchpoint": touchpoint,
            "stage": stage,
            "link_method": method,
            "link_confidence": np.round(conf, 3),
        }
    )
    coo = tl.scores.tocoo()
    tp_arr = np.asarray(tl.touchpoints, dtype=object)
    candidates = pd.DataFrame(
        {
            "feedback_id": links["feedback_id"].to_numpy()[coo.row],
            "journey": np.asarray(vocab.journeys, dtype=object)[coo.col],
            "touchpoint": tp_arr[coo.col],
            "score": np.round(coo.data, 3),
        }
    ).sort_values(
        ["feedback_id", "score"], ascending=[True, False], kind="stable", ignore_index=True
    )
    counts = pd.Series(method).value_counts()
    summary["coverage"] = {m: round(float(counts.get(m, 0)) / max(n, 1), 4) for m in METHODS}
    summary["unlinked"] = round(float((~linked).sum()) / max(n, 1), 4)
    return links, candidates, summary


#: link models fitted in this process, by a hash of their training texts, links and map
#: (a report batch links the same workspace once per journey)
_FITTED: OrderedDict[str, TouchpointLinker] = OrderedDict()


def _distinct(clean: list[str], rows: np.ndarray) -> int:
    return len(set(dedupe_key([clean[i] for i in rows])))


def _model_links(
    feedback: pd.DataFrame,
    journey_map: JourneyMap,
    tl: TextLinks,
    touchpoint: np.ndarray,
    method: np.ndarray,
    given_journey: np.ndarray,
    *,
    random_state: int,
    min_conf: float | str,
    embeddings: bool | str,
    max_embedded: int,
) -> dict:
    """Fit :class:`~cjwork.text.linkmodel.TouchpointLinker` and link what it is sure of."""
    from cjwork.text.embeddings import embedding_cache

    clean, _ = clean_texts(feedback["text"])
    explicit_rows = np.flatnonzero(method == "explicit")
    if len(explicit_rows) > MAX_MODEL_ROWS:  # a seeded sample keeps CV and training bounded
        pick = np.random.default_rng(random_state).choice(
            len(explicit_rows), MAX_MODEL_ROWS, replace=False
        )
        explicit_rows = np.sort(explicit_rows[pick])
    y = touchpoint[explicit_rows].astype(str)
    learned = len(explicit_rows) >= 30 and len(set(y)) >= 2
    has_text = np.array([bool(t.strip()) for t in clean], dtype=bool)
    free = np.flatnonzero((method == "") & has_text)
    text_rows = np.flatnonzero((method == "text") & has_text)
    train = explicit_rows if learned else np.array([], dtype=int)
    if embeddings == "auto":
        use_emb = _distinct(clean, np.r_[train, free]) <= max_embedded
    else:
        use_emb = bool(embeddings)
    if not learned and not use_emb:
        return {}  # keyword scores alone add nothing to the text links
    linker = TouchpointLinker(
        journey_map,
        embeddings=use_emb,
        threshold="auto" if min_conf == "auto" else float(min_conf),
        random_state=random_state,
    )
    info: dict = {"model_embeddings": use_emb, "model_mode": "learned" if learned else "zero-shot"}
    train_texts = [clean[i] for i in train]
    key = hashlib.sha1(
        repr(
            (
                train_texts,
                list(y) if learned else None,
                touchpoint_phrases(journey_map),
                linker.get_params(deep=False) | {"journey_map": None},
            )
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()
    with embedding_cache():
        if key in _FITTED:
            linker = _FITTED[key]
            _FITTED.move_to_end(key)
        else:
            linker.fit(train_texts, y if learned else None)
            _FITTED[key] = linker
            while len(_FITTED) > 4:
                _FITTED.popitem(last=False)
        override = False
        if learned:
            pred = linker.classes_[linker.oof_proba_.argmax(axis=1)]
            text_tp = tl.touchpoint[train]
            text_acc = float(np.mean(text_tp == y))
            combined_acc = float(np.mean(np.where(text_tp != "", text_tp, pred) == y))
            model_acc = float(linker.cv_accuracy_)
            fits = not use_emb or _distinct(clean, np.r_[train, free, text_rows]) <= max_embedded
            override = model_acc >= combined_acc + OVERRIDE_MARGIN and fits
            info.update(
                {
                    "model_cv_accuracy": round(model_acc, 4),
                    "text_accuracy_on_explicit": round(text_acc, 4),
                    "model_used": True,
                    "model_overrides_text": override,
                    "model_features": linker.features_,
                }
            )
        info["model_threshold"] = round(float(linker.threshold_), 4)
        info["model_auto_threshold"] = round(float(linker.auto_threshold_), 4)
        target = np.sort(np.r_[free, text_rows]) if override else free
        if not len(target):
            return info
        proba = linker.predict_proba([clean[i] for i in target])
    # a row that names its journey only gets that journey's touchpoints
    gj = given_journey[target]
    tp_j = np.asarray([_journey_of(journey_map, t) for t in linker.classes_], dtype=object)
    restrict = gj != ""
    if restrict.any():
        allowed = tp_j[None, :] == gj[restrict][:, None]
        sub = proba[restrict] * allowed
        total = sub.sum(axis=1, keepdims=True)
        proba[restrict] = np.where(total > 0, sub / np.maximum(total, 1e-12), 0.0)
    best = proba.argmax(axis=1)
    p = proba[np.arange(len(target)), best]
    keep = p >= linker.threshold_
    keep &= proba.sum(axis=1) > 0
    info["links"] = [
        (int(r), str(linker.classes_[b]), float(q))
        for r, b, q, k in zip(target, best, p, keep, strict=True)
        if k
    ]
    return info


def _journey_of(journey_map: JourneyMap, touchpoint_id: str) -> str:
    return journey_map.touchpoint(touchpoint_id).journey_id
