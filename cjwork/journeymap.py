"""``journeys.yml`` → :class:`JourneyMap` / :class:`Journey` / :class:`Stage` / :class:`Touchpoint`.

The journey map is the backbone of a workspace: journeys are ordered stages, stages are
ordered touchpoints, each touchpoint has a channel, an owner, a vocabulary (how feedback
text refers to it, in German and English) and KPI targets for process metrics.

Only safe YAML is read (``yaml.SafeLoader``); every rule that is broken is reported with
the line it is on, all at once (:class:`~cjwork.errors.JourneyMapError`).

Hostile or careless files are refused before they cost anything: anchors and aliases
(``&name`` / ``*name``, the "billion laughs" bomb) are not allowed, nesting deeper than
:data:`MAX_YAML_DEPTH` levels and files larger than :data:`MAX_YAML_BYTES` are refused,
keys must be plain scalars, and names/ids/owners must be text (or ``{de: …, en: …}`` for
names). The file may be UTF-8 (with or without BOM), UTF-16/32 (with or without BOM) or
Windows-1252; anything not UTF-8 is read with a warning (``JourneyMap.encoding``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cjwork.errors import DataError, JourneyMapError, Problem, UsageError

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGES = ("de", "en")
KPI_DIRECTIONS = ("lower", "higher")

_TOP_KEYS = {"company", "version", "timezone", "language", "description", "journeys"}
_JOURNEY_KEYS = {"id", "name", "owner", "description", "stages", "rules", "themes", "cases"}
_STAGE_KEYS = {"id", "name", "description", "touchpoints"}
_TOUCHPOINT_KEYS = {"id", "name", "channel", "owner", "description", "keywords", "kpis"}
_KPI_KEYS = {"target", "better", "unit", "name"}
_RULE_KEYS = {"id", "name", "description", "stages", "after", "expect", "within", "missing"}
RULE_STAGE_KINDS = ("in_order", "no_skip")
RULE_HELP = (
    "e.g. {stages: in_order}, {stages: no_skip} or "
    "{id: callback_48h, after: hotline, expect: callback, within: 48h}"
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)\s*$")
_UNIT_S = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> float | None:
    """Seconds of a duration like ``48h``, ``2d``, ``30m``, ``90s``, ``1w`` (``None`` if not one)."""
    m = _DURATION.match(str(value)) if not isinstance(value, bool) else None
    return float(m.group(1)) * _UNIT_S[m.group(2)] if m else None


MAX_YAML_DEPTH = 50  # levels of nesting; the journey map itself needs about 8
MAX_YAML_BYTES = 10 * 1024 * 1024  # a journey map of thousands of touchpoints is < 2 MB
#: keys whose values must be a scalar; the bilingual ones may also be {de: ..., en: ...}
_SCALAR_KEYS = {"id", "version", "timezone", "language", "channel", "owner"}
_BILINGUAL_KEYS = {"company", "name", "description"}


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
    #: the display name per language when the map gives ``name: {de: …, en: …}``
    names: dict[str, str] = field(default_factory=dict)

    def within(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return value <= self.target if self.better == "lower" else value >= self.target

    def label(self, language: str | None = None) -> str:
        """The metric's display name in ``language`` (else :attr:`name`, else the metric id)."""
        return (self.names.get(language) if language else None) or self.name or self.metric


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
    #: the name per language when the map gives ``name: {de: …, en: …}``
    names: dict[str, str] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The name in ``language`` when the map gives ``{de: …, en: …}``, else :attr:`name`."""
        return (self.names.get(language) if language else None) or self.name


@dataclass(frozen=True)
class Stage:
    """An ordered step of a journey holding its touchpoints in order."""

    id: str
    name: str
    journey_id: str
    order: int
    touchpoints: tuple[Touchpoint, ...]
    description: str | None = None
    names: dict[str, str] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The name in ``language`` when the map gives ``{de: …, en: …}``, else :attr:`name`."""
        return (self.names.get(language) if language else None) or self.name


@dataclass(frozen=True)
class JourneyRule:
    """A conformance rule of a journey (``rules:`` in journeys.yml).

    ``kind`` is ``in_order`` (stages are never revisited after a later stage),
    ``no_skip`` (no stage before the furthest one reached is left out) or ``max_gap``
    (after the first visit of any ``after`` touchpoint, ``expect`` follows within
    ``within_s`` seconds; ``missing="breach"`` counts a case where it never follows as a
    breach, ``"ignore"`` leaves such cases out).
    """

    id: str
    kind: str
    after: tuple[str, ...] = ()
    expect: str | None = None
    within_s: float | None = None
    missing: str = "breach"
    name: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Journey:
    """A journey: ordered stages, an owner."""

    id: str
    name: str
    stages: tuple[Stage, ...]
    owner: str | None = None
    description: str | None = None
    rules: tuple[JourneyRule, ...] = ()
    names: dict[str, str] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The name in ``language`` when the map gives ``{de: …, en: …}``, else :attr:`name`."""
        return (self.names.get(language) if language else None) or self.name

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
    encoding: str = "utf-8"  # how journeys.yml was decoded (a warning when not UTF-8)
    #: the company name per language when the map gives ``company: {de: …, en: …}``
    company_names: dict[str, str] = field(default_factory=dict)

    def company_label(self, language: str | None = None) -> str | None:
        """The company name in ``language`` (else :attr:`company`)."""
        return (self.company_names.get(language) if language else None) or self.company

    def in_language(self, language: str) -> JourneyMap:
        """The same map with every name (company, journeys, stages, touchpoints, metrics)
        in ``language`` where the map gives one — a view for a report in that language;
        ids, owners and everything else are unchanged."""
        from dataclasses import replace

        def tp_(tp: Touchpoint) -> Touchpoint:
            kpis = {m: replace(k, name=k.names.get(language) or k.name) for m, k in tp.kpis.items()}
            return replace(tp, name=tp.label(language), kpis=kpis)

        def st_(st: Stage) -> Stage:
            return replace(
                st, name=st.label(language), touchpoints=tuple(tp_(x) for x in st.touchpoints)
            )

        journeys = tuple(
            replace(j, name=j.label(language), stages=tuple(st_(s) for s in j.stages))
            for j in self.journeys
        )
        return replace(self, journeys=journeys, company=self.company_label(language))

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


def unknown_ids_error(
    kind: str, values: list[str], known: list[str], source: str = "journeys.yml"
) -> DataError:
    """The one error every command raises for ids the map does not define (exit code 1):
    one ``FILE:-:COLUMN: unknown … id 'x'; closest known: y`` line per id."""
    problems = [Problem(source, None, kind, unknown_id_message(kind, v, known)) for v in values]
    return DataError(
        problems, summary=f"unknown {kind} id(s); choose ids defined in {Path(source).name}"
    )


def check_journey(jmap: JourneyMap, journey: str) -> Journey:
    """The journey ``journey`` of ``jmap``: the one check of a single journey id.

    An id ``journeys.yml`` does not define raises :class:`UsageError` (exit code 2) naming
    the closest known ids: ``unknown journey id 'onbording'; closest known: onboarding``.
    """
    try:
        return jmap.journey(journey)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def select_journeys(
    jmap: JourneyMap, journeys: str | Iterable[str] | None = None, *, all_unknown: bool = False
) -> list[str]:
    """The journey ids to work on: the one check of a selection of journey ids.

    Parameters
    ----------
    jmap : JourneyMap
    journeys : str, iterable of str or None
        ``None``: every journey, in map order; else these ids in the order given, each once.
    all_unknown : bool
        How unknown ids are refused. False: :class:`UsageError` (exit code 2) naming the
        first unknown id and the closest known ones. True: :func:`unknown_ids_error`, one
        ``journeys.yml:-:journey: unknown journey id …`` line per unknown id (a
        :class:`DataError`, exit code 1, as ``cjwork analyze`` reports them).

    Raises
    ------
    UsageError
        An unknown id (``all_unknown=False``), or no id at all.
    DataError
        Unknown ids (``all_unknown=True``).
    """
    known = jmap.journey_ids
    if journeys is None:
        return list(known)
    if isinstance(journeys, str):
        journeys = [journeys]
    wanted = list(dict.fromkeys(journeys))
    unknown = [j for j in wanted if j not in known]
    if unknown and all_unknown:
        raise unknown_ids_error("journey", unknown, known, jmap.source)
    if unknown:
        raise UsageError(unknown_id_message("journey", unknown[0], known))
    if not wanted:
        raise UsageError("no journey selected; name one with --journey ID or use --all")
    return wanted


# --------------------------------------------------------------------------- loading


class _Refused(yaml.YAMLError):
    """A YAML construct journeys.yml does not allow (with its line and the fix)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping key.

    It refuses anchors and aliases (no expansion bombs) and nesting deeper than
    :data:`MAX_YAML_DEPTH` while *composing*, i.e. before anything is built, so a hostile
    file fails in milliseconds and deep nesting never reaches Python's recursion limit.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # the scanner looks ahead over flow collections ([[[...]]]) before the composer sees
        # them, in quadratic time: stop it at the same depth
        if self.flow_level >= MAX_YAML_DEPTH:
            raise _Refused(
                self.get_mark().line + 1,
                f"nested deeper than {MAX_YAML_DEPTH} levels of brackets; check the brackets",
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                line,
                f"alias '*{event.anchor}' is not allowed: journeys.yml may not use anchors and "
                "aliases (&name / *name); write the values out where they are needed",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(
                line,
                f"anchor '&{anchor}' is not allowed: journeys.yml may not use anchors and "
                "aliases (&name / *name); write the values out where they are needed",
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    line,
                    f"nested deeper than {MAX_YAML_DEPTH} levels; a journey map needs about 8 "
                    "(journeys > stages > touchpoints > keywords); check the indentation and brackets",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _LineDict(dict):
    line: int = 0
    key_lines: dict[str, int]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(
                key_node.start_mark.line + 1,
                "a key must be plain text (e.g. 'name:'), not a list or mapping; check the '?' "
                "and brackets on this line",
            )
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
        size = path.stat().st_size
        if not path.is_file():
            raise JourneyMapError(
                [Problem(path.name, None, None, f"{path} is not a regular file")],
                summary=f"cannot read the journey map {path}",
            )
        if size > MAX_YAML_BYTES:
            raise JourneyMapError(
                [
                    Problem(
                        path.name,
                        None,
                        None,
                        f"the file is {size / 2**20:.1f} MB; a journey map may be at most "
                        f"{MAX_YAML_BYTES // 2**20} MB (is this the right file?)",
                    )
                ],
                summary=f"cannot read the journey map {path}",
            )
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
    except IsADirectoryError:
        raise JourneyMapError(
            [Problem(path.name, None, None, f"{path} is a directory; journeys.yml must be a file")],
            summary=f"cannot read the journey map {path}",
        ) from None
    text, encoding = decode_yaml_bytes(raw, path.name)
    jmap = parse_journey_map(text, source=path.name)
    if encoding != "utf-8":
        jmap = replace(jmap, encoding=encoding)
    return jmap


def _nul_pattern(raw: bytes) -> str | None:
    """UTF-16/32 without a byte-order mark, told by where the NUL bytes of ASCII text are."""
    head = raw[:4096]
    n = len(head) - len(head) % 4
    if n < 4 or b"\x00" not in head:
        return None
    cols = [head[i:n:4].count(0) / (n // 4) for i in range(4)]
    if cols[1] > 0.9 and cols[2] > 0.9 and cols[3] > 0.9:
        return "utf-32-le"
    if cols[0] > 0.9 and cols[1] > 0.9 and cols[2] > 0.9:
        return "utf-32-be"
    if cols[1] > 0.7 and cols[3] > 0.7 and cols[0] < 0.3:
        return "utf-16-le"
    if cols[0] > 0.7 and cols[2] > 0.7 and cols[1] < 0.3:
        return "utf-16-be"
    return None


def decode_yaml_bytes(raw: bytes, source: str = "journeys.yml") -> tuple[str, str]:
    """Decode a YAML file: UTF-8 (BOM or not), UTF-16/32 (BOM or not), else Windows-1252.

    Returns the text and the encoding used (``utf-8`` when it was UTF-8). Never decodes
    with replacement characters: a file that fits none of these raises
    :class:`~cjwork.errors.JourneyMapError` naming the byte.
    """
    import codecs

    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    for bom, enc in boms:
        if raw.startswith(bom):
            return raw.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
    guessed = _nul_pattern(raw)
    if guessed is not None:
        try:
            return raw.decode(guessed), guessed
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise JourneyMapError(
            [
                Problem(
                    source,
                    line,
                    None,
                    f"cannot tell the text encoding: byte {exc.start} is neither UTF-8 "
                    f"({utf8_error.reason}) nor Windows-1252; save the file as UTF-8",
                )
            ],
            summary=f"cannot read {source}",
        ) from None


def parse_journey_map(text: str, source: str = "journeys.yml") -> JourneyMap:
    """Validate journey-map YAML given as text; see :func:`load_journey_map`."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise JourneyMapError(
            [
                Problem(
                    source,
                    line,
                    None,
                    "contains a NUL character (\\x00); is this a text file? save it as UTF-8",
                )
            ],
            summary=f"cannot parse {source}",
        )
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except _Refused as exc:
        raise JourneyMapError(
            [Problem(source, exc.line, None, exc.message)], summary=f"cannot use {source}"
        ) from None
    except RecursionError:
        raise JourneyMapError(
            [Problem(source, None, None, f"nested too deeply (more than {MAX_YAML_DEPTH} levels)")],
            summary=f"cannot use {source}",
        ) from None
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
        self.refused_ids: set[int] = set()
        self.language = "de"

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

    def _types(self, d: _LineDict, where: str) -> None:
        """Text fields must be scalars (names may be {de: ..., en: ...}); lists/maps are refused."""
        scalar = (str, int, float, bool, _dt.date)
        for key in (*sorted(_SCALAR_KEYS), *sorted(_BILINGUAL_KEYS)):
            if key not in d or d[key] is None or isinstance(d[key], scalar):
                continue
            value = d[key]
            if (
                key in _BILINGUAL_KEYS
                and isinstance(value, dict)
                and value
                and set(map(str, value)) <= set(LANGUAGES)
                and all(isinstance(v, scalar) for v in value.values())
            ):
                continue
            kind = {list: "a list", dict: "a mapping", _LineDict: "a mapping"}.get(
                type(value), type(value).__name__
            )
            allowed = (
                "text, or one text per language ({de: ..., en: ...})"
                if key in _BILINGUAL_KEYS
                else "text"
            )
            self.problem(
                d.key_lines.get(key, d.line),
                key,
                f"'{key}' of {where} must be {allowed}, got {kind}; quote it if it is meant as text",
            )
            # never build names from a list or mapping
            d[key] = None
            if key == "id":
                self.refused_ids.add(id(d))

    def _id(self, d: _LineDict, where: str) -> str | None:
        value = d.get("id")
        line = d.key_lines.get("id", d.line)
        if value is None:
            if id(d) not in self.refused_ids:
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
        if isinstance(value, dict):  # a bilingual text where a plain one is read: pick one
            return next((str(v) for v in value.values() if v is not None), None)
        return None if value is None else str(value)

    def _names(self, d: _LineDict, key: str, where: str) -> tuple[str | None, dict[str, str]]:
        """A name that is a string or ``{de: …, en: …}``: (the name in the map's language,
        else English, else the first given; the names by language)."""
        value = d.get(key)
        if value is None:
            return None, {}
        if not isinstance(value, dict):
            return str(value), {}
        line = d.key_lines.get(key, d.line)
        names: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in LANGUAGES:
                self.problem(
                    line,
                    key,
                    f"{key} of {where}: language '{lang}' must be one of "
                    f"{', '.join(LANGUAGES)} (write {key}: {{de: …, en: …}})",
                )
                continue
            if text is None or isinstance(text, dict | list) or not str(text).strip():
                self.problem(line, key, f"{key}.{lang} of {where} must be a non-empty text")
                continue
            names[str(lang)] = str(text).strip()
        if not names:
            return None, {}
        default = names.get(self.language) or names.get("en") or next(iter(names.values()))
        return default, names

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
        self._types(doc, "the top level")
        self.language = str(doc.get("language", "de"))
        company, company_names = self._names(doc, "company", "the company")
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
            company=company,
            company_names=company_names,
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
        self._types(raw, "a journey")
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
        name, names = self._names(raw, "name", f"journey '{jid}'")
        return Journey(
            id=jid,
            name=name or jid,
            names=names,
            stages=tuple(stages),
            owner=self._text(raw, "owner"),
            description=self._text(raw, "description"),
            rules=self._rules(raw, jid, stages),
            themes=tuple(_plain(raw.get("themes")) or ()),
            cases=_plain(raw.get("cases")) or {},
        )

    def _rules(self, raw: _LineDict, jid: str, stages: list[Stage]) -> tuple[JourneyRule, ...]:
        if raw.get("rules") is None:
            return ()
        tps = [tp.id for st in stages for tp in st.touchpoints]
        rules_raw, line = raw["rules"], raw.key_lines.get("rules", raw.line)
        if not isinstance(rules_raw, list):
            self.problem(line, "rules", f"rules of journey '{jid}' must be a list of rules")
            return ()
        out: list[JourneyRule] = []
        for n, r in enumerate(rules_raw, start=1):
            rule = self._rule(r, n, line, jid, tps)
            if rule is not None and any(o.id == rule.id for o in out):
                self.problem(rule.line, "id", f"duplicate rule id '{rule.id}' in journey '{jid}'")
            elif rule is not None:
                out.append(rule)
        return tuple(out)

    def _rule(
        self, r: Any, n: int, parent_line: int, jid: str, tps: list[str]
    ) -> JourneyRule | None:
        if not isinstance(r, _LineDict):
            self.problem(
                parent_line, "rules", f"rule {n} of '{jid}' must be a mapping: {RULE_HELP}"
            )
            return None
        self._keys(r, _RULE_KEYS, f"rule {n} of journey '{jid}'")
        at = r.key_lines.get
        rid = str(r.get("id", f"rule_{n}"))
        if not ID_PATTERN.match(rid):
            self.problem(
                at("id", r.line),
                "id",
                f"rule id '{rid}' must be lowercase letters, digits and underscores",
            )
        name = self._text(r, "name")
        if "stages" in r:
            kind = str(r["stages"])
            if kind not in RULE_STAGE_KINDS or {"after", "expect", "within"} & set(r):
                self.problem(
                    at("stages", r.line),
                    "stages",
                    f"rule '{rid}': stages must be in_order or no_skip, alone; {RULE_HELP}",
                )
                return None
            return JourneyRule(id=rid, kind=kind, name=name, line=r.line)
        after = r.get("after")
        after = [after] if isinstance(after, str) else after
        expect, within = r.get("expect"), r.get("within")
        if not isinstance(after, list) or not after or expect is None or within is None:
            self.problem(
                r.line,
                "rules",
                f"rule '{rid}' needs stages: in_order|no_skip, or after, expect and within; {RULE_HELP}",
            )
            return None
        ok = True
        for key, ids in (("after", [str(a) for a in after]), ("expect", [str(expect)])):
            for t in ids:
                if t not in tps:
                    self.problem(
                        at(key, r.line),
                        key,
                        f"rule '{rid}' of journey '{jid}': {unknown_id_message('touchpoint', t, tps)}",
                    )
                    ok = False
        seconds = parse_duration(within)
        if seconds is None:
            self.problem(
                at("within", r.line),
                "within",
                f"rule '{rid}': within must be a duration like 48h, 2d, 30m or 90s, got {within!r}",
            )
            ok = False
        missing = str(r.get("missing", "breach"))
        if missing not in ("breach", "ignore"):
            self.problem(
                at("missing", r.line),
                "missing",
                f"rule '{rid}': missing must be breach or ignore, got '{missing}'",
            )
            ok = False
        if not ok:
            return None
        return JourneyRule(
            id=rid, kind="max_gap", after=tuple(str(a) for a in after), expect=str(expect),
            within_s=seconds, missing=missing, name=name, line=r.line,
        )  # fmt: skip

    def _stage(self, raw: Any, jid: str, order: int, pos: int, parent_line: int) -> Stage | None:
        if not isinstance(raw, _LineDict):
            self.problem(
                parent_line,
                "stages",
                f"every stage of journey '{jid}' must be a mapping with id, name and touchpoints",
            )
            return None
        self._keys(raw, _STAGE_KEYS, f"a stage of journey '{jid}'")
        self._types(raw, f"a stage of journey '{jid}'")
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
        name, names = self._names(raw, "name", f"stage '{sid}'")
        return Stage(
            id=sid,
            name=name or sid,
            names=names,
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
        self._types(raw, f"a touchpoint of stage '{sid}'")
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
        name, names = self._names(raw, "name", f"touchpoint '{tid}'")
        return Touchpoint(
            id=tid,
            name=name or tid,
            names=names,
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
            name, names = self._names(spec, "name", f"KPI '{metric}' of '{tid}'")
            out[str(metric)] = KpiTarget(
                metric=str(metric),
                target=float(target),
                better=better,
                unit=self._text(spec, "unit"),
                name=name,
                names=names,
            )
        return out
