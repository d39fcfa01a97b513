"""Build hook: a wheel carries the report template and the notebooks as package data.

The source tree keeps them at the top (``templates/``, ``notebooks/``, as the design asks),
where an editable install (``pip install -e .``, what the README's commands use) finds them.
A regular wheel has no source tree, so ``build_py`` copies them into
``cjwork/resources/templates`` and ``cjwork/resources/notebooks`` inside the wheel, where
:func:`cjwork.reports.html.templates_dir` and :func:`cjwork.reports.runner.default_notebook`
look next. Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: source folder -> folder under the package in the wheel, and the files to take
BUNDLED = {
    "templates": ("resources/templates", ["cjwork_report/**/*", "journeys.yml"]),
    "notebooks": ("resources/notebooks", ["*.ipynb"]),
}


def copy_bundled(build_lib: Path, root: Path = ROOT) -> list[Path]:
    """Copy the templates and notebooks into ``build_lib/cjwork/resources``; return the files."""
    written = []
    for src_name, (dest_name, patterns) in BUNDLED.items():
        src, dest = root / src_name, build_lib / "cjwork" / dest_name
        for pattern in patterns:
            for f in sorted(src.glob(pattern)):
                if f.is_file() and ".ipynb_checkpoints" not in f.parts:
                    target = dest / f.relative_to(src)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, target)
                    written.append(target)
    return written


class BuildWithBundled(build_py):
    """``build_py`` plus the templates and notebooks (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            copy_bundled(Path(self.build_lib))


if __name__ == "__main__":  # setuptools runs this file as a script; tests import copy_bundled
    setup(cmdclass={"build_py": BuildWithBundled})
