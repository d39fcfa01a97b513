"""Journey instances (cases): given by ``case_id`` or derived per customer and journey.

The rule (also in :mod:`cjwork.journeys.engine` and the README):

* With a ``case_id`` the case is ``(journey, case_id)`` as given.
* Without one (no column, or an empty cell) events of one customer in one journey are
  taken in time order and a **new case starts** at the customer's first event, after an
  inactivity gap longer than ``case_gap`` (30 days by default), or when a touchpoint of the
  journey's first stage follows a touchpoint of a later stage. Derived case keys are
  ``customer_id#n`` (``n`` = 1, 2, … per customer and journey).
* Ties: events with identical timestamps keep the order of the input (``_row``).
* Duplicates: an event with the same touchpoint and timestamp as the event right before it
  in its case is dropped (``dedupe=True``).

Both tables are built with window functions partitioned by case, so a log partitioned by
customer gives exactly the union of the per-partition tables.
"""

from __future__ import annotations

import pandas as pd

from cjwork.journeys.casebuild import variant_sql
from cjwork.journeys.engine import Prepared

CASE_COLUMNS = [
    "journey",
    "case_id",
    "customer_id",
    "start_ts",
    "end_ts",
    "n_events",
    "depth",
    "complete",
    "channel",
    "variant",
]


def cases(prep: Prepared, journey: str | None = None) -> pd.DataFrame:
    """The cases of the selected journeys as pandas (for inspection and small logs).

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS` with ``variant`` as the touchpoint ids joined by ``" > "``,
        sorted by journey (map order) and ``case_id``.
    """
    where = "WHERE c.journey = ?" if journey else ""
    df = prep.df(
        f"""WITH nm AS (SELECT journey, list(touchpoint ORDER BY tp_idx) AS names FROM tpmap GROUP BY journey)
            SELECT c.*, {variant_sql(prep.con, "c")} AS variant FROM case_table c JOIN nm USING (journey) {where}""",
        [journey] if journey else [],
    )
    df = prep.order_journeys(df).sort_values(["_j", "case_id"], kind="mergesort")
    return df[CASE_COLUMNS].reset_index(drop=True)
