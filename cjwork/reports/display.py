"""What the report notebook shows: headings, tables, figures and recorded values.

Everything here renders deterministically (no timestamps, no random ids, sorted input
stays sorted), so the same data and parameters give byte-identical notebook outputs.
Only the report's language (``en``/``de``) changes the words.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

# re-exported: the report sections format their sentences with d.format_text / d.format_p
from cjwork.formatting import format_p as format_p
from cjwork.formatting import format_text as format_text
from cjwork.formatting import german_marks
from cjwork.markup import escape_html

RECORD_MIMETYPE = "application/vnd.cjwork.record+json"

#: Section headings of the report, by key and language. Other sections may pass their own
#: ``{"en": ..., "de": ...}`` mapping to :func:`heading`.
HEADINGS: dict[str, dict[str, str]] = {
    "summary": {"en": "Executive summary", "de": "Zusammenfassung"},
    "key_figures": {"en": "Key figures", "de": "Kennzahlen"},
    "overview": {"en": "Journey overview", "de": "Journey-Überblick"},
    "structure": {"en": "Stages and touchpoints", "de": "Phasen und Touchpoints"},
    "volumes": {"en": "Volumes", "de": "Volumen"},
    "data_quality": {"en": "Data quality", "de": "Datenqualität"},
    "top_pains": {"en": "Top pains", "de": "Größte Schmerzpunkte"},
    "top_delights": {"en": "Top delights", "de": "Größte Begeisterungsfaktoren"},
    "quick_wins": {"en": "Quick wins", "de": "Quick Wins"},
}

#: Column labels of the report's tables, by language; unknown columns keep their name.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "figure": "Figure",
        "total": "All data",
        "previous": "Previous period",
        "current": "Current period",
        "change": "Change",
        "stage": "Stage",
        "stage_name": "Stage",
        "touchpoint": "Touchpoint id",
        "touchpoint_name": "Touchpoint",
        "channel": "Channel",
        "owner": "Owner",
        "kpis": "KPI targets",
        "events": "Events",
        "customers": "Customers",
        "cases": "Cases",
        "feedback": "Feedback",
        "share_of_events": "Share of events",
        "share_of_customers": "Share of customers",
        "touchpoints": "Touchpoints",
        "check": "Check",
        "table": "Table",
        "count": "Count",
        "share": "Share",
        "status": "Status",
        "detail": "Detail",
        "column": "Column",
        "rows": "Rows",
        "missing": "Missing",
        "stage_order": "#",
        "touchpoint_order": "#",
    },
    "de": {
        "figure": "Kennzahl",
        "total": "Gesamt",
        "previous": "Vorperiode",
        "current": "Aktuelle Periode",
        "change": "Veränderung",
        "stage": "Phase",
        "stage_name": "Phase",
        "touchpoint": "Touchpoint-ID",
        "touchpoint_name": "Touchpoint",
        "channel": "Kanal",
        "owner": "Verantwortlich",
        "kpis": "KPI-Ziele",
        "events": "Ereignisse",
        "customers": "Kunden",
        "cases": "Fälle",
        "feedback": "Feedback",
        "share_of_events": "Anteil Ereignisse",
        "share_of_customers": "Anteil Kunden",
        "touchpoints": "Touchpoints",
        "check": "Prüfung",
        "table": "Tabelle",
        "count": "Anzahl",
        "share": "Anteil",
        "status": "Status",
        "detail": "Details",
        "column": "Spalte",
        "rows": "Zeilen",
        "missing": "Fehlend",
        "stage_order": "#",
        "touchpoint_order": "#",
    },
}

_VALUE_LABELS = {
    "de": {
        "customers": "Kunden",
        "cases": "Fälle",
        "events": "Ereignisse",
        "feedback": "Feedback",
        "ok": "ok",
        "warning": "Warnung",
        "info": "Info",
    },
}

LABELS["en"].update(
    {
        "performance": "Performance",
        "importance": "Importance",
        "share_negative": "Negative feedback",
        "category": "Category",
        "action": "What to do",
        "journey_name": "Journey",
        "moment_of_truth": "Moment of truth",
        "quick_win": "Quick win",
        "metric": "Metric",
        "target": "Target",
        "share_within_target": "Within target",
        "median": "Median",
        "period": "Period",
        "change_detail": "Change",
    }
)
LABELS["de"].update(
    {
        "performance": "Leistung",
        "importance": "Wichtigkeit",
        "share_negative": "Negatives Feedback",
        "category": "Kategorie",
        "action": "Maßnahme",
        "journey_name": "Journey",
        "moment_of_truth": "Moment of Truth",
        "quick_win": "Quick Win",
        "metric": "Kennzahl",
        "target": "Ziel",
        "share_within_target": "Im Ziel",
        "median": "Median",
        "period": "Periode",
        "change_detail": "Veränderung",
    }
)
# the paths section: variants, timing, repeats and loops
LABELS["en"].update(
    {
        "variant": "Path",
        "completion_rate": "Completed",
        "measure": "Measure",
        "unit": "Unit",
        "n": "n",
        "p90": "p90",
        "repeat_cases": "Cases with a repeat",
        "repeat_share": "Share with a repeat",
        "cases_3plus": "Cases with 3+ visits",
        "self_loops": "Immediate repeats",
        "returns": "Returns later",
    }
)
LABELS["de"].update(
    {
        "variant": "Pfad",
        "completion_rate": "Abgeschlossen",
        "measure": "Messgröße",
        "unit": "Einheit",
        "n": "n",
        "p90": "p90",
        "repeat_cases": "Fälle mit Wiederholung",
        "repeat_share": "Anteil mit Wiederholung",
        "cases_3plus": "Fälle mit 3+ Besuchen",
        "self_loops": "Direkte Wiederholungen",
        "returns": "Spätere Rückkehr",
    }
)
_VALUE_LABELS["de"].update(
    {
        "dissatisfier": "Enttäuschung",
        "delighter": "Begeisterung",
        "unclear": "unklar",
        "True": "ja",
        "False": "nein",
    }
)
_VALUE_LABELS["de"].update(
    {
        "time_to_complete": "Zeit bis zum Abschluss",
        "case_duration": "Falldauer",
        "wait": "Kennzahl",
    }
)
# the data-quality checks' names
_VALUE_LABELS["de"].update(
    {
        "rows": "Zeilen",
        "time range": "Zeitraum",
        "missing values": "fehlende Werte",
        "rejected rows": "abgelehnte Zeilen",
        "unknown customer ids": "unbekannte Kunden-IDs",
        "duplicate events": "doppelte Ereignisse",
        "duplicate feedback": "doppeltes Feedback",
        "touchpoints without events": "Touchpoints ohne Ereignisse",
        "feedback without touchpoint": "Feedback ohne Touchpoint",
    }
)
_VALUE_LABELS["en"] = {
    "True": "yes",
    "False": "no",
    "time_to_complete": "Time to complete",
    "case_duration": "Case duration",
    "wait": "Process metric",
}


def text(key: str | Mapping[str, str], language: str = "en") -> str:
    """A heading or phrase in the report's language (``key`` from :data:`HEADINGS` or a mapping)."""
    if isinstance(key, Mapping):
        return key.get(language) or key.get("en") or next(iter(key.values()))
    entry = HEADINGS.get(key)
    return key if entry is None else entry.get(language, entry["en"])


def format_duration(seconds: Any, language: str = "en") -> str:
    """A duration in seconds in a readable unit: ``45 s``, ``12 min``, ``5.5 h``, ``4.1 d``
    (German: ``5,5 Std.``, ``4,1 Tage``); missing values become an en dash."""
    if seconds is None or seconds is pd.NA or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    s = float(seconds)
    units = (
        (("s", 1), ("min", 60), ("h", 3600), ("d", 86400))
        if language != "de"
        else (("s", 1), ("Min.", 60), ("Std.", 3600), ("Tage", 86400))
    )
    if abs(s) < 120:
        name, size, digits = *units[0], 0
    elif abs(s) < 2 * 3600:
        name, size, digits = *units[1], 0
    elif abs(s) < 2 * 86400:
        name, size, digits = *units[2], 1
    else:
        name, size, digits = *units[3], 1
    out = f"{s / size:,.{digits}f}"
    return f"{german_marks(out) if language == 'de' else out} {name}"


def format_number(value: Any, kind: str = "int", language: str = "en") -> str:
    """Format one value for a table: ``int`` (thousands separators), ``float``, ``percent``,
    ``change`` (signed percent) or ``text``; missing values become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if kind == "text":
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if kind == "int":
        out = f"{round(number):,}"
    elif kind == "percent":
        out = f"{number * 100:,.1f} %"
    elif kind == "change":
        out = f"{number * 100:+,.1f} %"
    else:
        out = f"{number:,.2f}"
    return german_marks(out) if language == "de" else out


def table_html(
    df: pd.DataFrame,
    *,
    language: str = "en",
    percent: Iterable[str] = (),
    change: Iterable[str] = (),
    floats: Iterable[str] = (),
    caption: str | None = None,
    max_rows: int = 200,
) -> str:
    """Render a DataFrame as a plain, deterministic HTML table (no index, localised labels).

    Integer columns get thousands separators; ``percent``/``change``/``floats`` name the
    columns shown as percentages, signed changes or two decimals. At most ``max_rows`` rows
    are shown, with a note saying how many were left out.
    """
    percent, change, floats = set(percent), set(change), set(floats)
    labels = LABELS.get(language, LABELS["en"])
    values = _VALUE_LABELS.get(language, {})
    head = "".join(f"<th>{escape_html(labels.get(str(c), str(c)))}</th>" for c in df.columns)
    kinds = {}
    for c in df.columns:
        if c in percent:
            kinds[c] = "percent"
        elif c in change:
            kinds[c] = "change"
        elif c in floats:
            kinds[c] = "float"
        elif pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            kinds[c] = "int"
        elif pd.api.types.is_float_dtype(df[c]):
            kinds[c] = "float"
        else:
            kinds[c] = "text"
    body = []
    for row in df.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            kind = kinds[c]
            shown = format_number(v, kind, language)
            if kind == "text":
                shown = values.get(shown, shown)
            cls = ' class="num"' if kind != "text" else ""
            cells.append(f"<td{cls}>{escape_html(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape_html(caption)}</caption>" if caption else ""
    note = ""
    if len(df) > max_rows:
        more = (
            f"{format_number(len(df) - max_rows, 'int', 'de')} weitere Zeilen nicht angezeigt."
            if language == "de"
            else f"{len(df) - max_rows:,} more rows not shown."
        )
        note = f'<p class="cjwork-note">{more}</p>'
    return (
        f'<table class="cjwork-table" lang="{escape_html(language)}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def figure_svg(fig: Any) -> str:
    """Render a matplotlib figure as byte-stable SVG (fixed hash salt, no date metadata)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "cjwork", "svg.fonttype": "path"}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return [_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record_bundle(name: str, value: Any) -> dict[str, Any]:
    """The display bundle that records ``value`` under ``name`` for the batch runner."""
    payload = {"name": name, "value": _jsonable(value)}
    json.dumps(payload)  # fail here, not in the runner, when something is not JSON-able
    return {RECORD_MIMETYPE: payload, "text/plain": f"recorded {name}"}


def read_records(nb: Any) -> dict[str, Any]:
    """Collect every recorded value of an executed notebook (``nbformat`` node), in cell order."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if RECORD_MIMETYPE in data:
                payload = data[RECORD_MIMETYPE]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                found[payload["name"]] = payload["value"]
    return found


def change_detail_text(
    detail: str, language: str = "en", metric_names: dict[str, str] | None = None
) -> str:
    """A trend flag's ``change_detail`` (``"sentiment -0.42 (p=0.0003); volume ×1.50 (p=0.01)"``)
    as shown: in English unchanged but for ``metric_names`` (``{"kpi_wait_s": "Waiting
    time"}``, the map's names for process metrics); in German also the metric named as in
    the trend figure, a decimal comma and the German p-value (``mittlere Stimmung -0,42
    (p < 0,001)``)."""
    import re

    from cjwork.journeys.process_feedback import decimal_comma
    from cjwork.plots.trends import TEXTS as TREND_TEXTS

    if not isinstance(detail, str):
        return detail
    if language != "de":
        for metric, name in (metric_names or {}).items():
            detail = re.sub(rf"(?<![\w]){re.escape(metric)}(?![\w])", name, detail)
        return detail
    names = {**TREND_TEXTS["de"], **(metric_names or {})}
    parts = []
    for part in detail.split("; "):
        m = re.fullmatch(r"(\S+) (\S+) \(p=([^)]+)\)", part)
        if m is None:
            parts.append(decimal_comma(part))
            continue
        metric, change, p = m.groups()
        try:
            p_text = format_p(float(p), "de")
        except ValueError:
            p_text = f"p = {decimal_comma(p)}"
        parts.append(f"{names.get(metric, metric)} {decimal_comma(change)} ({p_text})")
    return "; ".join(parts)
