"""Persona figures: the cards (Steckbriefe), the profile heatmap, the k-selection curve and a
2-D projection of customers by persona.

Each function takes data (from :mod:`cjwork.personas`) plus an optional ``ax`` and returns
the Axes (or a Figure for the multi-card grid). The numbers behind every figure come from a
package function (:meth:`PersonaProfiles.heatmap_data`, ``PersonaModel.k_scores_``,
:func:`projection_data`), so they can be checked without drawing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cjwork.markup import markdown_to_plain
from cjwork.plots._language import decimal_comma, number, percent, texts

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from cjwork.personas.cards import PersonaCard
    from cjwork.personas.model import PersonaModel

_LABELS = {
    "en": {
        "who": "Who",
        "goal": "Goal",
        "prefs": "Preferences",
        "pains": "Pains",
        "channels": "Channels",
        "customers": "customers",
    },
    "de": {
        "who": "Wer",
        "goal": "Ziel",
        "prefs": "Vorlieben",
        "pains": "Schmerzpunkte",
        "channels": "Kanäle",
        "customers": "Kund:innen",
    },
}
#: the words of the heatmaps and the k-selection curve, by language
TEXTS = {
    "en": {
        "effect": "effect size vs. other customers",
        "chosen": "chosen k = {k}",
        "evidence": "evidence (1 = best)",
        "k": "number of personas k",
        "higher": " (higher is better)",
        "lower": " (lower is better)",
        "no_data": "no {value} data",
        "dropoff": "dropoff",
        "sentiment": "sentiment",
        "reach": "reach",
    },
    "de": {
        "effect": "Effektstärke ggü. den übrigen Kund:innen",
        "chosen": "gewähltes k = {k}",
        "evidence": "Evidenz (1 = am besten)",
        "k": "Anzahl der Personas k",
        "higher": " (höher ist besser)",
        "lower": " (niedriger ist besser)",
        "no_data": "keine Daten: {title}",
        "dropoff": "Abbruch",
        "sentiment": "Sentiment",
        "reach": "Erreicht",
    },
}


def _annotations(data: pd.DataFrame, fmt: str, language: str) -> pd.DataFrame:
    """Cell labels as text in ``language`` (blank for missing cells)."""

    def one(v: float) -> str:
        if pd.isna(v):
            return ""
        if fmt.endswith("%"):
            return percent(v, language, digits=int(fmt[fmt.index(".") + 1 : -1] or 0))
        return number(v, fmt, language)

    return data.astype(float).map(one)


def _plain(text: str) -> str:
    return markdown_to_plain(text)


def card_sections(card: PersonaCard) -> list[tuple[str, str]]:
    """The text blocks of a card as (heading, body) pairs, in drawing order."""
    lab = _LABELS.get(card.language, _LABELS["en"])
    channels = ", ".join(f"{c} {s:.0%}" for c, s in card.channels) or "–"
    return [
        (lab["who"], "; ".join(card.who[:4]) or "–"),
        (lab["goal"], _plain(card.goal)),
        (lab["prefs"], "; ".join(card.preferences[:4]) or "–"),
        (lab["pains"], " ".join(_plain(p) for p in card.pains[:3]) or "–"),
        (lab["channels"], channels),
    ]


def persona_card(
    card: PersonaCard, ax: Axes | None = None, *, color: str | None = None, width: int = 58
) -> Axes:
    """Draw one persona card (name, size, who, goal, preferences, pains, channels) on ``ax``.

    Parameters
    ----------
    card : cjwork.personas.PersonaCard
    ax : Axes, optional
    color : str, optional
        Colour of the header band.
    width : int
        Characters per line before wrapping.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2))
    lab = _LABELS.get(card.language, _LABELS["en"])
    color = color or "#2b6f8e"
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.add_patch(
        plt.Rectangle((0, 0.86), 1, 0.14, color=color, transform=ax.transAxes, clip_on=False)
    )
    ax.text(
        0.03,
        0.93,
        textwrap.shorten(card.name, 48, placeholder="…"),
        color="white",
        fontsize=11,
        fontweight="bold",
        va="center",
        transform=ax.transAxes,
    )
    ax.text(
        0.97,
        0.93,
        f"{card.size:,} {lab['customers']} · {card.share:.0%}",
        color="white",
        fontsize=8,
        ha="right",
        va="center",
        transform=ax.transAxes,
    )
    y = 0.82
    for head, body in card_sections(card):
        ax.text(0.03, y, head, fontsize=8, fontweight="bold", va="top", transform=ax.transAxes)
        wrapped = textwrap.wrap(body, width=width)[:3] or ["–"]
        ax.text(0.27, y, "\n".join(wrapped), fontsize=7.5, va="top", transform=ax.transAxes)
        y -= 0.055 * max(len(wrapped), 1) + 0.05
    ax.add_patch(
        plt.Rectangle(
            (0, 0), 1, 1, fill=False, edgecolor=color, lw=1.2, transform=ax.transAxes, clip_on=False
        )
    )
    return ax


def persona_cards(
    cards: Iterable[PersonaCard], *, ncols: int = 2, palette: str = "tab10"
) -> Figure:
    """All persona cards in a grid; returns the Figure (one Axes per card)."""
    cards = list(cards)
    n = max(len(cards), 1)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.8 * ncols, 4.4 * nrows), squeeze=False)
    colors = (
        plt.get_cmap(palette).colors if hasattr(plt.get_cmap(palette), "colors") else [None] * n
    )
    for i, ax in enumerate(axes.ravel()):
        if i < len(cards):
            persona_card(cards[i], ax=ax, color=colors[i % len(colors)])
        else:
            ax.set_axis_off()
    fig.tight_layout()
    return fig


def persona_heatmap(
    data: pd.DataFrame,
    ax: Axes | None = None,
    *,
    vmax: float = 2.0,
    annot: bool = True,
    language: str = "en",
) -> Axes:
    """Heatmap of effect sizes (persona × feature), e.g. :meth:`PersonaProfiles.heatmap_data`.

    Red: the persona has more of it than the other customers, blue: less (Cohen's d / h).
    ``language`` (``en``/``de``) sets the colour bar's label and the number format.
    """
    import seaborn as sns

    tx = texts(TEXTS, language)
    fmt = ".1f"
    if annot and language == "de":
        annot, fmt = _annotations(data, fmt, language), ""

    if ax is None:
        _, ax = plt.subplots(
            figsize=(1.0 + 0.6 * max(len(data.columns), 1), 1.0 + 0.5 * max(len(data), 1))
        )
    sns.heatmap(
        data.astype(float),
        ax=ax,
        cmap="RdBu_r",
        center=0,
        vmin=-vmax,
        vmax=vmax,
        annot=annot,
        fmt=fmt,
        cbar_kws={"label": tx["effect"]},
    )
    if ax.collections and ax.collections[0].colorbar is not None:
        decimal_comma(ax.collections[0].colorbar.ax, language)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=60)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    return ax


def k_selection_curve(
    k_scores: pd.DataFrame,
    ax: Axes | None = None,
    *,
    criterion: str = "silhouette",
    language: str = "en",
) -> Axes:
    """The k-selection curve (``PersonaModel.k_scores_``) with the chosen k marked; the
    words in ``language`` (``en``/``de``)."""
    tx = texts(TEXTS, language)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    if criterion not in k_scores.columns:
        raise ValueError(
            f"criterion {criterion!r} is not in k_scores (columns: {', '.join(map(str, k_scores.columns))})"
        )
    ax.plot(k_scores["k"], k_scores[criterion], marker="o", color="#2b6f8e")
    chosen = k_scores[k_scores.get("chosen", False) == True]  # noqa: E712 - boolean column
    if not chosen.empty:
        ax.scatter(
            chosen["k"],
            chosen[criterion],
            s=140,
            facecolors="none",
            edgecolors="#c0392b",
            lw=2,
            label=tx["chosen"].format(k=int(chosen["k"].iloc[0])),
            zorder=3,
        )
        ax.legend(frameon=False)
    ax.set_xlabel(tx["k"])
    ax.set_ylabel(criterion + (tx["higher"] if criterion == "silhouette" else tx["lower"]))
    ax.set_xticks(list(k_scores["k"]))
    decimal_comma(ax, language)
    return ax


def k_evidence_plot(
    k_scores: pd.DataFrame,
    ax: Axes | None = None,
    *,
    language: str = "en",
) -> Axes:
    """The evidence for each number of personas (``PersonaModel.k_scores_``): silhouette,
    Calinski–Harabasz, gap and stability, each scaled to 0 … 1 over the k tried (1 = the
    best k by that criterion), with the chosen k marked.

    Parameters
    ----------
    k_scores : DataFrame
        ``PersonaModel.k_scores_`` of a fit with ``n_personas="auto"``.
    ax : Axes, optional
    language : {"en", "de"}

    Returns
    -------
    Axes
    """
    tx = texts(TEXTS, language)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.2))
    data = k_evidence_data(k_scores)
    styles = {"silhouette": "o-", "calinski_harabasz": "s-", "gap": "^-", "stability": "d--"}
    for crit, style in styles.items():
        if crit in data.columns:
            ax.plot(data["k"], data[crit], style, label=crit.replace("_", "–").title(), lw=1.5)
    chosen = k_scores[(k_scores["k"] >= 2) & (k_scores.get("chosen", False) == True)]  # noqa: E712
    if not chosen.empty:
        ax.axvline(
            int(chosen["k"].iloc[0]),
            color="#c0392b",
            lw=2,
            alpha=0.6,
            label=tx["chosen"].format(k=int(chosen["k"].iloc[0])),
        )
    ax.set_xlabel(tx["k"])
    ax.set_ylabel(tx["evidence"])
    ax.set_xticks(list(data["k"]))
    ax.set_ylim(-0.05, 1.05)
    ax.legend(frameon=False, fontsize=7, loc="best")
    decimal_comma(ax, language)
    return ax


def k_evidence_data(k_scores: pd.DataFrame) -> pd.DataFrame:
    """The numbers of :func:`k_evidence_plot`: each criterion scaled to 0 … 1 over k >= 2
    (1 = best; stability as it is, already 0 … 1)."""
    ev = k_scores[k_scores["k"] >= 2].reset_index(drop=True)
    out = pd.DataFrame({"k": ev["k"].astype(int)})
    for crit in ("silhouette", "calinski_harabasz", "gap"):
        if crit in ev.columns:
            v = ev[crit].astype(float)
            span = v.max() - v.min()
            out[crit] = (v - v.min()) / span if span > 0 else 1.0
    if "stability" in ev.columns:
        out["stability"] = ev["stability"].astype(float).clip(0, 1)
    return out


def projection_data(
    model: PersonaModel,
    features: pd.DataFrame,
    labels: ArrayLike | None = None,
    names: dict | None = None,
    *,
    max_points: int = 5000,
    random_state: int = 0,
) -> pd.DataFrame:
    """2-D PCA projection of (a sample of) customers in the space the personas were found in.

    Returns
    -------
    DataFrame
        ``customer_id``, ``pc1``, ``pc2``, ``persona`` (name when ``names`` is given), in a
        deterministic sample of at most ``max_points`` rows.
    """
    from sklearn.decomposition import PCA

    rng = np.random.RandomState(random_state)
    idx = (
        np.arange(len(features))
        if len(features) <= max_points
        else np.sort(rng.choice(len(features), max_points, replace=False))
    )
    sub = features.iloc[idx]
    Z = model.transform(sub)
    coords = (
        PCA(n_components=2, random_state=random_state)
        .fit(model.transform(features.iloc[idx]))
        .transform(Z)
    )
    lab = np.asarray(labels)[idx] if labels is not None else model.predict(sub) + 1
    persona = [names.get(int(v), str(v)) if names else str(v) for v in lab]
    return pd.DataFrame(
        {
            "customer_id": sub.index.to_numpy(dtype=object),
            "pc1": coords[:, 0],
            "pc2": coords[:, 1],
            "persona": persona,
        }
    )


def persona_projection(
    data: pd.DataFrame, x: str = "pc1", y: str = "pc2", hue: str = "persona", ax: Axes | None = None
) -> Axes:
    """Scatter of customers in 2-D coloured by persona (data from :func:`projection_data`)."""
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    sns.scatterplot(data=data, x=x, y=y, hue=hue, s=10, alpha=0.6, linewidth=0, ax=ax)
    ax.legend(title="", fontsize=7, markerscale=2, frameon=False, loc="best")
    return ax


def persona_stage_heatmap(
    data: pd.DataFrame,
    value: str = "dropoff",
    ax: Axes | None = None,
    *,
    persona: str = "persona_name",
    stage: str = "stage_name",
    order: str = "stage_order",
    fmt: str = ".0%",
    cmap: str = "Reds",
    center: float | None = None,
    language: str = "en",
) -> Axes:
    """Heatmap persona × stage of one measure (``stages`` of
    :func:`cjwork.personas.journey.persona_journey_experience`): drop-off, reach or sentiment.

    Stages in journey order; empty cells (no cases/feedback) stay blank. ``language``
    (``en``/``de``) sets the title and the number format of the cells.
    """
    import seaborn as sns

    tx = texts(TEXTS, language)
    title = tx.get(value, value.replace("_", " "))

    stages = data.sort_values(order).drop_duplicates(stage)[stage].tolist()
    wide = data.pivot_table(index=persona, columns=stage, values=value, aggfunc="first", sort=False)
    wide = wide.reindex(columns=stages)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 1.1 * len(stages), 0.9 + 0.45 * len(wide)))
    if wide.empty or wide.isna().all().all():
        # too few cases or feedback on this journey: an empty panel that says so
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            tx["no_data"].format(value=value, title=title),
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return ax
    annot: bool | pd.DataFrame = True
    if language == "de":
        annot, fmt = _annotations(wide, fmt, language), ""
    sns.heatmap(
        wide.astype(float),
        ax=ax,
        annot=annot,
        fmt=fmt,
        cmap=cmap,
        center=center,
        cbar=False,
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title)
    return ax
