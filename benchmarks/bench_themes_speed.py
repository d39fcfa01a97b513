"""Time themes at scale: 1M feedback rows → :func:`cjwork.text.themes.feedback_themes`.

The rows are composed by the sample company's text generator (German and English, every
touchpoint of the sample map in its share of the bundled sample's feedback, all three
sentiment labels, typos, emojis, personal data), so the texts are as varied as the sample's
and many are distinct. Only the themes step is timed (scoring and linking are separate
steps with their own benchmarks); the text generation is not.

Per touchpoint at most ``sample_size`` (1,000) distinct texts are embedded and clustered; the
rest are assigned by the TF-IDF classifier trained on them (see :mod:`cjwork.text.themes`).

Run: ``python benchmarks/bench_themes_speed.py [--rows 1000000]``. Timings are wall-clock on
the machine it runs on; say whether it was loaded.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def make_feedback(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` linked feedback rows composed by the sample's text generator."""
    from cjwork.sample import text as tx
    from cjwork.sample.company import journey_map

    jm = journey_map()
    ref = pd.read_csv(ROOT / "data" / "sample" / "truth" / "feedback.csv")
    tps = ref["touchpoint"].dropna().astype(str)
    share = tps.value_counts(normalize=True)
    rng = np.random.default_rng(seed)
    tp = rng.choice(share.index.to_numpy(), n, p=share.to_numpy())
    label = rng.choice(3, n, p=[0.4, 0.25, 0.35])
    english = rng.random(n) < 0.2
    texts, _ = tx.compose(
        rng,
        touchpoints=list(tp),
        label=label,
        strength=rng.random(n),
        english=english,
        generic=rng.random(n) < 0.1,
        pii=rng.random(n) < 0.04,
        wait_min=rng.integers(0, 40, n),
    )
    journey = np.array([jm.touchpoint(t).journey_id for t in share.index])
    jmap = dict(zip(share.index, journey, strict=True))
    return pd.DataFrame(
        {
            "feedback_id": np.arange(n),
            "journey": [jmap[t] for t in tp],
            "touchpoint": tp,
            "text": texts,
            "language": np.where(english, "en", "de"),
            "sentiment_score": np.array([-0.5, 0.0, 0.5])[label] + 0.1 * rng.standard_normal(n),
            "nps": rng.integers(0, 11, n),
        }
    )


def main(argv: list[str] | None = None) -> None:
    from cjwork.sample.company import journey_map
    from cjwork.text.themes import feedback_themes

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    fb = make_feedback(args.rows)
    print(
        f"composed {len(fb):,} rows ({fb['text'].nunique():,} distinct texts, "
        f"{fb['touchpoint'].nunique()} touchpoints) in {time.perf_counter() - t0:.0f} s"
    )
    t1 = time.perf_counter()
    table, assigned = feedback_themes(fb, journey_map())
    sec = time.perf_counter() - t1
    print(
        f"themes: {len(table)} themes over {table['touchpoint'].nunique()} touchpoints, "
        f"{len(assigned):,} rows assigned in {sec:.0f} s ({sec / 60:.1f} min)"
    )


if __name__ == "__main__":
    main()
