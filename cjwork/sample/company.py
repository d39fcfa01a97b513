"""The fictional company behind ``cjwork sample``: Rheinstrom Energie AG.

Everything the generator plants lives here as plain data: the five personas (attributes,
channel preferences, behaviour), the experience model per touchpoint (how good an
experience is, how much it moves the relationship NPS) and the planted effects. The
journey map itself is ``cjwork/resources/sample/journeys.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from cjwork.journeymap import JourneyMap, parse_journey_map

COMPANY = "Rheinstrom Energie AG"

#: First and last instant (exclusive) of the event window: 18 months.
WINDOW_START = np.datetime64("2025-05-01T00:00:00", "s")
WINDOW_END = np.datetime64("2026-11-01T00:00:00", "s")
#: From here on the hotline waits get worse (the planted trend change, last 3 months).
TREND_START = np.datetime64("2026-08-01T00:00:00", "s")


def journeys_yml_text() -> str:
    """The sample journey map as YAML text (the bundled resource)."""
    return (
        resources.files("cjwork")
        .joinpath("resources/sample/journeys.yml")
        .read_text(encoding="utf-8")
    )


def journey_map() -> JourneyMap:
    """The sample journey map, parsed and validated."""
    return parse_journey_map(journeys_yml_text(), source="journeys.yml")


@dataclass(frozen=True)
class Persona:
    """One planted persona: who they are and how they behave."""

    id: int
    key: str
    name: str
    share: float
    description: str


PERSONAS: tuple[Persona, ...] = (
    Persona(
        0,
        "digital_urban",
        "Digital-first urban",
        0.26,
        "Young city dwellers, small households, online tariffs, app and chat first.",
    ),
    Persona(
        1,
        "price_family",
        "Price-sensitive family",
        0.24,
        "Families in suburbs, large consumption, fixed-price tariffs, compare prices, call the hotline.",
    ),
    Persona(
        2,
        "traditional_senior",
        "Traditional senior",
        0.20,
        "Older, long-standing customers in smaller towns, phone, letter and customer centre; "
        "struggle with ordering.",
    ),
    Persona(
        3,
        "small_business",
        "Small business",
        0.15,
        "Shops, trades and offices; business tariff, high consumption, e-mail and phone.",
    ),
    Persona(
        4,
        "eco_premium",
        "Eco premium",
        0.15,
        "Green-tariff customers, often with solar panels, an electric car or a heat pump; keen on smart meters; e-mail and app.",
    ),
)
N_PERSONAS = len(PERSONAS)
SHARES = np.array([p.share for p in PERSONAS])
SENIOR = 2  # the persona that drops off at stage `order`

# ----------------------------------------------------------------- customer attributes

AGE_MEAN = np.array([28.0, 39.0, 73.0, 47.0, 56.0])
AGE_SD = np.array([5.0, 6.0, 7.0, 9.0, 6.0])
AGE_MIN = np.array([18, 24, 58, 22, 28])
AGE_MAX = np.array([45, 62, 96, 80, 75])

BUSINESS_P = np.array([0.02, 0.01, 0.0, 0.93, 0.03])

REGIONS = (
    "Berlin",
    "Hamburg",
    "Bayern",
    "Nordrhein-Westfalen",
    "Baden-Württemberg",
    "Hessen",
    "Niedersachsen",
    "Sachsen",
    "Rheinland-Pfalz",
    "Thüringen",
    "Schleswig-Holstein",
    "Brandenburg",
)
REGION_W = np.array(
    [
        # Ber  HH   BY   NRW  BW   HE   NI   SN   RP   TH   SH   BB
        [0.22, 0.16, 0.10, 0.20, 0.10, 0.10, 0.04, 0.03, 0.02, 0.01, 0.01, 0.01],  # digital
        [0.03, 0.03, 0.10, 0.30, 0.08, 0.13, 0.16, 0.04, 0.06, 0.02, 0.03, 0.02],  # family
        [0.02, 0.02, 0.16, 0.14, 0.06, 0.04, 0.08, 0.12, 0.12, 0.12, 0.05, 0.07],  # senior
        [0.07, 0.07, 0.15, 0.30, 0.15, 0.11, 0.06, 0.03, 0.03, 0.01, 0.01, 0.01],  # business
        [0.10, 0.08, 0.18, 0.14, 0.30, 0.08, 0.04, 0.02, 0.03, 0.01, 0.01, 0.01],  # eco
    ]
)

AREAS = ("city", "suburb", "town", "rural")
AREA_W = np.array(
    [
        [0.78, 0.15, 0.05, 0.02],
        [0.12, 0.58, 0.22, 0.08],
        [0.08, 0.14, 0.38, 0.40],
        [0.45, 0.25, 0.22, 0.08],
        [0.50, 0.30, 0.15, 0.05],
    ]
)

TENURE_MEDIAN = np.array([14.0, 36.0, 170.0, 70.0, 66.0])
TENURE_SIGMA = np.array([0.6, 0.55, 0.4, 0.5, 0.5])

TARIFFS = (
    "Flex Online",
    "Spar 24",
    "Grundversorgung",
    "Klassik",
    "Business Strom",
    "Öko Plus",
)
TARIFF_W = np.array(
    [
        [0.80, 0.08, 0.00, 0.04, 0.00, 0.08],
        [0.06, 0.80, 0.02, 0.08, 0.00, 0.04],
        [0.00, 0.05, 0.55, 0.38, 0.00, 0.02],
        [0.02, 0.04, 0.00, 0.06, 0.84, 0.04],
        [0.06, 0.03, 0.00, 0.05, 0.02, 0.84],
    ]
)

CONTRACT_TYPES = ("monthly", "12_months", "24_months", "basic_supply")
CONTRACT_W = np.array(
    [
        [0.80, 0.14, 0.06, 0.00],
        [0.06, 0.18, 0.74, 0.02],
        [0.02, 0.20, 0.10, 0.68],
        [0.10, 0.45, 0.45, 0.00],
        [0.12, 0.76, 0.12, 0.00],
    ]
)

HOUSEHOLD_MIN = np.array([1, 2, 1, 1, 1])
HOUSEHOLD_MEAN = np.array(
    [0.5, 1.9, 0.6, 1.0, 1.2]
)  # household_size = HOUSEHOLD_MIN + Poisson(mean)
HOUSEHOLD_MAX = np.array([4, 8, 4, 6, 6])

KWH_MEDIAN = np.array([1700.0, 4400.0, 2100.0, 16000.0, 2600.0])
KWH_SIGMA = np.array([0.25, 0.22, 0.25, 0.45, 0.25])

PAYMENT_METHODS = ("direct_debit", "bank_transfer", "invoice")
PAYMENT_W = np.array(
    [
        [0.92, 0.08, 0.00],
        [0.85, 0.15, 0.00],
        [0.40, 0.60, 0.00],
        [0.35, 0.15, 0.50],
        [0.90, 0.10, 0.00],
    ]
)

PAPERLESS_P = np.array([0.95, 0.55, 0.08, 0.70, 0.90])
SOLAR_P = np.array([0.03, 0.04, 0.04, 0.08, 0.80])
EV_P = np.array([0.04, 0.04, 0.01, 0.08, 0.72])
ONLINE_ACCOUNT_P = np.array([0.97, 0.70, 0.10, 0.80, 0.95])
#: the contact channel a customer ticked as preferred in the CRM
PREFERRED_CHANNELS = ("app", "web", "email", "phone", "letter", "shop")
PREFERRED_W = np.array(
    [
        [0.55, 0.25, 0.12, 0.06, 0.00, 0.02],
        [0.10, 0.22, 0.28, 0.36, 0.02, 0.02],
        [0.00, 0.02, 0.05, 0.55, 0.25, 0.13],
        [0.03, 0.10, 0.58, 0.27, 0.02, 0.00],
        [0.38, 0.12, 0.44, 0.05, 0.00, 0.01],
    ]
)
PRODUCT_BUNDLES = ("power", "power_gas", "power_heatpump", "power_gas_heat")
BUNDLE_W = np.array(
    [
        [0.88, 0.08, 0.03, 0.01],
        [0.30, 0.58, 0.04, 0.08],
        [0.45, 0.50, 0.01, 0.04],
        [0.55, 0.35, 0.05, 0.05],
        [0.25, 0.08, 0.62, 0.05],
    ]
)
#: price per kWh behind the monthly instalment (EUR), with a small spread per customer
PRICE_PER_KWH = np.array([0.33, 0.31, 0.36, 0.27, 0.35])

# ----------------------------------------------------------------- behaviour per persona

#: probability of a purchase case (new contract or tariff change) in the window
PURCHASE_P = np.array([0.65, 0.60, 0.45, 0.40, 0.55])
#: awareness: online_ad, comparison_portal, (none)
AWARENESS_W = np.array(
    [
        [0.45, 0.25, 0.30],
        [0.20, 0.60, 0.20],
        [0.10, 0.05, 0.85],
        [0.20, 0.30, 0.50],
        [0.40, 0.20, 0.40],
    ]
)
#: research: website_tariffs, tariff_calculator, shop_consultation, (none)
RESEARCH_W = np.array(
    [
        [0.45, 0.40, 0.02, 0.13],
        [0.30, 0.55, 0.05, 0.10],
        [0.12, 0.03, 0.60, 0.25],
        [0.45, 0.30, 0.05, 0.20],
        [0.55, 0.30, 0.05, 0.10],
    ]
)
#: consultation: sales_hotline, sales_chat, (none)
CONSULT_W = np.array(
    [
        [0.05, 0.35, 0.60],
        [0.35, 0.10, 0.55],
        [0.55, 0.01, 0.44],
        [0.45, 0.10, 0.45],
        [0.15, 0.30, 0.55],
    ]
)
#: order: online_order, phone_order, shop_order
ORDER_W = np.array(
    [
        [0.92, 0.05, 0.03],
        [0.75, 0.20, 0.05],
        [0.30, 0.40, 0.30],
        [0.55, 0.40, 0.05],
        [0.88, 0.08, 0.04],
    ]
)
#: dropping out before the order stage (after research / consultation)
PRE_ORDER_DROP = np.array([0.10, 0.14, 0.12, 0.10, 0.08])
#: planted group difference (issue 23): business customers drop more after the research stage
BUSINESS_PRE_ORDER_DROP = 0.30
#: planted: abandoning at stage `order` (the senior persona much more often)
ORDER_ABANDON = np.array([0.09, 0.12, 0.42, 0.10, 0.08])

#: onboarding: welcome_email, welcome_letter
WELCOME_W = np.array([[0.95, 0.05], [0.75, 0.25], [0.10, 0.90], [0.70, 0.30], [0.92, 0.08]])
#: account: portal_registration, app_activation, (none)
ACCOUNT_W = np.array(
    [
        [0.25, 0.70, 0.05],
        [0.45, 0.35, 0.20],
        [0.08, 0.02, 0.90],
        [0.70, 0.10, 0.20],
        [0.30, 0.65, 0.05],
    ]
)
SMART_METER_P = np.array([0.55, 0.40, 0.20, 0.45, 0.85])
DIRECT_DEBIT_SETUP_P = np.array([0.85, 0.75, 0.35, 0.45, 0.85])
FIRST_BILL_ERROR_P = 0.36  # planted: low performance at first_bill
SMART_METER_FAIL_P = 0.18
ONBOARDING_SURVEY_P = 0.35

#: service cases per customer over the window (Poisson mean)
SERVICE_RATE = np.array([0.9, 2.2, 1.4, 3.0, 0.8])
#: trigger: annual_bill, price_change_letter, (none)
TRIGGER_W = np.array([0.28, 0.10, 0.62])
#: planted before/after pattern (issue 23): after a price-change letter self-service is mostly the FAQ
PRICE_LETTER_FAQ_P = 0.8
#: planted rule breach (issue 23): an installation more than 14 days after booking feels worse
LATE_METER_DAYS = 14.0
LATE_METER_SENT = -0.5
#: self-service: faq, app_meter_reading, portal_self_service, (none)
SELF_W = np.array(
    [
        [0.22, 0.40, 0.23, 0.15],
        [0.30, 0.12, 0.20, 0.38],
        [0.04, 0.01, 0.02, 0.93],
        [0.25, 0.05, 0.35, 0.35],
        [0.20, 0.38, 0.25, 0.17],
    ]
)
SELF_SOLVED_P = 0.30
#: contact: chatbot, live_chat, hotline, email_support, shop_service
CONTACT_W = np.array(
    [
        [0.32, 0.34, 0.18, 0.13, 0.03],
        [0.08, 0.14, 0.53, 0.22, 0.03],
        [0.01, 0.02, 0.72, 0.05, 0.20],
        [0.04, 0.08, 0.42, 0.44, 0.02],
        [0.08, 0.14, 0.26, 0.49, 0.03],
    ]
)
CHATBOT_RESOLVED_P = 0.45
HOTLINE_RESOLVED_P = 0.74
CHAT_RESOLVED_P = 0.72
EMAIL_RESOLVED_P = 0.66
MAX_HOTLINE_REPEATS = 3
TECHNICIAN_P = 0.07
BILL_CORRECTION_P = 0.11
SATISFACTION_SURVEY_P = 0.25

#: planted hotline waits: lognormal median (s) before / from TREND_START
HOTLINE_WAIT_MEDIAN = 150.0
HOTLINE_WAIT_MEDIAN_LATE = 290.0
HOTLINE_WAIT_SIGMA = 0.70
HOTLINE_WAIT_THRESHOLD = 300.0

#: cancellation case in the window
CANCEL_P = np.array([0.10, 0.13, 0.03, 0.06, 0.05])
#: request: cancellation_form, cancellation_hotline, cancellation_letter
CANCEL_REQ_W = np.array(
    [
        [0.80, 0.15, 0.05],
        [0.55, 0.35, 0.10],
        [0.05, 0.45, 0.50],
        [0.40, 0.30, 0.30],
        [0.70, 0.20, 0.10],
    ]
)
RETENTION_OFFER_P = 0.70
RETENTION_ACCEPT_P = 0.30

# ----------------------------------------------------------------- feedback

#: share of English feedback per persona (overall about 20 %)
ENGLISH_P = np.array([0.33, 0.12, 0.04, 0.25, 0.20])
#: channels a persona answers surveys on: email, app, web, phone, letter, shop
FEEDBACK_CHANNELS = ("email", "app", "web", "phone", "letter", "shop")
FEEDBACK_CHANNEL_W = np.array(
    [
        [0.35, 0.45, 0.15, 0.03, 0.00, 0.02],
        [0.50, 0.20, 0.15, 0.10, 0.03, 0.02],
        [0.10, 0.02, 0.03, 0.40, 0.30, 0.15],
        [0.65, 0.05, 0.15, 0.12, 0.03, 0.00],
        [0.40, 0.40, 0.15, 0.03, 0.00, 0.02],
    ]
)
FEEDBACK_PERSONA_F = np.array([1.1, 0.9, 0.6, 0.8, 1.5])
#: relationship NPS baseline per persona (plus a per-customer N(0, 1))
NPS_BASE = np.array([6.7, 5.7, 7.6, 6.2, 7.5])
GENERAL_FEEDBACK_RATE = 0.07  # brand/price comments not tied to an event (per customer)
EXPLICIT_LINK_P = 0.32  # feedback rows that carry an explicit touchpoint
LANGUAGE_FILLED_P = 0.55
RATING_MISSING_P = 0.07
NPS_MISSING_P = 0.18
PII_P = 0.04
UNLINKABLE_P = 0.14  # event-based feedback whose text avoids the touchpoint vocabulary


@dataclass(frozen=True)
class Experience:
    """How experiences at one touchpoint feel and how much they move the NPS.

    ``mu``/``sd``: the latent sentiment (−1..1) of an ordinary experience; overridden by
    the process rules in the generator for touchpoints with metrics. ``nps_pos`` and
    ``nps_neg``: NPS points per unit of positive / negative sentiment (Kano asymmetry).
    ``feedback_p``: probability that an experience gets a feedback comment.
    """

    mu: float = 0.25
    sd: float = 0.35
    nps_pos: float = 1.0
    nps_neg: float = 2.0
    feedback_p: float = 0.05


EXPERIENCE: dict[str, Experience] = {
    "online_ad": Experience(0.0, 0.4, 0.3, 0.6, 0.02),
    "comparison_portal": Experience(0.3, 0.35, 0.5, 1.0, 0.03),
    "website_tariffs": Experience(0.3, 0.35, 0.8, 1.6, 0.04),
    "tariff_calculator": Experience(0.35, 0.35, 0.8, 1.6, 0.04),
    "shop_consultation": Experience(0.45, 0.3, 1.0, 2.0, 0.06),
    "sales_hotline": Experience(0.3, 0.35, 1.0, 2.0, 0.05),
    "sales_chat": Experience(0.3, 0.35, 1.0, 2.0, 0.05),
    "online_order": Experience(0.35, 0.3, 0.6, 1.2, 0.10),
    "phone_order": Experience(0.35, 0.3, 0.6, 1.2, 0.10),
    "shop_order": Experience(0.35, 0.3, 0.6, 1.2, 0.10),
    "order_confirmation": Experience(0.4, 0.3, 0.5, 1.0, 0.03),
    "welcome_email": Experience(0.45, 0.3, 0.5, 1.0, 0.03),
    "welcome_letter": Experience(0.45, 0.3, 0.5, 1.0, 0.03),
    "portal_registration": Experience(0.05, 0.45, 0.8, 1.6, 0.06),
    "app_activation": Experience(0.3, 0.4, 0.8, 1.6, 0.05),
    "supplier_switch": Experience(0.3, 0.35, 1.0, 2.0, 0.06),
    "smart_meter_appointment": Experience(0.2, 0.35, 0.8, 1.6, 0.05),
    # planted DELIGHTER: a good installation lifts the NPS a lot, a bad one barely hurts
    "smart_meter_installation": Experience(0.65, 0.2, 4.6, 0.4, 0.30),
    "payment_setup": Experience(0.3, 0.3, 0.5, 1.0, 0.03),
    # planted DISSATISFIER: a billing error costs a lot of NPS, a correct bill is expected
    "first_bill": Experience(0.2, 0.25, 0.3, 6.5, 0.28),
    "onboarding_survey": Experience(0.2, 0.35, 0.3, 0.6, 0.10),
    "annual_bill": Experience(0.0, 0.5, 0.8, 1.6, 0.06),
    "price_change_letter": Experience(-0.5, 0.3, 0.3, 0.8, 0.08),
    "faq": Experience(0.1, 0.4, 0.5, 1.0, 0.03),
    "app_meter_reading": Experience(0.45, 0.3, 0.5, 1.0, 0.03),
    "portal_self_service": Experience(0.3, 0.35, 0.5, 1.0, 0.03),
    "chatbot": Experience(0.2, 0.3, 0.5, 1.0, 0.05),
    "live_chat": Experience(0.35, 0.25, 1.2, 2.4, 0.10),
    # the planted MOMENT OF TRUTH: high volume and a strong pull on the NPS both ways
    "hotline": Experience(0.3, 0.25, 2.2, 4.2, 0.22),
    "email_support": Experience(0.3, 0.3, 1.0, 2.0, 0.10),
    "shop_service": Experience(0.45, 0.3, 1.0, 2.0, 0.08),
    "technician_visit": Experience(0.3, 0.35, 1.0, 2.0, 0.12),
    "billing_correction": Experience(0.0, 0.4, 0.8, 1.6, 0.10),
    "satisfaction_survey": Experience(0.2, 0.35, 0.3, 0.6, 0.10),
    "cancellation_page": Experience(-0.2, 0.35, 0.3, 0.6, 0.04),
    "cancellation_form": Experience(0.1, 0.35, 0.3, 0.6, 0.05),
    "cancellation_hotline": Experience(-0.2, 0.35, 0.5, 1.0, 0.08),
    "cancellation_letter": Experience(0.0, 0.35, 0.3, 0.6, 0.05),
    "retention_offer": Experience(0.1, 0.45, 0.5, 1.0, 0.08),
    "cancellation_confirmation": Experience(0.1, 0.3, 0.3, 0.6, 0.04),
    "final_bill": Experience(-0.1, 0.45, 0.5, 1.0, 0.06),
}

#: planted latent sentiment of hotline experiences by wait (short / long)
HOTLINE_SENT_SHORT = 0.32
HOTLINE_SENT_LONG = -0.42
#: planted latent sentiment at first_bill (error) and smart meter installation (failed)
FIRST_BILL_ERROR_SENT = -0.70
SMART_METER_FAIL_SENT = -0.25
#: planted: seniors are more negative at stage `order`
SENIOR_ORDER_SHIFT = -0.45
ABANDON_SENT = -0.45
