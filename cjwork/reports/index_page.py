"""``index.html`` of a report batch: one page that lists every report the batch wrote.

For each journey: its name (a link to the report), owner, status, NPS with n and the
strongest finding (both from the values the report recorded), plus the owner reports; the
date and the company on top. One offline file, no script; every value from data goes
through :func:`cjwork.markup.escape_html`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjwork.formatting import format_text
from cjwork.i18n import format_date
from cjwork.markup import escape_html

if TYPE_CHECKING:
    from cjwork.journeymap import JourneyMap
    from cjwork.reports.runner import BatchResult

__all__ = ["index_html", "write_index"]

TEXT = {
    "title": {"en": "Journey reports", "de": "Journey-Reports"},
    "written": {"en": "written on {date}", "de": "erstellt am {date}"},
    "journey": {"en": "Journey", "de": "Journey"},
    "owner": {"en": "Owner", "de": "Verantwortlich"},
    "status": {"en": "Status", "de": "Status"},
    "nps": {"en": "NPS (n)", "de": "NPS (n)"},
    "finding": {"en": "Strongest finding", "de": "Wichtigster Befund"},
    "ok": {"en": "written", "de": "erstellt"},
    "failed": {"en": "failed", "de": "fehlgeschlagen"},
    "owners": {"en": "Reports for touchpoint owners", "de": "Berichte für Verantwortliche"},
    "none": {"en": "no finding passes the evidence guards", "de": "kein belastbarer Befund"},
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
  max-width: 70rem; padding: 0 1rem; color: #1f2933; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } .cj-date { color: #616e7c; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
  border-bottom: 1px solid #e4e7eb; }
th { background: #f5f7fa; } td.num { text-align: right; white-space: nowrap; }
.cj-failed { color: #b42318; font-weight: 600; } .cj-ok { color: #1e7b34; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""

#: no script, no network: only the inline style above may apply
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _t(key: str, language: str, **values: Any) -> str:
    entry = TEXT[key]
    return format_text(entry.get(language, entry["en"]), language, **values)


def _link(path: str | None, out_dir: Path) -> str | None:
    if not path:
        return None
    target = Path(path) if Path(path).is_absolute() else out_dir / path
    try:
        rel = os.path.relpath(target.resolve(), out_dir.resolve())
    except ValueError:
        return None
    return Path(rel).as_posix()


def index_html(
    result: BatchResult, journey_map: JourneyMap | None = None, language: str = "en"
) -> str:
    """The batch's index page (see the module docstring)."""
    out_dir = Path(result.out_dir)
    manifest = result.manifest or {}
    company = (
        journey_map.company_label(language) if journey_map is not None else None
    ) or manifest.get("company")
    title = _t("title", language) + (f" — {company}" if company else "")
    date = format_date(manifest.get("finished_at") or manifest.get("started_at"), language)
    rows, owner_rows = [], []
    for r in result.results:
        href = _link(r.html, out_dir)
        status = (
            f'<span class="cj-ok">{escape_html(_t("ok", language))}</span>'
            if r.ok
            else f'<span class="cj-failed">{escape_html(_t("failed", language))}</span>: '
            + escape_html((r.reason or "").splitlines()[0] if r.reason else "")
        )
        if r.kind != "journey":
            name = escape_html(r.journey)
            cell = f'<a href="{escape_html(href)}">{name}</a>' if href else name
            owner_rows.append(f"<tr><td>{cell}</td><td>{status}</td></tr>")
            continue
        name, owner = r.journey, ""
        if journey_map is not None and r.journey in journey_map.journey_ids:
            j = journey_map.journey(r.journey)
            name, owner = j.label(language), j.owner or ""
        cell = (
            f'<a href="{escape_html(href)}">{escape_html(name)}</a>' if href else escape_html(name)
        )
        health = r.records.get("health") or {}
        nps, n = health.get("nps"), health.get("nps_n") or 0
        nps_text = (
            format_text("{v:+.0f} ({n:,})", language, v=nps, n=n)
            if isinstance(nps, int | float) and math.isfinite(nps) and n
            else "–"
        )
        findings = r.records.get("findings") or []
        top = findings[0] if findings else None
        finding = (
            escape_html(top.get("sentence", ""))
            + (f" — {escape_html(top.get('owner'))}" if top.get("owner") else "")
            if top
            else escape_html(_t("none", language))
            if r.ok
            else ""
        )
        rows.append(
            f"<tr><td>{cell}</td><td>{escape_html(owner)}</td><td>{status}</td>"
            f'<td class="num">{escape_html(nps_text)}</td><td>{finding}</td></tr>'
        )
    head = "".join(
        f"<th>{escape_html(_t(k, language))}</th>"
        for k in ("journey", "owner", "status", "nps", "finding")
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape_html(language)}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape_html(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape_html(title)}</h1>",
        f'<p class="cj-date">{escape_html(_t("written", language, date=date))}</p>',
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
    ]
    if owner_rows:
        parts.append(f"<h2>{escape_html(_t('owners', language))}</h2>")
        parts.append(
            f"<table><thead><tr><th>{escape_html(_t('owner', language))}</th>"
            f"<th>{escape_html(_t('status', language))}</th></tr></thead>"
            f"<tbody>{''.join(owner_rows)}</tbody></table>"
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_index(
    result: BatchResult, journey_map: JourneyMap | None = None, language: str | None = None
) -> Path:
    """Write ``index.html`` into the batch's output directory (atomically); returns its path.
    ``language`` defaults to the batch's report language."""
    from cjwork.io.writing import write_text_atomic

    lang = language or (result.manifest or {}).get("parameters", {}).get("language") or "en"
    path = Path(result.out_dir) / "index.html"
    return write_text_atomic(index_html(result, journey_map, lang), path)
