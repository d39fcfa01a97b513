"""Customer features for personas: who they are, how they travel, what they say.

:func:`build_features` turns a :class:`~cjwork.io.Workspace` into one row per customer and
one column per feature, in three optional blocks:

``customers``
    The customer attributes as they are: numeric columns stay numeric, text/categorical
    columns with a manageable number of values become categorical features, dates become
    "days before the reference time". Identifier-like columns (a different value on almost
    every row: names, e-mails, phone numbers) are never used — they carry no persona signal
    and are personal data.
``events``
    Behaviour from the event log, computed with DuckDB in a handful of grouped passes
    (10M events take seconds): volume, channel mix, journeys started and completed, how far
    through their journeys customers get, recency and the typical time between touchpoints.
``feedback``
    Voice of the customer: how much feedback, mean sentiment (from
    :func:`cjwork.text.enrich_feedback` when the text module is installed, otherwise from
    ``rating``/``nps``), mean NPS and the share of complaints.

Every feature, its block, kind and how missing values are handled is listed in
:data:`FEATURES` and :func:`describe_features`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import ModelError, UsageError

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.journeymap import JourneyMap
    from cjwork.journeys.engine import Prepared

BLOCKS = ("customers", "events", "feedback")

#: Columns of the customers table that are never features.
ID_COLUMNS = ("customer_id",)

#: A text column whose number of distinct values exceeds this share of the rows is an
#: identifier or free text (name, e-mail, comment), not a category.
MAX_CATEGORY_SHARE = 0.5
#: ... and in absolute terms at most this many categories are one-hot encoded.
MAX_CATEGORIES = 50

#: At most this many attribute columns of the customers table are used (the first ones in
#: file order); a wider table gets a warning that names how many were left out.
MAX_ATTRIBUTE_COLUMNS = 200

#: Sentiment below this (−1 … 1 scale) counts as a complaint.
COMPLAINT_THRESHOLD = -0.25


@dataclass(frozen=True)
class FeatureSpec:
    """One documented feature (or family of features: ``{channel}`` is filled in)."""

    name: str
    block: str
    kind: str  # "numeric" | "categorical"
    description: str
    missing: str


#: The documented feature table. Names with ``{...}`` are families, one column per value.
FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "<customer attribute>",
        "customers",
        "numeric",
        "A numeric column of customers.csv (age, tenure_months, ...), used as it is; "
        "a date column becomes days before the reference time.",
        "NaN; the model imputes the median.",
    ),
    FeatureSpec(
        "<customer attribute>",
        "customers",
        "categorical",
        f"A text/categorical column of customers.csv with at most {MAX_CATEGORIES} values "
        f"and at most {MAX_CATEGORY_SHARE:.0%} distinct values per row (segment, region, ...). "
        "Identifier-like columns (names, e-mails) are dropped.",
        "Kept as its own category '(missing)'.",
    ),
    FeatureSpec(
        "events",
        "events",
        "numeric",
        "Number of events of the customer.",
        "0 when the customer has no events.",
    ),
    FeatureSpec(
        "journeys_started",
        "events",
        "numeric",
        "Journey runs started (distinct case_id; one run per journey when case_id is absent).",
        "0 when the customer has no events.",
    ),
    FeatureSpec(
        "journeys_completed",
        "events",
        "numeric",
        "Journey runs that reached the last stage of their journey.",
        "0 when the customer has no events.",
    ),
    FeatureSpec(
        "completion_rate",
        "events",
        "numeric",
        "journeys_completed / journeys_started.",
        "NaN without events; the model imputes the median.",
    ),
    FeatureSpec(
        "stage_depth",
        "events",
        "numeric",
        "Mean share of a journey's stages reached per run (1 = every run reached the last stage).",
        "NaN without events; the model imputes the median.",
    ),
    FeatureSpec(
        "recency_days",
        "events",
        "numeric",
        "Days between the customer's last event and the reference time (the last event in the log).",
        "NaN without events; the model imputes the median.",
    ),
    FeatureSpec(
        "median_gap_hours",
        "events",
        "numeric",
        "Median hours between consecutive touchpoints within a journey run.",
        "NaN when no run has two events; the model imputes the median.",
    ),
    FeatureSpec(
        "channel_share_{channel}",
        "events",
        "numeric",
        "Share of the customer's events in this channel (events.channel).",
        "NaN without events; the model imputes the median.",
    ),
    FeatureSpec(
        "journey_share_{journey}",
        "events",
        "numeric",
        "Share of the customer's journey runs that are this journey.",
        "NaN without events; the model imputes the median.",
    ),
    FeatureSpec(
        "feedback_count",
        "feedback",
        "numeric",
        "Number of feedback items of the customer.",
        "0 when the customer gave no feedback.",
    ),
    FeatureSpec(
        "sentiment_mean",
        "feedback",
        "numeric",
        "Mean sentiment (−1 … 1): text sentiment from cjwork.text when available, "
        "otherwise (rating − 3) / 2, otherwise (nps − 5) / 5.",
        "NaN without feedback; the model imputes the median.",
    ),
    FeatureSpec(
        "nps_mean",
        "feedback",
        "numeric",
        "Mean NPS answer (0 … 10).",
        "NaN without an NPS answer; the model imputes the median.",
    ),
    FeatureSpec(
        "complaint_share",
        "feedback",
        "numeric",
        f"Share of the customer's feedback with sentiment < {COMPLAINT_THRESHOLD}.",
        "NaN without feedback; the model imputes the median.",
    ),
)


#: Behaviour features that measure one thing together (a family); a family counts as one
#: feature in the personas model (its columns' variances add up to 1), so three counts of
#: activity or six channel shares do not outweigh age.
FEATURE_FAMILIES = {
    "events": "activity",
    "journeys_started": "activity",
    "journeys_completed": "activity",
    "completion_rate": "progress",
    "stage_depth": "progress",
    "feedback_count": "feedback",
    "sentiment_mean": "feedback tone",
    "nps_mean": "feedback tone",
    "complaint_share": "feedback tone",
}


def feature_family(name: str) -> str:
    """The family of a feature column: ``channel mix``, ``journey mix``, ``activity``,
    ``progress``, ``feedback tone`` ... or the column's own name."""
    name = str(name)
    if name.startswith("channel_share_"):
        return "channel mix"
    if name.startswith("journey_share_"):
        return "journey mix"
    return FEATURE_FAMILIES.get(name, name)


def describe_features(features: pd.DataFrame | None = None) -> pd.DataFrame:
    """The feature table: name, block, kind, description and missing-value handling.

    Parameters
    ----------
    features : DataFrame, optional
        A frame from :func:`build_features`. When given, one row per actual column (families
        expanded, customer attributes named) with the share of missing values; otherwise the
        documented families from :data:`FEATURES`.

    Returns
    -------
    DataFrame
        Columns ``feature``, ``block``, ``kind``, ``description``, ``missing`` (and
        ``missing_share`` when ``features`` is given).
    """
    specs = pd.DataFrame(
        [(s.name, s.block, s.kind, s.description, s.missing) for s in FEATURES],
        columns=["feature", "block", "kind", "description", "missing"],
    )
    if features is None:
        return specs
    blocks = features.attrs.get("blocks", {})
    rows = []
    for col in features.columns:
        block = blocks.get(col, "customers")
        kind = "numeric" if pd.api.types.is_numeric_dtype(features[col]) else "categorical"
        spec = _match_spec(col, block, kind)
        rows.append(
            {
                "feature": col,
                "block": block,
                "kind": kind,
                "description": spec.description if spec else "",
                "missing": spec.missing if spec else "",
                "missing_share": float(features[col].isna().mean()) if len(features) else 0.0,
            }
        )
    return pd.DataFrame(
        rows, columns=["feature", "block", "kind", "description", "missing", "missing_share"]
    )


def _match_spec(col: str, block: str, kind: str) -> FeatureSpec | None:
    for spec in FEATURES:
        if spec.block != block:
            continue
        if spec.name.startswith("<"):
            if spec.kind == kind:
                return spec
            continue
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", ".+", re.escape(spec.name)) + "$"
        if re.match(pattern, col):
            return spec
    return None


# --------------------------------------------------------------------------- public


def build_features(
    ws: Workspace,
    *,
    blocks: tuple[str, ...] | list[str] | str | None = None,
    as_of: pd.Timestamp | str | None = None,
    sentiment: str = "auto",
    enriched_feedback: pd.DataFrame | None = None,
    prep: Prepared | None = None,
) -> pd.DataFrame:
    """One row per customer, one column per feature.

    Parameters
    ----------
    ws : Workspace
        The loaded workspace (``customers``, ``events``, ``feedback`` may each be ``None``).
    blocks : sequence of {"customers", "events", "feedback"} or "all", optional
        Which feature blocks to build. ``None``/``"all"`` means every block whose table is
        present. Asking explicitly for a block whose table is absent is an error.
    as_of : timestamp, optional
        Reference time for ``recency_days`` and date attributes; defaults to the last event
        (so the same data always gives the same features).
    sentiment : {"auto", "text", "rating"}
        Where ``sentiment_mean`` comes from: ``"text"``/``"auto"`` score the texts with
        :func:`cjwork.text.score_texts` (or take ``sentiment_score`` from
        ``enriched_feedback``), ``"rating"`` uses ``rating`` (else ``nps``).
    enriched_feedback : DataFrame, optional
        A frame from :func:`cjwork.text.enrich_feedback` computed earlier (saves scoring the
        texts twice).
    prep : cjwork.journeys.engine.Prepared, optional
        A prepared journey engine over ``ws.events`` to reuse (saves preparing twice).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (the customers table's order, or sorted ids seen in the
        events/feedback when there is no customers table). Numeric features are float64,
        categorical features pandas ``category``. ``.attrs["blocks"]`` maps each column to
        its block, ``.attrs["dropped"]`` lists unused customer columns with the reason.

    Raises
    ------
    UsageError
        For an unknown block or a block whose table is absent.
    ModelError
        When there are no customers at all.
    """
    chosen = resolve_blocks(ws, blocks)
    if sentiment not in ("auto", "text", "rating"):
        raise UsageError(f"sentiment must be 'auto', 'text' or 'rating', got {sentiment!r}")

    ids = workspace_customer_ids(ws)
    if len(ids) == 0:
        raise ModelError(
            "there are no customers: customers.csv, events.csv and feedback.csv hold no customer_id"
        )
    ref = reference_time(ws, as_of)

    parts: list[pd.DataFrame] = []
    block_of: dict[str, str] = {}
    dropped: dict[str, str] = {}
    if "customers" in chosen:
        part, dropped = customer_attribute_features(ws.customers, as_of=ref)
        parts.append(part)
        block_of.update(dict.fromkeys(part.columns, "customers"))
    if "events" in chosen:
        part = event_features(ws.events, ws.journeys, as_of=ref, prep=prep)
        parts.append(part)
        block_of.update(dict.fromkeys(part.columns, "events"))
    if "feedback" in chosen:
        part = feedback_features(ws, sentiment=sentiment, enriched=enriched_feedback)
        parts.append(part)
        block_of.update(dict.fromkeys(part.columns, "feedback"))

    index = pd.Index(ids, name="customer_id")
    if parts:
        out = pd.concat([part.reindex(index) for part in parts], axis=1)
        out.index.name = "customer_id"
    else:
        out = pd.DataFrame(index=index)
    # counts are 0 (not missing) for customers without events/feedback
    for col in ("events", "journeys_started", "journeys_completed", "feedback_count"):
        if col in out:
            out[col] = out[col].fillna(0.0)
    out.attrs["blocks"] = block_of
    out.attrs["dropped"] = dropped
    return out


# --------------------------------------------------------------------------- blocks


def default_blocks(ws: Workspace) -> list[str]:
    """The blocks personas are found in by default.

    Who the customers are and how they behave: the customer attributes (when customers.csv
    has any usable column) and the behaviour from the events. The voice of the customer
    (feedback) goes into the profiles but not, by default, into the segmentation: most
    customers give little or no feedback, so its per-customer means are mostly imputed or
    rest on one comment (ask for it with ``blocks="all"``). Without customers and events,
    every block present is used. The personas model then weighs
    every feature by how much persona structure it carries (see
    :func:`cjwork.personas.model.feature_relevance`), so a block that does not separate
    customers counts little.
    """
    chosen = []
    if ws.customers is not None:
        cols = [c for c in ws.customers.columns if c not in ID_COLUMNS]
        if cols:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                part, _ = customer_attribute_features(ws.customers.head(2000))
            if part.shape[1]:
                chosen.append("customers")
    if ws.events is not None and len(ws.events):
        chosen.append("events")
    if not chosen:
        present = [b for b in BLOCKS if getattr(ws, b) is not None]
        return present or ["customers"]
    return chosen


def resolve_blocks(ws, blocks) -> list[str]:
    """The feature blocks to use, in :data:`BLOCKS` order: ``"all"``/``None`` → every block
    the workspace has; names (a list or ``"a,b"``) → checked against :data:`BLOCKS` and the
    workspace's tables (a :class:`UsageError` says what is wrong)."""
    if blocks is None or blocks == "all":
        return [b for b in BLOCKS if getattr(ws, b) is not None]
    if isinstance(blocks, str):
        blocks = [b.strip() for b in blocks.split(",") if b.strip()]
    unknown = [b for b in blocks if b not in BLOCKS]
    if unknown:
        raise UsageError(
            f"unknown feature block(s) {', '.join(map(repr, unknown))}; blocks are {', '.join(BLOCKS)}"
        )
    absent = [b for b in blocks if getattr(ws, b) is None]
    if absent:
        raise UsageError(
            f"feature block(s) {', '.join(absent)} asked for, but the workspace has no "
            f"{', '.join(a + '.csv' for a in absent)}; drop the block or add the file"
        )
    if not blocks:
        raise UsageError("blocks must name at least one of customers, events, feedback")
    return [b for b in BLOCKS if b in blocks]


def workspace_customer_ids(ws) -> pd.Index:
    """The customer ids of the workspace (its customers table, else every id seen in the
    events and feedback, sorted)."""
    if ws.customers is not None:
        return pd.Index(ws.customers["customer_id"].astype("string").to_numpy(dtype=object))
    seen: list[np.ndarray] = []
    for table in (ws.events, ws.feedback):
        if table is not None and "customer_id" in table:
            seen.append(
                table["customer_id"].dropna().astype("string").unique().to_numpy(dtype=object)
            )
    if not seen:
        return pd.Index([], dtype=object)
    return pd.Index(np.unique(np.concatenate(seen)))


def reference_time(ws, as_of) -> pd.Timestamp | None:
    """The "now" that recency features count from: ``as_of`` in UTC, else the last event."""
    if as_of is not None:
        ts = pd.Timestamp(as_of)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if ws.events is not None and len(ws.events) and "timestamp" in ws.events:
        ts = pd.Timestamp(ws.events["timestamp"].max())
        if ts is pd.NaT:
            return None
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return None


def customer_attribute_features(
    customers: pd.DataFrame, *, as_of: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Usable attributes of the customers table.

    Returns
    -------
    (DataFrame, dict)
        The features indexed by ``customer_id`` and the dropped columns with the reason.
    """
    ids = customers["customer_id"].astype("string").to_numpy(dtype=object)
    cols: dict[str, object] = {}
    dropped: dict[str, str] = {}
    n = len(customers)
    attributes = [c for c in customers.columns if c not in ID_COLUMNS]
    if len(attributes) > MAX_ATTRIBUTE_COLUMNS:
        for col in attributes[MAX_ATTRIBUTE_COLUMNS:]:
            dropped[col] = f"beyond the first {MAX_ATTRIBUTE_COLUMNS} attribute columns"
        warnings.warn(
            f"customers has {len(attributes):,} attribute columns; personas use the first "
            f"{MAX_ATTRIBUTE_COLUMNS} (in file order) and ignore the other "
            f"{len(attributes) - MAX_ATTRIBUTE_COLUMNS:,}. Keep the attributes that describe "
            "customers in customers.csv and the rest elsewhere",
            UserWarning,
            stacklevel=2,
        )
        attributes = attributes[:MAX_ATTRIBUTE_COLUMNS]
    for col in attributes:
        s = customers[col]
        if pd.api.types.is_bool_dtype(s):
            cols[col] = s.astype("float64").to_numpy()
        elif pd.api.types.is_numeric_dtype(s):
            values = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
            if np.isnan(values).all():
                dropped[col] = "no values"
                continue
            cols[col] = values
        elif pd.api.types.is_datetime64_any_dtype(s):
            if as_of is None:
                dropped[col] = "a date, but there is no reference time (no events and no as_of)"
                continue
            ts = s if s.dt.tz is not None else s.dt.tz_localize("UTC")
            cols[f"{col}_days"] = ((as_of - ts).dt.total_seconds() / 86400.0).to_numpy()
        else:
            text = s.astype("string")
            nunique = text.nunique(dropna=True)
            if nunique == 0:
                dropped[col] = "no values"
                continue
            every_row_differs = n > 1 and nunique == int(text.notna().sum())
            if (
                nunique > MAX_CATEGORIES
                or every_row_differs
                or (n >= 20 and nunique > MAX_CATEGORY_SHARE * n)
            ):
                dropped[col] = f"identifier-like or free text ({nunique:,} distinct values)"
                continue
            cols[col] = pd.Categorical(text.to_numpy(dtype=object, na_value=None))
    # one frame built in one step (column by column insertion fragments a wide frame)
    out = pd.DataFrame(cols, index=pd.Index(ids, name="customer_id"))
    return out, dropped


def event_features(
    events: pd.DataFrame,
    journeys: JourneyMap,
    *,
    as_of: pd.Timestamp | None = None,
    prep: Prepared | None = None,
) -> pd.DataFrame:
    """Behaviour features from the event log (see :data:`FEATURES`), indexed by ``customer_id``.

    Journey runs (cases), their depth and completion come from the journey analytics engine
    (:func:`cjwork.journeys.engine.prepare`), so personas and the funnels of ``cjwork
    analyze`` count cases the same way. Everything is aggregated in DuckDB: one pass over
    the events per customer (volume, recency, channel mix, gaps) and one over the cases.

    Parameters
    ----------
    events : DataFrame
        The events table.
    journeys : JourneyMap
    as_of : Timestamp, optional
        Reference time for ``recency_days`` (default: the last event).
    prep : cjwork.journeys.engine.Prepared, optional
        An already prepared engine (reused, not closed); otherwise one is built and closed.
    """
    from cjwork.journeys.engine import prepare

    own = prep is None
    if own:
        prep = prepare(engine_events(events), journeys)
    con = prep.con
    try:
        has_channel = bool(prep.has_channel)
        channels = (
            [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT channel FROM steps WHERE channel IS NOT NULL ORDER BY 1"
                ).fetchall()
            ]
            if has_channel
            else []
        )
        journey_ids = [j for j in prep.journeys]
        if as_of is None:
            ref_sql, params = "(SELECT max(ts) FROM steps)", []
        else:
            ref_sql = "?::TIMESTAMP"
            params = [pd.Timestamp(as_of).tz_convert("UTC").tz_localize(None).to_pydatetime()]
        ch_sql = "".join(
            f", count(*) FILTER (WHERE channel = {_sql_str(c)}) / count(*)::DOUBLE AS {_ident('channel_share_' + _slug(c))}"
            for c in channels
        )
        js_sql = "".join(
            f", count(*) FILTER (WHERE c.journey = {_sql_str(j)}) / count(*)::DOUBLE AS {_ident('journey_share_' + _slug(j))}"
            for j in journey_ids
        )
        sql = f"""
            WITH per_customer AS (
                SELECT customer_id, count(*)::DOUBLE AS events, max(ts) AS last_ts,
                       median(dt_next_s) / 3600.0 AS median_gap_hours {ch_sql}
                FROM steps GROUP BY customer_id
            ),
            n_stages AS (SELECT journey, max(stage_idx) + 1 AS n FROM tpmap GROUP BY journey),
            per_case AS (
                SELECT c.customer_id, count(*)::DOUBLE AS journeys_started,
                       count(*) FILTER (WHERE c.complete)::DOUBLE AS journeys_completed,
                       avg((c.depth + 1) / s.n::DOUBLE) AS stage_depth {js_sql}
                FROM cases c JOIN n_stages s USING (journey)
                GROUP BY c.customer_id
            )
            SELECT p.customer_id, p.events, k.journeys_started, k.journeys_completed,
                   k.journeys_completed / nullif(k.journeys_started, 0) AS completion_rate,
                   k.stage_depth,
                   epoch({ref_sql} - p.last_ts) / 86400.0 AS recency_days,
                   p.median_gap_hours
                   {"".join(", p." + _ident("channel_share_" + _slug(c)) for c in channels)}
                   {"".join(", k." + _ident("journey_share_" + _slug(j)) for j in journey_ids)}
            FROM per_customer p LEFT JOIN per_case k USING (customer_id)
        """
        df = con.execute(sql, params).df()
    finally:
        if own:
            prep.close()
    df = df.set_index("customer_id")
    df.index.name = "customer_id"
    return df.astype("float64")


def release_memory() -> None:
    """Give memory freed by earlier steps back to the system before the next big one.

    Collects garbage and releases the unused memory pyarrow's allocator keeps for reuse
    (after :func:`cjwork.load` of a million customers over a gigabyte).
    """
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - older pyarrow
        pass


#: Event columns the journey engine needs to build cases (:func:`engine_events`).
ENGINE_COLUMNS = ("customer_id", "timestamp", "journey", "touchpoint", "case_id")


def engine_events(events: pd.DataFrame, *, channel: bool = True) -> pd.DataFrame:
    """The columns of ``events`` personas hand to the journey engine (no copy).

    Cases, their depth and completion need only ``customer_id``, ``timestamp``,
    ``journey``, ``touchpoint`` and ``case_id``; ``channel`` is added for the channel
    mix of the events block. Process metrics and ``outcome`` are left out: the engine
    would carry every one of them through its sorts (at 8M events about half a gigabyte
    and a tenth of the time) and personas use none of them.
    """
    keep = [c for c in events.columns if c in ENGINE_COLUMNS or (channel and c == "channel")]
    return events[keep]


def feedback_features(
    ws: Workspace, *, sentiment: str = "auto", enriched: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Voice-of-customer features (see :data:`FEATURES`), indexed by ``customer_id``.

    Feedback without a ``customer_id`` cannot be attributed to a customer and is left out
    of these features (it still counts everywhere else in cjwork).
    """
    fb = ws.feedback
    empty = pd.DataFrame(
        columns=["feedback_count", "sentiment_mean", "nps_mean", "complaint_share"], dtype="float64"
    )
    if fb is None or "customer_id" not in fb.columns or len(fb) == 0:
        return empty
    score = feedback_sentiment(ws, sentiment=sentiment, enriched=enriched)
    frame = pd.DataFrame(
        {
            "customer_id": fb["customer_id"].astype("string").to_numpy(dtype=object, na_value=None),
            "sentiment": score,
            "nps": pd.to_numeric(fb["nps"], errors="coerce").astype("float64").to_numpy()
            if "nps" in fb.columns
            else np.nan,
        }
    )
    frame = frame[frame["customer_id"].notna()]
    frame["complaint"] = np.where(
        frame["sentiment"].isna(), np.nan, (frame["sentiment"] < COMPLAINT_THRESHOLD).astype(float)
    )
    g = frame.groupby("customer_id", sort=False)
    out = pd.DataFrame(
        {
            "feedback_count": g.size().astype("float64"),
            "sentiment_mean": g["sentiment"].mean(),
            "nps_mean": g["nps"].mean(),
            "complaint_share": g["complaint"].mean(),
        }
    )
    out.index.name = "customer_id"
    if out["nps_mean"].isna().all():
        out = out.drop(columns="nps_mean")
    return out


def feedback_sentiment(
    ws: Workspace, *, sentiment: str = "auto", enriched: pd.DataFrame | None = None
) -> np.ndarray:
    """Sentiment (−1 … 1) per feedback row, in order: text sentiment or rating/NPS based.

    See :func:`build_features` for ``sentiment``. Rows without any signal are NaN.
    """
    fb = ws.feedback
    if enriched is not None and "sentiment_score" in enriched:
        return (
            pd.to_numeric(enriched["sentiment_score"], errors="coerce").astype("float64").to_numpy()
        )
    if sentiment in ("auto", "text") and "text" in fb.columns:
        return text_sentiment(fb)
    return rating_sentiment(fb)


def text_sentiment(fb: pd.DataFrame) -> np.ndarray:
    """Sentiment of every feedback text with the text module's scorer (:func:`cjwork.text.score_texts`).

    Only the scores: no touchpoint linking (which :func:`cjwork.text.enrich_feedback` adds and
    personas do not need), so a million comments stay cheap. The ``language`` column, where
    filled, overrides detection.
    """
    from cjwork.text import score_texts

    text = fb["text"].astype("string")
    empty = text.isna().to_numpy() | (text.str.strip() == "").fillna(True).to_numpy()
    text = text.fillna("")
    # Feedback repeats itself ("Alles gut", templates): each distinct (text, language) pair
    # is scored once and the score shared. The lexicon scores a text on its own; the few
    # corpus-wide facts (its vocabulary) are the same for the distinct texts as for all.
    key, _ = pd.factorize(text)
    key = key.astype(np.int64)
    languages = None
    if "language" in fb.columns:
        lang_codes, lang_levels = pd.factorize(fb["language"].astype("string"))
        key = key * (len(lang_levels) + 1) + (lang_codes.astype(np.int64) + 1)
    inverse, distinct = pd.factorize(key)
    first = np.empty(len(distinct), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)  # first row of each pair
    if "language" in fb.columns:
        languages = fb["language"].iloc[first].reset_index(drop=True)
    scored = score_texts(text.iloc[first].reset_index(drop=True), languages=languages)
    out = pd.to_numeric(scored["sentiment_score"], errors="coerce").to_numpy(dtype="float64")
    out = out[inverse]
    out[empty] = np.nan
    return out


def rating_sentiment(fb: pd.DataFrame) -> np.ndarray:
    """Sentiment from ``rating`` ((r − 3) / 2), else from ``nps`` ((n − 5) / 5); NaN when neither."""
    out = np.full(len(fb), np.nan)
    if "nps" in fb.columns:
        nps = pd.to_numeric(fb["nps"], errors="coerce").astype("float64").to_numpy()
        out = np.where(np.isnan(nps), out, (nps - 5.0) / 5.0)
    if "rating" in fb.columns:
        rating = pd.to_numeric(fb["rating"], errors="coerce").astype("float64").to_numpy()
        out = np.where(np.isnan(rating), out, (rating - 3.0) / 2.0)
    return np.clip(out, -1.0, 1.0)


def _slug(value: str) -> str:
    s = re.sub(r"[^0-9a-zA-Z]+", "_", str(value).strip().lower()).strip("_")
    return s or "unknown"


def _sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
