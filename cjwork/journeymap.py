"""``journeys.yml`` → :class:`JourneyMap` / :class:`Journey` / :class:`Stage` / :class:`Touchpoint`.

The journey map is the backbone of a workspace: journeys are ordered stages, stages are
ordered touchpoints, each touchpoint has a channel, an owner, a vocabulary (how feedback
text refers to it, in German and English) and KPI targets for process metrics.

Only safe YAML is read (``yaml.SafeLoader``); every rule that is broken is reported with
the line it is on, all at once (:class:`~cjwork.errors.JourneyMapError`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cjwork.errors import JourneyMapError, Problem

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGES = ("de", "en")
KPI_DIRECTIONS = ("lower", "higher")

_TOP_KEYS = {"company", "version", "timezone", "language", "description", "journeys"}
_JOURNEY_KEYS = {"id", "name", "owner", "description", "stages", "themes", "cases"}
_STAGE_KEYS = {"id", "name", "description", "touchpoints"}
_TOUCHPOINT_KEYS = {"id", "name", "channel", "owner", "description", "keywords", "kpis"}
_KPI_KEYS = {"target", "better", "unit", "name"}


@dataclass(frozen=True)
class KpiTarget:
    """A target for one numeric process metric observed at a touchpoint.

    ``better="lower"`` means values at or below ``target`` are within target.
    """

    metric: str
    target: float
    better: str = "lower"
    unit: str | None = None
    name: str | None = None

    def within(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return value <= self.target if self.better == "lower" else value >= self.target


@dataclass(frozen=True)
class Touchpoint:
    """One touchpoint: a moment where the customer meets the company."""

    id: str
    name: str
    journey_id: str
    stage_id: str
    order: int
    channel: str | None = None
    owner: str | None = None
    description: str | None = None
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kpis: dict[str, KpiTarget] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """An ordered step of a journey holding its touchpoints in order."""

    id: str
    name: str
    journey_id: str
    order: int
    touchpoints: tuple[Touchpoint, ...]
    description: str | None = None


@dataclass(frozen=True)
class Journey:
    """A journey: ordered stages, an owner."""

    id: str
    name: str
    stages: tuple[Stage, ...]
    owner: str | None = None
    description: str | None = None
    themes: tuple = ()  # ``themes:`` as written (validated by cjwork.text.themes.parse_seeds)
    cases: dict = field(default_factory=dict)  # ``cases:`` (validated by cjwork.loop.cases)

    @property
    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """All touchpoints of the journey in map order (stage by stage)."""
        return tuple(tp for st in self.stages for tp in st.touchpoints)

    def stage_of(self, touchpoint_id: str) -> Stage:
        """The stage that holds ``touchpoint_id``."""
        for st in self.stages:
            if any(tp.id == touchpoint_id for tp in st.touchpoints):
                return st
        raise KeyError(touchpoint_id)


@dataclass(frozen=True)
class JourneyMap:
    """The whole map of one workspace."""

    journeys: tuple[Journey, ...]
    company: str | None = None
    version: str | None = None
    timezone: str = "UTC"
    language: str = "de"
    description: str | None = None
    source: str = "journeys.yml"

    def __iter__(self) -> Iterator[Journey]:
        return iter(self.journeys)

    def __len__(self) -> int:
        return len(self.journeys)

    @property
    def journey_ids(self) -> list[str]:
        """Journey ids in file order."""
        return [j.id for j in self.journeys]

    @property
    def touchpoint_ids(self) -> list[str]:
        """All touchpoint ids in file order."""
        return [tp.id for j in self.journeys for tp in j.touchpoints]

    def journey(self, journey_id: str) -> Journey:
        """Return the journey ``journey_id``; unknown ids raise a :class:`KeyError` naming the close ones."""
        for j in self.journeys:
            if j.id == journey_id:
                return j
        raise KeyError(unknown_id_message("journey", journey_id, self.journey_ids))

    def touchpoint(self, touchpoint_id: str) -> Touchpoint:
        """Return the touchpoint ``touchpoint_id`` from any journey."""
        for j in self.journeys:
            for tp in j.touchpoints:
                if tp.id == touchpoint_id:
                    return tp
        raise KeyError(unknown_id_message("touchpoint", touchpoint_id, self.touchpoint_ids))

    def touchpoints_frame(self) -> pd.DataFrame:
        """One row per touchpoint in map order.

        Columns: ``journey``, ``journey_name``, ``stage``, ``stage_name``, ``stage_order``,
        ``touchpoint``, ``touchpoint_name``, ``touchpoint_order`` (position within the
        journey), ``channel``, ``owner``, ``journey_owner``.
        """
        rows = []
        for j in self.journeys:
            pos = 0
            for st in j.stages:
                for tp in st.touchpoints:
                    rows.append(
                        {
                            "journey": j.id,
                            "journey_name": j.name,
                            "stage": st.id,
                            "stage_name": st.name,
                            "stage_order": st.order,
                            "touchpoint": tp.id,
                            "touchpoint_name": tp.name,
                            "touchpoint_order": pos,
                            "channel": tp.channel,
                            "owner": tp.owner,
                            "journey_owner": j.owner,
                        }
                    )
                    pos += 1
        return pd.DataFrame(rows)

    def kpis_frame(self) -> pd.DataFrame:
        """One row per KPI target: ``journey``, ``touchpoint``, ``metric``, ``target``, ``better``, ``unit``."""
        rows = [
            {
                "journey": j.id,
                "touchpoint": tp.id,
                "metric": k.metric,
                "target": k.target,
                "better": k.better,
                "unit": k.unit,
            }
            for j in self.journeys
            for tp in j.touchpoints
            for k in tp.kpis.values()
        ]
        return pd.DataFrame(
            rows, columns=["journey", "touchpoint", "metric", "target", "better", "unit"]
        )


def closest(value: str, known: list[str], n: int = 3) -> list[str]:
    """The known ids closest to ``value`` (by spelling), best first."""
    return difflib.get_close_matches(str(value), known, n=n, cutoff=0.5)


def unknown_id_message(kind: str, value: str, known: list[str]) -> str:
    """A sentence naming an unknown id and the closest known ones."""
    near = closest(value, known)
    hint = f"; closest known: {', '.join(near)}" if near else f"; known: {', '.join(known[:10])}"
    return f"unknown {kind} id '{value}'{hint}"


# --------------------------------------------------------------------------- loading


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key."""


class _LineDict(dict):
    line: int = 0
    key_lines: dict[str, int]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        value = loader.construct_object(value_node, deep=True)
        mapping[key] = value
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _plain(value: Any) -> Any:
    """YAML values as plain dicts and lists (no line-tracking mappings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_journey_map(path: str | Path) -> JourneyMap:
    """Read and validate a ``journeys.yml`` file.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    JourneyMap

    Raises
    ------
    JourneyMapError
        With one :class:`~cjwork.errors.Problem` per broken rule, each naming the line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise JourneyMapError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"file not found at {path}; every workspace needs a journeys.yml (start from templates/journeys.yml)",
                )
            ],
            summary=f"cannot read the journey map {path}",
        ) from None
    text = raw.decode("utf-8-sig", errors="replace")
    return parse_journey_map(text, source=path.name)


def parse_journey_map(text: str, source: str = "journeys.yml") -> JourneyMap:
    """Validate journey-map YAML given as text; see :func:`load_journey_map`."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        message = f"not valid YAML: {reason}; check indentation and quoting near this line"
        if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(reason):
            message = (
                f"{str(reason).split(' for ')[-1]} is not allowed: journeys.yml is read as "
                "plain, safe YAML (no !!python/... or other tags); remove the tag"
            )
        raise JourneyMapError(
            [
                Problem(
                    source,
                    line,
                    None,
                    message,
                )
            ],
            summary=f"cannot parse {source}",
        ) from None
    return _Builder(source).build(doc)


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.seen_touchpoints: dict[str, int] = {}

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, line, column, message))

    def _keys(self, d: _LineDict, allowed: set[str], where: str) -> None:
        for key in d:
            if key not in allowed:
                near = closest(str(key), sorted(allowed), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                if key == "touchpoints" and "stages" in allowed:
                    hint = (
                        "; touchpoints belong inside a stage (stages: - id: ... touchpoints: ...)"
                    )
                self.problem(
                    d.key_lines.get(key, d.line),
                    str(key),
                    f"unknown key '{key}' in {where}{hint}; allowed: {', '.join(sorted(allowed))}",
                )

    def _id(self, d: _LineDict, where: str) -> str | None:
        value = d.get("id")
        line = d.key_lines.get("id", d.line)
        if value is None:
            self.problem(d.line, "id", f"{where} has no id; add 'id: some_name'")
            return None
        value = str(value)
        if not ID_PATTERN.match(value):
            self.problem(
                line,
                "id",
                f"id '{value}' of {where} must be lowercase letters, digits and underscores, starting with a letter",
            )
        return value

    @staticmethod
    def _text(d: dict, key: str) -> str | None:
        value = d.get(key)
        return None if value is None else str(value)

    def build(self, doc: Any) -> JourneyMap:
        if not isinstance(doc, _LineDict):
            raise JourneyMapError(
                [
                    Problem(
                        self.source, 1, None, "the file must be a mapping with a 'journeys:' list"
                    )
                ],
                summary=f"cannot use {self.source}",
            )
        self._keys(doc, _TOP_KEYS, "the top level")
        journeys_raw = doc.get("journeys")
        journeys: list[Journey] = []
        if not isinstance(journeys_raw, list) or not journeys_raw:
            self.problem(
                doc.key_lines.get("journeys", doc.line),
                "journeys",
                "'journeys' must be a non-empty list of journeys",
            )
        else:
            seen: dict[str, int] = {}
            for j_raw in journeys_raw:
                journey = self._journey(j_raw, doc.line)
                if journey is None:
                    continue
                line = j_raw.key_lines.get("id", j_raw.line)
                if journey.id in seen:
                    self.problem(
                        line,
                        "id",
                        f"duplicate journey id '{journey.id}' (first defined on line {seen[journey.id]})",
                    )
                else:
                    seen[journey.id] = line
                journeys.append(journey)
        language = str(doc.get("language", "de"))
        if language not in LANGUAGES:
            self.problem(
                doc.key_lines.get("language", doc.line),
                "language",
                f"language must be one of {', '.join(LANGUAGES)}, got '{language}'",
            )
        timezone = str(doc.get("timezone", "UTC"))
        try:
            pd.Timestamp("2024-01-01").tz_localize(timezone)
        except Exception:
            self.problem(
                doc.key_lines.get("timezone", doc.line),
                "timezone",
                f"unknown time zone '{timezone}'; use an IANA name such as Europe/Berlin or UTC",
            )
        if self.problems:
            raise JourneyMapError(
                self.problems, summary=f"{len(self.problems)} problem(s) in {self.source}"
            )
        version = doc.get("version")
        return JourneyMap(
            journeys=tuple(journeys),
            company=self._text(doc, "company"),
            version=None if version is None else str(version),
            timezone=timezone,
            language=language,
            description=self._text(doc, "description"),
            source=self.source,
        )

    def _journey(self, raw: Any, parent_line: int) -> Journey | None:
        if not isinstance(raw, _LineDict):
            self.problem(
                parent_line,
                "journeys",
                "every entry of 'journeys' must be a mapping with id, name and stages",
            )
            return None
        self._keys(raw, _JOURNEY_KEYS, "a journey")
        jid = self._id(raw, "a journey")
        if jid is None:
            return None
        stages_raw = raw.get("stages")
        stages: list[Stage] = []
        if not isinstance(stages_raw, list) or not stages_raw:
            self.problem(
                raw.key_lines.get("stages", raw.line),
                "stages",
                f"journey '{jid}' needs a non-empty 'stages' list",
            )
        else:
            seen: dict[str, int] = {}
            pos = 0
            for order, s_raw in enumerate(stages_raw):
                stage = self._stage(s_raw, jid, order, pos, raw.line)
                if stage is None:
                    continue
                pos += len(stage.touchpoints)
                line = s_raw.key_lines.get("id", s_raw.line)
                if stage.id in seen:
                    self.problem(
                        line,
                        "id",
                        f"duplicate stage id '{stage.id}' in journey '{jid}' (first on line {seen[stage.id]})",
                    )
                else:
                    seen[stage.id] = line
                stages.append(stage)
        return Journey(
            id=jid,
            name=self._text(raw, "name") or jid,
            stages=tuple(stages),
            owner=self._text(raw, "owner"),
            description=self._text(raw, "description"),
            themes=tuple(_plain(raw.get("themes")) or ()),
            cases=_plain(raw.get("cases")) or {},
        )

    def _stage(self, raw: Any, jid: str, order: int, pos: int, parent_line: int) -> Stage | None:
        if not isinstance(raw, _LineDict):
            self.problem(
                parent_line,
                "stages",
                f"every stage of journey '{jid}' must be a mapping with id, name and touchpoints",
            )
            return None
        self._keys(raw, _STAGE_KEYS, f"a stage of journey '{jid}'")
        sid = self._id(raw, f"a stage of journey '{jid}'")
        if sid is None:
            return None
        tps_raw = raw.get("touchpoints")
        tps: list[Touchpoint] = []
        if not isinstance(tps_raw, list) or not tps_raw:
            self.problem(
                raw.key_lines.get("touchpoints", raw.line),
                "touchpoints",
                f"stage '{sid}' of journey '{jid}' needs a non-empty 'touchpoints' list",
            )
        else:
            for t_raw in tps_raw:
                tp = self._touchpoint(t_raw, jid, sid, pos + len(tps), raw.line)
                if tp is not None:
                    tps.append(tp)
        return Stage(
            id=sid,
            name=self._text(raw, "name") or sid,
            journey_id=jid,
            order=order,
            touchpoints=tuple(tps),
            description=self._text(raw, "description"),
        )

    def _touchpoint(
        self, raw: Any, jid: str, sid: str, order: int, parent_line: int
    ) -> Touchpoint | None:
        if not isinstance(raw, _LineDict):
            self.problem(
                parent_line,
                "touchpoints",
                f"every touchpoint of stage '{sid}' must be a mapping with at least an id",
            )
            return None
        self._keys(raw, _TOUCHPOINT_KEYS, f"touchpoint of stage '{sid}'")
        tid = self._id(raw, f"a touchpoint of stage '{sid}'")
        if tid is None:
            return None
        line = raw.key_lines.get("id", raw.line)
        if tid in self.seen_touchpoints:
            self.problem(
                line,
                "id",
                f"duplicate touchpoint id '{tid}' (first on line {self.seen_touchpoints[tid]}); touchpoint ids must be unique across the whole file",
            )
        else:
            self.seen_touchpoints[tid] = line
        return Touchpoint(
            id=tid,
            name=self._text(raw, "name") or tid,
            journey_id=jid,
            stage_id=sid,
            order=order,
            channel=self._text(raw, "channel"),
            owner=self._text(raw, "owner"),
            description=self._text(raw, "description"),
            keywords=self._keywords(raw, tid),
            kpis=self._kpis(raw, tid),
        )

    def _keywords(self, raw: _LineDict, tid: str) -> dict[str, tuple[str, ...]]:
        kw = raw.get("keywords")
        if kw is None:
            return {}
        line = raw.key_lines.get("keywords", raw.line)
        if not isinstance(kw, _LineDict):
            self.problem(
                line,
                "keywords",
                f"keywords of '{tid}' must map a language (de, en) to a list of words",
            )
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for lang, words in kw.items():
            kline = kw.key_lines.get(lang, line)
            if lang not in LANGUAGES:
                self.problem(
                    kline,
                    "keywords",
                    f"keyword language '{lang}' of '{tid}' must be one of {', '.join(LANGUAGES)}",
                )
                continue
            if isinstance(words, str):
                words = [words]
            if not isinstance(words, list) or not all(
                isinstance(w, str | int | float) for w in words
            ):
                self.problem(
                    kline,
                    "keywords",
                    f"keywords.{lang} of '{tid}' must be a list of words, e.g. [hotline, warteschleife]",
                )
                continue
            out[lang] = tuple(str(w).strip().lower() for w in words if str(w).strip())
        return out

    def _kpis(self, raw: _LineDict, tid: str) -> dict[str, KpiTarget]:
        kpis = raw.get("kpis")
        if kpis is None:
            return {}
        line = raw.key_lines.get("kpis", raw.line)
        if not isinstance(kpis, _LineDict):
            self.problem(
                line,
                "kpis",
                f"kpis of '{tid}' must map a metric name to {{target: N, better: lower|higher}}",
            )
            return {}
        out: dict[str, KpiTarget] = {}
        for metric, spec in kpis.items():
            kline = kpis.key_lines.get(metric, line)
            if not isinstance(spec, _LineDict):
                self.problem(
                    kline,
                    "kpis",
                    f"KPI '{metric}' of '{tid}' must be a mapping like {{target: 60, better: lower}}",
                )
                continue
            self._keys(spec, _KPI_KEYS, f"KPI '{metric}' of '{tid}'")
            target = spec.get("target")
            if isinstance(target, bool) or not isinstance(target, int | float):
                self.problem(
                    spec.key_lines.get("target", kline),
                    "target",
                    f"KPI '{metric}' of '{tid}' needs a numeric target, got {target!r}",
                )
                continue
            better = str(spec.get("better", "lower"))
            if better not in KPI_DIRECTIONS:
                self.problem(
                    spec.key_lines.get("better", kline),
                    "better",
                    f"KPI '{metric}' of '{tid}': better must be 'lower' or 'higher', got '{better}'",
                )
                continue
            out[str(metric)] = KpiTarget(
                metric=str(metric),
                target=float(target),
                better=better,
                unit=self._text(spec, "unit"),
                name=self._text(spec, "name"),
            )
        return out
