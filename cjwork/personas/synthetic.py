"""A fast, vectorised generator of customers with planted personas (for tests and benchmarks).

:func:`cjwork.sample` builds the full sample company with realistic feedback texts; this
module builds the same *shape* (customers, events, feedback, a journey map) in a few numpy
operations, so a benchmark can make a million customers in seconds and tests can make a few
hundred in milliseconds. The planted persona of every customer is returned beside the
workspace — it is never a feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cjwork.io.workspace import Workspace
from cjwork.journeymap import Journey, JourneyMap, Stage, Touchpoint

CHANNELS = ("app", "web", "email", "phone", "shop", "letter")

# journey -> [(stage, [touchpoints])]
_MAP = {
    "purchase": [
        ("orientation", ["tariff_calculator"]),
        ("offer", ["offer_email"]),
        ("order", ["order_form"]),
        ("confirmation", ["order_confirmation"]),
    ],
    "onboarding": [
        ("welcome", ["welcome_letter"]),
        ("installation", ["smart_meter_installation"]),
        ("billing", ["first_bill"]),
    ],
    "service": [("contact", ["hotline", "chat"]), ("resolution", ["resolution_email"])],
}
_TP_CHANNEL = {
    "tariff_calculator": "web",
    "offer_email": "email",
    "order_form": "web",
    "order_confirmation": "email",
    "welcome_letter": "letter",
    "smart_meter_installation": "field",
    "first_bill": "letter",
    "hotline": "phone",
    "chat": "app",
    "resolution_email": "email",
}

#: The planted personas: attribute distributions and behaviour.
PERSONAS = (
    {
        "name": "Digital-first young urban",
        "age": (29, 5),
        "tenure": (14, 8),
        "region": {"urban": 0.85, "suburban": 0.1, "rural": 0.05},
        "segment": {"private": 0.95, "business": 0.05},
        "channels": (0.5, 0.35, 0.1, 0.02, 0.02, 0.01),
        "cases": 3.0,
        "journeys": (0.5, 0.3, 0.2),
        "cont": 0.9,
        "rating": 4.2,
        "gap_h": 2.0,
    },
    {
        "name": "Phone-loyal older rural",
        "age": (67, 6),
        "tenure": (120, 30),
        "region": {"urban": 0.1, "suburban": 0.15, "rural": 0.75},
        "segment": {"private": 0.95, "business": 0.05},
        "channels": (0.02, 0.08, 0.1, 0.55, 0.1, 0.15),
        "cases": 1.5,
        "journeys": (0.2, 0.2, 0.6),
        "cont": 0.8,
        "rating": 3.0,
        "gap_h": 48.0,
    },
    {
        "name": "Price-hunting families suburban",
        "age": (41, 5),
        "tenure": (40, 15),
        "region": {"urban": 0.2, "suburban": 0.7, "rural": 0.1},
        "segment": {"private": 0.98, "business": 0.02},
        "channels": (0.15, 0.55, 0.15, 0.05, 0.08, 0.02),
        "cases": 2.5,
        "journeys": (0.7, 0.2, 0.1),
        "cont": 0.85,
        "order_cont": 0.3,
        "rating": 2.6,
        "gap_h": 12.0,
    },
    {
        "name": "Business customers",
        "age": (50, 8),
        "tenure": (70, 25),
        "region": {"urban": 0.6, "suburban": 0.3, "rural": 0.1},
        "segment": {"private": 0.05, "business": 0.95},
        "channels": (0.05, 0.2, 0.6, 0.1, 0.0, 0.05),
        "cases": 4.0,
        "journeys": (0.3, 0.3, 0.4),
        "cont": 0.9,
        "rating": 3.6,
        "gap_h": 6.0,
    },
    {
        "name": "Shop-visiting traditionalists",
        "age": (58, 6),
        "tenure": (90, 20),
        "region": {"urban": 0.3, "suburban": 0.5, "rural": 0.2},
        "segment": {"private": 0.95, "business": 0.05},
        "channels": (0.02, 0.08, 0.05, 0.15, 0.65, 0.05),
        "cases": 1.2,
        "journeys": (0.4, 0.4, 0.2),
        "cont": 0.85,
        "rating": 3.8,
        "gap_h": 72.0,
    },
)

_TEXTS = {
    -1: [
        "Die Rechnung war viel zu hoch, bitte melden Sie sich bei Herr Schmidt unter 0221 1234567.",
        "Hotline ewig besetzt, sehr ärgerlich.",
        "Terrible waiting time on the phone, write to anna@example.com.",
        "Bestellung abgebrochen, das Formular ist zu kompliziert.",
    ],
    0: ["Alles okay soweit.", "It was fine.", "Der Zählerwechsel hat geklappt."],
    1: [
        "Super schnelle App, gerne wieder!",
        "Great service, Frau Becker was very helpful.",
        "Sehr freundliche Beratung im Shop.",
    ],
}


def journey_map() -> JourneyMap:
    """The small journey map the generator uses (purchase, onboarding, service)."""
    journeys = []
    for jid, stages in _MAP.items():
        st_objs = []
        pos = 0
        for s_order, (sid, tps) in enumerate(stages):
            tp_objs = []
            for tid in tps:
                tp_objs.append(
                    Touchpoint(
                        id=tid,
                        name=tid.replace("_", " ").title(),
                        journey_id=jid,
                        stage_id=sid,
                        order=pos,
                        channel=_TP_CHANNEL[tid],
                        owner="Team",
                    )
                )
                pos += 1
            st_objs.append(
                Stage(
                    id=sid,
                    name=sid.title(),
                    journey_id=jid,
                    order=s_order,
                    touchpoints=tuple(tp_objs),
                )
            )
        journeys.append(Journey(id=jid, name=jid.title(), stages=tuple(st_objs), owner="Owner"))
    return JourneyMap(journeys=tuple(journeys), company="Synthetic GmbH")


def journeys_yml_text() -> str:
    """The generator's journey map as ``journeys.yml`` text (to write a data directory)."""
    lines = ["company: Synthetic GmbH", "journeys:"]
    for jid, stages in _MAP.items():
        lines += [f"  - id: {jid}", f"    name: {jid.title()}", "    owner: Owner", "    stages:"]
        for sid, tps in stages:
            lines += [f"      - id: {sid}", f"        name: {sid.title()}", "        touchpoints:"]
            for tid in tps:
                lines += [
                    f"          - id: {tid}",
                    f"            name: {tid.replace('_', ' ').title()}",
                    f"            channel: {_TP_CHANNEL[tid]}",
                    "            owner: Team",
                ]
    return "\n".join(lines) + "\n"


def make_persona_workspace(
    n_customers: int = 1000,
    n_personas: int = 4,
    *,
    seed: int = 0,
    feedback_rate: float = 0.3,
    weights: tuple[float, ...] | None = None,
) -> tuple[Workspace, pd.DataFrame]:
    """Customers, events and feedback with ``n_personas`` planted personas.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    n_personas : int
        How many of the planted personas (1 … 5) to use.
    seed : int
        Random seed; the same seed gives the same data.
    feedback_rate : float
        Share of customers who leave feedback.
    weights : tuple of float, optional
        Persona shares (default: equal).

    Returns
    -------
    (Workspace, DataFrame)
        The workspace (path ``<synthetic>``) and the planted truth
        (``customer_id``, ``persona_id``, ``persona_name``).
    """
    if not 1 <= n_personas <= len(PERSONAS):
        raise ValueError(f"n_personas must be between 1 and {len(PERSONAS)}, got {n_personas}")
    rng = np.random.default_rng(seed)
    personas = PERSONAS[:n_personas]
    w = np.asarray(weights if weights is not None else [1.0] * n_personas, dtype=float)
    truth = rng.choice(n_personas, size=n_customers, p=w / w.sum())
    ids = np.char.add("C", np.char.zfill(np.arange(1, n_customers + 1).astype(str), 7)).astype(
        object
    )

    def per(key: str, idx: int | None = None) -> np.ndarray:
        vals = np.array([p[key] if idx is None else p[key][idx] for p in personas], dtype=float)
        return vals[truth]

    age = np.clip(rng.normal(per("age", 0), per("age", 1)), 18, 95).round()
    tenure = np.clip(rng.normal(per("tenure", 0), per("tenure", 1)), 0, None).round()
    region = _draw_categorical(rng, truth, [p["region"] for p in personas])
    segment = _draw_categorical(rng, truth, [p["segment"] for p in personas])
    customers = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "age": age,
            "tenure_months": tenure,
            "region": pd.Categorical(region),
            "segment": pd.Categorical(segment),
            "email": pd.array(
                np.char.add(ids.astype(str), "@example.org").astype(object), dtype="string"
            ),
        }
    )

    events = _events(rng, ids, truth, personas)
    feedback = _feedback(rng, ids, truth, personas, feedback_rate)
    ws = Workspace(
        path=Path("<synthetic>"),
        journeys=journey_map(),
        customers=customers,
        events=events,
        feedback=feedback,
    )
    truth_df = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "persona_id": truth + 1,
            "persona_name": np.array([p["name"] for p in personas], dtype=object)[truth],
        }
    )
    return ws, truth_df


def _draw_categorical(rng, truth, dists):
    cats = sorted({c for d in dists for c in d})
    probs = np.array([[d.get(c, 0.0) for c in cats] for d in dists])
    probs = probs / probs.sum(axis=1, keepdims=True)
    cum = np.cumsum(probs, axis=1)[truth]
    u = rng.random(len(truth))[:, None]
    return np.array(cats, dtype=object)[(u > cum).sum(axis=1).clip(max=len(cats) - 1)]


def _events(rng, ids, truth, personas) -> pd.DataFrame:
    n_cases = rng.poisson(np.array([p["cases"] for p in personas])[truth]) + 1
    case_cust = np.repeat(np.arange(len(ids)), n_cases)
    case_pers = truth[case_cust]
    jprobs = np.array([p["journeys"] for p in personas])
    cum = np.cumsum(jprobs, axis=1)[case_pers]
    jidx = (rng.random(len(case_cust))[:, None] > cum).sum(axis=1).clip(max=len(_MAP) - 1)
    journeys = list(_MAP)
    n_stages = np.array([len(_MAP[j]) for j in journeys])[jidx]
    max_st = int(n_stages.max())
    cont = np.array([p["cont"] for p in personas])[case_pers]
    probs = np.repeat(cont[:, None], max_st, axis=1)
    probs[:, 0] = 1.0
    # planted: persona with order_cont drops off at stage "order" of purchase (stage index 2)
    order_cont = np.array([p.get("order_cont", p["cont"]) for p in personas])[case_pers]
    is_purchase = jidx == journeys.index("purchase")
    probs[is_purchase, 2] = order_cont[is_purchase]
    reached = np.cumprod(rng.random(probs.shape) < probs, axis=1).astype(bool)
    reached &= np.arange(max_st)[None, :] < n_stages[:, None]
    depth = reached.sum(axis=1)
    ev_case = np.repeat(np.arange(len(case_cust)), depth)
    starts = np.repeat(np.cumsum(depth) - depth, depth)
    ev_stage = np.arange(len(ev_case)) - starts
    # touchpoint: a random touchpoint of the stage
    tp_table = [[tps for _, tps in _MAP[j]] for j in journeys]
    ev_j = jidx[ev_case]
    n_tp = np.array(
        [
            [len(tp_table[j][s]) if s < len(tp_table[j]) else 1 for s in range(max_st)]
            for j in range(len(journeys))
        ]
    )
    pick = (rng.random(len(ev_case)) * n_tp[ev_j, ev_stage]).astype(int)
    tp_names = np.array(
        [
            [
                [
                    tp_table[j][s][k] if s < len(tp_table[j]) and k < len(tp_table[j][s]) else ""
                    for k in range(2)
                ]
                for s in range(max_st)
            ]
            for j in range(len(journeys))
        ],
        dtype=object,
    )
    touchpoint = tp_names[ev_j, ev_stage, pick]
    ev_pers = case_pers[ev_case]
    ccum = np.cumsum(np.array([p["channels"] for p in personas]), axis=1)
    ccum = ccum / ccum[:, -1:]
    channel = np.array(CHANNELS, dtype=object)[
        (rng.random(len(ev_case))[:, None] > ccum[ev_pers]).sum(axis=1).clip(max=len(CHANNELS) - 1)
    ]
    base = pd.Timestamp("2025-01-01", tz="UTC").value // 10**9
    case_start = base + rng.integers(0, 365 * 86400, len(case_cust))
    gap_mean = np.array([p["gap_h"] for p in personas])[ev_pers] * 3600.0
    gaps = np.where(ev_stage == 0, 0.0, rng.exponential(gap_mean))
    csum = np.cumsum(gaps)
    offs = csum - np.repeat(csum[np.cumsum(depth) - depth], depth)
    ts = case_start[ev_case] + offs.astype(np.int64)
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids[case_cust[ev_case]], dtype="string"),
            "timestamp": pd.to_datetime(ts, unit="s", utc=True),
            "journey": pd.Categorical.from_codes(ev_j, categories=journeys),
            "touchpoint": pd.Categorical(touchpoint),
            "channel": pd.Categorical(channel),
            "case_id": pd.array(
                np.char.add("K", (ev_case + 1).astype(str)).astype(object), dtype="string"
            ),
        }
    )


def _feedback(rng, ids, truth, personas, rate) -> pd.DataFrame:
    gives = rng.random(len(ids)) < rate
    cust = np.flatnonzero(gives)
    mean = np.array([p["rating"] for p in personas])[truth[cust]]
    rating = np.clip(np.rint(rng.normal(mean, 0.8)), 1, 5)
    nps = np.clip(np.rint((rating - 1) * 2.5 + rng.normal(0, 1, len(cust))), 0, 10)
    polarity = np.where(rating <= 2, -1, np.where(rating >= 4, 1, 0))
    texts = np.empty(len(cust), dtype=object)
    for pol, options in _TEXTS.items():
        m = polarity == pol
        texts[m] = np.array(options, dtype=object)[rng.integers(0, len(options), m.sum())]
    return pd.DataFrame(
        {
            "feedback_id": pd.array(
                np.char.add("F", (np.arange(len(cust)) + 1).astype(str)).astype(object),
                dtype="string",
            ),
            "customer_id": pd.array(ids[cust], dtype="string"),
            "text": pd.array(texts, dtype="string"),
            "rating": pd.array(rating, dtype="Float64"),
            "nps": pd.array(nps, dtype="Float64"),
        }
    )


# --------------------------------------------------------------------------- varied companies


@dataclass(frozen=True)
class CompanySpec:
    """The shape of a generated company with planted personas (see :func:`make_company`).

    Attributes
    ----------
    name : str
        Label in the benchmark table.
    n_customers : int
    sizes : tuple of float
        Persona shares (normalised); ``len(sizes)`` is the true number of personas.
    kinds : tuple of str
        Per persona: ``"both"`` (differs in attributes and behaviour), ``"attributes"``
        (behaves like the base) or ``"behaviour"`` (has the base attributes).
    numeric : tuple of str
        Attribute columns that carry personas; a name ending in ``"*"`` is log-normal
        (premiums, incomes, consumption), the others normal.
    categorical : tuple of str
        Categorical attribute columns that carry personas (4 to 6 levels each).
    noise_numeric, noise_categorical : int
        Pure-noise columns (normal, log-normal and uniform; 3 to 8 levels).
    missing : float
        Share of attribute values set missing (completely at random).
    separation : float
        Minimum distance between two personas' attribute means, in within-persona
        standard deviations (over all numeric attributes).
    """

    name: str
    n_customers: int
    sizes: tuple[float, ...]
    kinds: tuple[str, ...]
    numeric: tuple[str, ...] = ("age", "tenure_months", "annual_premium*")
    categorical: tuple[str, ...] = ("segment",)
    noise_numeric: int = 0
    noise_categorical: int = 0
    missing: float = 0.0
    separation: float = 3.0


#: The companies of the persona quality benchmark (``benchmarks/bench_personas_quality.py``).
#: Their seeds decide everything else (means, mixes, draws): development runs use other
#: seeds than the reported ones.
COMPANIES: tuple[CompanySpec, ...] = (
    CompanySpec(
        "insurer",
        4000,
        (0.30, 0.25, 0.2, 0.15, 0.10),
        ("both",) * 5,
        numeric=("age", "tenure_months", "annual_premium*", "household_size"),
        categorical=("segment",),
    ),
    CompanySpec(
        "small utility, noisy",
        500,
        (0.5, 0.3, 0.2),
        ("both", "attributes", "attributes"),
        numeric=("age", "annual_kwh*", "tenure_months"),
        categorical=("tariff",),
        noise_numeric=3,
        noise_categorical=1,
        missing=0.05,
    ),
    CompanySpec(
        "telco, behaviour only",
        8000,
        (0.4, 0.3, 0.2, 0.1),
        ("behaviour",) * 4,
        numeric=("age", "monthly_bill*"),
        categorical=("region",),
    ),
    CompanySpec(
        "bank, mixed",
        20000,
        (0.35, 0.2, 0.15, 0.12, 0.1, 0.08),
        ("attributes", "attributes", "attributes", "behaviour", "behaviour", "both"),
        numeric=("age", "income*", "balance*", "tenure_months"),
        categorical=("segment", "product"),
        noise_numeric=2,
        missing=0.02,
    ),
    CompanySpec(
        "retailer, eight personas",
        30000,
        (0.2, 0.18, 0.15, 0.13, 0.11, 0.09, 0.08, 0.06),
        ("both",) * 8,
        numeric=("age", "basket_value*", "orders_per_year*", "tenure_months"),
        categorical=("loyalty_tier", "region"),
        noise_numeric=2,
        noise_categorical=1,
        missing=0.03,
    ),
    CompanySpec(
        "b2b, two personas, many noise columns",
        3000,
        (0.95, 0.05),
        ("both", "both"),
        numeric=("employees*", "contract_value*", "tenure_months"),
        categorical=("industry",),
        noise_numeric=6,
        noise_categorical=2,
        missing=0.1,
    ),
)

#: An optional big company (``--big``): 200,000 customers.
BIG_COMPANY = CompanySpec(
    "energy, big",
    200_000,
    (0.3, 0.25, 0.2, 0.15, 0.1),
    ("both", "both", "attributes", "behaviour", "both"),
    numeric=("age", "annual_kwh*", "tenure_months"),
    categorical=("segment", "tariff"),
    noise_numeric=2,
    missing=0.02,
)


def _spread_means(rng, k: int, d: int, separation: float) -> np.ndarray:
    """k mean vectors in d dimensions, pairwise at least ``separation`` apart (rejection)."""
    scale = max(separation, 1.0) * 1.2
    best, best_gap = None, -1.0
    for _ in range(200):
        m = rng.normal(0.0, scale, size=(k, d))
        gap = min(
            (np.linalg.norm(m[i] - m[j]) for i in range(k) for j in range(i + 1, k)),
            default=np.inf,
        )
        if gap >= separation:
            return m
        if gap > best_gap:
            best, best_gap = m, gap
    return best * (separation / max(best_gap, 1e-9))


def _behaviour(rng) -> dict:
    return {
        "channels": tuple(rng.dirichlet(np.full(len(CHANNELS), 0.4))),
        "cases": float(rng.uniform(0.5, 5.0)),
        "journeys": tuple(rng.dirichlet(np.full(3, 0.7))),
        "cont": float(rng.uniform(0.6, 0.95)),
        "rating": float(rng.uniform(2.0, 4.5)),
        "gap_h": float(np.exp(rng.uniform(np.log(1.0), np.log(96.0)))),
    }


def make_company(spec: CompanySpec, seed: int = 0) -> tuple[Workspace, pd.DataFrame]:
    """A company with planted personas of the given shape (customers, events, feedback).

    Persona attribute means are spread at least ``spec.separation`` within-persona standard
    deviations apart; log-normal columns are ``exp`` of such a normal (so skewed, positive);
    each categorical has a dominant level per persona (probability 0.55 to 0.8). Behaviour
    per persona: its own channel mix, journey mix, activity (journey runs), continuation
    and time between touchpoints. Personas of kind ``"attributes"`` share one base
    behaviour, personas of kind ``"behaviour"`` share the base attributes.

    Returns
    -------
    (Workspace, DataFrame)
        The workspace and the planted truth (``customer_id``, ``persona_id`` 1 … k).
    """
    rng = np.random.default_rng(seed)
    k = len(spec.sizes)
    if len(spec.kinds) != k:
        raise ValueError("spec.kinds must give one kind per persona")
    n = spec.n_customers
    w = np.asarray(spec.sizes, dtype=float)
    # exact sizes (shares of n), then shuffled
    counts = np.floor(w / w.sum() * n).astype(int)
    counts[0] += n - counts.sum()
    truth = rng.permutation(np.repeat(np.arange(k), counts))
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)

    d = len(spec.numeric)
    means = _spread_means(rng, k + 1, d, spec.separation)  # row k: the base
    cat_levels = [int(rng.integers(4, 7)) for _ in spec.categorical]
    cat_mode = rng.integers(0, 6, size=(k + 1, len(spec.categorical)))
    cat_strength = rng.uniform(0.55, 0.8, size=(k + 1, len(spec.categorical)))
    attr_row = np.array([i if spec.kinds[i] != "behaviour" else k for i in range(k)])
    base_beh = _behaviour(rng)
    behaviours = [base_beh if spec.kinds[i] == "attributes" else _behaviour(rng) for i in range(k)]

    cols: dict[str, object] = {"customer_id": pd.array(ids, dtype="string")}
    row = attr_row[truth]
    for j, name in enumerate(spec.numeric):
        z = means[row, j] + rng.normal(0.0, 1.0, n)
        if name.endswith("*"):
            cols[name[:-1]] = np.round(np.exp(5.0 + 0.45 * z), 2)
        else:
            cols[name] = np.round(40.0 + 8.0 * z, 1)
    for j, name in enumerate(spec.categorical):
        levels = cat_levels[j]
        mode = cat_mode[row, j] % levels
        strong = rng.random(n) < cat_strength[row, j]
        value = np.where(strong, mode, rng.integers(0, levels, n))
        cols[name] = np.array([f"{name}_{chr(97 + v)}" for v in range(levels)], dtype=object)[value]
    for j in range(spec.noise_numeric):
        kind = j % 3
        cols[f"noise_{j + 1}"] = (
            rng.normal(50.0, 10.0, n)
            if kind == 0
            else np.round(np.exp(rng.normal(3.0, 0.8, n)), 2)
            if kind == 1
            else rng.uniform(0.0, 100.0, n)
        )
    for j in range(spec.noise_categorical):
        levels = 3 + (j * 2) % 6
        cols[f"noise_cat_{j + 1}"] = np.array([f"v{v}" for v in range(levels)], dtype=object)[
            rng.integers(0, levels, n)
        ]
    customers = pd.DataFrame(cols)
    if spec.missing > 0:
        for col in customers.columns[1:]:
            miss = rng.random(n) < spec.missing
            customers[col] = customers[col].where(~miss)
    for col in customers.columns[1:]:
        if customers[col].dtype == object:
            customers[col] = customers[col].astype("string")

    legacy_rng = np.random.default_rng(rng.integers(2**31))
    events = _events(legacy_rng, ids, truth, behaviours)
    feedback = _feedback(legacy_rng, ids, truth, behaviours, 0.3)
    ws = Workspace(
        path=Path("<synthetic>"),
        journeys=journey_map(),
        customers=customers,
        events=events,
        feedback=feedback,
    )
    truth_df = pd.DataFrame({"customer_id": pd.array(ids, dtype="string"), "persona_id": truth + 1})
    return ws, truth_df
