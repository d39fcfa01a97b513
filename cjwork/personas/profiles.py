"""Persona profiles: what sets each persona apart, how they travel, what they say.

:func:`profile_personas` puts together, as a pure function of the features, the persona
labels and the workspace:

* **traits** — every feature compared with the rest of the customers as an *effect size*
  (:mod:`cjwork.personas.effects`: Cohen's d for numbers, Cohen's h for each category).
* **channels** and **journeys** — each persona's channel mix from the events, cases,
  completion and drop-off per stage from the journey engine, and the stage where the
  persona drops off most compared with the other customers (:mod:`cjwork.personas.funnels`).
* **voice** — mean sentiment and NPS of the persona's feedback and a few typical quotes,
  PII masked (:mod:`cjwork.personas.quotes`).
* a **name** from the top distinguishing traits (:mod:`cjwork.personas.naming`, words in
  :mod:`cjwork.personas.words`) and a **card** (Steckbrief) as Markdown
  (:mod:`cjwork.personas.cards`); the figure is :func:`cjwork.plots.persona_cards.persona_cards`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cjwork.errors import UsageError
from cjwork.markup import escape_markdown
from cjwork.personas.cards import PersonaCard, build_card, evidence_markdown
from cjwork.personas.effects import TRAIT_COLUMNS, effect_sizes
from cjwork.personas.funnels import channel_mix, journey_runs, journey_summary
from cjwork.personas.lookup import Assignments
from cjwork.personas.naming import check_language, name_personas, trait_label
from cjwork.personas.quotes import persona_voice

if TYPE_CHECKING:
    from cjwork.io.workspace import Workspace
    from cjwork.journeys.engine import Prepared

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
        return evidence_markdown(self.evidence, self.verdict, self.language)

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

    check_language(language)
    if not {"customer_id", "persona_id"} <= set(assignments.columns):
        raise UsageError("assignments need the columns customer_id and persona_id")
    if features is None:
        features = build_features(ws)
    assign = Assignments(assignments)
    labels = assign.persona_of(features.index)
    known = labels >= 0
    feats = features if known.all() else features[known]
    labels = labels[known]
    notes: list[str] = []

    traits = effect_sizes(feats, labels)
    names = name_personas(traits, language)
    if not traits.empty:
        traits["label"] = (
            [trait_label(r, language) for _, r in traits.iterrows()]
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

    channels = channel_mix(ws, assign, prep)
    journeys = journey_runs(ws, assignments, prep, notes)
    fb, quotes = persona_voice(ws, assign, enriched_feedback, n_quotes, notes)

    rows, cards = [], []
    for pid in personas:
        t = traits[traits["persona_id"] == pid]
        strong = t[t["effect"].abs() >= 0.2].head(n_traits)
        ch = channels[channels["persona_id"] == pid].head(3)
        jr = journey_summary(journeys, pid)
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
            build_card(
                pid, names[pid], int(sizes[pid]), total, t, ch, jr, v, quotes, language, n_traits
            )
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
