"""A bilingual copy of the sample workspace for the German report tests: every name of
data/sample/journeys.yml becomes ``{de: …, en: …}`` (German names from
tests/data/sample_names_de.yml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NAMES_DE = Path(__file__).resolve().parent / "data" / "sample_names_de.yml"


def bilingual_map(text: str) -> str:
    """The sample map's YAML with every name as ``{de: …, en: …}``."""
    de = yaml.safe_load(NAMES_DE.read_text(encoding="utf-8"))
    doc = yaml.safe_load(text)
    for j in doc["journeys"]:
        j["name"] = {"de": de["journeys"][j["id"]], "en": j["name"]}
        for s in j["stages"]:
            s["name"] = {"de": de["stages"][s["id"]], "en": s["name"]}
            for t in s["touchpoints"]:
                t["name"] = {"de": de["touchpoints"][t["id"]], "en": t["name"]}
                for metric, spec in (t.get("kpis") or {}).items():
                    if "name" in spec:
                        spec["name"] = {"de": de["metrics"][metric], "en": spec["name"]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def bilingual_sample(dest: Path) -> Path:
    """Copy the sample workspace to ``dest`` with a bilingual journeys.yml; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("customers.csv", "events.csv", "feedback.csv"):
        shutil.copy(SAMPLE / name, dest / name)
    text = (SAMPLE / "journeys.yml").read_text(encoding="utf-8")
    (dest / "journeys.yml").write_text(bilingual_map(text), encoding="utf-8")
    return dest
