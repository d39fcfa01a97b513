"""The real report on the bundled sample: every journey's HTML, standalone and without code,
opened in headless Chromium (no console errors, every section present, a screenshot), no
planted PII in any page, and the same inputs giving the same report twice."""

from __future__ import annotations

import copy
import csv
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from cjwork.journeymap import load_journey_map
from cjwork.reports.html import headings
from cjwork.reports.runner import BatchResult, run_reports

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SCREENSHOTS = ROOT / "test-output" / "reports"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Sections every journey report has (others are found in the executed notebook itself).
MINIMUM_SECTIONS = [
    "Executive summary",
    "Journey overview",
    "Stages and touchpoints",
    "Volumes",
    "Data quality",
]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> BatchResult:
    """Every sample journey's report, run once for the module (2 jobs)."""
    out = tmp_path_factory.mktemp("sample-reports")
    return run_reports(SAMPLE, None, out, jobs=2, progress=False)


def _notebook_headings(path: Path) -> list[str]:
    """The h2/h3 headings the executed notebook shows (markdown cells and markdown outputs)."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if "remove_cell" in cell.metadata.get("tags", []):
            continue
        sources = (
            [cell.source]
            if cell.cell_type == "markdown"
            else [o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])]
        )
        for src in sources:
            texts += [m.group(2).strip() for m in re.finditer(r"^(##|###) (.+)$", src, flags=re.M)]
    return texts


def test_every_sample_journey_gets_a_report(batch: BatchResult) -> None:
    journeys = load_journey_map(SAMPLE / "journeys.yml").journey_ids
    assert batch.exit_code == 0, batch.summary()
    assert [r.journey for r in batch.results] == journeys
    for j in journeys:
        assert (batch.out_dir / f"{j}.html").stat().st_size > 10_000
        assert (batch.out_dir / f"{j}.ipynb").is_file()
        assert batch.manifest["journeys"][j]["outcome"] == "ok"
        figures = {r["figure"]: r for r in batch.manifest["journeys"][j]["records"]["key_figures"]}
        assert figures["events"]["total"] > 0 and figures["customers"]["total"] > 0


def test_html_stands_alone_without_code(batch: BatchResult) -> None:
    jm = load_journey_map(SAMPLE / "journeys.yml")
    for r in batch.results:
        page = Path(r.html).read_text(encoding="utf-8")
        # one script, the report's own table sorting/filtering, inline; nothing to fetch
        assert page.count("<script") == 1 and "cjwork report tables" in page
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
        assert "@import" not in page
        assert "report.show_" not in page and "validate_params" not in page  # no code
        assert "recorded key_figures" not in page  # records are for the runner
        title = f"{jm.company} — {jm.journey(r.journey).name}"
        assert f"<title>{title}</title>" in page
        ids = {ident for _, ident, _ in headings(page)}
        toc = re.search(r"<nav[^>]*cj-toc[^>]*>.*?</nav>", page, flags=re.S).group(0)
        links = [html.unescape(link) for link in re.findall(r'href="#([^"]+)"', toc)]
        assert links and set(links) <= ids
        assert "<svg" in page or "data:image/" in page  # figures embedded


def test_no_planted_pii_in_any_report(batch: BatchResult) -> None:
    truth = {
        r["feedback_id"]: r
        for r in csv.DictReader(open(SAMPLE / "truth" / "feedback.csv", encoding="utf-8"))
    }
    texts = {
        r["feedback_id"]: r["text"]
        for r in csv.DictReader(open(SAMPLE / "feedback.csv", encoding="utf-8-sig"))
    }
    patterns = [
        r"[\w.+-]+@[\w-]+\.[\w.]+",  # e-mail
        r"\bDE\d{2}(?: ?\d{4}){4} ?\d{2}\b",  # IBAN
        r"\+?\d[\d ()/-]{7,}\d",  # phone
        r"\b(?:Herr|Frau|Mr\.?|Ms\.?|Mrs\.?) [A-ZÄÖÜ][\wäöüß-]+",  # a name after a title
    ]
    planted = set()
    for fid, row in truth.items():
        if row["has_pii"].lower() == "true":
            for pat in patterns:
                planted |= {m.strip() for m in re.findall(pat, texts[fid])}
    assert len(planted) >= 10, "the sample should plant PII"
    for r in batch.results:
        page = Path(r.html).read_text(encoding="utf-8")
        leaked = sorted(p for p in planted if p in page)
        assert not leaked, f"{r.journey}.html shows PII: {leaked[:5]}"


def _normalised(path: Path) -> nbformat.NotebookNode:
    """The executed notebook without what legitimately varies (timings, papermill metadata)."""
    nb = copy.deepcopy(nbformat.read(path, as_version=4))
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:  # the batch's private cache directory is a temporary path
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(
                ln for ln in cell.source.splitlines() if not ln.startswith("cache_dir")
            )
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def test_same_inputs_give_the_same_report(batch: BatchResult, tmp_path: Path) -> None:
    again = run_reports(SAMPLE, ["onboarding"], tmp_path / "again", jobs=1, progress=False)
    assert again.exit_code == 0, again.summary()
    first, second = (
        _normalised(batch.out_dir / "onboarding.ipynb"),
        _normalised(tmp_path / "again" / "onboarding.ipynb"),
    )
    for a, b in zip(first.cells, second.cells, strict=True):
        assert a.get("outputs") == b.get("outputs"), f"cell differs:\n{a.source}"
    assert first == second
    first_html = (batch.out_dir / "onboarding.html").read_bytes()
    assert first_html == (tmp_path / "again" / "onboarding.html").read_bytes()
    assert (
        batch.manifest["journeys"]["onboarding"]["records"]
        == again.manifest["journeys"]["onboarding"]["records"]
    )


@pytest.mark.browser
def test_reports_render_in_headless_chromium(batch: BatchResult, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, (
        "headless Chromium is needed: `make chromium` installs Debian's chromium package"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1366, "height": 900},
        )
        try:
            for r in batch.results:
                page = browser.new_page()
                problems: list[str] = []
                page.on(
                    "console",
                    lambda m, bad=problems: (
                        m.type in ("error", "warning") and bad.append(f"{m.type}: {m.text}")
                    ),
                )
                page.on("pageerror", lambda e, bad=problems: bad.append(f"pageerror: {e}"))
                page.on(
                    "requestfailed", lambda q, bad=problems: bad.append(f"request failed: {q.url}")
                )
                requests: list[str] = []
                page.on("request", lambda q, seen=requests: seen.append(q.url))
                page.goto(Path(r.html).as_uri(), wait_until="load")
                shown = [t.strip() for t in page.locator("main h2, main h3").all_inner_texts()]
                expected = set(MINIMUM_SECTIONS) | set(
                    _notebook_headings(batch.out_dir / f"{r.journey}.ipynb")
                )
                missing = sorted(expected - set(shown))
                assert not missing, f"{r.journey}: sections missing in the page: {missing}"
                assert page.locator("nav.cj-toc a").count() >= len(MINIMUM_SECTIONS)
                assert (
                    page.locator("main h1")
                    .first.inner_text()
                    .endswith(load_journey_map(SAMPLE / "journeys.yml").journey(r.journey).name)
                )
                assert all(u.startswith(("file:", "data:")) for u in requests), requests
                assert not problems, f"{r.journey}: {problems}"
                page.screenshot(path=str(SCREENSHOTS / f"{r.journey}.png"), full_page=True)
                page.emulate_media(media="print")
                page.screenshot(path=str(SCREENSHOTS / f"{r.journey}-print.png"), full_page=False)
                page.close()
        finally:
            browser.close()
    assert sorted(p.name for p in SCREENSHOTS.glob("*.png") if "-print" not in p.name) >= sorted(
        f"{r.journey}.png" for r in batch.results
    )


def test_report_numbers_agree_with_cjwork_analyze(batch: BatchResult, tmp_path: Path) -> None:
    """One computation, two outputs: the tables each report records equal `cjwork analyze`'s files."""
    import pandas as pd

    from cjwork.cli import main

    out = tmp_path / "analysis"
    with pytest.raises(SystemExit) as done:
        main(["analyze", str(SAMPLE), "--all", "-o", str(out)])
    assert done.value.code == 0
    tables = {
        name: pd.read_csv(out / f"{name}.csv")
        for name in ("funnel", "variants", "touchpoints", "trends")
    }

    def of(name: str, journey: str, columns: list[str]) -> pd.DataFrame:
        df = tables[name]
        return df.loc[df["journey"] == journey, columns].reset_index(drop=True)

    checked = 0
    for result in batch.results:
        if result.kind != "journey":
            continue
        assert result.ok, result.reason
        rec = result.records
        j = result.journey
        funnel_cols = ["stage", "reached", "share_of_start", "dropoff"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(rec["funnel"])[funnel_cols],
            of("funnel", j, funnel_cols),
            check_dtype=False,
        )
        variant_cols = ["variant", "cases", "share", "completion_rate"]
        shown = pd.DataFrame(rec["top_variants"])[variant_cols]
        pd.testing.assert_frame_equal(
            shown, of("variants", j, variant_cols).head(len(shown)), check_dtype=False
        )
        tp_cols = ["touchpoint", "category", "moment_of_truth", "quick_win"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(rec["touchpoint_categories"])[tp_cols],
            of("touchpoints", j, tp_cols),
            check_dtype=False,
        )
        trends = of("trends", j, ["period", "touchpoint", "significant_change"])
        flagged = trends[trends["significant_change"].astype(bool)]
        shown_flags = {(str(f["period"])[:7], f["touchpoint"] or "") for f in rec["trend_flags"]}
        assert shown_flags == {
            (str(p)[:7], "" if pd.isna(t) else t)
            for p, t in zip(flagged["period"], flagged["touchpoint"], strict=True)
        }
        checked += 1
    assert checked == len(load_journey_map(SAMPLE / "journeys.yml").journeys)
