"""The batch's ``manifest.json``: what was run on what, with which software, and how it went.

The manifest is the only report output that carries timestamps and timings; the notebooks
and HTML pages are free of them so that the same inputs give the same reports.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

#: The packages whose versions decide what a report shows.
PACKAGES = (
    "cjwork",
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "scikit-learn",
    "scipy",
    "matplotlib",
    "seaborn",
    "pandera",
    "papermill",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
    "jupyter_client",
)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk_size), b""):
            h.update(block)
    return h.hexdigest()


def input_files(data_dir: str | Path, files: dict[str, Path] | None = None) -> dict[str, Path]:
    """The input files of a workspace: ``journeys.yml`` plus the tables that were read, by name."""
    data_dir = Path(data_dir)
    found = {"journeys.yml": data_dir / "journeys.yml"}
    for path in (files or {}).values():
        p = Path(path)
        found[p.name if p.parent.resolve() == data_dir.resolve() else str(p)] = p
    return dict(sorted(found.items()))


def file_hashes(files: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """``{name: {"sha256": ..., "bytes": ...}}`` for each existing file."""
    return {
        name: {"sha256": sha256_file(p), "bytes": Path(p).stat().st_size}
        for name, p in sorted(files.items())
        if Path(p).is_file()
    }


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that shape a report (``None`` when absent), plus Python."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, str]:
    """Interpreter and platform the batch ran on."""
    return {"executable": sys.executable, "platform": platform.platform()}


def dumps(manifest: dict[str, Any]) -> str:
    """The manifest as stable, readable JSON (sorted keys, two-space indent, final newline)."""
    return (
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


def write_manifest(manifest: dict[str, Any], path: str | Path, inputs: Any = None) -> Path:
    """Write ``manifest.json`` atomically (temporary file, then :func:`os.replace`)."""
    from cjwork.io.writing import write_text_atomic

    return write_text_atomic(dumps(manifest), path, inputs=inputs)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a ``manifest.json``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
