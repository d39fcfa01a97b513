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
4. ``model`` — a TF-IDF classifier trained on the explicit links, used for rows still
   unlinked, and only when its cross-validated accuracy on the explicit rows beats the text
   method's accuracy on the same rows (trained on at most ``MAX_MODEL_ROWS`` explicit links).

Everything per text is vectorised: keywords are matched once per distinct token (and per
distinct n-gram), then summed per feedback with a sparse matrix product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cjwork.errors import UsageError
from cjwork.journeymap import JourneyMap
from cjwork.text.normalize import clean_texts, fold, stem, tokenize_corpus

METHODS = ("explicit", "event", "text", "model")
#: at most this many explicit links train the link model (a seeded sample beyond that)
MAX_MODEL_ROWS = 3000


@dataclass
class Vocabulary:
    """Touchpoint keywords compiled for matching."""

    touchpoints: list[str]
    journeys: list[str]
    single: dict[str, list[tuple[int, float]]]  # keyword → [(touchpoint index, weight)]
    multi: dict[tuple[str, ...], list[tuple[int, float]]]  # stemmed word tuple → [...]
    pattern: re.Pattern | None
    max_words: int


def _trie_regex(words: list[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (fast, longest match first)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        if "" in node and len(node) == 1:
            return ""
        alts = []
        optional = False
        for ch in sorted(node, key=lambda c: (c == "", c)):
            if ch == "":
                optional = True
                continue
            alts.append(re.escape(ch) + build(node[ch]))
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if optional else body

    return build(trie)


def compile_vocabulary(journey_map: JourneyMap) -> Vocabulary:
    """Compile the de/en keywords (and touchpoint names) of a journey map for matching."""
    tps = journey_map.touchpoints_frame()
    touchpoints = tps["touchpoint"].tolist()
    journeys = tps["journey"].tolist()
    raw_single: dict[str, set[int]] = {}
    raw_multi: dict[tuple[str, ...], set[int]] = {}
    for i, tid in enumerate(touchpoints):
        tp = journey_map.touchpoint(tid)
        words = [w for lang in ("de", "en") for w in tp.keywords.get(lang, ())]
        for kw in words:
            f = fold(kw).replace("-", " ").strip()
            parts = [p for p in re.split(r"[\s/]+", f) if p]
            if not parts:
                continue
            if len(parts) == 1:
                raw_single.setdefault(parts[0], set()).add(i)
                st = stem(parts[0], "de")
                if len(st) >= 5 and st != parts[0]:
                    raw_single.setdefault(st, set()).add(i)
                ste = stem(parts[0], "en")
                if len(ste) >= 5 and ste not in (parts[0], st):
                    raw_single.setdefault(ste, set()).add(i)
            else:
                raw_multi.setdefault(
                    tuple(stem(p, "en" if p.isascii() else "de") for p in parts), set()
                ).add(i)
                joined = "".join(parts)
                if len(joined) >= 6:  # "smart meter" is also written "Smartmeter"
                    raw_single.setdefault(joined, set()).add(i)
    single = {k: [(i, 1.0 / len(v)) for i in sorted(v)] for k, v in raw_single.items()}
    multi = {k: [(i, 1.5 / len(v)) for i in sorted(v)] for k, v in raw_multi.items()}
    keys = sorted(single, key=len, reverse=True)
    pattern = re.compile(_trie_regex(keys)) if keys else None
    max_words = max((len(k) for k in multi), default=1)
    return Vocabulary(touchpoints, journeys, single, multi, pattern, max_words)


def _token_hits(vocab: Vocabulary, tokens: np.ndarray) -> sp.csr_matrix:
    """Distinct token × touchpoint keyword weights (compound-aware)."""
    rows, cols, vals = [], [], []
    pat = vocab.pattern
    if pat is not None:
        for r, tok in enumerate(tokens):
            if not tok[:1].isalpha():
                continue
            flat = tok.replace("-", "").replace("'", "")
            for m in pat.finditer(flat):
                kw = m.group(0)
                hits = vocab.single.get(kw)
                if not hits:
                    continue
                start = m.start()
                # short keywords only as the whole word (plus a plural s), long ones anywhere
                if len(kw) < 4 and not (start == 0 and len(flat) <= len(kw) + 1):
                    continue
                if len(kw) < 5 and start != 0:
                    continue
                for i, w in hits:
                    rows.append(r)
                    cols.append(i)
                    vals.append(w)
    shape = (len(tokens), len(vocab.touchpoints))
    return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)


@dataclass
class TextLinks:
    """Result of :func:`link_text`."""

    touchpoint: np.ndarray  # best touchpoint id or ""
    journey: np.ndarray
    confidence: np.ndarray
    scores: sp.csr_matrix  # feedback × touchpoint
    touchpoints: list[str] = field(default_factory=list)


def link_text(
    texts: Sequence[Any] | pd.Series | np.ndarray,
    journey_map: JourneyMap,
    journeys: Sequence[Any] | pd.Series | np.ndarray | None = None,
    vocabulary: Vocabulary | None = None,
) -> TextLinks:
    """Link texts to touchpoints by their vocabulary.

    Parameters
    ----------
    texts : sequence of str
    journey_map : JourneyMap
    journeys : sequence, optional
        A journey per text; where given, only that journey's touchpoints are candidates.
    vocabulary : Vocabulary, optional
        Precompiled keywords (from :func:`compile_vocabulary`).
    """
    vocab = vocabulary or compile_vocabulary(journey_map)
    clean, _ = clean_texts(texts)
    n = len(clean)
    n_tp = len(vocab.touchpoints)
    stream = tokenize_corpus(clean)
    if len(stream.ids) == 0 or n_tp == 0:
        S = sp.csr_matrix((n, n_tp))
    else:
        W = _token_hits(vocab, stream.vocab)
        word = ~pd.Series(stream.vocab, dtype=object).str.match(r"[\W\x01]").to_numpy(dtype=bool)
        keep = word[stream.ids]
        doc, ids = stream.doc[keep], stream.ids[keep]
        C = sp.csr_matrix((np.ones(len(ids)), (doc, ids)), shape=(n, len(stream.vocab)))
        C.data = np.minimum(C.data, 2.0)
        S = C @ W
        if vocab.multi:
            S = S + _multi_hits(vocab, stream.vocab, ids, doc, n)
    S = sp.csr_matrix(S)
    if journeys is not None:
        jr = pd.Series(journeys, dtype=object).reset_index(drop=True).astype("string")
        given = jr.notna() & (jr.str.len() > 0)
        if given.any():
            tp_j = np.asarray(vocab.journeys, dtype=object)
            rows_given = np.flatnonzero(given.to_numpy())
            Sg = S[rows_given].tocoo()
            ok = tp_j[Sg.col] == jr.to_numpy(dtype=object)[rows_given][Sg.row]
            mask = sp.csr_matrix(
                (np.ones(ok.sum()), (rows_given[Sg.row[ok]], Sg.col[ok])), shape=S.shape
            )
            keep_rows = sp.diags((~given.to_numpy()).astype(float))
            S = keep_rows @ S + S.multiply(mask)
            S = sp.csr_matrix(S)
    S.eliminate_zeros()
    best = np.full(n, "", dtype=object)
    jbest = np.full(n, "", dtype=object)
    conf = np.zeros(n)
    if S.nnz:
        dense_best = np.asarray(S.argmax(axis=1)).ravel()
        top = np.asarray(S.max(axis=1).todense()).ravel()
        total = np.asarray(S.sum(axis=1)).ravel()
        has = top > 0
        tp_arr = np.asarray(vocab.touchpoints, dtype=object)
        j_arr = np.asarray(vocab.journeys, dtype=object)
        best[has] = tp_arr[dense_best[has]]
        jbest[has] = j_arr[dense_best[has]]
        second = total - top  # mass on the other touchpoints
        conf[has] = (top / (top + second + 0.5))[has]
        conf = np.clip(conf, 0, 0.95)
    return TextLinks(best, jbest, np.round(conf, 3), S, list(vocab.touchpoints))


def _multi_hits(
    vocab: Vocabulary, tokens: np.ndarray, ids: np.ndarray, doc: np.ndarray, n: int
) -> sp.csr_matrix:
    n_tp = len(vocab.touchpoints)
    stems = np.array(
        [stem(t, "en" if t.isascii() else "de") if t[:1].isalpha() else t for t in tokens],
        dtype=object,
    )
    # German stems for ascii words too: try both when looking up
    stems_de = np.array([stem(t, "de") if t[:1].isalpha() else t for t in tokens], dtype=object)
    out = sp.csr_matrix((n, n_tp))
    firsts = {k[0] for k in vocab.multi}
    # per distinct token (not per position): can it start a multi-word keyword?
    can_start = np.fromiter(
        (a in firsts or b in firsts for a, b in zip(stems, stems_de, strict=True)),
        dtype=bool,
        count=len(stems),
    )
    for k in range(2, vocab.max_words + 1):
        if len(ids) < k:
            break
        same = doc[: len(doc) - k + 1] == doc[k - 1 :]
        start_ok = can_start[ids[: len(ids) - k + 1]]
        pos = np.flatnonzero(same & start_ok)
        if not len(pos):
            continue
        grams = np.stack([ids[pos + j] for j in range(k)], axis=1)
        uniq, inv = np.unique(grams, axis=0, return_inverse=True)
        rows, cols, vals = [], [], []
        for u, g in enumerate(uniq):
            for table in (stems, stems_de):
                key = tuple(table[g])
                hits = vocab.multi.get(key)
                if hits:
                    for i, w in hits:
                        rows.append(u)
                        cols.append(i)
                        vals.append(w)
                    break
        if not rows:
            continue
        G = sp.csr_matrix((vals, (rows, cols)), shape=(len(uniq), n_tp))
        D = sp.csr_matrix((np.ones(len(pos)), (doc[pos], inv.ravel())), shape=(n, len(uniq)))
        out = out + D @ G
    return sp.csr_matrix(out)


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
    min_model_confidence: float = 0.5,
    random_state: int = 0,
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
        ``auto`` trains the classifier on explicit links and uses it where it wins in CV.
    min_model_confidence : float
        The model links only where its probability reaches this.
    random_state : int
        Seed for the CV split of the model.

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
    # 4. model
    explicit_rows = np.flatnonzero(method == "explicit")
    if use_model == "auto" and len(explicit_rows) >= 30:
        model_info = _model_links(
            feedback,
            explicit_rows,
            touchpoint,
            tl,
            method == "",
            random_state,
            min_model_confidence,
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


def _model_links(
    feedback, explicit_rows, touchpoint, tl: TextLinks, free, random_state, min_conf
) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    clean, _ = clean_texts(feedback["text"])
    X = np.asarray([fold(t) for t in clean], dtype=object)
    y = touchpoint[explicit_rows].astype(str)
    if len(explicit_rows) > MAX_MODEL_ROWS:  # a seeded sample keeps CV and training bounded
        pick = np.sort(
            np.random.default_rng(random_state).choice(
                len(explicit_rows), MAX_MODEL_ROWS, replace=False
            )
        )
        explicit_rows, y = explicit_rows[pick], y[pick]
    counts = pd.Series(y).value_counts()
    ok = np.isin(y, counts[counts >= 3].index)
    rows, y = explicit_rows[ok], y[ok]
    if len(set(y)) < 2 or len(rows) < 30:
        return {}
    model = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=50_000
        ),
        SGDClassifier(
            loss="modified_huber", alpha=1e-4, max_iter=15, tol=None, random_state=random_state
        ),
    )
    n_splits = int(min(5, counts[counts >= 3].min()))
    cv = StratifiedKFold(n_splits=max(2, n_splits), shuffle=True, random_state=random_state)
    pred = cross_val_predict(model, list(X[rows]), y, cv=cv)
    model_acc = float(np.mean(pred == y))
    text_acc = float(np.mean(tl.touchpoint[rows] == y))
    info = {
        "model_cv_accuracy": round(model_acc, 4),
        "text_accuracy_on_explicit": round(text_acc, 4),
        "model_used": False,
    }
    if model_acc <= text_acc:
        return info
    model.fit(list(X[rows]), y)
    target = np.flatnonzero(free)
    if not len(target):
        info["model_used"] = True
        return info
    proba = model.predict_proba(list(X[target]))
    best = proba.argmax(axis=1)
    p = proba[np.arange(len(target)), best]
    keep = (p >= min_conf) & np.array([bool(t.strip()) for t in X[target]])
    classes = model.classes_
    info["model_used"] = True
    info["links"] = [
        (int(r), str(classes[b]), float(q))
        for r, b, q, k in zip(target, best, p, keep, strict=True)
        if k
    ]
    return info
