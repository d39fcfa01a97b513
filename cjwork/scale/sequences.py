"""The Dask side of :func:`cjwork.journeys.sequences.frames`: case frames per customer partition.

Each partition is prepared on a worker exactly as the local engine would prepare it
(:func:`cjwork.journeys.sequences.partition_frames`); since a case never spans customers,
concatenating the partitions gives the frames of the whole log, and every explore tool
(paths around, compare, cohorts, conformance) run on them gives the local tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cjwork.journeymap import JourneyMap, select_journeys
from cjwork.journeys.engine import DEFAULT_CASE_GAP
from cjwork.journeys.sequences import concat_frames, partition_frames
from cjwork.scale.dask_engine import dask_client, default_partitions, split_by_customer


def case_frames(
    events: pd.DataFrame,
    jmap: JourneyMap,
    journeys: str | Iterable[str] | None = None,
    *,
    scheduler: object = None,
    npartitions: int | None = None,
    case_gap: pd.Timedelta | str | None = DEFAULT_CASE_GAP,
    source: str = "events.csv",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(case_events, case_table)`` computed per customer partition on a Dask cluster.

    Parameters
    ----------
    events : DataFrame
    jmap : JourneyMap
    journeys : str or list of str, optional
    scheduler : str or distributed.Client, optional
        ``None`` starts a local cluster of 2 workers.
    npartitions : int, optional
        Default: 2 per worker thread.
    case_gap, source
        As in :func:`cjwork.journeys.engine.prepare`.
    """
    selected = select_journeys(jmap, journeys)
    with dask_client(scheduler) as client:
        n = npartitions or default_partitions(client, len(events))
        pieces = split_by_customer(events, n)
        futures = client.map(
            partition_frames,
            pieces,
            jmap=jmap,
            journeys=selected,
            case_gap=case_gap,
            source=source,
            pure=False,
        )
        parts = client.gather(futures)
    return concat_frames(parts)
