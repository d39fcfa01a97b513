"""An honest protocol for the sentiment quality figures (issue 19).

On the GermEval 2017 dev split (``../shared/data/germeval2017/dev.tsv``, read in place,
never copied), with the same five outer folds (stratified, seed ``--seed``) for everything:

1. **nested CV** of the learned model: on each outer training part,
   ``SentimentScorer(use="learned").fit`` makes every choice by its own inner CV
   (embeddings on/off, the SVM's ``C``, the calibration and the class offsets); the fitted
   model then labels the outer test part, which no choice has seen;
2. the **plain dev-CV** figure: the same choices made on the outer folds themselves and
   evaluated on them (what a design tuned on the dev split reports; optimistic);
3. a **TF-IDF + logistic regression** baseline on the same outer folds (word 1–2 grams,
   ``C`` and class weights chosen by inner 3-fold CV on each training part);
4. the **lexicon out of the box** (no training) on GermEval, on the hand-written English
   feedback ``tests/data/english_feedback.tsv`` (not used to write the idiom rules) and on
   the idiom sets ``tests/data/idioms_{de,en}.tsv`` (used to write the rules: a training figure).

No public English sentiment set is available offline; the English figures are on
hand-written feedback only.

    .venv/bin/python benchmarks/bench_text_quality.py [--germeval PATH] [--seed 0] [--quick]

Accuracy and macro-F1 are not affected by machine load; the times printed are.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from germeval import GERMEVAL, read_germeval
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from cjwork.text.embeddings import embedding_cache
from cjwork.text.sentiment import (
    LABELS,
    SentimentScorer,
    label_scores,
    lexicon_scores,
    select_learned_model,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def scores(y, pred) -> dict[str, float]:
    """Accuracy and macro-F1."""
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=list(LABELS))),
    }


def fold_mean(y, pred, splits) -> dict[str, float]:
    """Mean over the outer test parts (the figure every method here reports)."""
    per = [scores(y[te], pred[te]) for _, te in splits]
    return {k: float(np.mean([p[k] for p in per])) for k in ("accuracy", "macro_f1")}


def baseline() -> GridSearchCV:
    """TF-IDF word n-grams + logistic regression; C and class weights by inner 3-fold CV."""
    pipe = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("lr", LogisticRegression(max_iter=2000)),
        ]
    )
    grid = {"lr__C": [1.0, 3.0, 10.0, 30.0], "lr__class_weight": [None, "balanced"]}
    return GridSearchCV(pipe, grid, scoring="f1_macro", cv=3, n_jobs=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--germeval", type=Path, default=GERMEVAL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="outer 3 folds, inner 3 folds")
    args = parser.parse_args()

    # ---- out of the box
    print("## Lexicon out of the box (no training)")
    rows = []
    if args.germeval.exists():
        ge = read_germeval(args.germeval)
        pred = label_scores(lexicon_scores(ge["text"].tolist(), "de").score)
        rows.append(("GermEval 2017 dev (de)", len(ge), scores(ge["sentiment"], pred)))
    en = pd.read_csv(DATA / "english_feedback.tsv", sep="\t", comment="#")
    pred = label_scores(lexicon_scores(en["text"].tolist(), "en").score)
    rows.append(("english_feedback.tsv (hand-written, en)", len(en), scores(en["label"], pred)))
    per_class = {}
    for lang in ("de", "en"):
        idi = pd.read_csv(DATA / f"idioms_{lang}.tsv", sep="\t", comment="#")
        pred = label_scores(lexicon_scores(idi["text"].tolist(), lang).score)
        rows.append(
            (f"idioms_{lang}.tsv (rules written on it)", len(idi), scores(idi["label"], pred))
        )
        per_class[lang] = (pred == idi["label"]).groupby(idi["class"]).mean()
    for name, n, m in rows:
        print(f"- {name}: n={n}, accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}")
    print("\nidiom accuracy per class:")
    print(pd.DataFrame(per_class).round(3).to_string())
    if not args.germeval.exists():
        print(f"\n{args.germeval} not found: skipping the learned-model protocol")
        return

    # ---- learned model: nested vs plain vs baseline, on the same outer folds
    X = ge["text"].tolist()
    y = ge["sentiment"].to_numpy(dtype=object)
    k_outer = 3 if args.quick else 5
    k_inner = 3 if args.quick else 5
    outer = list(StratifiedKFold(k_outer, shuffle=True, random_state=args.seed).split(X, y))
    print(f"\n## Learned sentiment on GermEval 2017 dev: n={len(y)}, outer {k_outer} folds")
    nested = np.empty(len(y), dtype=object)
    base_pred = np.empty(len(y), dtype=object)
    choices = []
    t0 = time.perf_counter()
    with embedding_cache():  # each distinct text is encoded once across all folds
        for i, (tr, te) in enumerate(outer):
            sc = SentimentScorer(use="learned", cv=k_inner, random_state=args.seed)
            sc.fit([X[j] for j in tr], labels=y[tr])
            nested[te] = sc.predict([X[j] for j in te])
            off = dict(zip(sc.classes_, np.round(sc.offsets_, 1).tolist(), strict=True))
            choices.append(f"fold {i}: embeddings={sc.embeddings_}, C={sc.C_:g}, offsets={off}")
            gs = baseline().fit([X[j] for j in tr], y[tr])
            base_pred[te] = gs.predict([X[j] for j in te])
            print(f"  outer fold {i} done ({time.perf_counter() - t0:.0f} s, loaded machine)")
        # plain dev-CV: every choice made and evaluated on the outer folds themselves
        sel = select_learned_model(X, y, outer, (False, True), random_state=args.seed)
    plain = sel.variants[(sel.embeddings, sel.C)]
    nest = fold_mean(y, nested, outer)
    base = fold_mean(y, base_pred, outer)
    table = pd.DataFrame(
        {
            "plain dev-CV (chosen on the same folds)": {
                "accuracy": plain["accuracy"],
                "macro_f1": plain["macro_f1"],
            },
            "nested CV (learned model)": nest,
            "TF-IDF + LR (nested C/weights)": base,
        }
    ).T
    print(table.round(3).to_string())
    print("\nchoices made inside each outer training part:")
    for c in choices:
        print("  " + c)
    print(f"plain dev-CV choice: embeddings={sel.embeddings}, C={sel.C:g}")
    print("grid on the outer folds (plain, optimistic):")
    for (e, c), r in sel.variants.items():
        print(
            f"  embeddings={e!s:5} C={c:<4g} accuracy {r['accuracy']:.3f} macro-F1 "
            f"{r['macro_f1']:.3f} (without offsets {r['macro_f1_no_offsets']:.3f})"
        )
    print(f"total {time.perf_counter() - t0:.0f} s (loaded machine)")


if __name__ == "__main__":
    main()
