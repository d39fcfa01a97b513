"""The packaging promises: pyproject.toml is the single source of dependencies,
environment.yml installs from it, and the README's two commands exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_installs_the_package_from_pyproject_only():
    env = _environment()
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    names = {re.split(r"[=<>\s]", d)[0] for d in conda_deps}
    assert names == {"python", "pip"}, (
        f"environment.yml lists packages besides python/pip: {conda_deps}"
    )
    assert pip_sections == [["-e .[dev]"]], (
        "environment.yml must install cjwork (with [dev]) through pip"
    )


def test_environment_python_satisfies_requires_python():
    env = _environment()
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = tuple(int(p) for p in python.split("=")[1].split("."))
    minimum = _pyproject()["project"]["requires-python"].removeprefix(">=")
    assert version >= tuple(int(p) for p in minimum.split("."))


def test_pyproject_declares_the_design_card_packages():
    deps = " ".join(
        _pyproject()["project"]["dependencies"]
        + _pyproject()["project"]["optional-dependencies"]["dev"]
    )
    for package in (
        "jupyterlab",
        "ipywidgets",
        "pandas",
        "scikit-learn",
        "seaborn",
        "papermill",
        "nbval",
    ):
        assert re.search(rf"(^|\s|\"){re.escape(package)}\b", deps) or package in deps, package


def test_console_script_points_at_the_cli():
    assert _pyproject()["project"]["scripts"]["cjwork"] == "cjwork.cli:main"


def test_readme_opens_with_the_two_commands_and_ci_calls_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make reports" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_installed_version_matches_the_package():
    from importlib.metadata import version

    import cjwork

    assert version("cjwork") == cjwork.__version__


def test_ruff_clean():
    """`ruff check` and `ruff format --check` pass on the package, tests and benchmarks."""
    import shutil
    import subprocess
    import sys

    ruff = Path(sys.executable).with_name("ruff")
    ruff_cmd = str(ruff) if ruff.exists() else shutil.which("ruff")
    assert ruff_cmd, "ruff is not installed (it is in the [dev] extra)"
    for args in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [ruff_cmd, *args, "cjwork", "tests", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"ruff {' '.join(args)}:\n{done.stdout}{done.stderr}"
