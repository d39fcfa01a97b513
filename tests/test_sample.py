"""The sample company: determinism, the data contract, and the planted truth.

The planted effects are checked by recomputing them from the written files (events,
feedback, truth), never by reading numbers back from the generator.
"""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import cjwork
from cjwork.cli import main
from cjwork.errors import UsageError
from cjwork.io.schemas import known_columns
from cjwork.journeymap import load_journey_map
from cjwork.sample import PERSONAS, write_sample
from cjwork.sample import write as sample_write

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "sample"
BUNDLED_PARAMS = {"n_customers": 2000, "seed": 42}
FILES = (
    "journeys.yml",
    "customers.csv",
    "events.csv",
    "feedback.csv",
    "truth/customers.csv",
    "truth/feedback.csv",
    "truth/effects.json",
    "truth/README.md",
    "actions.yml",
    "truth/loop.json",
)


@pytest.fixture(scope="session")
def fresh(tmp_path_factory) -> Path:
    """A fresh generation with the parameters of the bundled sample."""
    out = tmp_path_factory.mktemp("sample") / "fresh"
    write_sample(out, **BUNDLED_PARAMS, progress=False)
    return out


@pytest.fixture(scope="session")
def tables() -> dict[str, pd.DataFrame]:
    """The bundled tables read plainly with pandas."""
    read = {"keep_default_na": False, "na_values": [""]}
    return {
        "customers": pd.read_csv(BUNDLED / "customers.csv", **read),
        "events": pd.read_csv(BUNDLED / "events.csv", **read),
        "feedback": pd.read_csv(BUNDLED / "feedback.csv", **read),
        "truth_customers": pd.read_csv(BUNDLED / "truth" / "customers.csv", **read),
        "truth_feedback": pd.read_csv(BUNDLED / "truth" / "feedback.csv", **read),
    }


@pytest.fixture(scope="session")
def effects() -> dict:
    return json.loads((BUNDLED / "truth" / "effects.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- bytes


def test_bundled_sample_equals_a_fresh_generation(fresh: Path) -> None:
    for name in FILES:
        assert filecmp.cmp(BUNDLED / name, fresh / name, shallow=False), (
            f"data/sample/{name} drifted from the generator; regenerate with "
            "`rm -rf data/sample && cjwork sample data/sample --customers 2000 --seed 42`"
        )
    assert sorted(
        p.relative_to(BUNDLED).as_posix() for p in BUNDLED.rglob("*") if p.is_file()
    ) == sorted(FILES)


def test_bundled_sample_is_small() -> None:
    total = sum(p.stat().st_size for p in BUNDLED.rglob("*") if p.is_file())
    assert total <= 5 * 1024 * 1024


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", n_customers=300, seed=7, progress=False)
    write_sample(tmp_path / "b", n_customers=300, seed=7, progress=False)
    write_sample(tmp_path / "c", n_customers=300, seed=8, progress=False)
    for name in FILES:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    assert not filecmp.cmp(
        tmp_path / "a" / "events.csv", tmp_path / "c" / "events.csv", shallow=False
    )


def test_chunks_stream_into_one_consistent_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample_write, "CHUNK", 150)
    write_sample(tmp_path / "s", n_customers=620, seed=3, progress=False)
    ev = pd.read_csv(tmp_path / "s" / "events.csv")
    fb = pd.read_csv(tmp_path / "s" / "feedback.csv")
    cu = pd.read_csv(tmp_path / "s" / "customers.csv")
    assert len(cu) == 620 and cu.customer_id.is_unique
    assert cu.customer_id.iloc[-1] == "C000620"
    assert fb.feedback_id.tolist() == [f"F{i:07d}" for i in range(1, len(fb) + 1)]
    # a case belongs to one customer and one journey, whichever chunk wrote it
    per_case = ev.groupby("case_id").agg(
        customers=("customer_id", "nunique"), journeys=("journey", "nunique")
    )
    assert (per_case == 1).all().all()
    assert ev.customer_id.is_monotonic_increasing
    truth = pd.read_csv(tmp_path / "s" / "truth" / "customers.csv")
    assert truth.customer_id.tolist() == cu.customer_id.tolist()


def test_parquet_holds_the_same_rows_as_csv(tmp_path: Path) -> None:
    write_sample(tmp_path / "csv", n_customers=200, seed=5, progress=False)
    write_sample(tmp_path / "pq", n_customers=200, seed=5, fmt="parquet", progress=False)
    for name in ("customers", "events", "feedback"):
        a = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, na_values=[""])
        b = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert list(a.columns) == list(b.columns)
        assert len(a) == len(b)
        assert (a.iloc[:, 0].astype(str) == b.iloc[:, 0].astype(str)).all()
    ev = pd.read_parquet(tmp_path / "pq" / "events.parquet")
    assert isinstance(ev.timestamp.dtype, pd.DatetimeTZDtype)
    assert not (tmp_path / "pq" / "events.csv").exists()


# --------------------------------------------------------------------------- safety


def test_refuses_a_directory_with_data_and_leaves_it_untouched(tmp_path: Path) -> None:
    ws = tmp_path / "mine"
    ws.mkdir()
    (ws / "journeys.yml").write_text("company: Mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match="never overwrites"):
        write_sample(ws, n_customers=50, progress=False)
    assert (ws / "journeys.yml").read_text(encoding="utf-8") == "company: Mine\n"
    assert sorted(p.name for p in ws.iterdir()) == ["journeys.yml"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="Choose a new or empty directory"):
        write_sample(other, n_customers=50, progress=False)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_writes_into_an_empty_directory_without_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    summary = write_sample(out, n_customers=40, seed=1, progress=False)
    assert "customers.csv" in summary and "Rheinstrom" in summary
    assert {p.name for p in out.iterdir()} == {
        "journeys.yml",
        "customers.csv",
        "events.csv",
        "feedback.csv",
        "actions.yml",
        "truth",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 5}, "n_customers must be an int >= 10, got 5"),
        ({"n_customers": 10.5}, "n_customers must be an int"),
        ({"seed": -1}, "seed must be an int >= 0, got -1"),
        ({"fmt": "xlsx"}, "fmt must be one of csv, parquet, got 'xlsx'"),
    ],
)
def test_bad_parameters_are_usage_errors(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        write_sample(tmp_path / "x", **{"progress": False, **kwargs})
    assert not (tmp_path / "x").exists()


def test_cli_sample_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ok:
        main(["sample", str(tmp_path / "ws"), "--customers", "60", "--seed", "3", "--no-progress"])
    assert ok.value.code == 0
    assert "60 rows" in capsys.readouterr().out
    with pytest.raises(SystemExit) as again:
        main(["sample", str(tmp_path / "ws"), "--customers", "60", "--no-progress"])
    assert again.value.code == 2
    err = capsys.readouterr().err
    assert "never overwrites" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as helped:
        main(["sample", "--help"])
    assert helped.value.code == 0
    text = capsys.readouterr().out
    for word in ("--customers", "--seed", "--format", "truth", "empty"):
        assert word in text


# --------------------------------------------------------------------------- the map


def test_journey_map_has_the_fixed_ids() -> None:
    jm = load_journey_map(BUNDLED / "journeys.yml")
    assert jm.company == "Rheinstrom Energie AG"
    assert jm.journey_ids[:4] == ["purchase", "onboarding", "service", "cancellation"]
    for j in jm.journeys:
        assert 5 <= len(j.stages) <= 8, j.id
    assert len(jm.touchpoint_ids) >= 25
    hot = jm.touchpoint("hotline")
    assert hot.journey_id == "service"
    assert (hot.kpis["wait_s"].target, hot.kpis["wait_s"].better) == (120, "lower")
    assert (hot.kpis["resolved"].target, hot.kpis["resolved"].better) == (0.8, "higher")
    assert "handle_s" in hot.kpis
    assert (jm.touchpoint("first_bill").journey_id, jm.touchpoint("first_bill").owner) == (
        "onboarding",
        "Billing",
    )
    sm = jm.touchpoint("smart_meter_installation")
    assert (sm.journey_id, sm.owner) == ("onboarding", "Field Service")
    assert "order" in [s.id for s in jm.journey("purchase").stages]
    tps = jm.touchpoints_frame()
    assert {"web", "app", "phone", "email", "shop", "chat"} <= set(tps.channel)
    assert tps.owner.notna().all()
    for t in (jm.touchpoint(i) for i in jm.touchpoint_ids):
        assert len(t.keywords.get("de", ())) >= 1 and len(t.keywords.get("en", ())) >= 1, t.id
    assert len(jm.kpis_frame()) >= 10


def test_feedback_phrase_files_cover_every_touchpoint_in_both_languages() -> None:
    """The phrase data lives in cjwork/resources/sample/feedback/*.yml (read at import)."""
    from cjwork.sample import text as tx

    jm = load_journey_map(BUNDLED / "journeys.yml")
    de, en = tx.read_phrases("de"), tx.read_phrases("en")
    # the same touchpoints in the same order in both files, and every one of the map
    assert list(de["touchpoints"]) == list(en["touchpoints"]) == list(tx.TP)
    assert set(jm.touchpoint_ids) <= set(tx.TP)
    for doc in (de, en):
        for table in ("frames", "openers", "closers", "general"):
            assert set(doc[table]) == set(tx.LABELS), table
        for tp, spec in doc["touchpoints"].items():
            assert spec["nouns"] and all(len(pair) == 2 for pair in spec["nouns"]), tp
            assert set(spec) <= {"nouns", *tx.LABELS}, tp
        assert all(len(pair) == 2 for pair in doc["personal_data"])
    # the tables keep their shapes: label codes as keys, (noun, bare) tuples
    assert tx.FRAMES["de"][tx.POS][0] == "{N} war {I}gut"
    assert tx.TP["hotline"]["en"]["N"][0] == tuple(en["touchpoints"]["hotline"]["nouns"][0])
    assert set(tx.EMOJI) == {tx.NEG, tx.NEU, tx.POS}


def test_template_journey_map_is_valid_and_commented() -> None:
    path = ROOT / "templates" / "journeys.yml"
    jm = load_journey_map(path)
    assert len(jm.journeys) >= 2
    text = path.read_text(encoding="utf-8")
    for key in (
        "company",
        "journeys",
        "id",
        "name",
        "owner",
        "stages",
        "touchpoints",
        "channel",
        "keywords",
        "kpis",
        "target",
        "better",
    ):
        assert re.search(rf"^\s*-?\s*{key}:.*#", text, re.M) or re.search(rf"#.*\b{key}\b", text), (
            key
        )


# --------------------------------------------------------------------------- contract


def test_bundled_sample_loads_clean() -> None:
    ws = cjwork.load(BUNDLED)
    assert ws.warnings == []
    assert all(len(r) == 0 for r in ws.rejected.values())
    assert len(ws.customers) == 2000
    assert str(ws.events.timestamp.dt.tz) == "UTC"


def test_contract_columns_ids_and_order(tables: dict[str, pd.DataFrame]) -> None:
    cu, ev, fb = tables["customers"], tables["events"], tables["feedback"]
    assert cu.customer_id.is_unique and cu.customer_id.str.fullmatch(r"C\d{6}").all()
    for col in (
        "age",
        "segment",
        "region",
        "tenure_months",
        "tariff",
        "household_size",
        "contract_type",
    ):
        assert col in cu.columns and cu[col].notna().all()
    assert set(cu.segment) == {"private", "business"}
    assert {
        "customer_id",
        "timestamp",
        "journey",
        "touchpoint",
        "channel",
        "case_id",
        "outcome",
        "wait_s",
        "handle_s",
        "resolved",
    } <= set(ev.columns)
    # every column of the data contract (cjwork/io/schemas.py), the events' in its order
    events_contract = known_columns("events")
    assert list(ev.columns[: len(events_contract)]) == events_contract
    assert set(fb.columns) == set(known_columns("feedback"))
    assert ev.timestamp.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert set(ev.customer_id) <= set(cu.customer_id)
    jm = load_journey_map(BUNDLED / "journeys.yml")
    tps = jm.touchpoints_frame().set_index("touchpoint")
    assert (tps.loc[ev.touchpoint, "journey"].to_numpy() == ev.journey.to_numpy()).all()
    assert (tps.loc[ev.touchpoint, "channel"].to_numpy() == ev.channel.to_numpy()).all()
    ts = pd.to_datetime(ev.timestamp, utc=True)
    # file order: per customer by time; within a case time never goes backwards
    assert ts.groupby(ev.case_id).diff().dropna().dt.total_seconds().min() >= 0
    assert ev.customer_id.is_monotonic_increasing
    assert ts.min() >= pd.Timestamp("2025-05-01", tz="UTC") and ts.max() < pd.Timestamp(
        "2026-11-01", tz="UTC"
    )
    assert ev.timestamp.str[:7].nunique() == 18
    assert ev.duplicated(["case_id", "timestamp"]).any(), "some same-timestamp ties are planted"
    assert fb.feedback_id.is_unique
    assert set(fb.customer_id) <= set(cu.customer_id)
    assert fb.rating.dropna().between(1, 5).all() and fb.nps.dropna().between(0, 10).all()
    assert fb.rating.isna().any() and fb.nps.isna().any()


def test_process_metrics_and_loops(tables: dict[str, pd.DataFrame]) -> None:
    ev = tables["events"]
    hot = ev[ev.touchpoint == "hotline"]
    assert hot[["wait_s", "handle_s", "resolved"]].notna().all().all()
    assert set(hot.resolved.unique()) == {0, 1}
    assert (hot.groupby("case_id").size() > 1).mean() > 0.1, "repeat hotline calls"
    for tp, metric in [
        ("live_chat", "wait_s"),
        ("email_support", "response_h"),
        ("smart_meter_appointment", "lead_time_days"),
        ("supplier_switch", "lead_time_days"),
    ]:
        assert ev.loc[ev.touchpoint == tp, metric].notna().all(), (tp, metric)
    assert (
        ev.loc[ev.touchpoint == "faq", ["wait_s", "handle_s", "resolved", "response_h"]]
        .isna()
        .all()
        .all()
    )
    # gaps from seconds to weeks
    ts = pd.to_datetime(ev.timestamp, utc=True)
    gaps = ts.groupby(ev.case_id).diff().dropna().dt.total_seconds()
    assert gaps.quantile(0.05) < 600 and gaps.quantile(0.95) > 7 * 86400


# --------------------------------------------------------------------------- personas


def test_persona_sizes(tables: dict[str, pd.DataFrame], effects: dict) -> None:
    truth = tables["truth_customers"]
    assert truth.customer_id.tolist() == tables["customers"].customer_id.tolist()
    counts = truth.persona_id.value_counts().sort_index()
    expected = [round(p.share * BUNDLED_PARAMS["n_customers"]) for p in PERSONAS]
    assert counts.tolist() == expected
    assert [p["n"] for p in effects["personas"]] == expected
    assert truth.groupby("persona_id").persona_name.nunique().eq(1).all()


def test_personas_are_recoverable_but_not_by_one_column(tables: dict[str, pd.DataFrame]) -> None:
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cu, ev, truth = tables["customers"], tables["events"], tables["truth_customers"]
    mix = (
        pd.crosstab(ev.customer_id, ev.channel, normalize="index").reindex(cu.customer_id).fillna(0)
    )
    mix.columns = [f"ch_{c}" for c in mix.columns]
    X = pd.concat([cu.reset_index(drop=True), mix.reset_index(drop=True)], axis=1)
    # every customer attribute: skewed amounts on a log scale, text columns one-hot
    attrs = cu.drop(columns="customer_id")
    categorical = [c for c in attrs.columns if not pd.api.types.is_numeric_dtype(attrs[c])]
    numeric = [c for c in attrs.columns if c not in categorical] + list(mix.columns)
    for col in ("tenure_months", "annual_kwh", "monthly_instalment_eur"):
        X[col] = np.log1p(X[col])
    Z = ColumnTransformer(
        [("n", StandardScaler(), numeric), ("c", OneHotEncoder(), categorical)]
    ).fit_transform(X)
    labels = KMeans(5, n_init=4, random_state=0).fit_predict(Z)
    assert adjusted_rand_score(truth.persona_id, labels) >= 0.9
    # realistic overlap: no single column reproduces the personas
    for col in categorical:
        assert adjusted_rand_score(truth.persona_id, cu[col]) < 0.6, col
    age_bins = pd.qcut(cu.age, 5, labels=False)
    assert adjusted_rand_score(truth.persona_id, age_bins) < 0.6


# --------------------------------------------------------------------------- planted effects


def test_senior_persona_drops_off_at_order(tables: dict[str, pd.DataFrame], effects: dict) -> None:
    ev = tables["events"].merge(tables["truth_customers"], on="customer_id")
    p = ev[ev.journey == "purchase"]
    order_tps = {"online_order", "phone_order", "shop_order"}
    cases = p.groupby("case_id").agg(
        persona=("persona_id", "first"),
        reached=("touchpoint", lambda s: bool(order_tps & set(s))),
        confirmed=("touchpoint", lambda s: "order_confirmation" in set(s)),
    )
    cases = cases[cases.reached]
    target = effects["effects"]["persona_order_dropoff"]["persona_id"]
    drop = ~cases.confirmed
    is_target = cases.persona == target
    rate_t, rate_o = drop[is_target].mean(), drop[~is_target].mean()
    assert rate_t > 2.5 * rate_o
    assert chi2_contingency(pd.crosstab(is_target, drop))[1] < 1e-8
    assert effects["effects"]["persona_order_dropoff"]["observed"]["dropoff_rate"] == pytest.approx(
        rate_t, abs=1e-3
    )
    # and more negative there
    fb = tables["truth_feedback"].merge(
        tables["feedback"][["feedback_id", "customer_id"]], on="feedback_id"
    )
    fb = fb.merge(tables["truth_customers"], on="customer_id")
    at_order = fb[fb.touchpoint.isin(order_tps)]
    assert (
        at_order[at_order.persona_id == target].sentiment.mean()
        < at_order[at_order.persona_id != target].sentiment.mean() - 0.3
    )


def _hotline_feedback_with_wait(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ev, fb, tf = tables["events"], tables["feedback"], tables["truth_feedback"]
    hot = ev[ev.touchpoint == "hotline"].assign(ts=lambda d: pd.to_datetime(d.timestamp, utc=True))
    f = fb.merge(
        tf[["feedback_id", "touchpoint", "sentiment"]], on="feedback_id", suffixes=("_given", "")
    )
    f = f[f.touchpoint == "hotline"].assign(ts=lambda d: pd.to_datetime(d.timestamp, utc=True))
    return pd.merge_asof(
        f.sort_values("ts"),
        hot.sort_values("ts")[["ts", "customer_id", "wait_s"]],
        on="ts",
        by="customer_id",
        direction="backward",
    )


def test_hotline_wait_drives_sentiment_and_worsens(
    tables: dict[str, pd.DataFrame], effects: dict
) -> None:
    f = _hotline_feedback_with_wait(tables)
    long_ = f.wait_s > effects["effects"]["hotline_wait_sentiment"]["threshold"]
    assert f.sentiment[long_].mean() < -0.25
    assert f.sentiment[~long_].mean() > 0.15
    ev = tables["events"]
    hot = ev[ev.touchpoint == "hotline"]
    month = hot.timestamp.str[:7]
    change = effects["effects"]["hotline_wait_trend"]["change_from"]
    late = month >= change
    assert (hot.wait_s[late] > 300).mean() > 2 * (hot.wait_s[~late] > 300).mean()
    assert hot.wait_s[late].median() > 1.5 * hot.wait_s[~late].median()
    monthly = hot.groupby(month).wait_s.median()
    assert monthly[monthly.index < change].max() < monthly[monthly.index >= change].min()


def _nps_by_label(tables: dict[str, pd.DataFrame], tp: str) -> tuple[float, float, float]:
    f = tables["feedback"].merge(
        tables["truth_feedback"], on="feedback_id", suffixes=("_given", "")
    )
    overall = f.nps.mean()
    sub = f[f.touchpoint == tp]
    return (
        overall,
        sub.nps[sub.sentiment_label == "negative"].mean(),
        sub.nps[sub.sentiment_label == "positive"].mean(),
    )


def test_first_bill_is_a_dissatisfier_and_smart_meter_a_delighter(
    tables: dict[str, pd.DataFrame],
) -> None:
    overall, neg, pos = _nps_by_label(tables, "first_bill")
    assert overall - neg > 3.0, "a bad first bill costs a lot"
    assert pos - overall < 1.0, "a good first bill is merely expected"
    overall, neg, pos = _nps_by_label(tables, "smart_meter_installation")
    assert pos - overall > 1.5, "a good installation delights"
    assert overall - neg < 1.0, "a bad one barely hurts"
    # quick win: first_bill performs worst among the onboarding touchpoints with much feedback
    tf = tables["truth_feedback"]
    onb = tf[tf.journey == "onboarding"].groupby("touchpoint").sentiment.agg(["mean", "size"])
    onb = onb[onb["size"] >= 30]
    assert onb["mean"].idxmin() == "first_bill"


def test_hotline_is_the_busiest_service_touchpoint(tables: dict[str, pd.DataFrame]) -> None:
    ev = tables["events"]
    assert ev[ev.journey == "service"].touchpoint.value_counts().idxmax() == "hotline"


# --------------------------------------------------------------------------- feedback text


def test_feedback_languages_links_and_text_variety(tables: dict[str, pd.DataFrame]) -> None:
    fb, tf = tables["feedback"], tables["truth_feedback"]
    assert (tf.feedback_id == fb.feedback_id).all()
    assert 0.12 < (tf.language == "en").mean() < 0.28
    assert 0.3 < fb.language.notna().mean() < 0.8
    assert (fb.language.dropna() == tf.language[fb.language.notna()]).all()
    assert 0.25 <= fb.touchpoint.notna().mean() <= 0.35
    explicit = fb.touchpoint.notna()
    assert (fb.touchpoint[explicit] == tf.touchpoint[explicit]).all()
    assert 0.05 < (~tf.linkable).mean() < 0.4
    assert fb.text.nunique() > 0.6 * len(fb)
    text = " ".join(fb.text)
    for needle in ("nicht gut", "kein Problem", "not bad", "sehr", "extrem", "total", "really"):
        assert needle in text, needle
    assert re.search(r"ae|oe|ue", " ".join(fb.text[tf.language == "de"])) and "ä" in text
    assert re.search(r"Hotlinewartezeit|Rechnungsfehler", text)
    assert re.search("[\U0001f600-\U0001f64f\U0001f44d\U0001f44e]", text)
    labels = tf.sentiment_label
    assert set(labels) == {"negative", "neutral", "positive"}
    assert ((tf.sentiment < -0.25) == (labels == "negative")).all()
    # ratings agree with the planted sentiment
    assert np.corrcoef(tf.sentiment[fb.rating.notna()], fb.rating.dropna())[0, 1] > 0.7


def test_linkable_means_the_text_uses_the_touchpoint_vocabulary(
    tables: dict[str, pd.DataFrame],
) -> None:
    fb, tf = tables["feedback"], tables["truth_feedback"]
    jm = load_journey_map(BUNDLED / "journeys.yml")

    def norm(s: str) -> str:
        return s.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")

    for text, tp, link in zip(fb.text, tf.touchpoint, tf.linkable, strict=True):
        if pd.isna(tp):
            assert not link
            continue
        words = {norm(w) for ws in jm.touchpoint(tp).keywords.values() for w in ws}
        found = any(re.search(rf"(?<![a-z0-9]){re.escape(w)}", norm(text)) for w in words)
        assert found == link, (text, tp)


def test_planted_personal_data(tables: dict[str, pd.DataFrame]) -> None:
    fb, tf = tables["feedback"], tables["truth_feedback"]
    assert 0.02 < tf.has_pii.mean() < 0.08
    pii = re.compile(
        r"[\w.]+@[\w-]+\.\w+|\+49 \S+ \d+|0\d{2,4}[-/ ]\d{5,}|DE\d\d(?: \d{4}){4} \d\d|\b(?:Herr|Frau|Mr|Ms) [A-ZÄÖÜ]\w+"
    )
    found = fb.text.str.contains(pii)
    assert (found == tf.has_pii).all()
    for iban in fb.text.str.extract(r"(DE\d\d(?: \d{4}){4} \d\d)")[0].dropna():
        digits = iban.replace(" ", "")
        assert int(digits[4:] + "1314" + digits[2:4]) % 97 == 1, iban
