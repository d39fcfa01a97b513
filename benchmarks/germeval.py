"""The shared GermEval 2017 dev split, as every benchmark reads it.

The file lives in ``../shared/data/germeval2017/dev.tsv`` beside the project (read in place,
never copied). Tab-separated, no header, unquoted: ``url, text, relevance, sentiment,
aspects`` (see ``../shared/data/README.md``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GERMEVAL = ROOT.parent / "shared" / "data" / "germeval2017" / "dev.tsv"
LABELS = ("negative", "neutral", "positive")


def read_germeval(path: Path = GERMEVAL) -> pd.DataFrame:
    """The documents with a sentiment label (``text`` never missing), in file order."""
    df = pd.read_csv(
        path,
        sep="\t",
        header=None,
        quoting=csv.QUOTE_NONE,
        names=["url", "text", "relevance", "sentiment", "aspects"],
        dtype=str,
    )
    df = df[df["sentiment"].isin(LABELS)].reset_index(drop=True)
    df["text"] = df["text"].fillna("")
    return df
