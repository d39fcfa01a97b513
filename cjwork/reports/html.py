"""HTML export of an executed report notebook: no code, a title, a table of contents, no network.

Uses nbconvert's :class:`~nbconvert.HTMLExporter` with the template
``templates/cjwork_report`` (the JupyterLab template without scripts, with print styles).
Cells tagged ``remove_cell`` (and the ``parameters``/``injected-parameters`` cells) are
dropped, ``remove_input`` hides a cell's code, ``remove_output`` its outputs; every other
cell shows its outputs only.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat

from cjwork.errors import CjworkError
from cjwork.markup import escape_html
from cjwork.reports.display import RECORD_MIMETYPE

TEMPLATE_NAME = "cjwork_report"
REMOVE_CELL_TAGS = ("remove_cell", "parameters", "injected-parameters", "papermill-error-cell-tag")
TOC_MARKER = "<!-- cjwork:toc -->"

#: The report's Content-Security-Policy (a ``<meta http-equiv>`` in the template). The report
#: runs exactly one script, its own (:func:`report_script`, allowed by its ``'sha256-…'``
#: hash); inline styles, inline SVG and ``data:`` images are all it needs besides, so a
#: ``<script>``, an ``onerror=``/``onload=`` handler or a ``javascript:`` link that ever got
#: past the escaping still cannot run, and the page loads nothing from the network. Never
#: ``'unsafe-inline'`` for scripts.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "font-src": "data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
}


def content_security_policy(script_hashes: tuple[str, ...] = ()) -> str:
    """The report's Content-Security-Policy as one header value.

    Parameters
    ----------
    script_hashes : tuple of str
        ``sha256-<base64>`` hashes of inline scripts the report itself adds
        (:func:`script_hash`); only these may run.

    Returns
    -------
    str
        E.g. ``"default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; ..."``.
    """
    directives = dict(CSP_DIRECTIVES)
    if script_hashes:
        directives["script-src"] = " ".join(f"'{h}'" for h in script_hashes)
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def report_script() -> str:
    """The report's one inline script (``cjwork_tables.js``: sortable, filterable tables)."""
    return (templates_dir() / TEMPLATE_NAME / "cjwork_tables.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """``sha256-<base64>`` of an inline script, as a Content-Security-Policy names it."""
    import base64
    import hashlib

    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()


def templates_dir() -> Path:
    """The directory holding the HTML report template(s).

    ``templates/`` of the source tree (editable install), else the copy a wheel carries in
    ``cjwork/resources/templates`` (see ``setup.py``).
    """
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "templates", here.parents[1] / "resources" / "templates"):
        if (candidate / TEMPLATE_NAME / "index.html.j2").is_file():
            return candidate
    raise CjworkError(
        f"the HTML report template '{TEMPLATE_NAME}' was not found next to the cjwork package "
        f"({here.parents[2] / 'templates'} or {here.parents[1] / 'resources' / 'templates'}); "
        "reinstall cjwork"
    )


class _HeadingCollector(HTMLParser):
    """Collect (level, id, text) of h1-h3 headings that carry an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []
        self._current: tuple[int, str] | None = None
        self._text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3"):
            ident = dict(attrs).get("id")
            if ident:
                self._current = (int(tag[1]), ident)
                self._text = []
        elif tag == "a" and self._current is not None and ("class", "anchor-link") in attrs:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._skip:
            self._skip -= 1
        elif tag in ("h1", "h2", "h3") and self._current is not None:
            level, ident = self._current
            self.headings.append((level, ident, "".join(self._text).strip()))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skip:
            self._text.append(data)


def headings(body: str) -> list[tuple[int, str, str]]:
    """The (level, id, text) of every h1–h3 heading with an id in an HTML document, in order."""
    parser = _HeadingCollector()
    parser.feed(body)
    return parser.headings


def toc_html(entries: list[tuple[int, str, str]], title: str = "Contents") -> str:
    """A nested ordered list of links for the h2 (sections) and h3 (subsections) headings."""
    parts = [f"<h2>{escape_html(title)}</h2>", "<ol>"]
    open_sub = False
    for level, ident, text in entries:
        if level == 1:
            continue
        link = f'<a href="#{escape_html(ident)}">{escape_html(text)}</a>'
        if level == 2:
            if open_sub:
                parts.append("</ol></li>")
                open_sub = False
            elif len(parts) > 2:
                parts.append("</li>")
            parts.append(f"<li>{link}")
        else:
            if not open_sub:
                parts.append("<ol>")
                open_sub = True
            parts.append(f"<li>{link}</li>")
    if open_sub:
        parts.append("</ol></li>")
    elif len(parts) > 2:
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


def export_html(
    nb: nbformat.NotebookNode | str | Path,
    *,
    title: str,
    kicker: str = "Journey report",
    footer: str = "",
    toc_title: str = "Contents",
) -> str:
    """Render an executed notebook as a standalone HTML report (code hidden; the one script
    that runs is the report's own, see :data:`CSP_DIRECTIVES`).

    Parameters
    ----------
    nb : NotebookNode or path
        The executed notebook.
    title : str
        The document title (``<title>``), e.g. ``"Rheinstrom Energie AG — Onboarding"``.
    kicker : str
        The small line above the report.
    footer : str
        A line at the end (e.g. the cjwork version and the data directory).
    toc_title : str
        Heading of the table of contents.

    Returns
    -------
    str
        The HTML document.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    for cell in nb.cells:  # recorded values are for the batch runner, not for readers
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if RECORD_MIMETYPE not in o.get("data", {})]

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVE_CELL_TAGS),
        remove_input_tags={"remove_input"},
        remove_all_outputs_tags={"remove_output"},
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    script = report_script()
    resources: dict[str, Any] = {
        "cjwork": {
            "kicker": kicker,
            "footer": footer,
            "script": script,
            "csp": content_security_policy(script_hashes=(script_hash(script),)),
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = body.replace(TOC_MARKER, toc_html(headings(body), toc_title), 1)
    # nbconvert writes a trailing space on some lines depending on the output mix; normalise.
    return re.sub(r"[ \t]+\n", "\n", body)
