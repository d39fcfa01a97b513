"""Persona names from the strongest traits, and the readable label of each trait.

A name is built from the top distinguishing traits (deterministic; English or German):
channel words lead, duplicates get the next trait and then a number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.personas.words import (
    CARD_TEXT,
    CHANNEL_COLUMNS,
    CHANNEL_WORDS,
    LEVEL_WORDS,
    NUMERIC_WORDS,
    SELF_DESCRIBING,
    WEAK_NUMERIC,
)

LANGUAGES = ("en", "de")
#: a trait must be at least this large (|Cohen's d or h|) to be named
NAME_MIN_EFFECT = 0.5


def _pretty(name: str) -> str:
    return re.sub(r"_+", " ", str(name)).strip()


def trait_word(
    feature: str, level: str, kind: str, effect: float, language: str = "en"
) -> str | None:
    """A word for a trait ('young', 'urban', 'app-first') or None when it says nothing."""
    li = 0 if language == "en" else 1
    direction = "high" if effect > 0 else "low"
    if kind == "categorical":
        if effect <= 0 or level == "(missing)":
            return None
        key = str(level).strip().lower()
        if feature.lower() in CHANNEL_COLUMNS and key in CHANNEL_WORDS:
            return CHANNEL_WORDS[key][li]
        if key in LEVEL_WORDS:
            return LEVEL_WORDS[key][li]
        if feature.lower() in SELF_DESCRIBING:
            return str(level)
        return None
    if feature.startswith("channel_share_"):
        if effect <= 0:
            return None
        ch = feature[len("channel_share_") :]
        return CHANNEL_WORDS.get(ch, (f"{_pretty(ch)}-first", f"{_pretty(ch)}-affin"))[li]
    if feature.startswith("journey_share_"):
        if effect <= 0:
            return None
        j = _pretty(feature[len("journey_share_") :])
        return f"{j}-focused" if language == "en" else f"{j}-orientiert"
    words = NUMERIC_WORDS.get(feature)
    if words:
        return words[direction][li]
    return None


def generic_trait_word(
    feature: str, level: str, kind: str, effect: float, language: str = "en"
) -> str | None:
    """A plain fallback word for traits without vocabulary ("high annual kwh", "Öko Plus")."""
    direction = "high" if effect > 0 else "low"
    if kind == "categorical":
        if effect <= 0 or level == "(missing)":
            return None
        return str(level)
    if language == "en":
        return f"{'high' if direction == 'high' else 'low'} {_pretty(feature)}"
    return f"{_pretty(feature)} {'hoch' if direction == 'high' else 'niedrig'}"


def trait_label(row, language: str) -> str:
    """A human label for a trait with its numbers ("age 29 vs 48", "area = city 78% vs 25%")."""
    if row["kind"] == "categorical":
        return f"{_pretty(row['feature'])} = {row['level']}: {row['value']:.0%} {CARD_TEXT[language]['vs']} {row['rest_value']:.0%}"
    if row["feature"].startswith(("channel_share_", "journey_share_")) or row["feature"] in (
        "completion_rate",
        "complaint_share",
        "stage_depth",
    ):
        return f"{_pretty(row['feature'])}: {row['value']:.0%} {CARD_TEXT[language]['vs']} {row['rest_value']:.0%}"
    return f"{_pretty(row['feature'])}: {_fmt(row['value'])} {CARD_TEXT[language]['vs']} {_fmt(row['rest_value'])}"


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.2g}" if abs(v) < 1 else f"{v:.1f}"


def name_personas(traits: pd.DataFrame, language: str = "en", max_words: int = 3) -> dict[int, str]:
    """A readable, deterministic name per persona from its strongest traits.

    Traits are taken strongest first (|effect| ≥ :data:`NAME_MIN_EFFECT`, one word per
    feature, categories only when over-represented); a channel word comes first, as in
    "Digital-first young urban". Duplicate names get the next trait, then a number.
    """
    check_language(language)
    per: dict[int, list[str]] = {}
    for pid, grp in traits.groupby("persona_id", sort=True):
        words: list[str] = []
        used_features: set[str] = set()
        strong = grp[grp["effect"].abs() >= NAME_MIN_EFFECT]
        if strong.empty:
            strong = grp.head(1)
        passes = (
            lambda r: (
                None
                if r.feature in WEAK_NUMERIC
                else trait_word(r.feature, r.level, r.kind, r.effect, language)
            ),
            lambda r: trait_word(r.feature, r.level, r.kind, r.effect, language),
            lambda r: generic_trait_word(r.feature, r.level, r.kind, r.effect, language),
        )
        for word_of in passes:
            for row in strong.itertuples(index=False):
                if row.feature in used_features or len(words) >= max_words + 2:
                    continue
                w = word_of(row)
                if not w or w in words:
                    continue
                words.append(w)
                used_features.add(row.feature)
        per[int(pid)] = words
    names: dict[int, str] = {}
    for pid, words in per.items():
        names[pid] = _compose(words[:max_words], language) if words else f"Persona {pid}"
    # make names unique: extend with further traits, then number
    for _ in range(3):
        dup = pd.Series(names).duplicated(keep=False)
        if not dup.any():
            break
        for pid in dup[dup].index:
            n = min(len(per[pid]), max_words + 1 + _)
            names[pid] = _compose(per[pid][:n], language) if per[pid] else f"Persona {pid}"
    seen: dict[str, int] = {}
    for pid in sorted(names):
        base = names[pid]
        if base in seen:
            names[pid] = f"{base} ({pid})"
        seen[base] = pid
    return names


def _compose(words: list[str], language: str) -> str:
    # channel words lead ("App-first young urban")
    channel_words = {w[0 if language == "en" else 1] for w in CHANNEL_WORDS.values()}
    ordered = [w for w in words if w in channel_words] + [
        w for w in words if w not in channel_words
    ]
    text = " ".join(ordered) if language == "en" else ", ".join(ordered)
    return text[:1].upper() + text[1:]


def check_language(language: str) -> None:
    """Raise :class:`UsageError` unless ``language`` is one of :data:`LANGUAGES`."""
    if language not in LANGUAGES:
        raise UsageError(f"language must be 'en' or 'de', got {language!r}")
