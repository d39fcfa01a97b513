"""The words of persona names and cards, in English and German.

Feature words (``age`` high → "older" / "älter"), channel and level words, the columns
whose categories are channels or speak for themselves, and the phrases of a persona card
(:data:`CARD_TEXT`). Used by :mod:`cjwork.personas.naming` and :mod:`cjwork.personas.cards`.
"""

from __future__ import annotations

# Words for known features: feature -> {"high": (en, de), "low": (en, de)}
NUMERIC_WORDS: dict[str, dict[str, tuple[str, str]]] = {
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
WEAK_NUMERIC = {
    "monthly_instalment_eur",
    "recency_days",
    "median_gap_hours",
    "feedback_count",
    "events",
    "journeys_started",
    "journeys_completed",
}
CHANNEL_WORDS: dict[str, tuple[str, str]] = {
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
CHANNEL_COLUMNS = {"preferred_channel", "channel", "main_channel", "contact_channel"}
# categorical columns whose values speak for themselves ("city", "Berlin", "business")
SELF_DESCRIBING = {"area", "segment", "customer_type", "area_type", "location", "urbanity"}
LEVEL_WORDS: dict[str, tuple[str, str]] = {
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

CARD_TEXT = {
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
