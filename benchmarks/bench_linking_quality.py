"""Linking quality on real German feedback: GermEval 2017 (dev split), nested cross-validation.

Protocol
--------
* Documents: the dev split's documents with exactly one aspect category (all their aspect
  annotations name the same category). Touchpoints are the categories
  (``benchmarks/germeval2017_journeys.yml``: names and keywords written by hand from general
  knowledge of rail travel, not mined from the data). ``Allgemein`` ("in general") names no
  touchpoint: those documents are not in the evaluation set; a seeded sample of them checks
  how often the linker abstains on feedback that names no touchpoint.
* Outer loop: 5 stratified folds (seed 0). The explicit links (``touchpoint``) of the outer
  training fold are given to :func:`cjwork.text.linking.link_feedback` together with the
  outer test fold's texts (touchpoint hidden); its links of the test rows are scored.
  Every choice — C, embeddings on/off, the blend weight of learned model and zero-shot
  similarity, the softmax temperature, the abstention threshold, whether the model re-decides keyword links — is
  made inside ``link_feedback`` by cross-validation on the training fold's links only.
* Baseline: TF-IDF (word 1–2-grams) + logistic regression trained on the same training
  folds, C chosen by an inner 3-fold grid search on the training fold.
* Zero-shot: ``link_feedback`` with no explicit links at all (nothing learned), all documents.
* Reported: accuracy at full coverage (the model never abstains: ``min_model_confidence=0``),
  accuracy against coverage (rows ranked by ``link_confidence``, pooled over the outer test
  folds), and the operating point of the threshold chosen in the folds.

    .venv/bin/python benchmarks/bench_linking_quality.py [--data PATH] [--folds 5] [--seed 0]

Quality figures do not depend on machine load; timings do (printed for information).
"""

from __future__ import annotations

import argparse
import csv
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from germeval import GERMEVAL

ROOT = Path(__file__).resolve().parents[1]
DATA = GERMEVAL
MAP = ROOT / "benchmarks" / "germeval2017_journeys.yml"


def category_id(cat: str) -> str:
    """GermEval category → touchpoint id (``Sonstige_Unregelmässigkeiten`` → ``sonstige_unregelmaessigkeiten``)."""
    return (
        cat.lower()
        .replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
        .replace("-", "_")
    )


def load_documents(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Single-aspect documents: texts and touchpoint ids; plus the ``Allgemein`` texts."""
    texts, labels, general = [], [], []
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 5 or not row[4].strip():
                continue
            cats = {a.split("#")[0] for a in row[4].split()}
            if len(cats) != 1:
                continue
            cat = next(iter(cats))
            if cat == "Allgemein":
                general.append(row[1])
            else:
                texts.append(row[1])
                labels.append(category_id(cat))
    return texts, np.asarray(labels, dtype=object), general


# English feedback for the sample company's map (data/sample/journeys.yml), written by hand
# before the first run; some name a keyword, most paraphrase the touchpoint.
ENGLISH = [
    ("Your ads keep following me around on Instagram.", "online_ad"),
    (
        "I found you through one of those sites that compare electricity prices.",
        "comparison_portal",
    ),
    ("The tariffs on your web pages were hard to understand.", "website_tariffs"),
    ("I typed in my postcode and yearly usage and the estimate was way off.", "tariff_calculator"),
    ("The lady in your branch in town explained everything patiently.", "shop_consultation"),
    ("The salesman on the phone pushed me into a contract I didn't want.", "sales_hotline"),
    ("Chatting with your sales team before signing up was quick.", "sales_chat"),
    ("Signing up online only took five minutes.", "online_order"),
    ("I ordered by phone and they got my address wrong.", "phone_order"),
    ("I got no confirmation of my order for two weeks.", "order_confirmation"),
    ("The welcome email had a broken link.", "welcome_email"),
    ("Creating my login for the customer portal failed three times.", "portal_registration"),
    ("Activating the app with the code from the letter didn't work.", "app_activation"),
    ("Switching from my old provider went smoothly, you handled everything.", "supplier_switch"),
    ("Nobody turned up for the appointment to install the smart meter.", "smart_meter_appointment"),
    ("The direct debit was set up with the wrong bank account.", "payment_setup"),
    ("My very first invoice was much higher than promised.", "first_bill"),
    ("The annual statement came late and I have to pay a large top-up.", "annual_bill"),
    ("The letter announcing the price increase was confusing.", "price_change_letter"),
    ("Submitting my meter reading in the app was easy.", "app_meter_reading"),
    ("The chatbot didn't understand a single question.", "chatbot"),
    ("I waited 40 minutes on the phone before someone picked up.", "hotline"),
    ("I emailed support twice and never got an answer.", "email_support"),
    ("The technician who came to fix the meter was very competent.", "technician_visit"),
    ("They corrected my wrong bill within a day.", "billing_correction"),
    ("Cancelling my contract online was hidden in a maze of pages.", "cancellation_page"),
    ("When I wanted to leave they offered me a discount to stay.", "retention_offer"),
    ("My closing statement after moving out still hasn't arrived.", "final_bill"),
]


def english_check() -> None:
    """Hand-written English feedback, sample map, no links: keywords only vs the link model."""
    from cjwork.journeymap import load_journey_map
    from cjwork.text.keywords import link_text
    from cjwork.text.linking import link_feedback

    jm = load_journey_map(ROOT / "data" / "sample" / "journeys.yml")
    texts = [t for t, _ in ENGLISH]
    y = np.array([tp for _, tp in ENGLISH], dtype=object)
    kw = link_text(texts, jm).touchpoint
    named = kw != ""
    links, _, _ = link_feedback(frame(texts, [None] * len(texts)), jm)
    full, _, _ = link_feedback(frame(texts, [None] * len(texts)), jm, min_model_confidence=0.0)
    tp, tf = links["touchpoint"].to_numpy(dtype=object), full["touchpoint"].to_numpy(dtype=object)
    linked = tp != ""
    print(f"\nENGLISH hand-written ({len(texts)} texts, sample map, no links):")
    print(
        f"  keywords only: coverage {named.mean():.3f}, accuracy where linked "
        f"{np.mean(kw[named] == y[named]):.3f}, all rows {np.mean(kw == y):.3f}"
    )
    print(
        f"  default linking: coverage {linked.mean():.3f}, accuracy where linked "
        f"{np.mean(tp[linked] == y[linked]):.3f}, all rows {np.mean(tp == y):.3f}; "
        f"never abstaining: {np.mean(tf == y):.3f}"
    )


def sample_check() -> None:
    """The bundled sample: link accuracy against the planted truth, rules only vs default."""
    import cjwork
    from cjwork.text.linking import link_feedback

    ws = cjwork.load(ROOT / "data" / "sample")
    truth = pd.read_csv(ROOT / "data" / "sample" / "truth" / "feedback.csv", dtype=str)
    tt = truth["touchpoint"].fillna("").to_numpy(dtype=object)
    linkable = truth["linkable"].str.lower().eq("true").to_numpy()
    print("\nSAMPLE (data/sample, planted truth):")
    for use_model in ("never", "auto"):
        links, _, summary = link_feedback(
            ws.feedback, ws.journeys, events=ws.events, use_model=use_model
        )
        tp = links["touchpoint"].to_numpy(dtype=object)
        m = links["link_method"].to_numpy(dtype=object)
        print(
            f"  use_model={use_model}: accuracy on linkable rows {np.mean(tp[linkable] == tt[linkable]):.4f}; "
            f"unlinkable rows linked by text/model {np.mean(np.isin(m[~linkable], ['text', 'model'])):.3f}; "
            f"coverage {summary['coverage']}, unlinked {summary['unlinked']}"
        )


def baseline_predict(train_x, train_y, test_x, seed: int) -> np.ndarray:
    """TF-IDF + logistic regression, C chosen on inner folds of the training fold."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(max_iter=2000),
    )
    grid = GridSearchCV(
        pipe,
        {"logisticregression__C": [1.0, 10.0, 100.0]},
        cv=KFold(3, shuffle=True, random_state=seed),
        scoring="accuracy",
    )
    grid.fit(list(train_x), train_y)
    return grid.predict(list(test_x))


def frame(texts, touchpoints) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feedback_id": [f"D{i:05d}" for i in range(len(texts))],
            "text": list(texts),
            "touchpoint": pd.Series(list(touchpoints), dtype="string"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--general", type=int, default=300, help="Allgemein documents checked")
    parser.add_argument(
        "--only-checks", action="store_true", help="only the sample and English checks"
    )
    args = parser.parse_args()
    if args.only_checks:
        sample_check()
        english_check()
        return

    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    from cjwork.journeymap import load_journey_map
    from cjwork.text.embeddings import embedding_cache
    from cjwork.text.keywords import link_text
    from cjwork.text.linking import link_feedback
    from cjwork.text.linkmodel import ZERO_SHOT_THRESHOLD, accuracy_coverage

    warnings.filterwarnings("ignore", message="The least populated class")
    jm = load_journey_map(MAP)
    texts, y, general = load_documents(args.data)
    n = len(texts)
    print(
        f"{n} single-aspect documents, {len(set(y))} touchpoints; majority share "
        f"{pd.Series(y).value_counts(normalize=True).iloc[0]:.3f}"
    )
    t0 = time.perf_counter()
    outer = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    pred = np.full(n, "", dtype=object)
    conf = np.zeros(n)
    method = np.full(n, "", dtype=object)
    operating = np.zeros(n, dtype=bool)
    base = np.full(n, "", dtype=object)
    rows = []
    with embedding_cache(), threadpool_limits(1, user_api="blas"):
        for k, (train, test) in enumerate(outer.split(np.zeros(n), y)):
            order = np.r_[train, test]
            given = np.r_[y[train], np.full(len(test), None, dtype=object)]
            fb = frame([texts[i] for i in order], given)
            links, _, summary = link_feedback(
                fb, jm, min_model_confidence=0.0, random_state=args.seed
            )
            out = links.iloc[len(train) :]
            pred[test] = out["touchpoint"].to_numpy(dtype=object)
            conf[test] = out["link_confidence"].to_numpy(dtype=float)
            method[test] = out["link_method"].to_numpy(dtype=object)
            thr = summary.get("model_auto_threshold", ZERO_SHOT_THRESHOLD)
            operating[test] = (method[test] == "text") | (
                (method[test] == "model") & (conf[test] >= thr)
            )
            base[test] = baseline_predict(
                [texts[i] for i in train], y[train], [texts[i] for i in test], args.seed
            )
            acc = float(np.mean(pred[test] == y[test]))
            bacc = float(np.mean(base[test] == y[test]))
            rows.append(
                {
                    "fold": k,
                    "accuracy": acc,
                    "baseline": bacc,
                    "threshold": thr,
                    "overrides_text": summary.get("model_overrides_text"),
                    "model_cv_accuracy": summary.get("model_cv_accuracy"),
                }
            )
            print(
                f"fold {k}: linking {acc:.3f}  baseline {bacc:.3f}  threshold {thr:.3f}  "
                f"model re-decides text links: {summary.get('model_overrides_text')}  "
                f"features: {summary.get('model_features')}  "
                f"({time.perf_counter() - t0:.0f} s, loaded machine)"
            )
        folds = pd.DataFrame(rows)
        acc = float(np.mean(pred == y))
        bacc = float(np.mean(base == y))
        print()
        print(f"NESTED CV ({args.folds} outer folds), full coverage:")
        print(
            f"  linking  accuracy {acc:.3f}  (folds {folds['accuracy'].mean():.3f} ± {folds['accuracy'].std():.3f})"
        )
        print(
            f"  baseline accuracy {bacc:.3f}  (folds {folds['baseline'].mean():.3f} ± {folds['baseline'].std():.3f})"
        )
        diff = folds["accuracy"] - folds["baseline"]
        print(f"  difference {acc - bacc:+.3f}  (per fold {', '.join(f'{d:+.3f}' for d in diff)})")
        print(f"  methods on the test rows: {pd.Series(method).value_counts().to_dict()}")
        kept = operating
        print(
            f"  operating point (threshold chosen in the folds): coverage {kept.mean():.3f}, "
            f"accuracy {np.mean(pred[kept] == y[kept]):.3f}"
        )
        print("accuracy vs coverage (ranked by link_confidence, pooled outer test folds):")
        curve = accuracy_coverage(y, pred, conf)
        print(curve.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

        # zero-shot: no explicit links at all
        fb = frame(texts, [None] * n)
        zs, _, zsum = link_feedback(fb, jm, min_model_confidence=0.0)
        zpred = zs["touchpoint"].to_numpy(dtype=object)
        zconf = zs["link_confidence"].to_numpy(dtype=float)
        zmeth = zs["link_method"].to_numpy(dtype=object)
        zkeep = (zmeth == "text") | ((zmeth == "model") & (zconf >= ZERO_SHOT_THRESHOLD))
        print()
        print(f"ZERO-SHOT (no links at all; embeddings {zsum.get('model_embeddings')}):")
        print(f"  accuracy at full coverage {np.mean(zpred == y):.3f}")
        print(
            f"  at the default threshold {ZERO_SHOT_THRESHOLD}: coverage {zkeep.mean():.3f}, "
            f"accuracy {np.mean(zpred[zkeep] == y[zkeep]):.3f}"
        )
        zc = accuracy_coverage(y, zpred, zconf)
        print("  " + ", ".join(f"{r.coverage:.0%}: {r.accuracy:.3f}" for r in zc.itertuples()))
        kw = link_text(texts, jm)
        named = kw.touchpoint != ""
        print(
            f"KEYWORDS ONLY (text method): coverage {named.mean():.3f}, accuracy where linked "
            f"{np.mean(kw.touchpoint[named] == y[named]):.3f}, full coverage (unlinked = wrong) "
            f"{np.mean(kw.touchpoint == y):.3f}"
        )

        if general and args.general:
            rng = np.random.default_rng(args.seed)
            pick = rng.choice(len(general), min(args.general, len(general)), replace=False)
            g = [general[i] for i in sorted(pick)]
            fb = frame(texts + g, list(y) + [None] * len(g))
            gl, _, gsum = link_feedback(fb, jm, random_state=args.seed)
            out = gl.iloc[n:]
            print()
            print(
                f"ALLGEMEIN ({len(g)} documents naming no touchpoint, all {n} links given): "
                f"left unlinked {np.mean(out['touchpoint'] == ''):.3f}; "
                f"methods {out['link_method'].value_counts().to_dict()}"
            )
    sample_check()
    english_check()
    print(f"\ntotal {time.perf_counter() - t0:.0f} s (loaded machine)")


if __name__ == "__main__":
    main()
