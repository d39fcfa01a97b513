"""The batch runner: refusing bad outputs, the manifest, atomic writes, failures that stay
local to one journey, retry on kernel death, timeouts — on a tiny workspace and a small
stand-in notebook (the real report notebook is exercised in test_reports_html.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cjwork.cli import main
from cjwork.errors import UsageError
from cjwork.reports import manifest as mf
from cjwork.reports.params import DEFAULTS, parse_cli_params, validate_params
from cjwork.reports.runner import check_output_dir, run_reports

PARAMS_CELL = "\n".join(f"{k} = {v!r}" for k, v in DEFAULTS.items())


def stand_in_notebook(path: Path) -> Path:
    """A quick notebook with the report's parameters: 'service' fails on purpose; with
    CJWORK_TEST_DIE_ONCE set, onboarding's kernel dies on the first attempt; with
    CJWORK_TEST_SLEEP set, 'service' sleeps that long."""
    nb = new_notebook(
        cells=[
            new_code_cell(PARAMS_CELL, metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os, time\n"
                "marker = os.environ.get('CJWORK_TEST_DIE_ONCE')\n"
                "if marker and journey == 'onboarding' and not os.path.exists(marker):\n"
                "    open(marker, 'w').close()\n"
                "    os._exit(1)\n"
                "if os.environ.get('CJWORK_TEST_SLEEP') and journey == 'service':\n"
                "    time.sleep(float(os.environ['CJWORK_TEST_SLEEP']))"
            ),
            new_code_cell(
                "if journey == 'service' and not os.environ.get('CJWORK_TEST_SLEEP'):\n"
                "    raise ValueError('service is broken on purpose')"
            ),
            new_code_cell(
                "from cjwork.reports.notebook import record, show_html\n"
                "show_html('<h2 id=\"Section\">Section</h2><p>' + journey + '</p>')\n"
                "record('answer', {'journey': journey, 'seed': seed})"
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def data(tiny_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_dir, tmp_path / "data"))


# --------------------------------------------------------------------------- fast checks


def test_refuses_output_in_or_equal_to_the_data_dir(data: Path) -> None:
    with pytest.raises(UsageError, match="into the data directory"):
        check_output_dir(data, data)
    with pytest.raises(UsageError, match="inside the data directory"):
        check_output_dir(data / "reports", data)
    with pytest.raises(UsageError, match="holds the input"):
        check_output_dir(data.parent, data, [data.parent / "journey_report.ipynb"])
    check_output_dir(data.parent / "out", data)  # a sibling is fine


def test_cli_refuses_to_write_over_inputs_before_any_kernel(
    data: Path, capsys: pytest.CaptureFixture
) -> None:
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    with pytest.raises(SystemExit) as exc:
        main(["report", str(data), "--all", "-o", str(data), "--no-progress"])
    assert exc.value.code == 2
    assert "data directory" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--journey ID"),
        (["--all", "--journey", "service"], "either"),
        (["--all", "-p", "colour", "red"], "unknown report parameter 'colour'"),
        (["--all", "-p", "period", "day"], "period must be one of"),
        (["--all", "-p", "journey", "x"], "set by the runner"),
    ],
)
def test_cli_usage_errors_exit_2(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture, args: list, message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", str(data), "-o", str(tmp_path / "out"), "--no-progress", *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_data_stops_before_any_kernel(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (data / "events.csv").write_text("customer_id,timestamp\nC001,2025-01-01\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(data), "--all", "-o", str(tmp_path / "out"), "--no-progress"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "events.csv" in err and "journey" in err
    assert not (tmp_path / "out").exists()


def test_validate_params_names_the_problem(data: Path) -> None:
    with pytest.raises(UsageError, match="known journeys: onboarding, service"):
        validate_params(data_dir=data, journey="nope")
    with pytest.raises(UsageError, match="n_personas must be 'auto' or an int >= 2, got 1"):
        validate_params(data_dir=data, journey="service", n_personas=1)
    with pytest.raises(UsageError, match="language"):
        validate_params(data_dir=data, journey="service", language="fr")
    with pytest.raises(UsageError, match="is not a directory"):
        validate_params(data_dir=data / "missing", journey="service")
    p = validate_params(data_dir=data, journey="service", period="week", n_personas=4, seed=7)
    assert (p.period, p.n_personas, p.seed, p.data_dir) == ("week", 4, 7, data.resolve())
    assert parse_cli_params([("seed", "7"), ("lenient", "true"), ("n_personas", "auto")]) == {
        "seed": 7,
        "lenient": True,
        "n_personas": "auto",
    }


def test_notebook_parameters_cell_matches_the_defaults() -> None:
    nb = nbformat.read(
        Path(__file__).parents[1] / "notebooks" / "journey_report.ipynb", as_version=4
    )
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    ns: dict = {}
    exec(tagged[0].source, ns)
    assert {k: ns[k] for k in DEFAULTS} == DEFAULTS
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "store the notebook without outputs"
    )


def test_manifest_helpers_hash_and_write_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(b"a,b\n1,2\n")
    assert mf.sha256_file(f) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    target = tmp_path / "manifest.json"
    mf.write_manifest({"b": 1, "a": [1, 2]}, target)
    assert target.read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    # a failing write leaves the old manifest and no temporary file behind
    import cjwork.io.writing as writing

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writing.os, "replace", boom)
    with pytest.raises(OSError):
        mf.write_manifest({"c": 3}, target)
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "x.csv"]
    with pytest.raises(UsageError, match="input"):
        mf.write_manifest({"c": 3}, f, inputs=[f])


# --------------------------------------------------------------------------- batches (kernels)


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_one_broken_journey_never_stops_the_others(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = stand_in_notebook(tmp_path / "stand_in.ipynb")
    monkeypatch.setenv("CJWORK_TEST_DIE_ONCE", str(tmp_path / "died-once"))
    out = tmp_path / "out"
    result = run_reports(
        data, None, out, jobs=2, params={"seed": 7}, notebook=notebook, progress=False
    )

    assert result.exit_code == 1
    by = {r.journey: r for r in result.results}
    # onboarding: its kernel died once, the retry succeeded
    assert by["onboarding"].outcome == "ok" and by["onboarding"].attempts == 2
    assert (out / "onboarding.html").is_file() and (out / "onboarding.ipynb").is_file()
    assert by["onboarding"].records == {"answer": {"journey": "onboarding", "seed": 7}}
    # service: failed, named with its reason, its executed notebook kept with the failing cell
    assert by["service"].outcome == "failed" and by["service"].attempts == 1
    assert "ValueError: service is broken on purpose" in by["service"].reason
    assert not (out / "service.html").exists()
    kept = nbformat.read(out / "service.ipynb", as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "service is broken on purpose"
    summary = result.summary()
    assert "service" in summary and "FAILED" in summary and "broken on purpose" in summary

    m = json.loads((out / "manifest.json").read_text())
    assert m["journeys"]["service"]["outcome"] == "failed"
    assert m["journeys"]["onboarding"]["attempts"] == 2
    assert m["outcome"] == {"ok": 1, "failed": 1}
    assert m["parameters"]["seed"] == 7 and m["parameters"]["period"] == "month"
    for name in ("journeys.yml", "customers.csv", "events.csv", "feedback.csv"):
        assert m["inputs"][name]["sha256"] == hashlib.sha256((data / name).read_bytes()).hexdigest()
    assert m["journeys_yml_sha256"] == m["inputs"]["journeys.yml"]["sha256"]
    assert m["packages"]["pandas"] and m["packages"]["papermill"] and m["packages"]["python"]
    assert m["journeys"]["onboarding"]["execute_s"] > 0
    # atomic writes leave no temporary files; inputs untouched
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "onboarding.html",
        "onboarding.ipynb",
        "service.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_a_journey_over_its_time_limit_is_stopped(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = stand_in_notebook(tmp_path / "stand_in.ipynb")
    monkeypatch.setenv("CJWORK_TEST_SLEEP", "300")
    out = tmp_path / "out"
    result = run_reports(
        data, ["service"], out, jobs=1, timeout=25, notebook=notebook, progress=False
    )
    (r,) = result.results
    assert r.outcome == "timeout" and result.exit_code == 1
    assert "time limit of 25 s" in r.reason
    assert r.duration_s < 60
    assert (out / "service.ipynb").is_file()  # the partial notebook is kept


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_kernel_is_the_running_environment_whatever_kernelspecs_say(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 'python3' kernelspec pointing at another interpreter (as a user-level spec can) must
    not be used: reports run on the interpreter cjwork runs in."""
    import sys

    broken = tmp_path / "jupyter" / "kernels" / "python3"
    broken.mkdir(parents=True)
    (broken / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "Broken",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    nb = new_notebook(
        cells=[
            new_code_cell(PARAMS_CELL, metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import sys\nfrom cjwork.reports.notebook import record\nrecord('python', sys.executable)"
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, tmp_path / "which.ipynb")
    result = run_reports(
        data,
        ["service"],
        tmp_path / "out",
        jobs=1,
        notebook=tmp_path / "which.ipynb",
        progress=False,
    )
    assert result.exit_code == 0, result.summary()
    assert Path(result.results[0].records["python"]).resolve() == Path(sys.executable).resolve()


def test_kernels_wait_for_the_shared_cache_only_while_someone_fills_it(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from cjwork.reports import shared

    cache = tmp_path / "cache"
    assert shared.wait_for_cache(None) is False
    assert shared.wait_for_cache(cache) is False  # no directory: compute
    cache.mkdir()
    assert shared.wait_for_cache(cache) is True  # nobody fills it: use what is there
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (cache / shared.PREPARING).write_text(done.stdout.strip())
    assert shared.wait_for_cache(cache) is True  # the filling process is gone
    (cache / shared.PREPARING).write_text(str(os.getpid()))
    (cache / shared.FAILED).write_text("boom")
    assert shared.wait_for_cache(cache) is False
    (cache / shared.FAILED).unlink()
    (cache / shared.READY).write_text("")
    assert shared.wait_for_cache(cache) is True
