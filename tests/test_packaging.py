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


def _copy_source(dest: Path) -> None:
    """The files a wheel is built from (no .venv, caches or generated data)."""
    import shutil

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    for name in ("cjwork", "templates", "notebooks"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copyfile(ROOT / name, dest / name)


def test_wheel_carries_the_report_template_and_notebooks(tmp_path):
    """A regular (non-editable) install finds the template and the report notebook."""
    import os
    import subprocess
    import sys
    import zipfile

    src, out = tmp_path / "src", tmp_path / "dist"
    src.mkdir()
    _copy_source(src)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--no-index", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("cjwork-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"cjwork/resources/notebooks/{nb.name}" in names
    assert "cjwork/resources/templates/cjwork_report/index.html.j2" in names
    assert "cjwork/resources/templates/journeys.yml" in names
    assert "cjwork/resources/sample/journeys.yml" in names  # package data as before
    for name in ("de", "en", "common"):  # the sample's feedback phrases
        assert f"cjwork/resources/sample/feedback/{name}.yml" in names
    # unpacked without the source tree, the package looks in its resources
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import cjwork.reports.html as h, cjwork.reports.runner as r;"
        "print(h.templates_dir()); print(r.default_notebook())"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert found == [
        str(site / "cjwork" / "resources" / "templates"),
        str(site / "cjwork" / "resources" / "notebooks" / "journey_report.ipynb"),
    ]


def test_setup_copies_every_notebook_and_template_file(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("cjwork_setup", ROOT / "setup.py")
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)  # guarded: importing it does not run setup()
    written = {p.relative_to(tmp_path).as_posix() for p in setup.copy_bundled(tmp_path)}
    expected = {
        f"cjwork/resources/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")
    } | {
        "cjwork/resources/templates/" + p.relative_to(ROOT / "templates").as_posix()
        for p in (ROOT / "templates").rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }
    assert written == expected
