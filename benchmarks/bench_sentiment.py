"""Sentiment benchmark: quality on real German feedback, English, and speed.

Prints
1. GermEval 2017 dev (``../shared/data/germeval2017/dev.tsv``), out of the box (no training):
   accuracy, macro-F1, confusion matrix;
2. the same data learned under 5-fold cross-validation (``SentimentScorer.fit(labels=)``,
   ``random_state=0``: stratified folds, the learned model refitted from scratch — vocabulary
   included — on each training part): accuracy and macro-F1 of the learned model and of the
   lexicon on the same folds, the learned model with and without sentence embeddings (the
   ``embeddings="auto"`` rule keeps the one with the better macro-F1), the learned model's
   per-class F1 and confusion matrix (pooled out-of-fold predictions), and the time of one fit;
3. English customer feedback (``tests/data/english_feedback.tsv``, hand-written) out of the box;
4. scoring speed of the default scorer in texts/s (cold: first call with empty caches;
   warm: caches filled) and language detection speed;
5. scoring speed of a learned model (fitted on the sample company's rated feedback) with and
   without sentence embeddings.

    .venv/bin/python benchmarks/bench_sentiment.py [--n 200000] [--n-learned 20000] [--skip-cv] [--germeval PATH]

Nothing here is shipped: the GermEval file is read from the shared folder, never copied.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from germeval import GERMEVAL, read_germeval

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "tests" / "data" / "english_feedback.tsv"


def speed_corpus(n: int, seed: int = 0) -> list[str]:
    """Realistic short feedback (German and English) with varied wording and some noise."""
    rng = np.random.default_rng(seed)
    de = [
        "Die Hotline war {adv} {adj}, aber die Wartezeit war {adj2}.",
        "Meine erste Rechnung war {adj2}, ich warte seit {k} Tagen auf die Korrektur.",
        "Der Techniker kam pünktlich und war {adv} {adj}. Danke!",
        "Kündigung ging {adv} {adj}, nicht schlecht.",
        "Seit {k} Wochen keine Antwort auf meine E-Mail 😡",
        "App-Anmeldung {adv} {adj}, Zählerstand per Foto übermittelt 👍",
    ]
    en = [
        "The hotline was {adv} {adjen} but I waited {k} minutes on hold.",
        "My first bill was {adjen2}, still waiting for a refund after {k} days.",
        "Installation was {adv_en} {adjen}, thanks!",
        "Not bad, the portal is {adv_en} {adjen}.",
    ]
    adj = [
        "freundlich",
        "kompetent",
        "hilfreich",
        "unfreundlich",
        "langsam",
        "schnell",
        "okay",
        "super",
    ]
    adj2 = ["zu lang", "unzumutbar", "falsch", "in Ordnung", "ärgerlich", "kurz"]
    adv = ["sehr", "total", "etwas", "echt", "", "wirklich"]
    adjen = ["friendly", "helpful", "slow", "rude", "quick", "fine", "great"]
    adjen2 = ["wrong", "too high", "correct", "confusing"]
    adv_en = ["very", "really", "", "quite"]
    out = []
    pick = rng.random(n) < 0.8
    for i in range(n):
        if pick[i]:
            t = de[int(rng.integers(len(de)))]
        else:
            t = en[int(rng.integers(len(en)))]
        out.append(
            t.format(
                adj=adj[int(rng.integers(len(adj)))],
                adj2=adj2[int(rng.integers(len(adj2)))],
                adv=adv[int(rng.integers(len(adv)))],
                adjen=adjen[int(rng.integers(len(adjen)))],
                adjen2=adjen2[int(rng.integers(len(adjen2)))],
                adv_en=adv_en[int(rng.integers(len(adv_en)))],
                k=int(rng.integers(1, 60)),
            )
            + f" Kundennummer K{int(rng.integers(1e7))}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200_000, help="texts for the speed test")
    parser.add_argument(
        "--n-learned", type=int, default=20_000, help="texts for the learned model's speed test"
    )
    parser.add_argument(
        "--skip-cv", action="store_true", help="skip the 5-fold CV of the learned model"
    )
    parser.add_argument("--germeval", type=Path, default=GERMEVAL)
    args = parser.parse_args()

    from sklearn.base import clone

    from cjwork.text import SentimentScorer, detect_language
    from cjwork.text.normalize import clean_texts
    from cjwork.text.sentiment import NEG_THRESHOLD, POS_THRESHOLD

    if args.germeval.exists():
        ge = read_germeval(args.germeval)
        print(
            f"GermEval 2017 dev: {len(ge):,} documents, majority-class accuracy {ge['sentiment'].value_counts(normalize=True).max():.3f}"
        )
        t = time.perf_counter()
        m = SentimentScorer().evaluate(ge["text"], ge["sentiment"])
        print(
            f"  out of the box (lexicon, thresholds {NEG_THRESHOLD}/{POS_THRESHOLD}): accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f} ({time.perf_counter() - t:.1f} s)"
        )
        print(m["confusion"].to_string())
        if not args.skip_cv:
            t = time.perf_counter()
            sc = SentimentScorer(random_state=0).fit(ge["text"], labels=ge["sentiment"])
            cv = sc.cv_scores_
            print(
                f"  learned, 5-fold CV: accuracy {cv['learned']['accuracy']:.3f}, macro-F1 {cv['learned']['macro_f1']:.3f} "
                f"(lexicon on the same folds: {cv['lexicon']['accuracy']:.3f} / {cv['lexicon']['macro_f1']:.3f}); "
                f"learned model used: {sc.use_learned_} ({time.perf_counter() - t:.0f} s for the CV and the final fit)"
            )
            print(
                "  learned, with and without sentence embeddings (same folds): "
                + "; ".join(
                    f"{k} {v['accuracy']:.3f} / {v['macro_f1']:.3f}"
                    for k, v in cv["variants"].items()
                )
                + f" → embeddings used: {sc.embeddings_}"
            )
            pcf = cv["learned"]["per_class_f1"]
            print(
                "  learned, per-class F1 (pooled out-of-fold): "
                + ", ".join(f"{k} {v:.3f}" for k, v in pcf.items())
            )
            labs = list(pcf)
            print(
                pd.DataFrame(
                    cv["learned"]["confusion"],
                    index=pd.Index(labs, name="true"),
                    columns=pd.Index(labs, name="predicted"),
                ).to_string()
            )
            clean, _ = clean_texts(ge["text"])
            keep = np.array([bool(c.strip()) for c in clean])
            t = time.perf_counter()
            clone(sc.model_).fit(
                [c for c, k in zip(clean, keep, strict=True) if k], ge["sentiment"].to_numpy()[keep]
            )
            print(
                f"  one fit of the learned model on all {int(keep.sum()):,} non-empty texts: {time.perf_counter() - t:.1f} s"
            )
    else:
        print(f"GermEval file not found at {args.germeval}; skipped")

    en = pd.read_csv(ENGLISH, sep="\t", comment="#")
    m = SentimentScorer().evaluate(en["text"], en["label"])
    print(
        f"English customer feedback ({len(en)} hand-written texts): out of the box accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"
    )
    print(m["confusion"].to_string())

    texts = speed_corpus(args.n)
    from cjwork.text import lexicon as lex_mod

    lex_mod._MEMO.clear()

    def timed(fn) -> tuple[float, float]:
        w, c = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - w, time.process_time() - c

    n = len(texts)
    cold = timed(lambda: SentimentScorer().score(texts))
    warm = timed(lambda: SentimentScorer().score(texts))
    lang = timed(lambda: detect_language(texts))
    print(
        f"speed on {n:,} texts, one process (wall clock | per CPU-second, which a loaded shared machine distorts less):"
    )
    print(
        f"  scoring cold {n / cold[0]:,.0f} | {n / cold[1]:,.0f} texts/s; warm {n / warm[0]:,.0f} | {n / warm[1]:,.0f} texts/s"
    )
    print(f"  language detection {n / lang[0]:,.0f} | {n / lang[1]:,.0f} texts/s")

    sample = pd.read_csv(ROOT / "data" / "sample" / "feedback.csv")
    some = speed_corpus(args.n_learned, seed=1)
    print(
        f"learned model (fitted on the sample's {sample['rating'].notna().sum():,} rated texts), "
        f"scoring {len(some):,} texts, one process:"
    )
    for emb in (False, True):
        sc = SentimentScorer(embeddings=emb).fit(sample["text"], ratings=sample["rating"])
        w, c = timed(lambda sc=sc: sc.score(some, use="learned"))
        print(
            f"  {'with' if emb else 'without'} sentence embeddings: {len(some) / w:,.0f} | {len(some) / c:,.0f} texts/s"
        )


if __name__ == "__main__":
    main()
