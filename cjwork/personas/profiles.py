"""Persona profiles: what sets each persona apart, how they travel, what they say.

Everything here is a pure function of the features, the persona labels and the workspace:

* **traits** — every feature compared with the rest of the customers as an *effect size*
  (Cohen's d for numbers: difference of means over the pooled standard deviation; Cohen's
  h for each category: 2·asin√p₁ − 2·asin√p₂), so features on different scales rank
  fairly; |effect| ≥ 0.2 is small, ≥ 0.5 medium, ≥ 0.8 large.
* **channels** — each persona's channel mix from the events.
* **journeys** — cases, completion and drop-off per stage for each persona from the
  journey engine (:func:`cjwork.journeys.funnel.funnel_by`, the same counting as
  ``cjwork analyze``) and the stage where the persona drops off most *compared with the
  other customers*.
* **voice** — mean sentiment and NPS of the persona's feedback and a few typical quotes,
  PII masked with :func:`cjwork.text.mask_pii`.
* a **name** built from the top distinguishing traits (deterministic; English or German) and
  a **card** (Steckbrief: who, goal, preferences, pains, channels) as Markdown; the figure is
  :func:`cjwork.plots.persona_cards.persona_cards`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.markup import escape_markdown

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from cjwork.io.workspace import Workspace
    from cjwork.journeys.engine import Prepared

LANGUAGES = ("en", "de")
#: a trait must be at least this large (|Cohen's d or h|) to be named
NAME_MIN_EFFECT = 0.5

TRAIT_COLUMNS = ["persona_id", "feature", "level", "kind", "value", "rest_value", "effect", "label"]
SUMMARY_COLUMNS = [
    "persona_id",
    "persona_name",
    "size",
    "share",
    "traits",
    "top_channels",
    "main_journey",
    "completion_rate",
    "dropoff_journey",
    "dropoff_stage",
    "dropoff",
    "dropoff_rest",
    "feedback",
    "sentiment",
    "nps",
]

# Words for known features: feature -> {"high": (en, de), "low": (en, de)}
_NUMERIC_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "age": {"high": ("older", "älter"), "low": ("young", "jung")},
    "tenure_months": {"high": ("long-standing", "langjährig"), "low": ("new", "neu")},
    "tenure_days": {"high": ("long-standing", "langjährig"), "low": ("new", "neu")},
    "household_size": {
        "high": ("large-household", "großer Haushalt"),
        "low": ("single-household", "kleiner Haushalt"),
    },
    "kwh_per_year": {
        "high": ("high-consumption", "hoher Verbrauch"),
        "low": ("low-consumption", "geringer Verbrauch"),
    },
    "annual_kwh": {
        "high": ("high-consumption", "hoher Verbrauch"),
        "low": ("low-consumption", "geringer Verbrauch"),
    },
    "consumption_kwh": {
        "high": ("high-consumption", "hoher Verbrauch"),
        "low": ("low-consumption", "geringer Verbrauch"),
    },
    "paperless": {"high": ("paperless", "papierlos"), "low": ("paper-based", "papierbasiert")},
    "has_solar": {
        "high": ("solar-owning", "mit Solaranlage"),
        "low": ("without solar", "ohne Solaranlage"),
    },
    "solar": {
        "high": ("solar-owning", "mit Solaranlage"),
        "low": ("without solar", "ohne Solaranlage"),
    },
    "events": {"high": ("highly active", "sehr aktiv"), "low": ("low-touch", "wenig Kontakt")},
    "journeys_started": {
        "high": ("frequent", "häufig im Kontakt"),
        "low": ("occasional", "selten im Kontakt"),
    },
    "completion_rate": {
        "high": ("finishing", "zielstrebig"),
        "low": ("abandoning", "bricht oft ab"),
    },
    "stage_depth": {"high": ("finishing", "zielstrebig"), "low": ("abandoning", "bricht oft ab")},
    "recency_days": {
        "high": ("lapsed", "länger inaktiv"),
        "low": ("recently active", "kürzlich aktiv"),
    },
    "median_gap_hours": {
        "high": ("unhurried", "gemächlich"),
        "low": ("fast-moving", "schnell entschlossen"),
    },
    "sentiment_mean": {"high": ("satisfied", "zufrieden"), "low": ("dissatisfied", "unzufrieden")},
    "nps_mean": {"high": ("promoting", "empfehlend"), "low": ("detracting", "kritisch")},
    "complaint_share": {
        "high": ("complaining", "beschwerdefreudig"),
        "low": ("uncomplaining", "beschwerdearm"),
    },
    "feedback_count": {"high": ("vocal", "meinungsstark"), "low": ("silent", "still")},
    "electric_vehicle": {
        "high": ("EV-driving", "mit E-Auto"),
        "low": ("without EV", "ohne E-Auto"),
    },
    "online_account": {
        "high": ("online-account", "mit Online-Konto"),
        "low": ("offline", "offline"),
    },
    "monthly_instalment_eur": {
        "high": ("high-paying", "hohe Abschläge"),
        "low": ("low-paying", "niedrige Abschläge"),
    },
    "income": {"high": ("affluent", "einkommensstark"), "low": ("budget", "einkommensschwach")},
}
#: numeric features whose words are weak in a name (used only when nothing better is left)
_WEAK_NUMERIC = {
    "monthly_instalment_eur",
    "recency_days",
    "median_gap_hours",
    "feedback_count",
    "events",
    "journeys_started",
    "journeys_completed",
}
_CHANNEL_WORDS: dict[str, tuple[str, str]] = {
    "app": ("app-first", "App-affin"),
    "web": ("online", "online-affin"),
    "online": ("online", "online-affin"),
    "chat": ("chat-first", "Chat-affin"),
    "email": ("e-mail", "E-Mail-affin"),
    "phone": ("phone-oriented", "telefonorientiert"),
    "hotline": ("phone-oriented", "telefonorientiert"),
    "shop": ("in-store", "Filialkunde"),
    "store": ("in-store", "Filialkunde"),
    "letter": ("paper-mail", "Briefpost"),
    "mail": ("paper-mail", "Briefpost"),
    "field": ("on-site", "vor Ort"),
}
#: categorical columns whose level is a channel ("preferred_channel = app" → "app-first")
_CHANNEL_COLUMNS = {"preferred_channel", "channel", "main_channel", "contact_channel"}
# categorical columns whose values speak for themselves ("city", "Berlin", "business")
_SELF_DESCRIBING = {"area", "segment", "customer_type", "area_type", "location", "urbanity"}
_LEVEL_WORDS: dict[str, tuple[str, str]] = {
    "city": ("urban", "städtisch"),
    "urban": ("urban", "städtisch"),
    "suburb": ("suburban", "vorstädtisch"),
    "suburban": ("suburban", "vorstädtisch"),
    "town": ("small-town", "kleinstädtisch"),
    "rural": ("rural", "ländlich"),
    "business": ("business", "Geschäftskunde"),
    "private": ("private", "Privatkunde"),
    "residential": ("private", "Privatkunde"),
}

_TEXT = {
    "en": {
        "who": "Who",
        "goal": "Goal",
        "prefs": "Preferences",
        "pains": "Pains",
        "channels": "Channels",
        "quotes": "In their words",
        "customers": "customers",
        "of_all": "of all customers",
        "goal_main": "Mostly here for **{journey}** ({cases:,} journey runs, {completion:.0%} completed).",
        "goal_none": "No journey data.",
        "drop": "Drops off at **{stage}** ({journey}) {drop:.0%} of the time vs {rest:.0%} for the others.",
        "drop_plain": "Leaves most often at **{stage}** ({journey}): {drop:.0%}.",
        "sentiment": "Mean sentiment {s:+.2f} (others {r:+.2f}).",
        "nps": "Mean NPS answer {n:.1f} (others {r:.1f}).",
        "no_pains": "No pain point stands out.",
        "more": "more",
        "less": "less",
        "vs": "vs",
        "no_quotes": "No feedback with text.",
        "persona": "Persona",
    },
    "de": {
        "who": "Wer",
        "goal": "Ziel",
        "prefs": "Vorlieben",
        "pains": "Schmerzpunkte",
        "channels": "Kanäle",
        "quotes": "O-Töne",
        "customers": "Kund:innen",
        "of_all": "aller Kund:innen",
        "goal_main": "Vor allem unterwegs in **{journey}** ({cases:,} Durchläufe, {completion:.0%} abgeschlossen).",
        "goal_none": "Keine Journey-Daten.",
        "drop": "Bricht bei **{stage}** ({journey}) in {drop:.0%} der Fälle ab, die anderen in {rest:.0%}.",
        "drop_plain": "Bricht am häufigsten bei **{stage}** ({journey}) ab: {drop:.0%}.",
        "sentiment": "Mittleres Sentiment {s:+.2f} (andere {r:+.2f}).",
        "nps": "Mittlere NPS-Antwort {n:.1f} (andere {r:.1f}).",
        "no_pains": "Kein Schmerzpunkt sticht heraus.",
        "more": "mehr",
        "less": "weniger",
        "vs": "vs.",
        "no_quotes": "Kein Feedback mit Text.",
        "persona": "Persona",
    },
}


@dataclass
class PersonaCard:
    """One persona's Steckbrief: who, goal, preferences, pains, channels, quotes."""

    persona_id: int
    name: str
    size: int
    share: float
    who: list[str]
    goal: str
    preferences: list[str]
    pains: list[str]
    channels: list[tuple[str, float]]
    quotes: list[str]
    language: str = "en"

    def to_markdown(self) -> str:
        """The card as a Markdown section."""
        t = _TEXT[self.language]
        lines = [
            f"## {escape_markdown(self.name)}",
            "",
            f"*{t['persona']} {self.persona_id} · {self.size:,} {t['customers']} · {self.share:.0%} {t['of_all']}*",
            "",
        ]
        lines += [
            f"**{t['who']}:** " + "; ".join(escape_markdown(w) for w in self.who)
            if self.who
            else f"**{t['who']}:** –",
            "",
        ]
        lines += [f"**{t['goal']}:** {self.goal}", ""]
        lines += [
            f"**{t['prefs']}:**",
            *[f"- {escape_markdown(p)}" for p in self.preferences or ["–"]],
            "",
        ]
        lines += [f"**{t['pains']}:**", *[f"- {p}" for p in self.pains or [t["no_pains"]]], ""]
        ch = ", ".join(f"{escape_markdown(c)} {s:.0%}" for c, s in self.channels) or "–"
        lines += [f"**{t['channels']}:** {ch}", ""]
        if self.quotes:
            lines += [f"**{t['quotes']}:**", *[f"> {escape_markdown(q)}" for q in self.quotes], ""]
        return "\n".join(lines)


@dataclass
class PersonaProfiles:
    """Everything :func:`profile_personas` found, as tidy tables plus the cards.

    Attributes
    ----------
    summary : DataFrame
        One row per persona (:data:`SUMMARY_COLUMNS`) — written as ``persona_profiles.csv``.
    traits : DataFrame
        Effect size of every feature (and category) per persona (:data:`TRAIT_COLUMNS`),
        strongest first within a persona.
    channels : DataFrame
        ``persona_id``, ``channel``, ``events``, ``share``.
    journeys : DataFrame
        Funnel per persona (:func:`cjwork.journeys.funnel.funnel_by` columns with
        ``persona_id``), empty without events.
    quotes : DataFrame
        ``persona_id``, ``feedback_id``, ``text`` (PII masked), ``sentiment``.
    cards : list of PersonaCard
    names : dict
        persona_id → name.
    notes : list of str
        Sentences about anything left out.
    """

    summary: pd.DataFrame
    traits: pd.DataFrame
    channels: pd.DataFrame
    journeys: pd.DataFrame
    quotes: pd.DataFrame
    cards: list[PersonaCard]
    names: dict[int, str]
    language: str = "en"
    notes: list[str] = field(default_factory=list)
    evidence: pd.DataFrame | None = None
    verdict: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The per-persona summary table (``persona_profiles.csv``)."""
        return self.summary.copy()

    def to_markdown(self, title: str | None = None) -> str:
        """All cards as one Markdown document (``persona_profiles.md``)."""
        head = title or ("Persona profiles" if self.language == "en" else "Persona-Steckbriefe")
        parts = [f"# {head}", ""]
        parts += self.evidence_markdown()
        for card in self.cards:
            parts.append(card.to_markdown())
        if self.notes:
            parts += ["---", "", *[f"*{escape_markdown(n)}*" for n in self.notes], ""]
        return "\n".join(parts).rstrip() + "\n"

    def evidence_markdown(self) -> list[str]:
        """Lines of the "how many personas" section: the verdict and the evidence per k."""
        from cjwork.personas.selection import NO_STRUCTURE

        ev = self.evidence
        if ev is None or "silhouette" not in ev.columns:
            return []
        en = self.language == "en"
        lines = ["## " + ("How many personas" if en else "Wie viele Personas"), ""]
        if self.verdict == NO_STRUCTURE:
            lines += [
                "**"
                + (
                    "No clear persona structure: the customers do not fall into distinct "
                    "groups. The groups below are slices of one population, not personas."
                    if en
                    else "Keine klare Persona-Struktur: Die Kund:innen zerfallen nicht in "
                    "deutlich getrennte Gruppen. Die Gruppen unten sind Ausschnitte einer "
                    "Gesamtheit, keine Personas."
                )
                + "**",
                "",
            ]
        cols = ["k", "silhouette", "calinski_harabasz", "gap", "stability"]
        head = ["k", "silhouette", "Calinski–Harabasz", "gap", "stability" if en else "Stabilität"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for _, row in ev[ev["k"] >= 2].iterrows():
            cells = [str(int(row["k"])) + (" ✓" if bool(row.get("chosen", False)) else "")]
            for c in cols[1:]:
                v = row.get(c, np.nan)
                cells.append(
                    "–" if not np.isfinite(v) else f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
                )
            # computed numbers only (no data values), so nothing to escape
            lines.append("| " + " | ".join(cells) + " |")
        lines += [
            "",
            "*"
            + (
                "✓ = chosen: among the k with a clear silhouette (else those that beat the "
                "features shuffled independently), the best mean rank of silhouette, "
                "Calinski–Harabasz and gap (see docs/personas.md)."
                if en
                else "✓ = gewählt: unter den k mit klarer Silhouette (sonst denen, die die "
                "unabhängig gemischten Merkmale schlagen) der beste mittlere Rang aus "
                "Silhouette, Calinski–Harabasz und Gap (siehe docs/personas.md)."
            )
            + "*",
            "",
        ]
        return lines

    def heatmap_data(self, top: int = 12) -> pd.DataFrame:
        """Persona × feature effect sizes for the ``top`` features that separate personas most.

        Returns a wide frame (index: persona name, columns: feature labels) for a heatmap.
        """
        tr = self.traits
        if tr.empty:
            return pd.DataFrame()
        key = tr["label_generic"] if "label_generic" in tr else tr["feature"]
        tr = tr.assign(_key=key)
        strength = (
            tr.groupby("_key")["effect"]
            .apply(lambda s: s.abs().max())
            .sort_values(ascending=False, kind="mergesort")
        )
        keep = list(strength.index[:top])
        wide = tr[tr["_key"].isin(keep)].pivot_table(
            index="persona_id", columns="_key", values="effect", aggfunc="first"
        )
        wide = wide.reindex(columns=keep)
        wide.index = [self.names.get(int(i), str(i)) for i in wide.index]
        wide.columns.name = None
        return wide


# --------------------------------------------------------------------------- effect sizes


def effect_sizes(features: pd.DataFrame, labels: ArrayLike) -> pd.DataFrame:
    """Every feature of every persona against the rest of the customers.

    Parameters
    ----------
    features : DataFrame
        One row per customer (as from :func:`build_features`).
    labels : array-like
        Persona of each row.

    Returns
    -------
    DataFrame
        ``persona_id``, ``feature``, ``level`` (the category; empty for numbers), ``kind``,
        ``value`` (mean, or share of the category), ``rest_value``, ``effect`` (Cohen's d
        for numbers, Cohen's h for categories; NaN-free: 0 when undefined).
    """
    labels = np.asarray(labels)
    personas, group = np.unique(labels, return_inverse=True)
    group = group.ravel()
    n_p = len(personas)
    rows: list[pd.DataFrame] = []
    num_cols = [
        c
        for c in features.columns
        if pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c])
    ]
    cat_cols = [c for c in features.columns if c not in num_cols]
    if num_cols:
        # per persona sums with np.bincount, one column at a time (no copies of the frame);
        # deviations from the column mean keep the sums of squares precise
        shape = (n_p, len(num_cols))
        g_n, g_s, g_d, g_q = (np.zeros(shape) for _ in range(4))
        for j, col in enumerate(num_cols):
            x = features[col].to_numpy(dtype=np.float64, na_value=np.nan)
            valid = ~np.isnan(x)
            dev = np.where(valid, x - (x[valid].mean() if valid.any() else 0.0), 0.0)
            g_n[:, j] = np.bincount(group, weights=valid, minlength=n_p)
            g_s[:, j] = np.bincount(group, weights=np.where(valid, x, 0.0), minlength=n_p)
            g_d[:, j] = np.bincount(group, weights=dev, minlength=n_p)
            g_q[:, j] = np.bincount(group, weights=dev * dev, minlength=n_p)
        r_n, r_s = g_n.sum(axis=0) - g_n, g_s.sum(axis=0) - g_s
        r_d, r_q = g_d.sum(axis=0) - g_d, g_q.sum(axis=0) - g_q
        with np.errstate(invalid="ignore", divide="ignore"):
            m1, m2 = g_s / g_n, r_s / r_n
            # sums of squares around the persona's and the rest's own means
            ss1 = np.clip(g_q - np.where(g_n > 0, g_d**2 / g_n, 0.0), 0, None)
            ss2 = np.clip(r_q - np.where(r_n > 0, r_d**2 / r_n, 0.0), 0, None)
            pooled = np.sqrt((ss1 + ss2) / (g_n + r_n - 2))
            d = (m1 - m2) / pooled
        d = np.where(np.isfinite(d) & (pooled > 1e-12), d, 0.0)
        tidy = pd.DataFrame(
            {
                "persona_id": np.repeat(personas, len(num_cols)),
                "feature": np.tile(num_cols, n_p),
                "level": "",
                "kind": "numeric",
                "value": m1.ravel(),
                "rest_value": m2.ravel(),
                "effect": d.ravel(),
            }
        )
        rows.append(tidy)
    for col in cat_cols:
        levels, ct = _category_counts(features[col], group, n_p)
        n_in = ct.sum(axis=1)[:, None].astype(float)
        n_rest = n_in.sum() - n_in
        c_in = ct.astype(float)
        c_rest = c_in.sum(axis=0)[None, :] - c_in
        with np.errstate(invalid="ignore", divide="ignore"):
            p1 = np.where(n_in > 0, c_in / n_in, 0.0)
            p2 = np.where(n_rest > 0, c_rest / n_rest, 0.0)
        h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))
        rows.append(
            pd.DataFrame(
                {
                    "persona_id": np.repeat(personas, len(levels)),
                    "feature": col,
                    "level": np.tile(levels, n_p),
                    "kind": "categorical",
                    "value": p1.ravel(),
                    "rest_value": p2.ravel(),
                    "effect": h.ravel(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=TRAIT_COLUMNS[:-1])
    out = pd.concat(rows, ignore_index=True)
    out["persona_id"] = out["persona_id"].astype(int)
    out["_abs"] = out["effect"].abs()
    out = out.sort_values(
        ["persona_id", "_abs", "feature", "level"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    return out.drop(columns="_abs").reset_index(drop=True)


def _category_counts(
    s: pd.Series, group: np.ndarray, n_groups: int
) -> tuple[list[str], np.ndarray]:
    """Rows per (group, level) of a categorical column from its codes (no strings per row).

    Levels are the values as text, missing ones as ``"(missing)"``, sorted, only those
    that occur.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        names = [str(c) for c in s.cat.categories]
    else:
        codes, uniques = pd.factorize(s.astype("string"))
        codes = codes.astype(np.int64)
        names = [str(c) for c in uniques]
    names.append("(missing)")
    codes[codes < 0] = len(names) - 1
    counts = np.bincount(group * len(names) + codes, minlength=n_groups * len(names)).reshape(
        n_groups, len(names)
    )
    # one column per distinct text, sorted (a category named "(missing)" merges with missing)
    levels, where = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    merged = np.zeros((n_groups, len(levels)), dtype=np.int64)
    np.add.at(merged.T, where.ravel(), counts.T)
    seen = merged.sum(axis=0) > 0
    return [str(v) for v in levels[seen]], merged[:, seen]


# --------------------------------------------------------------------------- words


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
        if feature.lower() in _CHANNEL_COLUMNS and key in _CHANNEL_WORDS:
            return _CHANNEL_WORDS[key][li]
        if key in _LEVEL_WORDS:
            return _LEVEL_WORDS[key][li]
        if feature.lower() in _SELF_DESCRIBING:
            return str(level)
        return None
    if feature.startswith("channel_share_"):
        if effect <= 0:
            return None
        ch = feature[len("channel_share_") :]
        return _CHANNEL_WORDS.get(ch, (f"{_pretty(ch)}-first", f"{_pretty(ch)}-affin"))[li]
    if feature.startswith("journey_share_"):
        if effect <= 0:
            return None
        j = _pretty(feature[len("journey_share_") :])
        return f"{j}-focused" if language == "en" else f"{j}-orientiert"
    words = _NUMERIC_WORDS.get(feature)
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


def _trait_label(row, language: str) -> str:
    """A human label for a trait with its numbers ("age 29 vs 48", "area = city 78% vs 25%")."""
    if row["kind"] == "categorical":
        return f"{_pretty(row['feature'])} = {row['level']}: {row['value']:.0%} {_TEXT[language]['vs']} {row['rest_value']:.0%}"
    if row["feature"].startswith(("channel_share_", "journey_share_")) or row["feature"] in (
        "completion_rate",
        "complaint_share",
        "stage_depth",
    ):
        return f"{_pretty(row['feature'])}: {row['value']:.0%} {_TEXT[language]['vs']} {row['rest_value']:.0%}"
    return f"{_pretty(row['feature'])}: {_fmt(row['value'])} {_TEXT[language]['vs']} {_fmt(row['rest_value'])}"


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
    _check_language(language)
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
                if r.feature in _WEAK_NUMERIC
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
    channel_words = {w[0 if language == "en" else 1] for w in _CHANNEL_WORDS.values()}
    ordered = [w for w in words if w in channel_words] + [
        w for w in words if w not in channel_words
    ]
    text = " ".join(ordered) if language == "en" else ", ".join(ordered)
    return text[:1].upper() + text[1:]


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise UsageError(f"language must be 'en' or 'de', got {language!r}")


# --------------------------------------------------------------------------- the profile


def profile_personas(
    ws: Workspace,
    assignments: pd.DataFrame,
    features: pd.DataFrame | None = None,
    *,
    language: str = "en",
    prep: Prepared | None = None,
    enriched_feedback: pd.DataFrame | None = None,
    n_quotes: int = 3,
    n_traits: int = 5,
) -> PersonaProfiles:
    """Profile personas: traits, channels, journeys and drop-off, voice, names and cards.

    Parameters
    ----------
    ws : Workspace
        The workspace the personas come from.
    assignments : DataFrame
        ``customer_id`` and ``persona_id`` (as from :func:`cjwork.personas.assign_personas`);
        an existing ``persona_name`` column is replaced by the generated names.
    features : DataFrame, optional
        The features the personas were found on (default: built from ``ws``).
    language : {"en", "de"}
        Language of names and cards.
    prep : cjwork.journeys.engine.Prepared, optional
        A prepared journey engine over ``ws.events`` to reuse.
    enriched_feedback : DataFrame, optional
        Output of :func:`cjwork.text.enrich_feedback` to reuse (sentiment, links).
    n_quotes : int
        Quotes per persona.
    n_traits : int
        Distinguishing traits listed per persona.

    Returns
    -------
    PersonaProfiles
    """
    from cjwork.personas.features import build_features

    _check_language(language)
    if not {"customer_id", "persona_id"} <= set(assignments.columns):
        raise UsageError("assignments need the columns customer_id and persona_id")
    if features is None:
        features = build_features(ws)
    assign = _Assignments(assignments)
    labels = assign.persona_of(features.index)
    known = labels >= 0
    feats = features if known.all() else features[known]
    labels = labels[known]
    notes: list[str] = []

    traits = effect_sizes(feats, labels)
    names = name_personas(traits, language)
    if not traits.empty:
        traits["label"] = (
            [_trait_label(r, language) for _, r in traits.iterrows()]
            if len(traits) < 5000
            else traits["feature"]
        )
        traits["label_generic"] = np.where(
            traits["level"] == "", traits["feature"], traits["feature"] + " = " + traits["level"]
        )
    else:
        traits = pd.DataFrame(columns=[*TRAIT_COLUMNS, "label_generic"])

    personas = sorted(int(p) for p in np.unique(labels))
    sizes = pd.Series(labels).value_counts().reindex(personas, fill_value=0)
    total = int(sizes.sum())

    channels = _channels(ws, assign, prep)
    journeys = _journeys(ws, assignments, prep, notes)
    fb, quotes = _voice(ws, assign, enriched_feedback, n_quotes, notes)

    rows, cards = [], []
    for pid in personas:
        t = traits[traits["persona_id"] == pid]
        strong = t[t["effect"].abs() >= 0.2].head(n_traits)
        ch = channels[channels["persona_id"] == pid].head(3)
        jr = _journey_summary(journeys, pid)
        v = fb.get(pid, {})
        rows.append(
            {
                "persona_id": pid,
                "persona_name": names[pid],
                "size": int(sizes[pid]),
                "share": float(sizes[pid] / total) if total else 0.0,
                "traits": "; ".join(strong["label"].astype(str)),
                "top_channels": ", ".join(
                    f"{c} {s:.0%}" for c, s in zip(ch["channel"], ch["share"], strict=True)
                ),
                **jr,
                "feedback": int(v.get("n", 0)),
                "sentiment": v.get("sentiment", np.nan),
                "nps": v.get("nps", np.nan),
            }
        )
        cards.append(
            _card(pid, names[pid], int(sizes[pid]), total, t, ch, jr, v, quotes, language, n_traits)
        )
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return PersonaProfiles(
        summary=summary,
        traits=traits.reset_index(drop=True),
        channels=channels,
        journeys=journeys,
        quotes=quotes,
        cards=cards,
        names=names,
        language=language,
        notes=notes,
    )


def _channels(ws, assign: _Assignments, prep) -> pd.DataFrame:
    cols = ["persona_id", "channel", "events", "share"]
    ev = ws.events
    if ev is None or "channel" not in ev.columns or len(ev) == 0:
        return pd.DataFrame(columns=cols)
    import duckdb

    con = duckdb.connect()
    try:
        con.register("ev", ev[["customer_id", "channel"]])
        con.register("pa", assign.frame)
        df = con.execute(
            """SELECT pa.persona_id, CAST(ev.channel AS VARCHAR) AS channel, count(*) AS events
               FROM ev JOIN pa ON CAST(ev.customer_id AS VARCHAR) = pa.customer_id
               WHERE ev.channel IS NOT NULL GROUP BY 1, 2"""
        ).df()
    finally:
        con.close()
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["share"] = df["events"] / df.groupby("persona_id")["events"].transform("sum")
    df["persona_id"] = df["persona_id"].astype(int)
    df = df.sort_values(
        ["persona_id", "events", "channel"], ascending=[True, False, True], kind="mergesort"
    )
    return df[cols].reset_index(drop=True)


def persona_funnels(
    ws: Workspace,
    assignments: pd.DataFrame,
    prep: Prepared | None = None,
    journey: str | None = None,
) -> pd.DataFrame:
    """Reach and drop-off per stage for each persona (journey engine; empty without events).

    Returns the columns of :func:`cjwork.journeys.funnel.funnel_by` plus ``persona_id``
    (int) and ``stage_name``.
    """
    if ws.events is None or len(ws.events) == 0:
        return pd.DataFrame()
    from cjwork.journeys.engine import prepare
    from cjwork.journeys.funnel import funnel_by
    from cjwork.personas.features import engine_events

    persona = assignments["persona_id"]
    if pd.api.types.is_float_dtype(persona):
        # ids read back from a CSV with gaps come as floats (1.0, NaN): compare them as integers
        whole = persona.isna() | (persona == np.floor(persona))
        if not whole.all():
            bad = persona[~whole]
            raise UsageError(
                f"persona_id must be whole numbers; row {bad.index[0]} has {float(bad.iloc[0])} "
                "(use the ids written by `cjwork personas`)"
            )
        persona = persona.astype("Int64")
    own = prep is None
    if own:
        # Only the case columns, and no duplicate removal: a duplicate event (same case,
        # touchpoint and timestamp as the one before) changes neither where a case starts
        # nor how deep it gets, so the funnels are the same — without one sort of every event.
        prep = prepare(engine_events(ws.events, channel=False), ws.journeys, dedupe=False)
    try:
        groups = pd.DataFrame(
            {
                "customer_id": assignments["customer_id"].astype("string"),
                "persona_id": persona.astype("string"),
            }
        )
        df = funnel_by(prep, "persona", groups, journey=journey)
    finally:
        if own:
            prep.close()
    df = df[df["group"] != "(unknown)"].copy()
    df["persona_id"] = df["group"].astype(int)
    names = {(j.id, s.id): s.name for j in ws.journeys for s in j.stages}
    df["stage_name"] = [
        names.get((j, s), s) for j, s in zip(df["journey"], df["stage"], strict=True)
    ]
    return df.reset_index(drop=True)


def _journeys(ws, assignments, prep, notes) -> pd.DataFrame:
    from cjwork.errors import CjworkError

    try:
        return persona_funnels(ws, assignments, prep)
    except CjworkError as exc:  # profiles stay useful without journeys
        notes.append(f"journeys left out: {exc}")
        return pd.DataFrame()


def _journey_summary(journeys: pd.DataFrame, pid: int) -> dict:
    out = {
        "main_journey": "",
        "completion_rate": np.nan,
        "dropoff_journey": "",
        "dropoff_stage": "",
        "dropoff": np.nan,
        "dropoff_rest": np.nan,
    }
    if journeys.empty:
        return out
    mine = journeys[journeys["persona_id"] == pid]
    if mine.empty:
        return out
    cases = mine.groupby("journey", sort=False)["cases"].first()
    main = str(cases.sort_values(ascending=False, kind="mergesort").index[0])
    first_main = mine[mine["journey"] == main]
    out["main_journey"] = main
    out["_main_cases"] = int(cases[main])
    out["completion_rate"] = (
        float(first_main["reached"].iloc[-1] / first_main["cases"].iloc[0])
        if first_main["cases"].iloc[0]
        else np.nan
    )
    # drop-off vs the other personas at every non-final stage
    rest = journeys[journeys["persona_id"] != pid].copy()
    rest["dropped"] = rest["dropoff"] * rest["reached"]
    agg = (
        rest.dropna(subset=["dropoff"]).groupby(["journey", "stage"])[["dropped", "reached"]].sum()
    )
    cand = mine.dropna(subset=["dropoff"]).copy()
    cand = cand[cand["reached"] >= 5]
    if cand.empty:
        return out
    key = list(zip(cand["journey"], cand["stage"], strict=True))
    rest_rate = [
        (agg.loc[k, "dropped"] / agg.loc[k, "reached"])
        if k in agg.index and agg.loc[k, "reached"] > 0
        else np.nan
        for k in key
    ]
    cand["dropoff_rest"] = rest_rate
    cand["excess"] = cand["dropoff"] - cand["dropoff_rest"].fillna(cand["dropoff"])
    best = cand.sort_values(["excess", "dropoff"], ascending=False, kind="mergesort").iloc[0]
    if not (best["excess"] > 0):
        best = cand.sort_values("dropoff", ascending=False, kind="mergesort").iloc[0]
    out.update(
        dropoff_journey=str(best["journey"]),
        dropoff_stage=str(best["stage"]),
        dropoff=float(best["dropoff"]),
        dropoff_rest=float(best["dropoff_rest"]) if pd.notna(best["dropoff_rest"]) else np.nan,
    )
    out["_dropoff_stage_name"] = str(best["stage_name"])
    return out


class _Assignments:
    """Persona of each customer id, looked up in Arrow (hashing, no Python string objects)."""

    def __init__(self, assignments: pd.DataFrame) -> None:
        import pyarrow as pa

        self.ids = _arrow_strings(assignments["customer_id"])
        pid = pd.to_numeric(assignments["persona_id"], errors="coerce").to_numpy(dtype=float)
        self.persona = np.where(np.isnan(pid), -1, pid).astype(np.int64)  # -1: no persona
        has = self.persona >= 0
        self.frame = pa.table(
            {"customer_id": self.ids.filter(pa.array(has)), "persona_id": self.persona[has]}
        )

    def persona_of(self, customer_ids: ArrayLike) -> np.ndarray:
        """Persona id per customer id, -1 for ids without an assignment (or missing)."""
        import pyarrow.compute as pc

        pos = pc.index_in(_arrow_strings(customer_ids), value_set=self.ids)
        pos = np.asarray(pos.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.where(pos >= 0, self.persona[np.maximum(pos, 0)], -1)


def _arrow_strings(values):
    """Strings as an Arrow array (zero-copy for pandas' Arrow-backed string columns)."""
    import pyarrow as pa

    arr = pa.array(pd.Series(values).astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def _voice(ws, assign: _Assignments, enriched, n_quotes: int, notes: list[str]):
    from cjwork.personas.features import feedback_sentiment

    qcols = ["persona_id", "feedback_id", "text", "sentiment"]
    fb = ws.feedback
    if fb is None or "customer_id" not in fb.columns or len(fb) == 0:
        return {}, pd.DataFrame(columns=qcols)
    sent = feedback_sentiment(ws, enriched=enriched)
    nps = (
        pd.to_numeric(fb["nps"], errors="coerce").astype("float64").to_numpy()
        if "nps" in fb
        else np.full(len(fb), np.nan)
    )
    pid = assign.persona_of(fb["customer_id"])
    known = pid >= 0
    # sums per persona with np.bincount (personas are few; feedback rows are many)
    personas, group = np.unique(pid[known], return_inverse=True)
    group = group.ravel()
    k = len(personas)

    def sums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = x[known]
        ok = ~np.isnan(x)
        return (
            np.bincount(group, weights=ok, minlength=k),
            np.bincount(group, weights=np.where(ok, x, 0.0), minlength=k),
        )

    size = np.bincount(group, minlength=k)
    s_n, s_sum = sums(sent)
    p_n, p_sum = sums(nps)
    tot_n, tot_s, tot_pn, tot_p = s_n.sum(), s_sum.sum(), p_n.sum(), p_sum.sum()
    stats: dict[int, dict] = {}
    for i, p in enumerate(personas):
        ns, npn = s_n[i], p_n[i]
        stats[int(p)] = {
            "n": int(size[i]),
            "sentiment": float(s_sum[i] / ns) if ns else np.nan,
            "sentiment_rest": float((tot_s - s_sum[i]) / (tot_n - ns)) if tot_n - ns else np.nan,
            "nps": float(p_sum[i] / npn) if npn else np.nan,
            "nps_rest": float((tot_p - p_sum[i]) / (tot_pn - npn)) if tot_pn - npn else np.nan,
        }
    quotes = _quotes(fb, pid, sent, n_quotes, notes)
    return stats, quotes


#: quotes are between this many characters long
QUOTE_CHARS = (15, 280)


def _quotes(
    fb: pd.DataFrame, pid: np.ndarray, sent: np.ndarray, n_quotes: int, notes: list[str]
) -> pd.DataFrame:
    """Per persona: the most typical comment (closest to its mean sentiment), the most
    negative, the most positive, then the next most typical; ties go to the smaller
    feedback_id. Only the chosen few are turned into Python strings and PII-masked."""
    qcols = ["persona_id", "feedback_id", "text", "sentiment"]
    if n_quotes <= 0:
        return pd.DataFrame(columns=qcols)
    try:
        from cjwork.text import mask_pii  # type: ignore[attr-defined]
    except ImportError:
        notes.append("quotes left out: PII masking (cjwork.text.mask_pii) is not available")
        return pd.DataFrame(columns=qcols)
    if "text" not in fb.columns:
        return pd.DataFrame(columns=qcols)
    text = _arrow_strings(fb["text"])
    import pyarrow as pa
    import pyarrow.compute as pc

    length = np.asarray(
        pc.utf8_length(text).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    usable = (pid >= 0) & (length >= QUOTE_CHARS[0]) & (length <= QUOTE_CHARS[1])
    fids = (
        _arrow_strings(fb["feedback_id"])
        if "feedback_id" in fb
        else pa.array(np.arange(len(fb)).astype(str)).cast(pa.large_string())
    )
    picks: list[int] = []
    owner: list[int] = []
    for p in np.unique(pid[usable]):
        rows = np.flatnonzero(usable & (pid == p))
        s = sent[rows]
        chosen: list[int] = []
        if (~np.isnan(s)).any():
            typical = _smallest(np.abs(s - np.nanmean(s)), rows, fids, n_quotes + 2)
            negative = _smallest(s, rows, fids, 1)
            positive = _smallest(-s, rows, fids, 1)
            for r in (typical[0], negative[0], positive[0], *typical[1:]):
                if r not in chosen:
                    chosen.append(r)
                if len(chosen) >= n_quotes:
                    break
        else:
            chosen = _smallest(np.zeros(len(rows)), rows, fids, n_quotes)
        picks += chosen
        owner += [int(p)] * len(chosen)
    if not picks:
        return pd.DataFrame(columns=qcols)
    idx = pa.array(picks, type=pa.int64())
    q = pd.DataFrame(
        {
            "persona_id": np.asarray(owner, dtype=np.int64),
            "feedback_id": np.asarray(fids.take(idx).to_pylist(), dtype=object),
            "text": np.asarray(list(mask_pii(text.take(idx).to_pylist())), dtype=object),
            "sentiment": sent[np.asarray(picks, dtype=np.int64)],
        }
    )
    return q[qcols]


def _smallest(key: np.ndarray, rows: np.ndarray, fids, m: int) -> list[int]:
    """The ``m`` rows with the smallest ``key`` (NaN last), ties by feedback_id; in order.

    Only the rows tied at the cut are compared by id (in Arrow), never all of them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    k = np.where(np.isnan(key), np.inf, key)
    m = min(m, len(k))
    cut = np.partition(k, m - 1)[m - 1]
    below = np.flatnonzero(k < cut)
    tied = np.flatnonzero(k == cut)
    need = m - len(below)
    if len(tied) > need:
        ids = fids.take(pa.array(rows[tied], type=pa.int64()))
        order = pc.select_k_unstable(pa.table({"id": ids}), k=need, sort_keys=[("id", "ascending")])
        tied = tied[np.asarray(order.to_numpy(), dtype=np.int64)]
    sel = np.concatenate([below, tied])
    ids = fids.take(pa.array(rows[sel], type=pa.int64())).to_pylist()
    order = sorted(range(len(sel)), key=lambda i: (k[sel[i]], ids[i]))
    return [int(rows[sel[i]]) for i in order]


def _card(pid, name, size, total, t, ch, jr, v, quotes, language, n_traits) -> PersonaCard:
    tx = _TEXT[language]
    strong = t[t["effect"].abs() >= 0.2]
    who = [
        str(lbl)
        for lbl in strong[~strong["feature"].str.startswith("channel_share_")]["label"].head(
            n_traits
        )
    ]
    prefs = [
        str(r.label)
        for r in strong.itertuples(index=False)
        if r.effect > 0
        and (r.kind == "categorical" or r.feature.startswith(("channel_share_", "journey_share_")))
    ][:n_traits]
    if jr.get("main_journey"):
        goal = tx["goal_main"].format(
            journey=escape_markdown(jr["main_journey"]),
            cases=jr["_main_cases"],
            completion=jr["completion_rate"],
        )
    else:
        goal = tx["goal_none"]
    pains = []
    if jr.get("dropoff_stage"):
        stage = jr.get("_dropoff_stage_name") or jr["dropoff_stage"]
        if pd.notna(jr.get("dropoff_rest")) and jr["dropoff"] > jr["dropoff_rest"]:
            pains.append(
                tx["drop"].format(
                    stage=escape_markdown(stage),
                    journey=escape_markdown(jr["dropoff_journey"]),
                    drop=jr["dropoff"],
                    rest=jr["dropoff_rest"],
                )
            )
        else:
            pains.append(
                tx["drop_plain"].format(
                    stage=escape_markdown(stage),
                    journey=escape_markdown(jr["dropoff_journey"]),
                    drop=jr["dropoff"],
                )
            )
    if (
        v
        and pd.notna(v.get("sentiment"))
        and pd.notna(v.get("sentiment_rest"))
        and v["sentiment"] < v["sentiment_rest"]
    ):
        pains.append(tx["sentiment"].format(s=v["sentiment"], r=v["sentiment_rest"]))
    if v and pd.notna(v.get("nps")) and pd.notna(v.get("nps_rest")) and v["nps"] < v["nps_rest"]:
        pains.append(tx["nps"].format(n=v["nps"], r=v["nps_rest"]))
    q = quotes[quotes["persona_id"] == pid]
    neg = q[q["sentiment"] < 0]
    if not neg.empty:
        worst = neg.sort_values("sentiment", kind="mergesort")["text"].iloc[0]
        pains.append(f"“{escape_markdown(worst)}”")
    return PersonaCard(
        persona_id=pid,
        name=name,
        size=size,
        share=size / total if total else 0.0,
        who=who,
        goal=goal,
        preferences=prefs,
        pains=pains,
        channels=[(str(c), float(s)) for c, s in zip(ch["channel"], ch["share"], strict=True)],
        quotes=[str(x) for x in q["text"]],
        language=language,
    )
