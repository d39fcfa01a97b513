"""Reports with hostile or careless input (issue 17, the report side).

* script payloads in every name, owner and feedback text: shown as text, never run (static
  check of the HTML and headless Chromium), and a Content-Security-Policy that blocks a
  script even if one got through;
* personal data masked in every quote (report HTML and executed notebook);
* owners whose names give the same file name each get their own report;
* SIGINT/SIGTERM/SIGKILL during ``report``: queued journeys cancelled, workers and kernels
  gone, no temporary folder, a manifest saying what finished;
* one run at a time per output folder, and one run's set in it;
* ``-o FILE`` refused with a message.

One real report (one journey of a 300-customer sample) is run; everything else uses a
quick stand-in notebook.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from cjwork.cli import main
from cjwork.markup import escape_markdown, markdown_to_plain
from cjwork.reports import batch_lock as bl
from cjwork.reports.owners import owner_file_names, owner_slug
from cjwork.reports.params import DEFAULTS, OWNER_DEFAULTS
from cjwork.reports.processes import descendants
from cjwork.reports.runner import run_reports
from cjwork.text.pii import has_pii, mask_pii

ROOT = Path(__file__).resolve().parents[1]
TITLE = "cjwork hostile test"
PAYLOADS = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "<svg onload=\"document.title='pwned'\">",
    "[klick](javascript:document.title='pwned')",
    "<a href='javascript:document.title=\"pwned\"'>x</a>",
    "<iframe srcdoc=\"<script>parent.document.title='pwned'</script>\"></iframe>",
    "**bold** _it_ # head `code` ![img](x.png)",
]

# --------------------------------------------------------------------------- PII masking

MASKED = [
    # names after salutations, any case and script
    ("Frau Łukasiewicz hat angerufen", "Łukasiewicz"),
    ("herr meier war sehr nett", "meier"),
    ("HERR MEIER war sehr nett", "MEIER"),
    ("Mr. O'Neill helped me", "O'Neill"),
    ("Sr. Núñez me ayudó", "Núñez"),
    ("Sra. García llamó", "García"),
    ("Ms Smith was kind", "Smith"),
    ("Mrs. Anna Smith-Jones called", "Smith-Jones"),
    ("Frau Dr. Schulze-Meyer", "Schulze-Meyer"),
    ("Herrn Prof. Dr. Öztürk", "Öztürk"),
    ("Herr von der Heide rief an", "Heide"),
    ("Mme Dupont est gentille", "Dupont"),
    ("Dr.Müller hat geholfen", "Müller"),
    ("Pani Wiśniewska", "Wiśniewska"),
    ("die nette Frau Müller half mir", "Müller"),
    ("Die Frau Meier rief an", "Meier"),
    ("a Mr Smith called", "Smith"),
    ("frau łukasiewicz", "łukasiewicz"),
    # phone numbers
    ("Ruf an: +49 (0) 171 / 234 56 78!", "234 56 78"),
    ("Tel 0049 171 2345678", "2345678"),
    ("call +1 (555) 123-4567 now", "123-4567"),
    ("Handy 0171-2345678", "2345678"),
    ("(0221) 123456 ist die Nummer", "123456"),
    ("+44 20 7946 0958", "7946 0958"),
    ("0171/2345678", "2345678"),
    ("Nummer: 0171.234.5678", "234.5678"),
    # IBANs in any case, with and without spaces
    ("IBAN DE89 3704 0044 0532 0130 00 bitte", "3704 0044"),
    ("iban de89 3704 0044 0532 0130 00", "3704 0044"),
    ("IBAN: DE89370400440532013000.", "370400440532013000"),
    ("GB29 NWBK 6016 1331 9268 19", "NWBK 6016"),
    ("NO93 8601 1117 947 ist mein Konto", "8601 1117"),
    # e-mail addresses
    ("schreib an max.mustermann@example.org bitte", "mustermann@"),
    ("Mail: Jürgen.Groß+tag@beispiel-firma.co.uk", "beispiel-firma"),
]

KEPT = [
    "Frau",
    "Die Frau am Telefon war nett.",
    "meine Frau hat angerufen",
    "unsere Frau vom Service war nett",
    "Die Frau war sehr freundlich",
    "eine Frau unter der Brücke spielt Akkordeon",
    "Mo-Fr zweistündliche Züge",
    "die Tasche der jungen Frau. Sag ihr Bescheid",
    "my wife said the hotline was slow",
    "I miss the old tariff",
    "Die Rechnung über 120 € kam am 12.03.2024.",
    "Abschlag 1.234,56 € statt 98,00 €",
    "Termin am 2024-03-12 14:30 wurde verschoben",
    "Wartezeit 45 Minuten, 3 Anrufe, Vertrag 24 Monate",
    "Zählerstand 12345 kWh",
    "Herr",
    "Dr. who?",
    "Tarif 2025 ist 10 % teurer",
    "ISIN: LU1250154413 und DE0008232125",
    "Entfernung 149 480 000 km, Kosten 1.234.567 €",
    "Rothschild (1743–1812) etablierte",
    "am 31. 12. 2015 um 22:06 Uhr",
]


@pytest.mark.parametrize(("text", "secret"), MASKED)
def test_mask_pii_masks_every_variant(text: str, secret: str) -> None:
    masked = mask_pii(text)
    assert secret not in masked, masked
    assert "[" in masked
    assert has_pii([text]).tolist() == [True]


@pytest.mark.parametrize("text", KEPT)
def test_mask_pii_keeps_ordinary_text(text: str) -> None:
    assert mask_pii(text) == text
    assert has_pii([text]).tolist() == [False]


def test_mask_pii_shapes_and_markers() -> None:
    s = pd.Series(["herr meier", None, 5, "a@b.de"], index=[3, 4, 5, 6], name="text")
    out = mask_pii(s)
    assert out.index.tolist() == [3, 4, 5, 6] and out.name == "text"
    assert out.tolist()[0] == "herr [NAME]" and pd.isna(out.iat[1]) and out.iat[2] == 5
    assert mask_pii(["0171 2345678"], phone="<tel>") == ["<tel>"]
    assert mask_pii("Herr [NAME]") == "Herr [NAME]"  # idempotent


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_markdown_renders_as_itself(payload: str) -> None:
    from nbconvert.filters.markdown import markdown2html  # what the HTML export runs

    rendered = markdown2html(f"**{escape_markdown(payload)}**")
    assert _live(rendered) == []
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert text == " ".join(payload.split())
    assert markdown_to_plain(f"**{escape_markdown(payload)}**") == " ".join(payload.split())


class _LiveParser(HTMLParser):
    """Collect what a browser would run or load from an HTML document."""

    RUN = ("script", "iframe", "object", "embed", "frame", "base", "form", "meta-refresh")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.RUN:
            self.found.append(f"<{tag}>")
        for key, value in attrs:
            value = (value or "").strip().lower()
            if key.lower().startswith("on"):
                self.found.append(f"<{tag} {key}>")
            if key.lower() in ("href", "src", "xlink:href", "action", "formaction", "srcdoc"):
                if value.startswith(("javascript:", "vbscript:", "data:text/html")) or (
                    key == "srcdoc"
                ):
                    self.found.append(f"<{tag} {key}={value[:40]}>")
            if tag == "meta" and key == "http-equiv" and value == "refresh":
                self.found.append("<meta refresh>")


def _live(document: str) -> list[str]:
    """What would run or load, beside the report's own script when the page's CSP allows it
    by its hash (then it is the one script that may run)."""
    from cjwork.reports.html import report_script, script_hash

    own = f"<script>{report_script()}</script>"
    if own in document:
        assert f"'{script_hash(report_script())}'" in document  # allowed by hash, not inline
        document = document.replace(own, "", 1)
    parser = _LiveParser()
    parser.feed(document)
    return parser.found


# --------------------------------------------------------------------------- the real report


PII_TEXTS = [
    "Frau Łukasiewicz rief an",
    "herr meier half",
    "Mr. O'Neill was rude",
    "Sr. Núñez esperó",
    "ruf +49 (0) 171 / 234 56 78 an",
    "Tel 0049 171 2345678",
    "call +1 (555) 123-4567",
    "Handy 0171-2345678",
    "IBAN de89 3704 0044 0532 0130 00",
    "mail max.mustermann@example.org",
]
PII_SECRETS = [
    "Łukasiewicz",
    "meier",
    "O'Neill",
    "Núñez",
    "234 56 78",
    "171 2345678",
    "123-4567",
    "0171-2345678",
    "3704 0044",
    "mustermann@",
]


def _hostile_copy(src: Path, dst: Path) -> Path:
    """``src`` with payloads in company, journey, stage and touchpoint names, owners and
    channels, and payloads plus personal data in every feedback text."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("truth"))
    m = yaml.safe_load((dst / "journeys.yml").read_text(encoding="utf-8"))
    m["company"] = f"ACME {PAYLOADS[0]}"
    for j in m["journeys"]:
        j["name"] = f"{j['name']} {PAYLOADS[1]}"
        j["owner"] = f"Owner {PAYLOADS[2]}"
        for i, st in enumerate(j["stages"]):
            st["name"] = f"Stage{i} {PAYLOADS[i % len(PAYLOADS)]}"
            for k, tp in enumerate(st["touchpoints"]):
                tp["name"] = f"TP{i}{k} {PAYLOADS[(i + k + 1) % len(PAYLOADS)]}"
                tp["owner"] = f"Team{k} {PAYLOADS[(i + k + 2) % len(PAYLOADS)]}"
    (dst / "journeys.yml").write_text(
        yaml.safe_dump(m, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    fb = pd.read_csv(dst / "feedback.csv", dtype=str, keep_default_na=False)
    fb["text"] = [
        f"{PII_TEXTS[i % len(PII_TEXTS)]}: {t} {PAYLOADS[i % len(PAYLOADS)]}"
        for i, t in enumerate(fb["text"])
    ]
    fb.to_csv(dst / "feedback.csv", index=False)
    return dst


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One journey's real report on a hostile copy of a 300-customer sample."""
    base = tmp_path_factory.mktemp("hostile")
    with pytest.raises(SystemExit) as done:
        main(["sample", str(base / "sample"), "--customers", "300", "--no-progress"])
    assert done.value.code == 0
    data = _hostile_copy(base / "sample", base / "data")
    before = _hashes(data)
    result = run_reports(
        data, ["onboarding"], base / "out", jobs=1, params={"n_personas": 2}, progress=False
    )
    assert result.exit_code == 0, result.summary()
    assert _hashes(data) == before  # inputs untouched
    return {"data": data, "out": base / "out", "result": result}


@pytest.mark.slow
def test_no_payload_is_live_in_the_report(hostile_report: dict) -> None:
    out: Path = hostile_report["out"]
    page = (out / "onboarding.html").read_text(encoding="utf-8")
    assert _live(page) == []
    # the payloads are there, as text
    assert "&lt;script&gt;document.title=" in page
    assert "onerror=" in html.unescape(page)
    # the title is escaped too
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    assert "<" not in title and "&lt;script&gt;" in title
    # no raw HTML in the notebook's Markdown outputs either (Jupyter renders them)
    from nbconvert.filters.markdown import markdown2html

    nb = nbformat.read(out / "onboarding.ipynb", as_version=4)
    n_markdown = 0
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md:
                n_markdown += 1
                assert "<script" not in md and "<img" not in md and "<svg" not in md, md[:300]
                assert _live(markdown2html(md)) == [], md[:300]
    assert n_markdown > 5


@pytest.mark.slow
def test_report_has_a_content_security_policy(hostile_report: dict) -> None:
    page = (hostile_report["out"] / "onboarding.html").read_text(encoding="utf-8")
    head = page[: page.index("</head>")]
    meta = re.search(r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>', head)
    assert meta, "no CSP <meta> in <head>"
    policy = html.unescape(re.search(r'content="([^"]*)"', meta.group(0)).group(1))
    from cjwork.reports.html import report_script, script_hash

    # scripts: only the report's own, by its hash (never 'unsafe-inline')
    assert f"script-src '{script_hash(report_script())}';" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "default-src 'none'" in policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy


@pytest.mark.slow
def test_no_personal_data_in_any_quote(hostile_report: dict) -> None:
    out: Path = hostile_report["out"]
    page = html.unescape((out / "onboarding.html").read_text(encoding="utf-8"))
    notebook = (out / "onboarding.ipynb").read_text(encoding="utf-8")
    notebook_text = json.dumps(json.loads(notebook), ensure_ascii=False)
    assert "[PHONE]" in page or "[NAME]" in page  # quotes are shown, masked
    for secret in PII_SECRETS:
        assert secret not in page, secret
        assert secret not in notebook_text.replace("\\", ""), secret


@pytest.mark.slow
@pytest.mark.browser
def test_payloads_do_not_run_in_headless_chromium(hostile_report: dict, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed: `make chromium` installs it"
    report = hostile_report["out"] / "onboarding.html"
    # a control: the same page with a script that got past escaping; the CSP must stop it
    page_text = report.read_text(encoding="utf-8")
    expected_title = html.unescape(re.search(r"<title>(.*?)</title>", page_text, re.S).group(1))
    assert expected_title.startswith("ACME <script>")
    control = tmp_path / "control.html"
    control.write_text(
        page_text.replace(
            "<main",
            "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"><main",
            1,
        ),
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            for path, blocked_expected in ((report, False), (control, True)):
                page = browser.new_page()
                console: list[str] = []
                page.on("console", lambda m, seen=console: seen.append(m.text))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                # the payloads set document.title to 'pwned'; the title must be the
                # report's own (which shows the payloads as text)
                assert page.evaluate("document.title") == expected_title, path.name
                shown = page.locator("main").inner_text()
                csp = [m for m in console if "Content Security Policy" in m]
                if blocked_expected:
                    assert csp, "the CSP did not report blocking the injected script"
                else:
                    assert "<script>document.title='pwned'</script>" in shown
                    assert not csp, csp[:3]  # nothing even tried to run
                    assert "\\" not in page.locator("main h1").first.inner_text()
                page.close()
        finally:
            browser.close()


# --------------------------------------------------------------------------- stand-in runs


def _stand_in(folder: Path) -> Path:
    """A quick report notebook (and owner notebook next to it): shows the journey or owner
    name escaped and the language; sleeps CJWORK_TEST_SLEEP_<journey> seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    show = (
        "import os, time\n"
        "from cjwork.markup import escape_html\n"
        "from cjwork.reports.notebook import record, show_html\n"
        "name = globals().get('journey') or globals().get('owner')\n"
        "time.sleep(float(os.environ.get('CJWORK_TEST_SLEEP_' + str(name), '0')))\n"
        "show_html('<h2 id=\"s\">' + escape_html(name) + ' ' + language + '</h2>')\n"
        "record('answer', {'name': name, 'language': language})"
    )
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    for file, defaults in (
        ("journey_report.ipynb", DEFAULTS),
        ("owner_report.ipynb", OWNER_DEFAULTS),
    ):
        params = "\n".join(f"{k} = {v!r}" for k, v in defaults.items())
        nb = new_notebook(
            cells=[
                new_code_cell(params, metadata={"tags": ["parameters"]}),
                new_code_cell(show),
            ],
            metadata=meta,
        )
        nbformat.write(nb, folder / file)
    return folder / "journey_report.ipynb"


@pytest.fixture()
def data(tiny_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_dir, tmp_path / "data"))


def test_owners_with_the_same_slug_each_get_their_own_report(data: Path, tmp_path: Path) -> None:
    owners = {
        "signup_form": "Field Service",
        "welcome_mail": "field service",
        "first_bill": "Служба поддержки",
        "hotline": "客服",
        "chat": "!!!",
    }
    text = (data / "journeys.yml").read_text(encoding="utf-8")
    m = yaml.safe_load(text)
    for j in m["journeys"]:
        for st in j["stages"]:
            for tp in st["touchpoints"]:
                tp["owner"] = owners[tp["id"]]
    (data / "journeys.yml").write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")

    names = owner_file_names(owners.values())
    assert len(set(names.values())) == len(owners)
    assert len({n.lower() for n in names.values()}) == len(owners)  # also on case-blind disks
    assert names == owner_file_names(reversed(list(owners.values())))  # order-free
    assert all(re.fullmatch(r"[a-z0-9-]+", n) for n in names.values())
    assert owner_slug("Customer Service") == "customer-service"
    assert owner_file_names(["Billing", "CRM"]) == {"Billing": "billing", "CRM": "crm"}

    out = tmp_path / "out"
    result = run_reports(
        data,
        ["service"],
        out,
        jobs=2,
        notebook=_stand_in(tmp_path / "nb"),
        by_owner=True,
        progress=False,
    )
    assert result.exit_code == 0, result.summary()
    written = sorted(p.name for p in (out / "owners").glob("*.html"))
    assert len(written) == len(owners)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["owners"]) == sorted(owners.values())
    assert manifest["outcome"] == {"ok": len(owners) + 1, "failed": 0}
    assert sorted(Path(e["html"]).name for e in manifest["owners"].values()) == written
    for owner, entry in manifest["owners"].items():
        page = (out / entry["html"]).read_text(encoding="utf-8")
        assert html.escape(owner) in page  # each file holds its own owner's report
    assert f"{len(owners) + 1} of {len(owners) + 1} report(s) written" in result.summary()


def test_report_into_an_existing_file_is_a_clear_error(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.html"
    target.write_text("keep me", encoding="utf-8")
    for out in (target, target / "sub"):
        with pytest.raises(SystemExit) as exc:
            main(["report", str(data), "--all", "-o", str(out), "--no-progress"])
        err = capsys.readouterr().err
        # exit 1, like every other output path the guard refuses (an input, another output)
        assert exc.value.code == 1, err
        assert "Traceback" not in err and ("is a file" in err or "inside the file" in err)
        assert "-o" in err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_a_second_run_into_a_locked_folder_stops(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with bl.OutputLock(out):
        with pytest.raises(SystemExit) as exc:
            main(["report", str(data), "--all", "-o", str(out), "--no-progress"])
        err = capsys.readouterr().err
        assert exc.value.code == 1
        assert "another cjwork report is writing to" in err and "-o" in err
        assert "Traceback" not in err
        with pytest.raises(bl.OutputBusyError):
            bl.OutputLock(out).acquire()
    assert list(out.iterdir()) == []  # the refused run wrote nothing
    bl.OutputLock(out).acquire().release()  # free again


def test_runs_in_two_languages_never_mix_in_one_folder(data: Path, tmp_path: Path) -> None:
    notebook = _stand_in(tmp_path / "nb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # not a report: kept
    (out / f"{bl.STAGING_PREFIX}99999").mkdir()  # a killed run's staging folder: removed
    german = run_reports(
        data, None, out, jobs=2, params={"language": "de"}, notebook=notebook, progress=False
    )
    assert german.exit_code == 0
    assert {"onboarding.html", "service.html"} <= {p.name for p in out.iterdir()}

    english = run_reports(
        data,
        ["onboarding"],
        out,
        jobs=1,
        params={"language": "en"},
        notebook=notebook,
        progress=False,
    )
    assert english.exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["language"] == "en"
    listed = {"manifest.json", "notes.txt"} | {
        Path(e[k]).name for e in manifest["journeys"].values() for k in ("html", "notebook")
    }
    assert {p.name for p in out.iterdir()} == listed  # the German service report is gone
    page = (out / "onboarding.html").read_text(encoding="utf-8")
    assert "onboarding en" in page and "Inhalt" not in page
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


# --------------------------------------------------------------------------- interrupts

RUNNER = textwrap.dedent(
    """
    import sys
    from cjwork.reports.runner import run_reports
    r = run_reports(sys.argv[1], None, sys.argv[2], jobs=1, notebook=sys.argv[3], progress=False)
    print(r.summary())
    sys.exit(r.exit_code)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _start_batch(
    data: Path, tmp_path: Path, sleep: dict[str, float]
) -> tuple[subprocess.Popen, Path, Path]:
    notebook = _stand_in(tmp_path / "nb")
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.update({f"CJWORK_TEST_SLEEP_{j}": str(s) for j, s in sleep.items()})
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(data), str(out), str(notebook)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out, tmp


def _wait_for(check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def _running_kernel(proc: subprocess.Popen) -> list[int]:
    """The batch's processes once a kernel is running (worker + kernel), else []."""
    below = descendants(proc.pid)
    kernels = (
        [
            p
            for p in below
            if "ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
        ]
        if below
        else []
    )
    return below if kernels else []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "sleep", "finished"),
    [
        # SIGINT while the first journey runs: it is stopped, the queued one never starts
        (signal.SIGINT, 130, {"onboarding": 300}, []),
        # SIGTERM while the second runs: the first is kept, the second stopped
        (signal.SIGTERM, 143, {"service": 300}, ["onboarding"]),
    ],
)
def test_interrupt_cancels_the_batch_cleanly(
    data: Path, tmp_path: Path, sig: int, code: int, sleep: dict, finished: list[str]
) -> None:
    proc, out, tmp = _start_batch(data, tmp_path, sleep)
    slow = next(iter(sleep))
    try:
        # the slow journey's kernel is running (the others before it are done)
        _wait_for(
            lambda: (
                any(out.glob(f"{bl.STAGING_PREFIX}*/.{slow}.attempt1.*")) and _running_kernel(proc)
            )
        )
        processes = _running_kernel(proc)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert "CANCELLED" in stdout
    _wait_for(lambda: not any(_alive(p) for p in processes), timeout=10)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["interrupted"] == signal.Signals(sig).name
    outcomes = {j: e["outcome"] for j, e in manifest["journeys"].items()}
    assert outcomes == {
        j: ("ok" if j in finished else "cancelled") for j in ("onboarding", "service")
    }
    assert manifest["outcome"]["cancelled"] == 2 - len(finished)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *[f"{j}{ext}" for j in finished for ext in (".html", ".ipynb")]]
    )
    assert list(tmp.iterdir()) == []  # no temporary folder (with feedback texts) left
    time.sleep(2)  # nothing writes after the command ended
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *[f"{j}{ext}" for j in finished for ext in (".html", ".ipynb")]]
    )


@pytest.mark.slow
def test_workers_and_kernels_die_with_a_killed_runner(data: Path, tmp_path: Path) -> None:
    # the worker's second journey: its first one has been run (and asyncio has reset the
    # SIGTERM handler once) by then
    proc, out, tmp = _start_batch(data, tmp_path, {"service": 300})
    try:
        _wait_for(
            lambda: any(out.glob(f"{bl.STAGING_PREFIX}*/onboarding.html")) and _running_kernel(proc)
        )
        time.sleep(1)
        processes = _running_kernel(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    _wait_for(lambda: not any(_alive(p) for p in processes), timeout=15)
    _wait_for(lambda: list(tmp.iterdir()) == [], timeout=10)  # the worker removed it
    assert not (out / "manifest.json").exists()
    assert not list(out.glob("*.html"))


def test_a_hostile_manifest_never_deletes_other_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    (out / "owners").mkdir()
    keep = [out / "data" / "journeys.ipynb", out / "data" / "customers.csv", tmp_path / "x.html"]
    for p in [*keep, out / "onboarding.html", out / "owners" / "crm.html", out / "notes.txt"]:
        p.write_text("x", encoding="utf-8")
    manifest = {
        "journeys": {
            "a": {"html": "../x.html", "notebook": "data/customers.csv"},
            "b": {"html": "data/journeys.ipynb", "notebook": None},
        },
        "owners": {"c": {"html": "owners/crm.html"}},
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    old = bl.previous_outputs(out, ["onboarding", "service"], keep=[keep[0]])
    assert sorted(p.relative_to(out).as_posix() for p in old) == [
        "manifest.json",
        "onboarding.html",
        "owners/crm.html",
    ]


def test_persona_cards_show_hostile_values_as_text() -> None:
    from nbconvert.filters.markdown import markdown2html

    from cjwork.personas.cards import PersonaCard
    from cjwork.plots.persona_cards import card_sections

    card = PersonaCard(
        persona_id=1,
        name=PAYLOADS[0],
        size=10,
        share=0.5,
        who=[PAYLOADS[1]],
        goal=f"Mostly here for **{escape_markdown(PAYLOADS[3])}**",
        preferences=[PAYLOADS[2]],
        pains=[f"“{escape_markdown(PAYLOADS[4])}”"],
        channels=[(PAYLOADS[5], 0.5)],
        quotes=[PAYLOADS[6], "# not a heading"],
    )
    rendered = markdown2html(card.to_markdown())
    assert _live(rendered) == []
    assert rendered.count("<h2") == 1  # only the card's own heading
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[3]):
        assert payload in text
    # the figure shows the plain text, without Markdown backslashes or entities
    shown = dict(card_sections(card))
    assert any(PAYLOADS[3] in v for v in shown.values())
    assert not any("\\[" in v or "&lt;" in v for v in shown.values())
