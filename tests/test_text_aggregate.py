"""Aggregation, the emotional journey, themes, quotes, PII masking, plots, enrich_feedback,
the CLI commands and the sample company's planted sentiment."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cjwork.errors import UsageError
from cjwork.io import Workspace
from cjwork.journeymap import parse_journey_map
from cjwork.text import enrich_feedback, mask_pii
from cjwork.text.aggregate import (
    add_period,
    emotional_journey,
    link_coverage,
    quotes,
    sentiment_summary,
    themes,
)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

MAP = """
journeys:
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
            keywords: {de: [hotline, warteschleife], en: [hotline]}
          - id: chat
            name: Chat
            keywords: {de: [chat], en: [chat]}
      - id: billing
        name: Billing
        touchpoints:
          - id: bill
            name: Bill
            keywords: {de: [rechnung], en: [bill, invoice]}
"""


@pytest.fixture(scope="module")
def ws() -> Workspace:
    jm = parse_journey_map(MAP)
    rng = np.random.default_rng(0)
    rows = []
    phrases = {
        "hotline": [
            "Die Hotline war eine Katastrophe, ewig in der Warteschleife",
            "Hotline unfreundlich",
            "The hotline was terrible",
        ],
        "chat": ["Der Chat war super schnell", "Chat sehr hilfreich, danke", "The chat was great"],
        "bill": ["Die Rechnung war ok", "Rechnung erhalten", "The bill arrived"],
    }
    for i in range(90):
        tp = ["hotline", "chat", "bill"][i % 3]
        text = str(rng.choice(phrases[tp]))
        if i == 0:
            text += " Herr Schmidt, max@example.org, Tel. 0171 2345678"
        rows.append(
            {
                "feedback_id": f"F{i:03d}",
                "customer_id": f"C{i % 10}",
                "timestamp": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=int(i)),
                "text": text,
                "rating": 1 if tp == "hotline" else 5 if tp == "chat" else 3,
            }
        )
    fb = pd.DataFrame(rows)
    fb["feedback_id"] = fb["feedback_id"].astype("string")
    fb["text"] = fb["text"].astype("string")
    return Workspace(path=Path("."), journeys=jm, feedback=fb)


@pytest.fixture(scope="module")
def enriched(ws) -> pd.DataFrame:
    return enrich_feedback(ws)


def test_enrich_feedback_contract(ws, enriched):
    assert len(enriched) == len(ws.feedback)
    assert enriched["feedback_id"].tolist() == ws.feedback["feedback_id"].tolist()
    for col in (
        "language",
        "sentiment_score",
        "sentiment_label",
        "journey",
        "touchpoint",
        "stage",
        "link_method",
        "link_confidence",
    ):
        assert col in enriched.columns
    assert enriched["sentiment_score"].between(-1, 1).all()
    assert (enriched["link_method"] == "text").all()
    assert enriched["touchpoint"].tolist()[:3] == ["hotline", "chat", "bill"]
    assert enriched.attrs["link_summary"]["coverage"]["text"] == 1.0
    # attrs hold plain values: pandas operations keep working
    pd.concat([enriched, enriched]).astype({"touchpoint": "string"})


def test_summary_per_touchpoint_with_ci(enriched):
    s = sentiment_summary(enriched, by="touchpoint").set_index("touchpoint")
    assert s.loc["hotline", "mean"] < s.loc["bill", "mean"] < s.loc["chat", "mean"]
    assert (s["n"] == 30).all()
    assert (s["ci_low"] <= s["mean"]).all() and (s["mean"] <= s["ci_high"]).all()
    assert s.loc["hotline", "share_negative"] > 0.9
    b1 = sentiment_summary(enriched, by=["journey", "stage"], method="bootstrap", random_state=1)
    b2 = sentiment_summary(enriched, by=["journey", "stage"], method="bootstrap", random_state=1)
    pd.testing.assert_frame_equal(b1, b2)
    assert (b1["ci_low"] <= b1["mean"]).all()
    per = sentiment_summary(add_period(enriched, "month"), by=["period", "touchpoint"])
    assert set(per["period"]) == {"2026-01", "2026-02", "2026-03"}
    with pytest.raises(UsageError, match="method"):
        sentiment_summary(enriched, method="magic")
    with pytest.raises(UsageError, match="enrich_feedback"):
        sentiment_summary(enriched.drop(columns="sentiment_score"))


def test_emotional_journey_in_map_order_per_persona(ws, enriched):
    personas = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(10)],
            "persona_id": [i % 2 for i in range(10)],
            "persona_name": ["Even" if i % 2 == 0 else "Odd" for i in range(10)],
        }
    )
    curve = emotional_journey(enriched, ws.journeys, "service", personas=personas)
    allc = curve[curve["persona"] == "all"]
    assert allc["touchpoint"].tolist() == ["hotline", "chat", "bill"]
    assert allc["step"].tolist() == [0, 1, 2]
    assert set(curve["persona"]) == {"all", "Even", "Odd"}
    assert allc["n"].sum() == 90
    stages = emotional_journey(enriched, ws.journeys, "service", level="stage")
    assert stages["stage"].tolist() == ["contact", "billing"]
    with pytest.raises(UsageError):
        emotional_journey(enriched, ws.journeys, "nope")


def test_themes_and_masked_quotes(enriched):
    th = themes(enriched, top=3, min_docs=2)
    hot = th[th["touchpoint"] == "hotline"]["theme"].tolist()
    assert any(
        t in hot for t in ("katastrophe", "warteschleife", "unfreundlich", "terrible", "ewig")
    )
    q = quotes(enriched, n=3)
    assert set(q["kind"]) <= {"negative", "positive", "typical"}
    assert q.groupby("touchpoint").size().max() <= 3
    joined = " ".join(q["quote"])
    assert "max@example.org" not in joined and "0171" not in joined and "Schmidt" not in joined
    hot_neg = q[(q["touchpoint"] == "hotline") & (q["kind"] == "negative")]
    assert len(hot_neg) == 1 and hot_neg["sentiment_score"].iat[0] < 0


def test_link_coverage(enriched):
    cov = link_coverage(enriched)
    assert cov["method"].tolist() == ["explicit", "event", "text", "model", "unlinked"]
    assert cov["share"].sum() == pytest.approx(1.0)


def test_mask_pii():
    text = "Herr Müller (mueller@example.de, +49 221 1234567) IBAN DE89 3704 0044 0532 0130 00. Ms Smith, Frau Dr. Schulze-Meyer; meine Frau hat angerufen am 12.03.2024"
    out = mask_pii(text)
    for secret in ("Müller", "mueller@", "1234567", "DE89", "Smith", "Schulze"):
        assert secret not in out
    assert "meine Frau hat angerufen" in out and "12.03.2024" in out
    s = pd.Series(["a@b.de", None], index=[5, 6], name="t")
    m = mask_pii(s)
    assert m.index.tolist() == [5, 6] and m.iat[0] == "[E-MAIL]" and pd.isna(m.iat[1])


def test_plots_draw_what_they_get(ws, enriched):
    from cjwork.plots.emotion import plot_emotion_curve, plot_touchpoint_sentiment

    curve = emotional_journey(enriched, ws.journeys, "service")
    ax = plot_emotion_curve(curve)
    assert len(ax.lines) >= 1 and len(ax.collections) >= 1  # curve + CI band
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Hotline", "Chat", "Bill"]
    assert ax.get_ylim()[0] <= -1 and ax.get_ylim()[1] >= 1
    summ = sentiment_summary(enriched)
    ax2 = plot_touchpoint_sentiment(summ)
    assert len(ax2.patches) == 3


def test_cli_sentiment_and_link(tmp_path, ws):
    from cjwork.cli import main

    src = tmp_path / "in.csv"
    src.write_bytes(
        "id;Kommentar\n1;Die Hotline war super\n2;\n3;nicht gut\n4;Verspätung\n".encode("cp1252")
    )
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as e:
        main(["sentiment", str(src), "--text-column", "Kommentar", "-o", str(out)])
    assert e.value.code == 0
    res = pd.read_csv(out, keep_default_na=False)
    assert res.columns.tolist() == [
        "id",
        "Kommentar",
        "language",
        "sentiment_score",
        "sentiment_label",
    ]
    assert res["sentiment_label"].tolist() == ["positive", "neutral", "negative", "negative"]
    with pytest.raises(SystemExit) as e:
        main(["sentiment", str(src), "-o", str(out)])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["sentiment", str(src), "--text-column", "Komentar", "-o", str(out)])
    assert e.value.code == 1


@pytest.mark.skipif(
    not (SAMPLE / "truth" / "feedback.csv").exists(), reason="sample data not generated"
)
def test_sample_sentiment_per_touchpoint_tracks_the_planted_truth(tmp_path):
    import cjwork
    from cjwork.cli import main

    ws = cjwork.load(SAMPLE)
    truth = pd.read_csv(SAMPLE / "truth" / "feedback.csv", dtype={"feedback_id": str})
    fb = enrich_feedback(ws)
    planted = truth.dropna(subset=["touchpoint"]).groupby("touchpoint")["sentiment"].mean()
    got = fb[fb["touchpoint"] != ""].groupby("touchpoint")["sentiment_score"].agg(["mean", "size"])
    j = got.join(planted, how="inner")
    # touchpoints with at least 10 linked comments (smaller means are mostly noise)
    j = j[j["size"] >= 10]
    assert len(j) >= 15
    assert np.corrcoef(j["mean"], j["sentiment"])[0, 1] >= 0.9
    # the CLI writes one row per feedback with the contract columns
    out = tmp_path / "links.csv"
    with pytest.raises(SystemExit) as e:
        main(["link", str(SAMPLE), "-o", str(out)])
    assert e.value.code == 0
    links = pd.read_csv(out, keep_default_na=False)
    assert links.columns.tolist()[:5] == [
        "feedback_id",
        "journey",
        "touchpoint",
        "link_method",
        "link_confidence",
    ]
    assert len(links) == len(truth)
