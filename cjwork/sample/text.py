"""A small phrase grammar for synthetic customer feedback in German and English.

A comment is built from an optional opener, a main clause about the touchpoint (either a
touchpoint-specific phrase or a generic frame around a noun phrase from the touchpoint's
vocabulary), an optional second aspect (same or contrasting polarity), an optional closer,
emoji, and then noise: ae/oe/ue spellings, lower case, typos, missing punctuation and,
for a few percent, personal data (e-mail addresses, phone numbers, IBANs, names after
Herr/Frau/Mr/Ms). All randomness comes from the generator passed in.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from cjwork.journeymap import JourneyMap

NEG, NEU, POS = 0, 1, 2

# ------------------------------------------------------------------ intensity words

INTENS = {
    "de": {
        "strong": ["sehr ", "extrem ", "total ", "echt ", "wirklich ", "absolut ", "richtig "],
        "weak": ["", "", "ziemlich ", "recht "],
    },
    "en": {
        "strong": ["really ", "very ", "extremely ", "totally ", "so ", "incredibly "],
        "weak": ["", "", "quite ", "pretty "],
    },
}

# ------------------------------------------------------------------ generic frames
# {N}: a noun phrase (nominative, with article) · {B}: the bare noun · {I}: intensifier

FRAMES = {
    "de": {
        POS: [
            "{N} war {I}gut",
            "{N} war {I}super",
            "{N} hat {I}gut geklappt",
            "{N} lief {I}reibungslos",
            "{N} war {I}schnell und unkompliziert",
            "{N} war {I}hilfreich",
            "{N} war nicht schlecht",
            "Thema {B}: kein Problem",
            "{B}: {I}top",
            "{N} war {I}angenehm",
            "{B} - alles bestens",
            "{N} hat mich {I}überzeugt",
            "{N} war {I}einfach und klar",
            "Thema {B}: keine Beschwerden",
            "{N} war {I}zufriedenstellend",
            "{N} funktioniert {I}zuverlässig",
            "{B} einwandfrei",
        ],
        NEG: [
            "{N} war {I}schlecht",
            "{N} war {I}enttäuschend",
            "{N} war nicht gut",
            "{N} war {I}ärgerlich",
            "{N} hat nicht funktioniert",
            "{N} war gar nicht hilfreich",
            "{B}: {I}schlecht gelöst",
            "{N} ist eine Zumutung",
            "{N} war {I}chaotisch",
            "{N} war {I}umständlich",
            "Thema {B}: nur Probleme",
            "{N} war {I}frustrierend",
            "{B} - nie wieder",
            "{N} ist nicht zu empfehlen",
            "{N} war {I}unverschämt",
            "{N} hat {I}lange gedauert",
        ],
        NEU: [
            "{N} war ok",
            "{N} war in Ordnung, mehr nicht",
            "{N} ging so",
            "{B}: nichts Besonderes",
            "{N} war weder gut noch schlecht",
            "{N} war durchschnittlich",
            "{B}: naja, geht so",
            "{N} hat gedauert, aber am Ende hat es geklappt",
            "{N} war okay",
        ],
    },
    "en": {
        POS: [
            "{N} was {I}good",
            "{N} was {I}great",
            "{N} worked {I}well",
            "{N} was {I}smooth",
            "{N} was {I}quick and easy",
            "{N} was {I}helpful",
            "{N} was not bad at all",
            "no problems with {N}",
            "{N}: {I}excellent",
            "{N} was {I}pleasant",
            "{N} was {I}clear and simple",
            "{N} worked {I}reliably",
            "{N} - all good",
        ],
        NEG: [
            "{N} was {I}bad",
            "{N} was {I}disappointing",
            "{N} was not good",
            "{N} was {I}annoying",
            "{N} did not work",
            "{N} was not helpful at all",
            "{N} was {I}awful",
            "{N} is a joke",
            "{N} was {I}chaotic",
            "{N} was {I}frustrating",
            "nothing but problems with {N}",
            "{N} - never again",
            "{N} was {I}slow",
            "{N} was {I}poor",
        ],
        NEU: [
            "{N} was ok",
            "{N} was fine, nothing more",
            "{N} was so-so",
            "{N}: nothing special",
            "{N} was neither good nor bad",
            "{N} was average",
            "{N} took a while but worked in the end",
        ],
    },
}

#: frames usable with a generic noun (no bare-noun slot)
NOUN_FRAMES = {
    lang: {lab: [f for f in frames if "{B}" not in f] for lab, frames in by_label.items()}
    for lang, by_label in FRAMES.items()
}

#: generic noun phrases that mention no touchpoint at all (unlinkable texts)
GENERIC_NOUNS = {
    "de": [
        ("das", "das"),
        ("alles", "alles"),
        ("die Sache", "Sache"),
        ("das Ganze", "das Ganze"),
        ("der Ablauf", "Ablauf"),
        ("die Abwicklung", "Abwicklung"),
        ("die Erfahrung", "Erfahrung"),
        ("es", "es"),
    ],
    "en": [
        ("it", "it"),
        ("everything", "everything"),
        ("the whole thing", "the whole thing"),
        ("the process", "the process"),
        ("the experience", "the experience"),
        ("this", "this"),
    ],
}

OPENERS = {
    "de": {
        POS: ["Endlich mal positiv:", "Kurz gesagt:", "Ehrlich gesagt:", "Also,", "Hallo,", "Lob:"],
        NEG: [
            "Leider muss ich sagen:",
            "Ehrlich gesagt:",
            "Also,",
            "Hallo,",
            "Beschwerde:",
            "Sorry, aber",
            "Mal ehrlich:",
        ],
        NEU: ["Also,", "Hallo,", "Kurz gesagt:", "Tja,"],
    },
    "en": {
        POS: ["Honestly,", "To be fair,", "Well,", "Hi,", "Quick note:"],
        NEG: ["Honestly,", "Sadly,", "Well,", "Hi,", "Complaint:", "Sorry, but"],
        NEU: ["Well,", "Hi,", "Quick note:"],
    },
}

CLOSERS = {
    "de": {
        POS: [
            "Danke!",
            "Weiter so!",
            "Gerne wieder.",
            "Empfehlenswert.",
            "Vielen Dank.",
            "Top Service.",
        ],
        NEG: [
            "So nicht!",
            "Ich überlege zu kündigen.",
            "Sehr ärgerlich.",
            "Unmöglich.",
            "Nie wieder.",
            "Das geht besser.",
            "Bitte dringend ändern!",
        ],
        NEU: ["Mal sehen.", "Naja.", "Passt schon.", ""],
    },
    "en": {
        POS: ["Thanks!", "Keep it up!", "Would recommend.", "Many thanks.", "Great service."],
        NEG: [
            "Not acceptable!",
            "Thinking about switching.",
            "Very annoying.",
            "Never again.",
            "Please fix this!",
        ],
        NEU: ["We'll see.", "Meh.", "Fine I guess.", ""],
    },
}

SECOND = {
    "de": {
        POS: [
            "und die Mitarbeiter waren freundlich",
            "alles hat auf Anhieb gepasst",
            "man merkt, dass sich jemand kümmert",
            "so soll das sein",
        ],
        NEG: [
            "und niemand fühlt sich zuständig",
            "das kostet mich nur Nerven",
            "ich bin total genervt",
            "so verliert man Kunden",
        ],
        "contrast_pos": [
            "nur die Preise sind etwas hoch",
            "aber Strom ist insgesamt teuer geworden",
        ],
        "contrast_neg": ["die Mitarbeiter waren aber freundlich", "immerhin war der Preis ok"],
    },
    "en": {
        POS: [
            "and the staff were friendly",
            "everything fit right away",
            "that's how it should be",
        ],
        NEG: ["and nobody feels responsible", "this is wasting my time", "I'm really annoyed"],
        "contrast_pos": ["only the prices are a bit high", "though energy got expensive overall"],
        "contrast_neg": ["the staff were friendly though", "at least the price is ok"],
    },
}

EMOJI = {
    POS: ["😊", "👍", "🙂", "😀", "👏"],
    NEG: ["😡", "👎", "😤", "🙁", "🤬"],
    NEU: ["🤷", "😐"],
}

GENERAL = {
    "de": {
        POS: [
            "Rheinstrom ist ein {I}zuverlässiger Anbieter",
            "Ich bin {I}zufrieden mit Rheinstrom",
            "Toll, dass es echten Ökostrom gibt",
            "Seit Jahren Kunde und nichts zu beanstanden",
            "Gute Firma aus der Region",
        ],
        NEG: [
            "Die Preise sind {I}zu hoch",
            "Strom ist {I}teuer geworden bei euch",
            "Ich fühle mich als Kunde nicht wertgeschätzt",
            "Der Konzern interessiert sich nicht für seine Kunden",
            "Die Werbung verspricht mehr als geliefert wird",
        ],
        NEU: [
            "Ich bin Kunde bei Rheinstrom",
            "Strom kommt aus der Steckdose, mehr erwarte ich nicht",
            "Bisher weder gut noch schlecht",
            "Keine besonderen Erfahrungen",
        ],
    },
    "en": {
        POS: [
            "Rheinstrom is a {I}reliable provider",
            "I am {I}happy with Rheinstrom",
            "Great that you offer real green power",
            "Customer for years, no complaints",
        ],
        NEG: [
            "Your prices are {I}high",
            "Energy got {I}expensive with you",
            "I don't feel valued as a customer",
            "Big company, doesn't care about customers",
        ],
        NEU: [
            "I'm a Rheinstrom customer",
            "Nothing special to report",
            "Neither good nor bad so far",
        ],
    },
}

# ------------------------------------------------------------------ per touchpoint
# "N": noun phrases (nominative, article, bare) built from the keyword vocabulary;
# POS/NEG/NEU: self-contained clauses that mention the touchpoint ({m}: minutes waited)

TP = {
    "online_ad": {
        "de": {
            "N": [
                ("die Werbung", "Werbung"),
                ("die Anzeige", "Anzeige"),
                ("der Newsletter", "Newsletter"),
                ("die Werbemail", "Werbemail"),
            ],
            POS: [
                "die Anzeige hat mich neugierig gemacht",
                "der Newsletter hatte ein gutes Angebot",
            ],
            NEG: ["ständig diese Werbung auf Social Media", "die Werbemail war irreführend"],
        },
        "en": {
            "N": [("the advert", "advert"), ("the newsletter", "newsletter")],
            POS: ["the newsletter had a good offer"],
            NEG: ["the advertisement was misleading"],
        },
    },
    "comparison_portal": {
        "de": {
            "N": [
                ("das Vergleichsportal", "Vergleichsportal"),
                ("der Preisvergleich", "Preisvergleich"),
                ("der Tarifvergleich", "Tarifvergleich"),
            ],
            POS: ["über Check24 günstig gefunden", "beim Preisvergleich ganz vorne"],
            NEG: [
                "der Preis im Vergleichsportal stimmte nicht",
                "auf Verivox stand ein anderer Bonus",
            ],
        },
        "en": {
            "N": [
                ("the comparison site", "comparison site"),
                ("the price comparison", "price comparison"),
            ],
            POS: ["found you cheaply on a comparison site"],
            NEG: ["the price on the comparison portal was wrong"],
        },
    },
    "website_tariffs": {
        "de": {
            "N": [
                ("die Webseite", "Webseite"),
                ("die Website", "Website"),
                ("die Tarifübersicht", "Tarifübersicht"),
                ("die Homepage", "Homepage"),
            ],
            POS: ["auf der Webseite findet man alles schnell"],
            NEG: ["auf der Website findet man nichts", "die Tarifübersicht ist verwirrend"],
        },
        "en": {
            "N": [("the website", "website"), ("the tariff page", "tariff page")],
            POS: ["the website explains the tariffs clearly"],
            NEG: ["the website is confusing"],
        },
    },
    "tariff_calculator": {
        "de": {
            "N": [("der Tarifrechner", "Tarifrechner"), ("der Preisrechner", "Preisrechner")],
            POS: ["der Tarifrechner hat sofort einen Preis gezeigt"],
            NEG: [
                "der Tarifrechner kennt meine Postleitzahl nicht",
                "der Preisrechner zeigt Fantasiepreise",
            ],
        },
        "en": {
            "N": [
                ("the tariff calculator", "tariff calculator"),
                ("the price calculator", "price calculator"),
            ],
            POS: ["the calculator gave me a price in seconds"],
            NEG: ["the tariff calculator kept crashing"],
        },
    },
    "shop_consultation": {
        "de": {
            "N": [
                ("die Beratung im Kundencenter", "Kundencenter"),
                ("das Beratungsgespräch", "Beratungsgespräch"),
                ("die Filiale", "Filiale"),
            ],
            POS: [
                "im Kundencenter wurde ich {I}kompetent beraten",
                "das Beratungsgespräch war persönlich",
            ],
            NEG: ["im Kundencenter hatte niemand Zeit", "die Filiale war ewig voll"],
        },
        "en": {
            "N": [("the customer centre", "customer centre"), ("the store", "store")],
            POS: ["the advice in the customer centre was great"],
            NEG: ["nobody had time in the store"],
        },
    },
    "sales_hotline": {
        "de": {
            "N": [
                ("die Vertriebshotline", "Vertriebshotline"),
                ("die telefonische Beratung", "telefonische Beratung"),
                ("der Verkaufsberater", "Verkaufsberater"),
            ],
            POS: ["der Verkaufsberater hat sich viel Zeit genommen"],
            NEG: [
                "der Verkaufsberater wollte mir nur etwas aufschwatzen",
                "die Vertriebshotline war dauerbesetzt",
            ],
        },
        "en": {
            "N": [("the sales hotline", "sales hotline"), ("the sales agent", "sales agent")],
            POS: ["the sales agent took his time"],
            NEG: ["the sales agent was pushy"],
        },
    },
    "sales_chat": {
        "de": {
            "N": [("der Beratungschat", "Beratungschat"), ("die Chatberatung", "Chatberatung")],
            POS: ["im Beratungschat gab es sofort Antworten"],
            NEG: ["der Beratungschat hat nie geantwortet"],
        },
        "en": {
            "N": [("the sales chat", "sales chat")],
            POS: ["the sales chat answered right away"],
            NEG: ["the sales chat never replied"],
        },
    },
    "online_order": {
        "de": {
            "N": [
                ("die Bestellung", "Bestellung"),
                ("das Bestellformular", "Bestellformular"),
                ("die Onlinebestellung", "Onlinebestellung"),
                ("der Vertragsabschluss", "Vertragsabschluss"),
            ],
            POS: [
                "die Bestellung war in fünf Minuten erledigt",
                "Vertragsabschluss online ging {I}einfach",
            ],
            NEG: [
                "das Bestellformular ist {I}kompliziert",
                "bei der Bestellung kam dauernd ein Fehler",
                "ich habe die Onlinebestellung abgebrochen, viel zu viele Felder",
                "im Bestellformular versteht man die Hälfte nicht",
            ],
        },
        "en": {
            "N": [
                ("the order form", "order form"),
                ("the online order", "online order"),
                ("the checkout", "checkout"),
            ],
            POS: ["the online order took five minutes"],
            NEG: ["the order form is {I}complicated", "I gave up on the checkout, too many fields"],
        },
    },
    "phone_order": {
        "de": {
            "N": [
                ("die telefonische Bestellung", "telefonische Bestellung"),
                ("der Vertrag am Telefon", "Vertrag am Telefon"),
            ],
            POS: ["am Telefon bestellt, ging ganz leicht"],
            NEG: [
                "die telefonische Bestellung war ein Durcheinander",
                "am Telefon bestellt und nichts verstanden",
            ],
        },
        "en": {
            "N": [("the phone order", "phone order")],
            POS: ["ordered by phone, very easy"],
            NEG: ["the phone order was a mess"],
        },
    },
    "shop_order": {
        "de": {
            "N": [
                ("der Vertrag im Kundencenter", "Vertrag im Kundencenter"),
                ("die Unterschrift im Laden", "Unterschrift"),
            ],
            POS: ["im Laden abgeschlossen, alles erklärt bekommen"],
            NEG: [
                "so viele Formulare, ich habe nichts verstanden",
                "die Vertragsunterlagen sind unverständlich",
            ],
        },
        "en": {
            "N": [("the paperwork", "paperwork")],
            POS: ["signed in the store, everything explained"],
            NEG: ["the paperwork was impossible to understand"],
        },
    },
    "order_confirmation": {
        "de": {
            "N": [
                ("die Auftragsbestätigung", "Auftragsbestätigung"),
                ("die Bestätigungsmail", "Bestätigungsmail"),
            ],
            POS: ["die Auftragsbestätigung kam sofort"],
            NEG: ["die Auftragsbestätigung kam nie an"],
        },
        "en": {
            "N": [
                ("the order confirmation", "order confirmation"),
                ("the confirmation email", "confirmation email"),
            ],
            POS: ["the confirmation email came instantly"],
            NEG: ["never got an order confirmation"],
        },
    },
    "welcome_email": {
        "de": {
            "N": [
                ("die Willkommensmail", "Willkommensmail"),
                ("das Willkommenspaket", "Willkommenspaket"),
            ],
            POS: ["nette Willkommensmail mit allen Infos"],
            NEG: ["die Willkommensmail war voller Werbung"],
        },
        "en": {
            "N": [("the welcome email", "welcome email"), ("the welcome pack", "welcome pack")],
            POS: ["nice welcome email with all the info"],
            NEG: ["the welcome email was just marketing"],
        },
    },
    "welcome_letter": {
        "de": {
            "N": [
                ("der Willkommensbrief", "Willkommensbrief"),
                ("das Begrüßungsschreiben", "Begrüßungsschreiben"),
            ],
            POS: ["der Willkommensbrief war verständlich"],
            NEG: ["der Willkommensbrief kam erst nach drei Wochen"],
        },
        "en": {
            "N": [("the welcome letter", "welcome letter")],
            POS: ["the welcome letter was clear"],
            NEG: ["the welcome letter took three weeks"],
        },
    },
    "portal_registration": {
        "de": {
            "N": [
                ("das Kundenportal", "Kundenportal"),
                ("die Registrierung", "Registrierung"),
                ("der Login", "Login"),
            ],
            POS: ["die Registrierung im Kundenportal ging fix"],
            NEG: [
                "der Login ins Kundenportal klappt nie",
                "die Registrierung hat dreimal nicht funktioniert",
                "Passwort vergessen und dann ging gar nichts mehr",
            ],
        },
        "en": {
            "N": [
                ("the customer portal", "customer portal"),
                ("the registration", "registration"),
                ("the login", "login"),
            ],
            POS: ["registration in the portal was quick"],
            NEG: ["the login never works", "password reset is broken"],
        },
    },
    "app_activation": {
        "de": {
            "N": [
                ("die App", "App"),
                ("die Rheinstrom-App", "Rheinstrom-App"),
                ("der Aktivierungscode", "Aktivierungscode"),
            ],
            POS: [
                "die App ist {I}übersichtlich",
                "App runtergeladen, Aktivierungscode rein, fertig",
            ],
            NEG: ["der Aktivierungscode war ungültig", "die App stürzt ständig ab"],
        },
        "en": {
            "N": [("the app", "app"), ("the activation code", "activation code")],
            POS: ["the app is {I}easy to use"],
            NEG: ["the activation code didn't work", "the app keeps crashing"],
        },
    },
    "supplier_switch": {
        "de": {
            "N": [
                ("der Anbieterwechsel", "Anbieterwechsel"),
                ("der Wechsel", "Wechsel"),
                ("der Lieferantenwechsel", "Lieferantenwechsel"),
            ],
            POS: [
                "um die Kündigung beim Altanbieter hat sich Rheinstrom gekümmert",
                "der Wechsel lief komplett automatisch",
            ],
            NEG: [
                "der Anbieterwechsel hat ewig gedauert",
                "der Lieferbeginn wurde zweimal verschoben",
            ],
        },
        "en": {
            "N": [
                ("the switch", "switch"),
                ("the supplier switch", "supplier switch"),
                ("switching", "switching"),
            ],
            POS: ["switching was fully automatic"],
            NEG: ["the switch took ages", "the start of supply was postponed twice"],
        },
    },
    "smart_meter_appointment": {
        "de": {
            "N": [
                ("die Terminvereinbarung", "Terminvereinbarung"),
                ("der Einbautermin", "Einbautermin"),
                ("die Terminbuchung", "Terminbuchung"),
            ],
            POS: ["Einbautermin online gebucht, super flexibel"],
            NEG: [
                "der nächste freie Einbautermin war in sechs Wochen",
                "die Terminvereinbarung ist {I}umständlich",
            ],
        },
        "en": {
            "N": [
                ("the appointment booking", "appointment booking"),
                ("the installation appointment", "installation appointment"),
            ],
            POS: ["booking the installation appointment was easy"],
            NEG: ["the next installation appointment was weeks away"],
        },
    },
    "smart_meter_installation": {
        "de": {
            "N": [
                ("der Einbau des Smart Meters", "Smart Meter"),
                ("der Zählereinbau", "Zählereinbau"),
                ("der Techniker", "Techniker"),
                ("der Monteur", "Monteur"),
                ("das Smart Meter", "Smart Meter"),
            ],
            POS: [
                "der Techniker kam pünktlich und der Einbau ging {I}schnell",
                "endlich ein Smart Meter, jetzt sehe ich meinen Verbrauch live in der App",
                "der Monteur war {I}freundlich und hat alles erklärt",
                "der Zählereinbau war in einer Stunde erledigt",
                "mit dem intelligenten Zähler spare ich richtig Strom",
            ],
            NEG: [
                "der Monteur kam nicht zum Termin",
                "der Techniker hat den Zählereinbau abgebrochen",
                "das Smart Meter funktioniert seit dem Einbau nicht",
            ],
        },
        "en": {
            "N": [
                ("the smart meter installation", "smart meter"),
                ("the technician", "technician"),
                ("the engineer", "engineer"),
                ("the smart meter", "smart meter"),
            ],
            POS: [
                "the technician was on time and the smart meter was fitted in no time",
                "love the smart meter, I can see my usage live",
                "the engineer explained everything",
            ],
            NEG: [
                "the technician never showed up",
                "the smart meter hasn't worked since the installation",
            ],
        },
    },
    "payment_setup": {
        "de": {
            "N": [
                ("das Lastschriftmandat", "Lastschriftmandat"),
                ("die Lastschrift", "Lastschrift"),
                ("die Bankverbindung", "Bankverbindung"),
            ],
            POS: ["SEPA-Lastschrift in zwei Minuten eingerichtet"],
            NEG: ["die Bankverbindung wurde falsch gespeichert"],
        },
        "en": {
            "N": [("the direct debit", "direct debit"), ("the bank details form", "bank details")],
            POS: ["direct debit set up in two minutes"],
            NEG: ["my bank details were saved wrongly"],
        },
    },
    "first_bill": {
        "de": {
            "N": [
                ("die erste Rechnung", "erste Rechnung"),
                ("die Erstrechnung", "Erstrechnung"),
                ("die erste Abrechnung", "erste Abrechnung"),
                ("der Abschlag", "Abschlag"),
                ("die Abschlagsrechnung", "Abschlagsrechnung"),
            ],
            POS: [
                "die erste Rechnung war korrekt und verständlich",
                "der Abschlag passt genau",
                "erste Abrechnung ohne Überraschungen",
            ],
            NEG: [
                "die erste Rechnung war falsch",
                "Rechnungsfehler gleich bei der ersten Rechnung",
                "der Abschlag wurde doppelt abgebucht",
                "die Abschlagszahlung ist {I}viel zu hoch angesetzt",
                "in der Erstrechnung stand ein falscher Zählerstand",
                "falsche Rechnung, und keiner kann es erklären",
                "schon wieder ein Rechnungsfehler",
            ],
        },
        "en": {
            "N": [
                ("the first bill", "first bill"),
                ("the first invoice", "first invoice"),
                ("the monthly instalment", "monthly instalment"),
            ],
            POS: [
                "the first bill was correct and easy to read",
                "the monthly instalment is spot on",
            ],
            NEG: [
                "the first bill was wrong",
                "billing error on my very first invoice",
                "the monthly instalment was charged twice",
                "the first invoice is {I}too high",
            ],
        },
    },
    "onboarding_survey": {
        "de": {
            "N": [
                ("die Umfrage", "Umfrage"),
                ("der Fragebogen", "Fragebogen"),
                ("die Befragung", "Befragung"),
            ],
            POS: ["die Umfrage war kurz"],
            NEG: ["der Fragebogen war viel zu lang"],
        },
        "en": {
            "N": [("the survey", "survey"), ("the questionnaire", "questionnaire")],
            POS: ["the survey was short"],
            NEG: ["the questionnaire was way too long"],
        },
    },
    "annual_bill": {
        "de": {
            "N": [
                ("die Jahresabrechnung", "Jahresabrechnung"),
                ("die Jahresrechnung", "Jahresrechnung"),
                ("die Verbrauchsabrechnung", "Verbrauchsabrechnung"),
            ],
            POS: [
                "mit der Jahresabrechnung gab es ein schönes Guthaben",
                "die Jahresabrechnung ist übersichtlich",
            ],
            NEG: [
                "die Nachzahlung in der Jahresabrechnung ist {I}unverschämt",
                "die Jahresabrechnung versteht kein Mensch",
            ],
        },
        "en": {
            "N": [("the annual bill", "annual bill"), ("the annual statement", "annual statement")],
            POS: ["got a nice credit balance with the annual bill"],
            NEG: ["the back payment on the annual bill is outrageous"],
        },
    },
    "price_change_letter": {
        "de": {
            "N": [("die Preiserhöhung", "Preiserhöhung"), ("die Preisanpassung", "Preisanpassung")],
            POS: ["die Preisanpassung wurde fair erklärt"],
            NEG: [
                "schon wieder eine Preiserhöhung",
                "die Preiserhöhung ist {I}dreist",
                "Preisanpassung ohne Begründung",
            ],
        },
        "en": {
            "N": [("the price increase", "price increase"), ("the price change", "price change")],
            POS: ["the price change was explained fairly"],
            NEG: ["another price increase, seriously", "the price rise is {I}unfair"],
        },
    },
    "faq": {
        "de": {
            "N": [
                ("die FAQ", "FAQ"),
                ("die Hilfeseite", "Hilfeseite"),
                ("das Hilfecenter", "Hilfecenter"),
            ],
            POS: ["in den FAQ stand genau meine Frage"],
            NEG: ["die FAQ helfen {I}überhaupt nicht"],
        },
        "en": {
            "N": [("the FAQ", "FAQ"), ("the help centre", "help centre")],
            POS: ["the FAQ answered my question"],
            NEG: ["the help centre is useless"],
        },
    },
    "app_meter_reading": {
        "de": {
            "N": [
                ("die Zählerablesung", "Zählerablesung"),
                ("die Eingabe vom Zählerstand", "Zählerstand"),
                ("das Zählerfoto", "Zählerfoto"),
            ],
            POS: [
                "Zählerstand per Foto in der App, {I}praktisch",
                "Zählerstand melden dauert zehn Sekunden",
            ],
            NEG: ["die App nimmt meinen Zählerstand nicht an", "das Zählerfoto wird nie erkannt"],
        },
        "en": {
            "N": [
                ("the meter reading", "meter reading"),
                ("submitting the reading", "meter reading"),
            ],
            POS: ["meter reading by photo is {I}handy"],
            NEG: ["the app won't accept my meter reading"],
        },
    },
    "portal_self_service": {
        "de": {
            "N": [("die Adressänderung", "Adressänderung"), ("das Online ändern", "Online ändern")],
            POS: ["Abschlag ändern ging online in einer Minute", "Umzug melden online war einfach"],
            NEG: ["Adressänderung online unmöglich", "Abschlag ändern geht online nicht"],
        },
        "en": {
            "N": [
                ("the self-service", "self-service"),
                ("the change of address", "change of address"),
            ],
            POS: ["updated my details online in a minute"],
            NEG: ["change of address online is impossible"],
        },
    },
    "chatbot": {
        "de": {
            "N": [
                ("der Chatbot", "Chatbot"),
                ("der virtuelle Assistent", "virtueller Assistent"),
                ("der Bot", "Bot"),
            ],
            POS: ["der Chatbot konnte mir tatsächlich helfen"],
            NEG: ["der Chatbot versteht keine einzige Frage", "dieser Bot dreht sich im Kreis"],
        },
        "en": {
            "N": [
                ("the chatbot", "chatbot"),
                ("the bot", "bot"),
                ("the virtual assistant", "virtual assistant"),
            ],
            POS: ["the chatbot actually solved it"],
            NEG: ["the chatbot doesn't understand anything", "the bot goes round in circles"],
        },
    },
    "live_chat": {
        "de": {
            "N": [
                ("der Live-Chat", "Live-Chat"),
                ("der Chat", "Chat"),
                ("der Chatmitarbeiter", "Chatmitarbeiter"),
            ],
            POS: ["im Live-Chat sofort jemanden erreicht", "der Chatmitarbeiter war {I}kompetent"],
            NEG: ["im Chat {m} Minuten gewartet", "der Live-Chat bricht ständig ab"],
        },
        "en": {
            "N": [
                ("the live chat", "live chat"),
                ("the chat agent", "chat agent"),
                ("the chat", "chat"),
            ],
            POS: ["got a chat agent right away", "the live chat was {I}helpful"],
            NEG: ["waited {m} minutes in the live chat", "the chat agent just copied FAQ text"],
        },
    },
    "hotline": {
        "de": {
            "N": [
                ("die Hotline", "Hotline"),
                ("der Kundenservice", "Kundenservice"),
                ("die Servicehotline", "Servicehotline"),
                ("der Kundendienst am Telefon", "Kundendienst"),
                ("das Callcenter", "Callcenter"),
            ],
            POS: [
                "an der Hotline sofort jemanden erreicht",
                "kaum Wartezeit, Problem direkt gelöst",
                "der Kundenservice am Telefon war {I}freundlich und kompetent",
                "habe angerufen und nach {m} Minuten war alles geklärt",
                "kurzer Anruf, alles erledigt",
            ],
            NEG: [
                "ich hing {m} Minuten in der Warteschleife",
                "die Hotlinewartezeit ist eine Zumutung",
                "beim Kundenservice kommt man einfach nicht durch",
                "nach {m} Minuten Warteschleife aufgelegt",
                "dreimal angerufen und jedes Mal jemand anderes",
                "die Wartezeit an der Hotline ist {I}lang",
                "Warteschleife, Musik, Abbruch",
            ],
        },
        "en": {
            "N": [
                ("the hotline", "hotline"),
                ("customer service", "customer service"),
                ("the call centre", "call centre"),
            ],
            POS: [
                "got through to the hotline right away",
                "customer service on the phone was {I}friendly",
                "called and it was sorted in {m} minutes",
            ],
            NEG: [
                "I was on hold for {m} minutes",
                "the waiting time on the hotline is ridiculous",
                "called three times, three different answers",
                "you can't get through to customer service",
            ],
        },
    },
    "email_support": {
        "de": {
            "N": [
                ("der E-Mail-Support", "E-Mail-Support"),
                ("das Kontaktformular", "Kontaktformular"),
                ("die Antwort per E-Mail", "E-Mail"),
            ],
            POS: ["auf meine E-Mail kam am selben Tag eine Antwort"],
            NEG: [
                "auf meine E-Mail kam nach einer Woche immer noch nichts",
                "das Kontaktformular ist ein schwarzes Loch",
            ],
        },
        "en": {
            "N": [("email support", "email support"), ("the contact form", "contact form")],
            POS: ["my email was answered the same day"],
            NEG: ["still no reply to my email after a week"],
        },
    },
    "shop_service": {
        "de": {
            "N": [
                ("der Servicepoint", "Servicepoint"),
                ("das Kundenzentrum", "Kundenzentrum"),
                ("der Schalter", "Schalter"),
            ],
            POS: ["vor Ort im Kundenzentrum wurde sofort geholfen"],
            NEG: ["am Schalter eine Stunde angestanden"],
        },
        "en": {
            "N": [("the service point", "service point"), ("the counter", "counter")],
            POS: ["the service point helped me on the spot"],
            NEG: ["queued at the counter for an hour"],
        },
    },
    "technician_visit": {
        "de": {
            "N": [
                ("der Technikerbesuch", "Technikerbesuch"),
                ("die Reparatur", "Reparatur"),
                ("der Zählertausch", "Zählertausch"),
            ],
            POS: ["der Technikerbesuch war schnell organisiert"],
            NEG: ["auf den Technikerbesuch warte ich seit Wochen"],
        },
        "en": {
            "N": [("the technician visit", "technician visit"), ("the repair", "repair")],
            POS: ["the repair was organised quickly"],
            NEG: ["still waiting for the technician visit"],
        },
    },
    "billing_correction": {
        "de": {
            "N": [
                ("die Rechnungskorrektur", "Rechnungskorrektur"),
                ("die Gutschrift", "Gutschrift"),
                ("die Erstattung", "Erstattung"),
            ],
            POS: ["die Gutschrift kam schnell"],
            NEG: ["auf die Rückerstattung warte ich immer noch"],
        },
        "en": {
            "N": [
                ("the bill correction", "bill correction"),
                ("the refund", "refund"),
                ("the credit note", "credit note"),
            ],
            POS: ["the refund came quickly"],
            NEG: ["still waiting for my refund"],
        },
    },
    "satisfaction_survey": {
        "de": {
            "N": [
                ("die Zufriedenheitsumfrage", "Zufriedenheitsumfrage"),
                ("die Kundenbefragung", "Kundenbefragung"),
            ],
            POS: ["die Kundenbefragung war schnell ausgefüllt"],
            NEG: ["noch eine Zufriedenheitsumfrage, echt jetzt"],
        },
        "en": {
            "N": [
                ("the satisfaction survey", "satisfaction survey"),
                ("the customer survey", "customer survey"),
            ],
            POS: ["the customer survey was quick"],
            NEG: ["yet another satisfaction survey"],
        },
    },
    "cancellation_page": {
        "de": {
            "N": [
                ("die Kündigungsseite", "Kündigungsseite"),
                ("der Kündigungsbutton", "Kündigungsbutton"),
            ],
            POS: ["der Kündigungsbutton war leicht zu finden"],
            NEG: ["die Kündigungsseite ist {I}gut versteckt"],
        },
        "en": {
            "N": [
                ("the cancellation page", "cancellation page"),
                ("the cancel button", "cancel button"),
            ],
            POS: ["the cancel button was easy to find"],
            NEG: ["the cancellation page is {I}well hidden"],
        },
    },
    "cancellation_form": {
        "de": {
            "N": [("das Kündigungsformular", "Kündigungsformular")],
            POS: ["online gekündigt, ging problemlos"],
            NEG: ["das Kündigungsformular verlangt Daten, die ich nicht habe"],
        },
        "en": {
            "N": [("the cancellation form", "cancellation form")],
            POS: ["cancelled online without trouble"],
            NEG: ["the cancellation form asks for data I don't have"],
        },
    },
    "cancellation_hotline": {
        "de": {
            "N": [
                ("die Kündigungshotline", "Kündigungshotline"),
                ("die Kündigung am Telefon", "Kündigung am Telefon"),
            ],
            POS: ["telefonisch gekündigt, {I}fair behandelt"],
            NEG: ["an der Kündigungshotline wird man ewig hingehalten"],
        },
        "en": {
            "N": [
                ("the cancellation line", "cancellation line"),
                ("the cancellation call", "cancellation call"),
            ],
            POS: ["cancelled by phone and was treated fairly"],
            NEG: ["the cancellation line keeps you waiting forever"],
        },
    },
    "cancellation_letter": {
        "de": {
            "N": [
                ("das Kündigungsschreiben", "Kündigungsschreiben"),
                ("die Kündigung per Post", "Kündigung per Post"),
            ],
            POS: ["schriftlich gekündigt, sofort bearbeitet"],
            NEG: ["mein Kündigungsschreiben ist angeblich nie angekommen"],
        },
        "en": {
            "N": [("the cancellation letter", "cancellation letter")],
            POS: ["cancelled in writing, processed at once"],
            NEG: ["my cancellation letter apparently never arrived"],
        },
    },
    "retention_offer": {
        "de": {
            "N": [
                ("das Halteangebot", "Halteangebot"),
                ("der Treuebonus", "Treuebonus"),
                ("das Gegenangebot", "Gegenangebot"),
            ],
            POS: ["wegen dem Treuebonus bleibe ich doch", "das Halteangebot war {I}fair"],
            NEG: [
                "das Gegenangebot war ein Witz",
                "Rückgewinnung per Dauerbeschallung, nein danke",
            ],
        },
        "en": {
            "N": [
                ("the retention offer", "retention offer"),
                ("the loyalty bonus", "loyalty bonus"),
            ],
            POS: ["staying because of the loyalty bonus"],
            NEG: ["the counter offer was a joke"],
        },
    },
    "cancellation_confirmation": {
        "de": {
            "N": [("die Kündigungsbestätigung", "Kündigungsbestätigung")],
            POS: ["die Kündigungsbestätigung kam prompt"],
            NEG: ["auf die Kündigungsbestätigung warte ich seit Wochen"],
        },
        "en": {
            "N": [("the cancellation confirmation", "cancellation confirmation")],
            POS: ["the cancellation confirmation came promptly"],
            NEG: ["still no cancellation confirmation"],
        },
    },
    "final_bill": {
        "de": {
            "N": [
                ("die Schlussrechnung", "Schlussrechnung"),
                ("die Endabrechnung", "Endabrechnung"),
            ],
            POS: ["die Schlussrechnung war korrekt"],
            NEG: ["die Schlussrechnung ist falsch", "die Endabrechnung kam nie"],
        },
        "en": {
            "N": [("the final bill", "final bill"), ("the final invoice", "final invoice")],
            POS: ["the final bill was correct"],
            NEG: ["the final bill is wrong"],
        },
    },
}

# ------------------------------------------------------------------ personal data

SURNAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Yilmaz",
    "Nowak",
)
FIRSTNAMES = (
    "anna",
    "lukas",
    "marie",
    "jonas",
    "sophie",
    "paul",
    "lena",
    "felix",
    "emma",
    "max",
    "mia",
    "ali",
)
DOMAINS = ("gmx.de", "web.de", "t-online.de", "posteo.de", "gmail.com", "example.org")
PII_TEMPLATES = {
    "de": [
        ("Sie erreichen mich unter {email}.", "email"),
        ("Bitte rufen Sie mich zurück: {phone}.", "phone"),
        ("Meine IBAN ist {iban}, bitte dorthin erstatten.", "iban"),
        ("Herr {name} hat mir einen Rückruf versprochen.", "name"),
        ("Frau {name} war zuständig.", "name"),
        ("Kontakt: {email}, Tel. {phone}", "email+phone"),
        ("Erstattung bitte auf {iban}.", "iban"),
        ("Rückruf unter {phone} erbeten.", "phone"),
    ],
    "en": [
        ("You can reach me at {email}.", "email"),
        ("Please call me back on {phone}.", "phone"),
        ("My IBAN is {iban}.", "iban"),
        ("Mr {name} promised a call back.", "name"),
        ("Ms {name} handled it.", "name"),
    ],
}


def _iban(u: np.ndarray) -> str:
    digits = "".join(str(int(x * 10) % 10) for x in u[:18])
    check = 98 - int(digits + "131400") % 97
    raw = f"DE{check:02d}{digits}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _phone(u: np.ndarray) -> str:
    d = "".join(str(int(x * 10) % 10) for x in u[1:10])
    kind = int(u[0] * 5)
    return [
        f"+49 170 {d[:7]}",
        f"0221-{d[:6]}",
        f"0176 {d[:8]}",
        f"+49 (0)30 {d[:7]}",
        f"089/{d[:7]}",
    ][kind]


def _email(u: np.ndarray) -> str:
    first = FIRSTNAMES[int(u[0] * len(FIRSTNAMES))]
    last = _ascii(SURNAMES[int(u[1] * len(SURNAMES))]).lower()
    dom = DOMAINS[int(u[2] * len(DOMAINS))]
    sep = "." if u[3] < 0.6 else "_"
    num = str(int(u[4] * 90) + 10) if u[5] < 0.4 else ""
    return f"{first}{sep}{last}{num}@{dom}"


_TRANS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def _ascii(text: str) -> str:
    return text.translate(_TRANS)


def _pick(seq, u: float):
    return seq[min(int(u * len(seq)), len(seq) - 1)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_DECAP = {
    "Der",
    "Die",
    "Das",
    "Den",
    "Dem",
    "The",
    "Your",
    "Energy",
    "Big",
    "Nothing",
    "Everything",
    "It",
    "This",
}


def _decap(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first.lower() + " " + rest if rest else first.lower()) if first in _DECAP else text


def _typo(text: str, u1: float, u2: float) -> str:
    words = text.split(" ")
    cands = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not cands:
        return text
    i = _pick(cands, u1)
    w = words[i]
    j = 2 + int(u2 * (len(w) - 3))  # never the first letter
    words[i] = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :] if u2 < 0.6 else w[:j] + w[j + 1 :]
    return " ".join(words)


N_U = 20  # uniforms per row


def compose(
    rng: np.random.Generator,
    touchpoints: list[str],
    label: np.ndarray,
    strength: np.ndarray,
    english: np.ndarray,
    generic: np.ndarray,
    pii: np.ndarray,
    wait_min: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Compose one feedback text per row.

    Parameters
    ----------
    touchpoints : list of str
        The touchpoint each text is about ("" for general comments).
    label : array of int
        0 negative, 1 neutral, 2 positive.
    strength : array of float
        |sentiment|; above 0.55 intensifiers are used.
    english, generic, pii : bool arrays
        English text; avoid the touchpoint vocabulary; add personal data.
    wait_min : int array
        Minutes waited (used by some hotline and chat phrases).

    Returns
    -------
    texts, pii_kinds : lists of str
    """
    n = len(touchpoints)
    U = rng.random((n, N_U))
    P = rng.random((n, 24))  # digits for personal data
    out: list[str] = []
    kinds: list[str] = []
    for i in range(n):
        u = U[i]
        lang = "en" if english[i] else "de"
        lab = int(label[i])
        tpid = touchpoints[i]
        strong = strength[i] > 0.55
        inten = _pick(INTENS[lang]["strong" if strong else "weak"], u[0])
        m = max(1, int(wait_min[i])) if wait_min[i] > 0 else int(5 + u[1] * 40)
        if not tpid:
            main = _pick(GENERAL[lang][lab], u[2])
        else:
            spec = TP[tpid][lang]
            phrases = spec.get(lab) if lab != NEU else None
            if not generic[i] and phrases and u[3] < 0.55:
                main = _pick(phrases, u[2])
            else:
                if generic[i]:
                    noun, bare = _pick(GENERIC_NOUNS[lang], u[4])
                    frames = NOUN_FRAMES[lang][lab]
                else:
                    noun, bare = _pick(spec["N"], u[4])
                    frames = FRAMES[lang][lab]
                main = _pick(frames, u[2]).replace("{N}", noun).replace("{B}", bare)
        main = main.replace("{I}", inten).replace("{m}", str(m))
        parts = []
        if u[5] < 0.25:
            parts.append(_pick(OPENERS[lang][lab], u[6]))
        sentence = main
        if lab != NEU and u[7] < 0.3:
            if u[8] < 0.4:
                key = "contrast_pos" if lab == POS else "contrast_neg"
                sentence += ", " + _pick(SECOND[lang][key], u[9])
            else:
                sentence += ", " + _pick(SECOND[lang][lab], u[9])
        end = "!" if (lab != NEU and strong and u[10] < 0.5) else "."
        if lab == NEG and strong and u[10] < 0.15:
            end = "!!!"
        after_comma = bool(parts) and (parts[-1].endswith(",") or parts[-1] == "Sorry, aber")
        parts.append(_decap(sentence) + end if after_comma else _cap(sentence) + end)
        if u[11] < 0.3:
            closer = _pick(CLOSERS[lang][lab], u[12])
            if closer:
                parts.append(closer)
        kind = ""
        if pii[i]:
            tmpl, kind = _pick(PII_TEMPLATES[lang], u[13])
            pu = P[i]
            parts.append(
                tmpl.format(
                    email=_email(pu[:6]),
                    phone=_phone(pu[6:16]),
                    iban=_iban(pu[6:24]),
                    name=_pick(SURNAMES, pu[0]),
                )
            )
        text = _cap(" ".join(parts))
        if u[14] < 0.12:
            text += " " + _pick(EMOJI[lab], u[15])
        if lang == "de" and u[16] < 0.12:
            text = _ascii(text)
        if u[17] < 0.07:
            text = _typo(text, u[18], u[19])
        if u[18] < 0.08 and not kind:
            text = text.lower()
        if u[19] < 0.1 and text.endswith("."):
            text = text[:-1]
        out.append(unicodedata.normalize("NFC", text))
        kinds.append(kind)
    return out, kinds


def _norm(text: str) -> str:
    return _ascii(text.lower())


def keyword_patterns(jmap: JourneyMap) -> dict[str, re.Pattern[str]]:
    """One regex per touchpoint matching any of its keywords (both languages) at a word start.

    Matching is case-insensitive and umlaut-insensitive (ä = ae) and matches prefixes, so
    German compounds count ("Hotlinewartezeit" mentions "hotline").
    """
    pats = {}
    for j in jmap.journeys:
        for t in j.touchpoints:
            words = sorted(
                {_norm(w) for ws in t.keywords.values() for w in ws}, key=len, reverse=True
            )
            if words:
                pats[t.id] = re.compile(
                    r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + ")"
                )
    return pats


def linkable(
    texts: list[str], tp_codes: np.ndarray, tp_ids: tuple[str, ...], jmap: JourneyMap
) -> np.ndarray:
    """Whether each text mentions the vocabulary of its (true) touchpoint."""
    pats = keyword_patterns(jmap)
    out = np.zeros(len(texts), dtype=bool)
    for i, (text, code) in enumerate(zip(texts, tp_codes.tolist(), strict=True)):
        if code >= 0:
            pat = pats.get(tp_ids[code])
            out[i] = bool(pat and pat.search(_norm(text)))
    return out
