"""The story in a browser: one German report of the sample with a bilingual map, checked in
headless Chromium — no English words but data values, the summary on printed page 1, tables
that sort and filter offline, no overlapping labels in the figures — plus the batch's
index.html. (One papermill run for the module; the same style as tests/test_reports_html.py.)"""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from story_bilingual import bilingual_sample

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

#: English words that cannot be German (the check ignores data values the map or the
#: customers give only in English: comments in quotes, owners, the footer's parameters)
ENGLISH_ONLY = set(
    """the and of with when from drops rises rose fell customers customer comments comment
    runs needs about still uncertain negative positive waiting handling resolved first bill
    order report compared month week quarter completed missing rows persona's travels
    differs leaves rates notable significant change changes period whole volume completion
    trends priorities owners owner action actions what matters most how doing key figures
    pains delights share within above below target than between for per-touchpoint
    contacts contact events data written strongest finding journey's touchpoint's
    sentiment's stage stages average typical worst best mean yes no none only""".split()
)
#: German words that look English (and established terms used in German reports)
ALLOWED = {"Moment of Truth", "Moments of Truth", "Quick Win", "Quick Wins", "Cohen's d"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "footer", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "footer", "title") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "headless Chromium is needed: `make chromium` installs Debian's chromium package"
    return path


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory):
    """The sample's service report in German, from a map with German and English names."""
    from cjwork.cli import main

    data = bilingual_sample(tmp_path_factory.mktemp("bilingual"))
    out = tmp_path_factory.mktemp("reports-de")
    with pytest.raises(SystemExit) as done:
        main(
            ["report", str(data), "--journey", "service", "--language", "de", "-o", str(out)]
            + ["--no-progress"]
        )
    assert done.value.code == 0
    return out


def test_german_report_has_no_english_words_but_data_values(german: Path) -> None:
    page = (german / "service.html").read_text(encoding="utf-8")
    parser = _Text()
    parser.feed(page)
    text = " ".join(" ".join(parser.parts).split())
    text = re.sub(r"“[^”]*”", " ", text)  # customers' comments (data, in either language)
    for owner in ("Customer Service", "Digital Services", "Customer Experience", "Billing"):
        text = text.replace(owner, " ")  # owners: the map gives them only in English
    text = text.replace("Field Service", " ").replace("Retail Sales", " ").replace("Pricing", " ")
    for term in ALLOWED:
        text = text.replace(term, " ")
    text = re.sub(r"\b\w+_\w+\b", " ", text)  # ids and column names (customer_id, wait_s)
    columns = set()
    for name in ("events.csv", "feedback.csv", "customers.csv"):
        with open(german.parent / "bilingual0" / name, encoding="utf-8") as fh:
            columns |= set(fh.readline().strip().split(","))
    text = " ".join(w for w in text.split() if w not in columns)  # column names of the data
    found = sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'’]+", text) if w in ENGLISH_ONLY})
    assert not found, f"English words in the German report: {found}"
    # German names from the bilingual map, German dates and numbers
    assert "Servicehotline" in text and "Wartezeit" in text
    assert "August 2026" in text and re.search(r"\d\d\.\d\d\.\d{4}", text)
    assert "Service hotline" not in text


def test_batch_writes_an_index_page(german: Path) -> None:
    index = (german / "index.html").read_text(encoding="utf-8")
    assert 'href="service.html"' in index
    assert "Verantwortlich" in index and "Customer Service" in index
    assert "erstellt" in index and "<script" not in index


def test_summary_is_on_printed_page_1_and_tables_sort_and_filter(german: Path) -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    html_path = german / "service.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_path.as_uri())
        assert not errors
        assert all(u.startswith(("file:", "data:")) for u in requests), requests
        # the summary stands alone on the first screen of a laptop (1366 × 768)
        summary = page.locator(".cjwork-summary").bounding_box()
        assert summary is not None and summary["y"] + summary["height"] <= 768
        # tables: a filter box where there are rows to filter, sorting by a click
        tables = page.locator("table.cjwork-table")
        assert tables.count() >= 5
        # the first table with a filter box and a numeric column
        idx = page.evaluate(
            """() => Array.from(document.querySelectorAll('table.cjwork-table')).findIndex(t =>
                t.previousElementSibling && t.previousElementSibling.classList.contains('cj-filter')
                && t.tBodies[0].rows[0].querySelector('td.num'))"""
        )
        assert idx >= 0
        table = tables.nth(idx)
        box = table.locator("xpath=preceding-sibling::div[contains(@class,'cj-filter')][1]/input")
        assert box.count() == 1
        rows = table.locator("tbody tr")
        n = rows.count()
        first_cell = rows.nth(0).locator("td").first.inner_text()
        box.fill(first_cell)
        visible = table.locator("tbody tr:not([hidden])").count()
        assert 1 <= visible < n
        box.fill("")
        assert table.locator("tbody tr:not([hidden])").count() == n
        # sort a numeric column both ways
        heads = table.locator("thead th")
        col = table.evaluate(
            "t => Array.from(t.tBodies[0].rows[0].cells).findIndex(c => c.classList.contains('num'))"
        )
        heads.nth(col).click()
        assert heads.nth(col).get_attribute("aria-sort") == "ascending"
        values = table.evaluate(
            "(t, c) => Array.from(t.tBodies[0].rows).map(r => r.cells[c].textContent.trim())",
            col,
        )

        def num(s: str) -> float:
            s = s.replace(".", "").replace(",", ".").replace("%", "").replace("\u2212", "-")
            try:
                return float(s.split()[0])
            except (ValueError, IndexError):
                return float("inf")

        nums = [num(v) for v in values]
        finite = [v for v in nums if v != float("inf")]
        assert finite == sorted(finite)
        heads.nth(col).click()
        assert heads.nth(col).get_attribute("aria-sort") == "descending"
        # print: page 1 holds the title and the whole summary, no table of contents
        pdf = german / "service.pdf"
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True)
        browser.close()
    first = PdfReader(str(pdf)).pages[0].extract_text()
    flat = " ".join(first.split())
    assert "Rheinstrom Energie AG" in flat and "Zusammenfassung" in flat
    assert "was am meisten zählt" in flat.lower() and "Verantwortlich" in flat
    assert "Wartezeit" in flat and "Sortiert nach Effekt" in flat  # the summary's last line
    assert "Inhalt" not in flat.split("Zusammenfassung")[0]  # no contents page first


def _glyphs_overlap(a: list, b: list, tolerance: float = 1.0) -> bool:
    """Whether any character box of one label overlaps one of the other's by more than
    ``tolerance`` pixels in both directions."""
    for x0, y0, w0, h0 in a:
        for x1, y1, w1, h1 in b:
            w = min(x0 + w0, x1 + w1) - max(x0, x1)
            h = min(y0 + h0, y1 + h1) - max(y0, y1)
            if w > tolerance and h > tolerance:
                return True
    return False


def _svg_figures(page_html: str) -> list[str]:
    """Every figure of a report: SVG images and inline SVG (the charts with hover)."""
    images = [
        base64.b64decode(b).decode("utf-8")
        for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page_html)
    ]
    return images + re.findall(r"<svg\b.*?</svg>", page_html, flags=re.S)


def test_priority_matrix_has_a_tooltip_per_touchpoint(german: Path) -> None:
    page = (german / "service.html").read_text(encoding="utf-8")
    inline = re.findall(r'<figure class="cjwork-figure">(.*?)</figure>', page, flags=re.S)
    assert len(inline) == 1 and 'role="img"' in inline[0]
    titles = re.findall(r"<title>([^<]+)</title>", inline[0])
    assert len(titles) >= 10
    assert any(t.startswith("Servicehotline (Customer Service) — Leistung") for t in titles)


def test_no_overlapping_labels_in_the_figures(german: Path) -> None:
    """Every text of every figure, measured in Chromium: no two labels overlap."""
    from playwright.sync_api import sync_playwright

    figures = _svg_figures((german / "service.html").read_text(encoding="utf-8"))
    assert figures
    overlaps = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        for k, svg in enumerate(figures):
            page.set_content(svg)
            # every label's glyphs (a label is a g#text_N; its characters are <use>
            # elements): rotated labels are measured by their characters, not their frame
            items = page.evaluate(
                """() => Array.from(document.querySelectorAll('g[id^="text_"]'))
                    .filter(g => !g.parentElement.closest('g[id^="text_"]'))
                    .map(g => { const c = g.innerHTML.match(/<!-- (.*?) -->/);
                        const r = Array.from(g.querySelectorAll('use')).map(u => {
                            const b = u.getBoundingClientRect();
                            return [b.x, b.y, b.width, b.height]; })
                          .filter(b => b[2] > 0 && b[3] > 0);
                        return [c ? c[1] : g.id, r]; })"""
            )
            for i in range(len(items)):
                for j in range(i + 1, len(items)):
                    if _glyphs_overlap(items[i][1], items[j][1]):
                        overlaps.append((k, items[i][0], items[j][0]))
        browser.close()
    assert not overlaps, overlaps
