"""The report notebook's parameters: defaults, validation, and parsing ``-p NAME VALUE``.

The notebook ``notebooks/journey_report.ipynb`` has exactly one cell tagged ``parameters``
with the defaults in :data:`DEFAULTS`; the next cell calls :func:`validate_params`, which
raises a :class:`~cjwork.errors.UsageError` naming the parameter, the value received and
what is allowed (an unknown journey id lists the known ones).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cjwork.errors import UsageError

PERIODS = ("week", "month", "quarter")
LANGUAGES = ("en", "de")

#: The defaults of the report notebook's ``parameters`` cell (kept in sync by a test).
DEFAULTS: dict[str, Any] = {
    "data_dir": "../data/sample",
    "journey": "onboarding",
    "period": "month",
    "n_personas": "auto",
    "language": "en",
    "seed": 42,
    "lenient": False,
    "top_n": 3,
    "cache_dir": "",
}


@dataclass(frozen=True)
class ReportParams:
    """Validated report parameters.

    Attributes
    ----------
    data_dir : Path
        The data directory (resolved).
    journey : str
        The journey id, known to the data directory's ``journeys.yml``.
    period : str
        ``week``, ``month`` or ``quarter``.
    n_personas : str or int
        ``"auto"`` or an int >= 2.
    language : str
        ``en`` or ``de``: the language of the report's prose.
    seed : int
        The seed of every random step.
    lenient : bool
        Whether rows the loader rejects are reported instead of failing the report.
    top_n : int
        How many pains, delights and quick wins the summary lists.
    cache_dir : str
        Where the batch runner put tables shared by all journeys (empty: compute them).
    """

    data_dir: Path
    journey: str
    period: str
    n_personas: str | int
    language: str
    seed: int
    lenient: bool = False
    top_n: int = 3
    cache_dir: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON-able values."""
        d = asdict(self)
        d["data_dir"] = str(self.data_dir)
        return d


def validate_params(
    data_dir: str | Path = DEFAULTS["data_dir"],
    journey: str = DEFAULTS["journey"],
    period: str = DEFAULTS["period"],
    n_personas: str | int = DEFAULTS["n_personas"],
    language: str = DEFAULTS["language"],
    seed: int = DEFAULTS["seed"],
    lenient: bool = DEFAULTS["lenient"],
    top_n: int = DEFAULTS["top_n"],
    cache_dir: str = DEFAULTS["cache_dir"],
    **unknown: Any,
) -> ReportParams:
    """Check the report parameters and return them resolved.

    Parameters
    ----------
    data_dir : str or Path
        A data directory with a ``journeys.yml``.
    journey : str
        A journey id of that ``journeys.yml``.
    period : {'week', 'month', 'quarter'}
        The period the key figures and trends are compared by.
    n_personas : 'auto' or int
        The number of personas, or ``'auto'`` to choose it from the data.
    language : {'en', 'de'}
        The language of the report.
    seed : int
        Seed of every random step.
    lenient : bool
        Report rejected rows instead of failing.
    top_n : int
        Length of the top lists in the summary (>= 1).
    cache_dir : str
        Directory of shared tables written by the batch runner ("" to compute them).
    **unknown
        Any other name is an error (a typo in ``-p NAME VALUE``).

    Returns
    -------
    ReportParams

    Raises
    ------
    UsageError
        Naming the parameter, the value received and what is allowed.
    """
    from cjwork.journeymap import load_journey_map

    if unknown:
        names = ", ".join(sorted(unknown))
        raise UsageError(
            f"unknown report parameter(s): {names}; known parameters: {', '.join(DEFAULTS)}"
        )
    if period not in PERIODS:
        raise UsageError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    if language not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    if isinstance(n_personas, bool) or not (
        n_personas == "auto" or (isinstance(n_personas, int) and n_personas >= 2)
    ):
        raise UsageError(f"n_personas must be 'auto' or an int >= 2, got {n_personas!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be an int >= 0, got {seed!r}")
    if not isinstance(lenient, bool):
        raise UsageError(f"lenient must be True or False, got {lenient!r}")
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise UsageError(f"top_n must be an int >= 1, got {top_n!r}")

    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise UsageError(
            f"data_dir {str(data_dir)!r} is not a directory (resolved to {path.resolve()})"
        )
    journey_map = load_journey_map(path / "journeys.yml")
    known = journey_map.journey_ids
    if journey not in known:
        raise UsageError(
            f"unknown journey id {journey!r} in {path / 'journeys.yml'}; known journeys: {', '.join(known)}"
        )
    return ReportParams(
        data_dir=path.resolve(),
        journey=journey,
        period=period,
        n_personas=n_personas,
        language=language,
        seed=seed,
        lenient=lenient,
        top_n=top_n,
        cache_dir=str(cache_dir or ""),
    )


def parse_value(text: str) -> Any:
    """Turn a ``-p NAME VALUE`` string into a plain literal.

    ``"3"`` → 3, ``"0.5"`` → 0.5, ``"true"``/``"false"`` → bool, ``"none"`` → None,
    anything else stays a string (``"auto"``, ``"de"``).
    """
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_cli_params(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into a parameter dict, rejecting names the report does not have.

    ``data_dir`` and ``journey`` are set by the runner and cannot be given with ``-p``.
    """
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name in ("data_dir", "journey", "cache_dir"):
            raise UsageError(
                f"-p {name} is set by the runner; give the data directory as DATA_DIR and journeys with --journey"
            )
        if name not in DEFAULTS:
            raise UsageError(
                f"unknown report parameter {name!r} in -p {name} {value}; known parameters: "
                + ", ".join(k for k in DEFAULTS if k not in ("data_dir", "journey", "cache_dir"))
            )
        params[name] = parse_value(value)
    return params


OWNER_DEFAULTS: dict[str, Any] = {
    "data_dir": "../data/sample",
    "owner": "Billing",
    "period": "month",
    "language": "en",
    "seed": 42,
    "lenient": False,
    "cache_dir": "",
}


@dataclass(frozen=True)
class OwnerParams:
    """Validated parameters of the owner report (``notebooks/owner_report.ipynb``)."""

    data_dir: Path
    owner: str
    period: str
    language: str
    seed: int
    lenient: bool = False
    cache_dir: str = ""


def validate_owner_params(
    data_dir: str | Path = OWNER_DEFAULTS["data_dir"],
    owner: str = OWNER_DEFAULTS["owner"],
    period: str = OWNER_DEFAULTS["period"],
    language: str = OWNER_DEFAULTS["language"],
    seed: int = OWNER_DEFAULTS["seed"],
    lenient: bool = OWNER_DEFAULTS["lenient"],
    cache_dir: str = OWNER_DEFAULTS["cache_dir"],
    **unknown: Any,
) -> OwnerParams:
    """Check the owner report's parameters; an unknown owner lists the owners of the map.

    The checks of :func:`validate_params` apply to the shared parameters.
    """
    from cjwork.journeymap import load_journey_map
    from cjwork.reports.owners import check_owner

    if unknown:
        raise UsageError(
            f"unknown owner-report parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(OWNER_DEFAULTS)}"
        )
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise UsageError(
            f"data_dir {str(data_dir)!r} is not a directory (resolved to {path.resolve()})"
        )
    journey_map = load_journey_map(path / "journeys.yml")
    checked = validate_params(
        data_dir=path,
        journey=journey_map.journey_ids[0],
        period=period,
        language=language,
        seed=seed,
        lenient=lenient,
    )
    check_owner(journey_map, owner)
    return OwnerParams(
        data_dir=checked.data_dir,
        owner=owner,
        period=checked.period,
        language=checked.language,
        seed=checked.seed,
        lenient=checked.lenient,
        cache_dir=str(cache_dir or ""),
    )
