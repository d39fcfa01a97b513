"""The bundled sample workspace passes `cjwork validate` and loads with contract dtypes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cjwork
from cjwork.cli import main
from cjwork.io import validate_workspace

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_sample_is_valid() -> None:
    report = validate_workspace(SAMPLE)
    assert report.ok, "\n".join(report.lines())
    assert report.counts["journeys"] == 4
    for table in ("customers", "events", "feedback"):
        assert report.counts[table] > 0


def test_cli_validate_sample_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", str(SAMPLE)])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert ": OK — 4 journeys, " in out.splitlines()[-1]


def test_sample_loads_with_contract_dtypes() -> None:
    ws = cjwork.load(SAMPLE)
    assert ws.journeys.journey_ids == ["purchase", "onboarding", "service", "cancellation"]
    ev, fb = ws.events, ws.feedback
    assert str(ev["timestamp"].dtype) == "datetime64[us, UTC]"
    assert isinstance(ev["touchpoint"].dtype, pd.CategoricalDtype)
    assert ev["touchpoint"].notna().all() and ev["journey"].notna().all()
    assert ev["customer_id"].dtype == "str" and fb["text"].dtype == "str"
    assert ev["wait_s"].dtype == "float64"
    assert fb["nps"].dtype == "Int64" and fb["rating"].dtype == "Float64"
    assert ws.rejected == {}
