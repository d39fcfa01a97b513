"""Persona cards (Steckbrief: who, goal, preferences, pains, channels, quotes) as Markdown.

The figure of the cards is :func:`cjwork.plots.persona_cards.persona_cards`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cjwork.markup import escape_markdown
from cjwork.personas.selection import NO_STRUCTURE
from cjwork.personas.words import CARD_TEXT


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
        t = CARD_TEXT[self.language]
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


def build_card(pid, name, size, total, t, ch, jr, v, quotes, language, n_traits) -> PersonaCard:
    """The card of persona ``pid`` from its traits ``t`` (strongest first), channels ``ch``,
    journey summary ``jr`` (:func:`cjwork.personas.funnels.journey_summary`), voice ``v``
    and the quotes of every persona (:func:`cjwork.personas.quotes.pick_quotes`)."""
    tx = CARD_TEXT[language]
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


def evidence_markdown(evidence: pd.DataFrame | None, verdict: str, language: str) -> list[str]:
    """Lines of the "how many personas" section: the verdict and the evidence per k
    (``evidence``: the model's scores per k, as in :attr:`PersonaProfiles.evidence`)."""
    ev = evidence
    if ev is None or "silhouette" not in ev.columns:
        return []
    en = language == "en"
    lines = ["## " + ("How many personas" if en else "Wie viele Personas"), ""]
    if verdict == NO_STRUCTURE:
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
