"""The generated event log of the journey benchmarks (``bench_events.py``, ``bench_scale.py``).

Cases on the four journeys of the bundled sample map (``cjwork/resources/sample/journeys.yml``),
generated chunk by chunk with vectorised numpy: case lengths from 1 to 12 events (one-event
cases included), drop-offs (a case stops part-way through its journey), loops (a jump to a
random touchpoint of the journey), timestamp ties (zero gaps) and a ``wait_s`` metric at the
touchpoints whose KPIs name it. Each benchmark picks a :class:`LogStyle` and writes the
chunks in its own format; the same style and seed always give the same events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

MAP = Path(__file__).resolve().parents[1] / "cjwork" / "resources" / "sample" / "journeys.yml"
LENGTHS = np.array([1, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12])
JOURNEY_SHARES = [0.3, 0.25, 0.35, 0.1]
START = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)


@dataclass(frozen=True)
class LogStyle:
    """How the generated log looks.

    Attributes
    ----------
    gaps : tuple of int
        Seconds between a case's events, drawn uniformly from these values.
    gap_jitter : int
        Up to this many extra seconds per gap (``0``: none; more distinct durations).
    repeats : float
        Share of events (after a case's first) that repeat the previous touchpoint.
    span_days : int
        Cases start uniformly within this many days from 2024-01-01.
    cases_per_customer : float
        Average number of cases per customer (customers are consecutive case ids).
    exact_chunks : bool
        Trim a chunk's last case so that the chunk holds exactly its share of events
        (else the chunk ends with the last whole case that fits).
    shuffle_block : int
        Shuffle rows within blocks of this many rows (rows out of time order); 0: none.
    """

    gaps: tuple[int, ...]
    gap_jitter: int = 0
    repeats: float = 0.0
    span_days: int = 365
    cases_per_customer: float = 2.0
    exact_chunks: bool = False
    shuffle_block: int = 0


EVENTS_STYLE = LogStyle(
    gaps=(0, 0, 10, 60, 300, 600, 3600, 7200, 86400, 259200),
    repeats=0.08,
    exact_chunks=True,
    shuffle_block=64,
)
"""``bench_events.py``: repeats, many ties, rows out of order, two cases per customer."""

SCALE_STYLE = LogStyle(
    gaps=(0, 10, 60, 300, 600, 3600, 7200, 86400, 259200),
    gap_jitter=60,
    span_days=730,
    cases_per_customer=2.5,
)
"""``bench_scale.py``: durations to the second over two years, ~2.5 cases per customer."""


@dataclass(frozen=True)
class Vocabulary:
    """Journey and touchpoint names of the map; chunk codes index into them."""

    journeys: np.ndarray
    touchpoints: np.ndarray
    n_touchpoints: np.ndarray
    offsets: np.ndarray
    is_wait: np.ndarray


def vocabulary(map_path: Path = MAP) -> Vocabulary:
    """The journeys and touchpoints of the sample map, in map order."""
    from cjwork.journeymap import load_journey_map

    journeys = list(load_journey_map(map_path).journeys)
    tp_names = [np.array([tp.id for tp in j.touchpoints]) for j in journeys]
    n_tp = np.array([len(t) for t in tp_names])
    all_tps = np.concatenate(tp_names)
    wait_tps = {tp.id for j in journeys for tp in j.touchpoints if "wait_s" in tp.kpis}
    return Vocabulary(
        journeys=np.array([j.id for j in journeys]),
        touchpoints=all_tps,
        n_touchpoints=n_tp,
        offsets=np.concatenate([[0], np.cumsum(n_tp)[:-1]]),
        is_wait=np.isin(all_tps, list(wait_tps)),
    )


def event_chunks(
    n_events: int, chunk: int, style: LogStyle, seed: int = 0, vocab: Vocabulary | None = None
) -> Iterator[dict[str, np.ndarray]]:
    """Yield the log chunk by chunk (about ``chunk`` events each, ``n_events`` in all).

    Each chunk is a dict of equally long arrays: ``case`` (global case number), ``customer``
    (customer number), ``journey`` and ``touchpoint`` (codes into :func:`vocabulary`),
    ``ts`` (seconds since the epoch) and ``wait_s`` (NaN where not measured). Every chunk
    holds new cases and customers, so a writer's memory stays flat.
    """
    v = vocab or vocabulary()
    n_tp, offsets = v.n_touchpoints, v.offsets
    rng = np.random.default_rng(seed)
    gap_pool = np.array(style.gaps)
    per_customer = Fraction(style.cases_per_customer).limit_denominator(100)
    written, case_base = 0, 0
    while written < n_events:
        target = min(chunk, n_events - written)
        n_cases = max(1, int(target / LENGTHS.mean()))
        lengths = rng.choice(LENGTHS, n_cases)
        if style.exact_chunks:
            lengths[-1] += max(0, target - lengths.sum())
            while lengths.sum() > target and len(lengths) > 1:  # trim to the target exactly
                excess = lengths.sum() - target
                if lengths[-1] > excess:
                    lengths[-1] -= excess
                else:
                    lengths = lengths[:-1]
        else:
            n_cases = int(np.searchsorted(np.cumsum(lengths), target, side="right")) or 1
            lengths = lengths[:n_cases]
        n_cases = len(lengths)
        e = int(lengths.sum())
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        case = np.repeat(np.arange(n_cases), lengths)
        pos = np.arange(e) - np.repeat(starts, lengths)
        journey = rng.choice(len(v.journeys), n_cases, p=JOURNEY_SHARES)
        depth = np.where(rng.random(n_cases) < 0.55, 1.0, rng.uniform(0.2, 1.0, n_cases))
        jr = journey[case]
        u = depth[case] * (pos + rng.random(e)) / lengths[case]
        local = np.minimum((u * n_tp[jr]).astype(np.int64), n_tp[jr] - 1)
        loop = rng.random(e) < 0.08
        local = np.where(loop, (rng.random(e) * n_tp[jr]).astype(np.int64), local)
        if style.repeats:
            rep = (rng.random(e) < style.repeats) & (pos > 0)
            prev = np.concatenate([[0], local[:-1]])
            local = np.where(rep, prev, local)
        tp = offsets[jr] + local
        gaps = rng.choice(gap_pool, e)
        if style.gap_jitter:
            gaps = gaps + rng.integers(0, style.gap_jitter, e)
        gaps[starts] = 0
        cs = np.cumsum(gaps)
        cs = cs - np.repeat(cs[starts], lengths)
        start_ts = START + rng.integers(0, style.span_days * 86400, n_cases)
        ts = start_ts[case] + cs
        wait = np.where(v.is_wait[tp], rng.gamma(2.0, 60.0, e).round(), np.nan)
        gid = case_base + case
        customer = gid * per_customer.denominator // per_customer.numerator
        out = {
            "case": gid,
            "customer": customer,
            "journey": jr,
            "touchpoint": tp,
            "ts": ts,
            "wait_s": wait,
        }
        if style.shuffle_block:
            b = style.shuffle_block
            perm = np.arange(e)
            full = e // b * b
            perm[:full] = rng.permuted(perm[:full].reshape(-1, b), axis=1).ravel()
            out = {k: a[perm] for k, a in out.items()}
        yield out
        written += e
        case_base += n_cases
