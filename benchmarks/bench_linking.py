"""Linking benchmark: 1M feedback rows (default) linked to touchpoints, with events.

Generates feedback for the sample company's journey map (``data/sample/journeys.yml``):
texts built from the touchpoints' keywords plus varied filler words, customer numbers and
typos (so the vocabulary grows as in real data), 30 % with an explicit touchpoint, customer
ids and timestamps, and an event log of 3 events per feedback. Then times
:func:`cjwork.text.linking.link_feedback` with its defaults (explicit, as-of event merge,
keyword text, and the link model — sentence embeddings for the rows the rules leave
unlinked, each distinct text once, within ``MAX_EMBEDDED``) and prints coverage per method
and the text method's accuracy against the generated truth. Timings depend on the load of
the machine: say so when quoting them.

    .venv/bin/python benchmarks/bench_linking.py [--n 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def generate(n: int, seed: int = 0):
    """Feedback (with the true touchpoint) and events for the sample journey map."""
    from cjwork.journeymap import load_journey_map

    jm = load_journey_map(ROOT / "data" / "sample" / "journeys.yml")
    rng = np.random.default_rng(seed)
    tps = jm.touchpoints_frame()
    kw = [
        list(jm.touchpoint(t).keywords.get("de", ()))
        + list(jm.touchpoint(t).keywords.get("en", ()))
        for t in tps["touchpoint"]
    ]
    tp_ids = tps["touchpoint"].to_numpy(dtype=object)
    jn = tps["journey"].to_numpy(dtype=object)
    k = len(tp_ids)
    true = rng.integers(0, k, n)
    # a pool of phrases per touchpoint, then vectorised assembly
    openers = np.array(
        ["Die", "Meine", "Unsere", "The", "My", "Bei der", "Mit der", "Zur", "About the", ""],
        dtype=object,
    )
    tails = np.array(
        [
            "war super freundlich",
            "hat ewig gedauert",
            "ist eine Frechheit",
            "lief reibungslos",
            "war ok",
            "was great",
            "took forever",
            "was confusing",
            "nicht gut",
            "kein Problem",
            "sehr hilfreich, danke",
        ],
        dtype=object,
    )
    word = np.array(
        [
            kw[t][int(i)] if kw[t] else ""
            for t, i in zip(
                true,
                rng.integers(0, 99, n) % np.array([max(len(kw[t]), 1) for t in true]),
                strict=True,
            )
        ],
        dtype=object,
    )
    filler = np.array([f"w{int(x)}" for x in rng.integers(0, 20_000, 256)], dtype=object)
    text = (
        openers[rng.integers(0, len(openers), n)]
        + " "
        + word
        + " "
        + tails[rng.integers(0, len(tails), n)]
        + " "
        + filler[rng.integers(0, len(filler), n)]
        + " Kd-Nr "
        + pd.Series(rng.integers(0, 10**7, n)).astype(str).to_numpy(dtype=object)
    )
    no_kw = rng.random(n) < 0.1  # general comments naming no touchpoint
    text[no_kw] = "Alles in allem ok, Kd-Nr " + pd.Series(
        rng.integers(0, 10**7, int(no_kw.sum()))
    ).astype(str).to_numpy(dtype=object)
    n_cust = max(n // 2, 1)
    cust = (
        pd.Series(rng.integers(0, n_cust, n)).map(lambda x: f"C{x:08d}")
        if n <= 0
        else ("C" + pd.Series(rng.integers(0, n_cust, n)).astype(str).str.zfill(8))
    )
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    ts = t0 + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n), unit="s")
    explicit = rng.random(n) < 0.3
    fb = pd.DataFrame(
        {
            "feedback_id": "F" + pd.Series(np.arange(n)).astype(str).str.zfill(9),
            "customer_id": cust.to_numpy(),
            "timestamp": ts,
            "journey": pd.Series(np.where(explicit, jn[true], None), dtype="string"),
            "touchpoint": pd.Series(np.where(explicit, tp_ids[true], None), dtype="string"),
            "text": text,
        }
    )
    m = 3 * n
    ev_tp = rng.integers(0, k, m)
    events = pd.DataFrame(
        {
            "customer_id": "C" + pd.Series(rng.integers(0, n_cust, m)).astype(str).str.zfill(8),
            "timestamp": t0 + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, m), unit="s"),
            "journey": jn[ev_tp],
            "touchpoint": tp_ids[ev_tp],
        }
    )
    truth = np.where(no_kw, "", tp_ids[true])
    return jm, fb, events, truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from cjwork.text.linking import link_feedback, link_text

    t = time.perf_counter()
    jm, fb, events, truth = generate(args.n, args.seed)
    print(
        f"generated {len(fb):,} feedback rows and {len(events):,} events in {time.perf_counter() - t:.1f} s"
    )
    w, c = time.perf_counter(), time.process_time()
    links, candidates, summary = link_feedback(fb, jm, events=events, window="14D")
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    print(f"linked {len(links):,} rows in {wall:.1f} s wall clock ({cpu:.1f} CPU-s, one process)")
    print(
        "coverage: "
        + ", ".join(f"{k} {v:.1%}" for k, v in summary["coverage"].items())
        + f"; unlinked {summary['unlinked']:.1%}"
    )
    if "model_cv_accuracy" in summary:
        print(
            f"model CV accuracy {summary['model_cv_accuracy']:.3f} vs text {summary['text_accuracy_on_explicit']:.3f}: model used {summary['model_used']}"
        )
    if "model_mode" in summary:
        print(
            f"link model: {summary['model_mode']}, embeddings {summary['model_embeddings']}, "
            f"threshold {summary['model_threshold']}, re-decides text links "
            f"{summary.get('model_overrides_text', False)}"
        )
    print(f"candidates table: {len(candidates):,} rows")
    sub = slice(0, min(200_000, len(fb)))
    tl = link_text(fb["text"].iloc[sub], jm)
    named = truth[sub] != ""
    print(
        f"text method on the first {named.sum():,} texts that name a touchpoint: {np.mean(tl.touchpoint[named] == truth[sub][named]):.1%} correct"
    )


if __name__ == "__main__":
    main()
