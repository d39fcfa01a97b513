"""Sentiment lexicons (German, English, emoji) and the word classes the scorer needs.

Resources live in ``cjwork/resources/lexicons/`` (read with :mod:`importlib.resources`, so
they work from an installed wheel):

- ``de_sentiment.tsv`` — German, hand-written for cjwork (MIT) from general language and
  customer-service knowledge; not derived from any evaluation data;
- ``en_vader.tsv`` — English, the VADER lexicon (vaderSentiment 3.3.2, MIT, C.J. Hutto),
  with ``en_service.tsv``, a hand-written customer-service supplement that overrides it;
- ``emoji.tsv`` — emoji and emoticons, shared by both languages.

Valences are on VADER's scale (−4 … 4). Lookups are on folded words (``ä→ae``), exact
first, then by Snowball stem, then — for German — by compound analysis: the longest known
head (``zugausfall`` → ``ausfall``, ``hotlinewartezeit`` → ``wartezeit``) plus a valenced
modifier (``superfreundlich``, ``horrorrechnung``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from cjwork.text.normalize import fold, stem

NEGATORS = frozenset(
    """nicht nich net kein keine keinen keinem keiner keines nie niemals nichts ohne kaum weder
    nirgends niemand not no never none nobody nothing neither nor without hardly cannot cant
    dont doesnt didnt isnt wasnt arent werent wont wouldnt couldnt shouldnt havent hasnt""".split()
)

#: words that scale the next word's valence
INTENSIFIERS: dict[str, float] = {
    **dict.fromkeys(
        "sehr total extrem aeusserst echt richtig wirklich absolut voellig komplett besonders "
        "unglaublich enorm hoechst mega super ueberaus zutiefst unheimlich wahnsinnig".split(),
        1.5,
    ),
    **dict.fromkeys("so ziemlich recht ganz voll".split(), 1.25),
    **dict.fromkeys(
        "very really extremely absolutely totally completely incredibly highly truly utterly "
        "super so too quite".split(),
        1.4,
    ),
    **dict.fromkeys(
        "etwas bisschen leicht eher einigermassen halbwegs somewhat slightly rather".split(),
        0.6,
    ),
    "fairly": 0.8,
    "pretty": 1.3,
}

#: negators that can also close a German clause and negate the word before them
#: ("funktioniert seit Tagen nicht", "gefällt mir nicht")
CLAUSE_FINAL_NEGATORS = frozenset("nicht nich net nie niemals".split())

#: two-word negators: the second word negates what follows ("alles andere als gut",
#: "far from good")
NEGATOR_PHRASES = frozenset({("andere", "als"), ("anderes", "als"), ("far", "from")})

#: concessive conjunctions: the clause they open counts less ("Obwohl der Techniker freundlich
#: war, ..."); English "although"/"though" after a comma read like "but" instead
CONCESSIVES = frozenset("obwohl obgleich wenngleich although though".split())

#: "weder … noch", "neither … nor": the valenced words in that clause cancel out
NEITHER = frozenset("weder neither".split())

#: words and pairs that mark a neutral verdict ("so lala", "ganz okay", "nothing special"):
#: they carry no valence and damp the whole text's score (``NEUTRAL_DAMP``)
NEUTRAL_WORDS = frozenset(
    "lala soso so-so meh mittelmaessig durchschnittlich durchschnittlicher durchschnittliche "
    "mittelmaessiger mittelmaessige average mediocre standard".split()
)
NEUTRAL_PHRASES = frozenset(
    {
        ("so", "lala"),
        ("ganz", "okay"),
        ("ganz", "ok"),
        ("ganz", "normal"),
        ("geht", "so"),
        ("ging", "so"),
        ("nichts", "besonderes"),
        ("nichts", "besonderes"),
        ("mehr", "nicht"),
        ("nicht", "weniger"),
        ("nothing", "special"),
        ("nothing", "more"),
        ("nothing", "less"),
        ("i", "guess"),
        ("not", "terrible"),
        ("pretty", "standard"),
        ("pretty", "average"),
        ("nothing", "remarkable"),
    }
)

#: words that say a problem was solved: negative words in their clause no longer count
#: ("Die Störung wurde noch am selben Tag behoben", "the outage was fixed")
FIXES = frozenset(
    "behoben geloest repariert erledigt beseitigt fixed resolved sorted solved repaired".split()
)

#: words after which the clause carries more weight ("freundlich, aber langsam")
CONTRASTS = frozenset("aber jedoch allerdings trotzdem dennoch but however".split())

#: words after which a valenced word is a formula, not an opinion ("Guten Morgen",
#: "Mit freundlichen Grüßen", "Liebe Grüße", "best regards", "good morning")
FORMULA_NEXT = frozenset(
    """morgen tag abend nacht reise fahrt wochenende flug heimweg heimreise rutsch start appetit
    gruesse gruss gruessen tage feiertage weihnachten ostern besserung urlaub woche
    sonntag montag dienstag mittwoch donnerstag freitag samstag neujahr jahr
    morning afternoon evening night day weekend regards wishes trip journey flight""".split()
)

#: two-word phrases whose meaning is not the sum of their words (valence of the pair)
PHRASES: dict[tuple[str, str], float] = {
    ("nie", "wieder"): -2.6,
    ("never", "again"): -2.6,
    ("zu", "hoch"): -1.8,
    ("zu", "teuer"): -2.4,
    ("zu", "lange"): -1.9,
    ("zu", "lang"): -1.7,
    ("zu", "spaet"): -2.0,
    ("zu", "viel"): -1.4,
    ("zu", "langsam"): -2.0,
    ("zu", "kompliziert"): -2.2,
    ("too", "high"): -1.8,
    ("too", "expensive"): -2.3,
    ("too", "long"): -1.8,
    ("too", "late"): -2.0,
    ("too", "slow"): -2.0,
    ("too", "much"): -1.2,
    ("too", "complicated"): -2.1,
    ("keine", "antwort"): -2.0,
    ("keine", "rueckmeldung"): -2.0,
    ("kein", "rueckruf"): -2.0,
    ("keine", "reaktion"): -2.0,
    ("no", "reply"): -2.0,
    ("no", "response"): -2.0,
    ("no", "answer"): -1.8,
    ("no", "callback"): -2.0,
    ("no", "one"): -1.0,
    ("kein", "problem"): 1.6,
    ("keine", "probleme"): 1.7,
    ("no", "problem"): 1.6,
    ("no", "problems"): 1.7,
    ("no", "issues"): 1.7,
    ("keine", "beschwerden"): 1.6,
    ("no", "complaints"): 1.7,
    ("keine", "fehler"): 1.4,
    ("no", "errors"): 1.4,
    ("nothing", "wrong"): 1.6,
    ("nichts", "auszusetzen"): 1.8,
    ("be", "happier"): 2.8,
    ("doesn't", "work"): -2.0,
    ("doesnt", "work"): -2.0,
    ("didn't", "work"): -2.0,
    ("didnt", "work"): -2.0,
    ("don't", "work"): -2.0,
    ("dont", "work"): -2.0,
    ("not", "working"): -2.0,
    ("stopped", "working"): -2.2,
    ("geht", "nicht"): -1.6,
    ("no", "idea"): -1.8,
    ("keine", "ahnung"): -1.8,
    ("on", "hold"): -2.0,
    ("still", "pending"): -2.0,
    ("final", "demand"): -2.0,
    ("call", "dropped"): -2.0,
    ("leitung", "geflogen"): -2.0,
    ("nobody", "responds"): -2.0,
    ("nobody", "cared"): -1.8,
    ("nobody", "cares"): -1.8,
    ("nobody", "ever"): -1.6,
    ("niemand", "reagiert"): -2.0,
    ("keiner", "reagiert"): -2.0,
    ("war", "weg"): -1.4,
    ("ohne", "ankuendigung"): -1.8,
    ("ohne", "benachrichtigung"): -1.8,
    ("without", "notice"): -1.8,
    ("without", "warning"): -1.8,
    ("higher", "than"): -1.2,
    ("hoeher", "als"): -1.2,
    ("taken", "twice"): -2.0,
    ("charged", "twice"): -2.0,
    ("doppelt", "abgebucht"): -2.0,
    ("was", "down"): -1.6,
    ("is", "down"): -1.6,
    ("no", "internet"): -2.0,
    ("kein", "internet"): -2.0,
    ("refund", "arrived"): 1.8,
    ("would", "like"): 0.0,
    ("catch-up", "bill"): -1.8,
    ("nie", "gemacht"): -1.8,
    ("never", "happened"): -1.8,
    ("ging", "noch"): 1.0,
    ("geht", "noch"): 1.0,
    ("really", "well"): 2.0,
    ("very", "well"): 2.0,
    ("paid", "within"): 1.6,
    ("still", "drops"): -2.0,
    ("callback", "within"): 1.6,
    ("rueckruf", "kam"): 1.6,
    ("nicht", "erreichbar"): -2.3,
    ("not", "reachable"): -2.2,
    ("weiter", "so"): 2.2,
    ("schwarzes", "loch"): -2.2,
    ("black", "hole"): -2.2,
    ("a", "joke"): -2.0,
    ("ein", "witz"): -2.2,
    ("still", "waiting"): -2.0,
    ("warte", "immer"): -1.6,
    ("immer", "noch"): -0.8,
    ("in", "ordnung"): 0.9,
    ("nicht", "durch"): -1.8,
    ("not", "through"): -1.5,
    ("no", "way"): -1.2,
    ("never", "showed"): -2.2,
    ("never", "arrived"): -2.2,
    ("nie", "angekommen"): -2.2,
    ("keep", "up"): 1.5,
    ("well", "done"): 2.2,
    ("gut", "gemacht"): 2.2,
}

#: compound modifiers with a valence of their own (``Superservice``, ``Horrorrechnung``)
MODIFIERS: dict[str, float] = {
    "super": 2.0,
    "mega": 1.5,
    "top": 1.8,
    "spitzen": 2.2,
    "traum": 2.0,
    "klasse": 1.8,
    "wunsch": 0.8,
    "bilderbuch": 1.8,
    "vorzeige": 1.8,
    "scheiss": -2.6,
    "mist": -2.2,
    "horror": -2.5,
    "katastrophen": -2.6,
    "chaos": -2.4,
    "sau": -1.0,
    "drecks": -2.5,
    "schrott": -2.5,
    "kack": -2.5,
    "stress": -1.6,
    "wucher": -2.5,
    "abzock": -2.8,
    "pannen": -2.0,
    "problem": -1.6,
    "aerger": -2.0,
    "fehl": -1.5,
    "falsch": -1.8,
    "stoerungs": -1.8,
    "verspaetungs": -1.8,
    "ausfall": -1.8,
}
_MIN_HEAD = 6
#: shortest stem left after cutting an ending ("guter" → "gut", "gute" → "gut")
_MIN_STEM = {"de": 3, "en": 4}
_PLURALS = ("en", "n", "s", "e")
#: inflectional endings tried (longest first) when a word is not in the lexicon as written
_SUFFIXES = {
    "de": (
        "esten",
        "ester",
        "estes",
        "eren",
        "erer",
        "eres",
        "erem",
        "sten",
        "ster",
        "stes",
        "ste",
        "ere",
        "ern",
        "en",
        "er",
        "es",
        "em",
        "e",
        "n",
        "s",
        "t",
    ),
    "en": ("ing", "ed", "es", "ly", "s", "d"),
}


def _read_tsv(name: str) -> dict[str, float]:
    out: dict[str, float] = {}
    text = (
        resources.files("cjwork").joinpath(f"resources/lexicons/{name}").read_text(encoding="utf-8")
    )
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, value = line.partition("\t")
        try:
            out[fold(word.strip())] = float(value.split("\t")[0])
        except ValueError:
            continue
    return out


@dataclass(frozen=True)
class Lexicon:
    """One language's lexicon: exact entries, stem index and emoji."""

    language: str
    words: dict[str, float]
    stems: dict[str, float]

    def lookup(self, token: str) -> float:
        """Valence of one folded token (0.0 when unknown)."""
        return _lookup(self, token)

    def valences(self, vocab: np.ndarray) -> np.ndarray:
        """Valence per distinct token, as a float array aligned with ``vocab``.

        Known tokens are mapped in one vectorised step; only tokens never seen before go
        through the (memoised) stem and compound analysis.
        """
        memo = _MEMO.setdefault(self.language, {}) if self is _LEXICONS.get(self.language) else {}
        s = pd.Series(vocab, dtype=object)
        out = (
            s.map(memo).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
            if memo
            else np.full(len(s), np.nan)
        )
        miss = np.flatnonzero(np.isnan(out))
        if len(miss):
            new = np.fromiter(
                (_uncached_lookup(self, t) for t in s.iloc[miss]), dtype=np.float64, count=len(miss)
            )
            out[miss] = new
            if len(memo) < 2_000_000:
                memo.update(zip(s.iloc[miss].tolist(), new.tolist(), strict=True))
        return out

    def __hash__(self) -> int:
        return hash(self.language)


@lru_cache(maxsize=1_000_000)
def _lookup_cached(language: str, token: str) -> float:
    lex = load_lexicon(language)
    return _uncached_lookup(lex, token)


def _lookup(lex: Lexicon, token: str) -> float:
    if lex is _LEXICONS.get(lex.language):
        return _lookup_cached(lex.language, token)
    return _uncached_lookup(lex, token)


def _uncached_lookup(lex: Lexicon, token: str) -> float:
    words = lex.words
    v = words.get(token)
    if v is not None:
        return v
    if not token[:1].isalpha():
        return 0.0
    flat = token.replace("-", "").replace("'", "")
    if flat != token and flat in words:
        return words[flat]
    lang = lex.language
    for suffix in _SUFFIXES[lang]:
        if flat.endswith(suffix) and len(flat) - len(suffix) >= _MIN_STEM[lang]:
            v = words.get(flat[: -len(suffix)])
            if v is not None:
                return v
    if "-" in token:  # hyphenated compound: the last part is the head
        parts = [p for p in token.split("-") if p]
        head = _uncached_lookup(lex, parts[-1]) if parts else 0.0
        mod = sum(MODIFIERS.get(p, 0.0) for p in parts[:-1])
        if head == 0.0 and mod == 0.0:  # "worst-ever", "Kundenservice-Katastrophe"
            lead = [_uncached_lookup(lex, p) for p in parts[:-1]]
            mod = max(lead, key=abs, default=0.0) / 0.9
        return float(np.clip(head + (0.6 if head else 0.9) * mod, -4, 4))
    if lang == "de" and len(flat) >= _MIN_HEAD + 3:
        return _compound(lex, flat)
    return 0.0


def _compound(lex: Lexicon, word: str) -> float:
    head_v = 0.0
    cut = None
    for i in range(3, len(word) - _MIN_HEAD + 1):
        head = word[i:]
        v = lex.words.get(head)
        if v is None:
            for suffix in _PLURALS:
                if head.endswith(suffix) and len(head) - len(suffix) >= _MIN_HEAD:
                    v = lex.words.get(head[: -len(suffix)])
                    if v is not None:
                        break
        if v is not None:
            head_v, cut = v, i
            break
    prefix = word[:cut] if cut else word
    mod = 0.0
    for m, mv in MODIFIERS.items():
        if prefix.startswith(m) and len(word) - len(m) >= 4:
            mod = mv
            break
    if not mod and cut and prefix.startswith("un") and head_v > 0 and cut == 2:
        return -0.8 * head_v
    if head_v == 0.0 and mod == 0.0:
        return 0.0
    # a valenced modifier on a neutral head carries the word ("Traumservice", "Spitzenberatung")
    return float(np.clip(head_v + (0.6 if head_v else 0.9) * mod, -4, 4))


_LEXICONS: dict[str, Lexicon] = {}
_MEMO: dict[str, dict[str, float]] = {}


def load_lexicon(language: str) -> Lexicon:
    """The bundled lexicon for ``de`` or ``en`` (emoji included), loaded once."""
    if language in _LEXICONS:
        return _LEXICONS[language]
    if language == "de":
        words = _read_tsv("de_sentiment.tsv")
    elif language == "en":
        words = _read_tsv("en_vader.tsv")
        words.update(_read_tsv("en_service.tsv"))
        for w in list(words):  # VADER lists "don't" etc.; our tokens keep the apostrophe
            if "'" in w:
                words.setdefault(w.replace("'", ""), words[w])
    else:
        raise ValueError(f"language must be 'de' or 'en', got {language!r}")
    words.update(_read_tsv("emoji.tsv"))
    # intensifiers keep their own valence ("super!") and lose it when they intensify
    for w in NEGATORS | CONTRASTS | CONCESSIVES | NEUTRAL_WORDS:
        words.pop(w, None)
    stems: dict[str, float] = {}
    for w, v in words.items():
        if w[:1].isalpha():
            s = stem(w.replace("-", ""), language)
            # keep the stronger entry when two words share a stem
            if abs(v) > abs(stems.get(s, 0.0)):
                stems[s] = v
    lex = Lexicon(language, words, stems)
    _LEXICONS[language] = lex
    return lex
