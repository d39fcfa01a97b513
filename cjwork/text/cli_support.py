"""Reading and scoring for ``cjwork sentiment`` (kept out of the thin CLI module)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cjwork.errors import DataError, ModelError, Problem, UsageError
from cjwork.text.sentiment import SentimentScorer


def read_text_source(source: Path, text_column: str | None) -> tuple[pd.DataFrame, object, str]:
    """Read a data directory's feedback table or any CSV file, as strings.

    Returns the frame, what to protect from being overwritten, and a label for messages.
    """
    import cjwork

    source = Path(source)
    if source.is_dir():
        if text_column not in (None, "text"):
            raise UsageError(
                "--text-column is for CSV files; a data directory's feedback text is in 'text'"
            )
        ws = cjwork.load(source)
        ws.require("feedback")
        return ws.feedback.copy(), ws, f"{source}/feedback"
    from cjwork.io.sniff import SniffError, sniff_csv

    if text_column is None:
        raise UsageError(
            f"{source} is a file: say which column holds the text with --text-column COL"
        )
    try:
        dialect = sniff_csv(source)
    except SniffError as exc:
        raise DataError(
            [Problem(source.name, exc.line, None, str(exc))], summary=f"cannot read {source}"
        ) from None
    try:
        frame = pd.read_csv(
            source,
            sep=dialect.delimiter,
            encoding=dialect.encoding,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding_errors="replace",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(
            [
                Problem(
                    source.name,
                    None,
                    None,
                    f"cannot parse the file: {exc}; check the delimiter and quoting",
                )
            ],
            summary=f"cannot read {source}",
        ) from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if text_column not in frame.columns:
        import difflib

        near = difflib.get_close_matches(text_column, list(frame.columns), n=1)
        hint = (
            f"; did you mean '{near[0]}'?"
            if near
            else f"; columns are {', '.join(frame.columns[:20])}"
        )
        raise DataError(
            [
                Problem(
                    source.name, 1, text_column, f"no column '{text_column}' in the header{hint}"
                )
            ],
            summary=f"cannot score {source}",
        )
    return frame, [source], str(source)


def score_frame(
    frame: pd.DataFrame,
    text_column: str,
    language: str = "auto",
    learn_from: str = "none",
    embeddings: bool | str = "auto",
    random_state: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Add ``language``, ``sentiment_score``, ``sentiment_label`` to ``frame`` (rows in order).

    Returns the frame and notes for the user (counts of repaired texts, the scorer used).
    """
    from cjwork.text import choose_learning

    notes: list[str] = []
    scorer = SentimentScorer(language=language, embeddings=embeddings, random_state=random_state)
    labels, source = choose_learning(frame, learn_from)
    if labels is not None:
        try:
            scorer.fit(frame[text_column], labels=labels)
        except ModelError as exc:
            notes.append(f"note: not learning from {source}: {exc}")
    override = frame["language"] if ("language" in frame.columns and language == "auto") else None
    scored = scorer.score(frame[text_column], languages=override)
    out = frame.reset_index(drop=True).copy()
    replaced = [
        c
        for c in ("language", "sentiment_score", "sentiment_label")
        if c in out.columns and c != "language"
    ]
    if replaced:
        notes.append(f"note: replaced existing column(s) {', '.join(replaced)}")
    for col in ("language", "sentiment_score", "sentiment_label"):
        out[col] = scored[col].to_numpy()
    report = scored.attrs.get("clean_report")
    if report is not None and any(v for k, v in report.as_dict().items() if k != "n"):
        notes.append(f"note: texts handled: {report}")
    notes.append(
        f"note: scorer: {scorer.summary()}"
        + (f" (weak labels from {source})" if source != "none" else "")
    )
    counts = out["sentiment_label"].value_counts()
    notes.append(
        "note: labels: "
        + ", ".join(f"{k} {int(counts.get(k, 0)):,}" for k in ("negative", "neutral", "positive"))
    )
    return out, notes
