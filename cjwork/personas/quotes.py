"""The voice of each persona: mean sentiment and NPS of its feedback, and typical quotes.

Quotes are PII-masked with :func:`cjwork.text.mask_pii`; only the chosen few comments are
turned into Python strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjwork.personas.lookup import Assignments, arrow_strings


def persona_voice(ws, assign: Assignments, enriched, n_quotes: int, notes: list[str]):
    """Per persona: feedback count, mean sentiment and NPS (and of the rest); and the
    quotes (:func:`pick_quotes`). Returns ``(stats by persona_id, quotes frame)``."""
    from cjwork.personas.features import feedback_sentiment

    qcols = ["persona_id", "feedback_id", "text", "sentiment"]
    fb = ws.feedback
    if fb is None or "customer_id" not in fb.columns or len(fb) == 0:
        return {}, pd.DataFrame(columns=qcols)
    sent = feedback_sentiment(ws, enriched=enriched)
    nps = (
        pd.to_numeric(fb["nps"], errors="coerce").astype("float64").to_numpy()
        if "nps" in fb
        else np.full(len(fb), np.nan)
    )
    pid = assign.persona_of(fb["customer_id"])
    known = pid >= 0
    # sums per persona with np.bincount (personas are few; feedback rows are many)
    personas, group = np.unique(pid[known], return_inverse=True)
    group = group.ravel()
    k = len(personas)

    def sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = x[known]
        ok = ~np.isnan(x)
        return (
            np.bincount(group, weights=ok, minlength=k),
            np.bincount(group, weights=np.where(ok, x, 0.0), minlength=k),
        )

    size = np.bincount(group, minlength=k)
    s_n, s_sum = sums(sent)
    p_n, p_sum = sums(nps)
    tot_n, tot_s, tot_pn, tot_p = s_n.sum(), s_sum.sum(), p_n.sum(), p_sum.sum()
    stats: dict[int, dict] = {}
    for i, p in enumerate(personas):
        ns, npn = s_n[i], p_n[i]
        stats[int(p)] = {
            "n": int(size[i]),
            "sentiment": float(s_sum[i] / ns) if ns else np.nan,
            "sentiment_rest": float((tot_s - s_sum[i]) / (tot_n - ns)) if tot_n - ns else np.nan,
            "nps": float(p_sum[i] / npn) if npn else np.nan,
            "nps_rest": float((tot_p - p_sum[i]) / (tot_pn - npn)) if tot_pn - npn else np.nan,
        }
    quotes = pick_quotes(fb, pid, sent, n_quotes, notes)
    return stats, quotes


#: quotes are between this many characters long
QUOTE_CHARS = (15, 280)


def pick_quotes(
    fb: pd.DataFrame, pid: np.ndarray, sent: np.ndarray, n_quotes: int, notes: list[str]
) -> pd.DataFrame:
    """Per persona: the most typical comment (closest to its mean sentiment), the most
    negative, the most positive, then the next most typical; ties go to the smaller
    feedback_id. Only the chosen few are turned into Python strings and PII-masked."""
    qcols = ["persona_id", "feedback_id", "text", "sentiment"]
    if n_quotes <= 0:
        return pd.DataFrame(columns=qcols)
    try:
        from cjwork.text import mask_pii  # type: ignore[attr-defined]
    except ImportError:
        notes.append("quotes left out: PII masking (cjwork.text.mask_pii) is not available")
        return pd.DataFrame(columns=qcols)
    if "text" not in fb.columns:
        return pd.DataFrame(columns=qcols)
    text = arrow_strings(fb["text"])
    import pyarrow as pa
    import pyarrow.compute as pc

    length = np.asarray(
        pc.utf8_length(text).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    usable = (pid >= 0) & (length >= QUOTE_CHARS[0]) & (length <= QUOTE_CHARS[1])
    fids = (
        arrow_strings(fb["feedback_id"])
        if "feedback_id" in fb
        else pa.array(np.arange(len(fb)).astype(str)).cast(pa.large_string())
    )
    picks: list[int] = []
    owner: list[int] = []
    for p in np.unique(pid[usable]):
        rows = np.flatnonzero(usable & (pid == p))
        s = sent[rows]
        chosen: list[int] = []
        if (~np.isnan(s)).any():
            typical = _smallest(np.abs(s - np.nanmean(s)), rows, fids, n_quotes + 2)
            negative = _smallest(s, rows, fids, 1)
            positive = _smallest(-s, rows, fids, 1)
            for r in (typical[0], negative[0], positive[0], *typical[1:]):
                if r not in chosen:
                    chosen.append(r)
                if len(chosen) >= n_quotes:
                    break
        else:
            chosen = _smallest(np.zeros(len(rows)), rows, fids, n_quotes)
        picks += chosen
        owner += [int(p)] * len(chosen)
    if not picks:
        return pd.DataFrame(columns=qcols)
    idx = pa.array(picks, type=pa.int64())
    q = pd.DataFrame(
        {
            "persona_id": np.asarray(owner, dtype=np.int64),
            "feedback_id": np.asarray(fids.take(idx).to_pylist(), dtype=object),
            "text": np.asarray(list(mask_pii(text.take(idx).to_pylist())), dtype=object),
            "sentiment": sent[np.asarray(picks, dtype=np.int64)],
        }
    )
    return q[qcols]


def _smallest(key: np.ndarray, rows: np.ndarray, fids, m: int) -> list[int]:
    """The ``m`` rows with the smallest ``key`` (NaN last), ties by feedback_id; in order.

    Only the rows tied at the cut are compared by id (in Arrow), never all of them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    k = np.where(np.isnan(key), np.inf, key)
    m = min(m, len(k))
    cut = np.partition(k, m - 1)[m - 1]
    below = np.flatnonzero(k < cut)
    tied = np.flatnonzero(k == cut)
    need = m - len(below)
    if len(tied) > need:
        ids = fids.take(pa.array(rows[tied], type=pa.int64()))
        order = pc.select_k_unstable(pa.table({"id": ids}), k=need, sort_keys=[("id", "ascending")])
        tied = tied[np.asarray(order.to_numpy(), dtype=np.int64)]
    sel = np.concatenate([below, tied])
    ids = fids.take(pa.array(rows[sel], type=pa.int64())).to_pylist()
    order = sorted(range(len(sel)), key=lambda i: (k[sel[i]], ids[i]))
    return [int(rows[sel[i]]) for i in order]
