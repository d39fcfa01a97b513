"""The data contract: one pandera schema per table, declared once.

The loader reads each column by its ``kind`` (kept in the column's metadata) and then
validates the typed frame with these schemas (``lazy=True``, so every failure is found);
the README's contract table is rendered from them by :func:`contract_markdown`.

Kinds
    ``id``        identifier, read as text (``00123`` stays ``00123``), whitespace trimmed
    ``text``      free text, kept as written
    ``string``    a short label (e.g. ``outcome``), whitespace trimmed
    ``category``  ``journey``/``touchpoint``/``channel``: pandas ``category``
    ``timestamp`` tz-aware UTC ``datetime64[us, UTC]``
    ``metric``    float64 (decimal commas accepted)
    ``rating``    nullable ``Float64``, 1 … 5
    ``nps``       nullable ``Int64``, 0 … 10
    ``language``  ``de`` / ``en`` (or empty), lower-cased
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa


def _whole_numbers(s: pd.Series) -> pd.Series:
    values = s.astype("Float64")
    return (values.isna() | (values == np.floor(values.fillna(0)))).fillna(True)


def _col(
    kind: str,
    *,
    required: bool,
    description: str,
    nullable: bool = True,
    unique: bool = False,
    checks: list[pa.Check] | None = None,
) -> pa.Column:
    return pa.Column(
        nullable=nullable,
        unique=unique,
        required=required,
        checks=checks or [],
        description=description,
        metadata={"kind": kind},
    )


CUSTOMERS = pa.DataFrameSchema(
    {
        "customer_id": _col(
            "id", required=True, nullable=False, unique=True, description="one row per customer"
        ),
    },
    name="customers",
    strict=False,
    description="any further column is an attribute: numeric or categorical (age, segment, region, tenure_months, ...)",
)

EVENTS = pa.DataFrameSchema(
    {
        "customer_id": _col("id", required=True, nullable=False, description="who"),
        "timestamp": _col(
            "timestamp", required=True, nullable=False, description="when (see Timestamps)"
        ),
        "journey": _col(
            "category", required=True, nullable=False, description="a journey id of journeys.yml"
        ),
        "touchpoint": _col(
            "category",
            required=True,
            nullable=False,
            description="a touchpoint id of that journey in journeys.yml",
        ),
        "channel": _col("category", required=False, description="web, app, phone, letter, ..."),
        "case_id": _col(
            "id", required=False, description="one run of a customer through a journey"
        ),
        "outcome": _col("string", required=False, description="e.g. completed, aborted"),
    },
    name="events",
    strict=False,
    description="any further column is a numeric process metric (wait_s, duration_s, cost, ...)",
)

FEEDBACK = pa.DataFrameSchema(
    {
        "feedback_id": _col(
            "id", required=True, nullable=False, unique=True, description="one row per feedback"
        ),
        "text": _col("text", required=True, description="what the customer wrote (may be empty)"),
        "customer_id": _col("id", required=False, description="who wrote it"),
        "timestamp": _col("timestamp", required=False, description="when"),
        "journey": _col("category", required=False, description="explicit link to a journey"),
        "touchpoint": _col("category", required=False, description="explicit link to a touchpoint"),
        "rating": _col(
            "rating",
            required=False,
            description="stars",
            checks=[pa.Check.in_range(1, 5, error="must be between 1 and 5")],
        ),
        "nps": _col(
            "nps",
            required=False,
            description="likelihood to recommend",
            checks=[
                pa.Check.in_range(0, 10, error="must be a whole number from 0 to 10"),
                pa.Check(
                    _whole_numbers,
                    element_wise=False,
                    name="whole_number",
                    error="must be a whole number from 0 to 10",
                ),
            ],
        ),
        "language": _col(
            "language",
            required=False,
            description="empty: detected from the text",
            checks=[pa.Check.isin(["de", "en"], error="must be 'de' or 'en' (or empty)")],
        ),
        "channel": _col("category", required=False, description="where the feedback came from"),
    },
    name="feedback",
    strict=False,
    description="further columns are kept as they are",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "customers": CUSTOMERS,
    "events": EVENTS,
    "feedback": FEEDBACK,
}


def kind_of(table: str, column: str) -> str | None:
    """The declared kind of a known column, or ``None`` for columns the contract leaves open."""
    col = SCHEMAS[table].columns.get(column)
    return None if col is None else col.metadata["kind"]


def required_columns(table: str) -> list[str]:
    """The columns a table must have, in contract order."""
    return [name for name, col in SCHEMAS[table].columns.items() if col.required]


def known_columns(table: str) -> list[str]:
    """Every column the contract names for a table."""
    return list(SCHEMAS[table].columns)


DTYPES = {
    "id": "`str`",
    "text": "`str`",
    "string": "`str`",
    "language": "`str`",
    "category": "`category`",
    "timestamp": "`datetime64[us, UTC]`",
    "metric": "`float64`",
    "rating": "`Float64` (nullable)",
    "nps": "`Int64` (nullable)",
}


def contract_markdown() -> str:
    """The data contract as a Markdown table (one row per declared column)."""
    lines = [
        "| table | column | required | dtype after loading | meaning and rules |",
        "|---|---|---|---|---|",
    ]
    for table, schema in SCHEMAS.items():
        for name, col in schema.columns.items():
            rules = [col.description or ""]
            if not col.nullable:
                rules.append("never empty")
            if col.unique:
                rules.append("unique")
            rules += [c.error for c in col.checks if c.error]
            rule = "; ".join(dict.fromkeys(r for r in rules if r))
            required = "yes" if col.required else "no"
            dtype = DTYPES[col.metadata["kind"]]
            lines.append(f"| {table} | `{name}` | {required} | {dtype} | {rule} |")
        lines.append(f"| {table} | *others* | no | inferred | {schema.description} |")
    return "\n".join(lines)
