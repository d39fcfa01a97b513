"""Callback cases: which customers each owner should contact, and how fast they closed them.

Rules are declared per journey under ``cases:`` in ``journeys.yml`` (every key optional;
``null`` switches a rule off)::

    cases:
      sla_days: 3                 # due = date of the trigger + sla_days
      window_days: 30             # only triggers in the last N days of the data
      detractor_nps: 6            # rule 1: NPS <= 6 ...
      moments_of_truth: [hotline] #   ... at a moment of truth (default: as analyze marks them)
      negative_sentiment: -0.25   # rule 2: sentiment below -0.25 ...
      dissatisfiers: [first_bill] #   ... at a dissatisfier (default: Kano category dissatisfier)
      repeat_days: 7              # rule 3: a second contact at the same touchpoint within 7 days
      repeat_channels: [phone, chat, email, shop]   # which touchpoints are contacts

:func:`case_list` applies them to scored, linked feedback and the events: one row per
feedback that triggers rule 1 or 2 (its reasons joined), plus one row per customer ×
touchpoint with a repeat contact (carrying the customer's latest feedback there, if any, when
no feedback row holds it already). The owner is the touchpoint's owner, else the journey's.
Texts are PII-masked (:func:`cjwork.text.pii.mask_pii`).

The lists go to owners as CSV files with an empty ``status`` and ``closed`` column; read
back (:func:`read_case_lists`), :func:`closure_stats` gives per owner the closure rate and
the days from trigger to closing (status ``done``/``closed``/``erledigt``/``geschlossen``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import DataError, Problem, UsageError

CASE_COLUMNS = [
    "feedback_id",
    "customer_id",
    "journey",
    "touchpoint",
    "text",
    "reason",
    "due",
    "status",
]
"""Contract columns of a callback list; ``closed``, ``created``, ``rule``, ``owner`` follow."""

DEFAULTS: dict[str, Any] = {
    "sla_days": 3,
    "window_days": 30,
    "detractor_nps": 6,
    "moments_of_truth": None,
    "negative_sentiment": -0.25,
    "dissatisfiers": None,
    "repeat_days": 7,
    "repeat_channels": ["phone", "chat", "email", "shop"],
}
CLOSED_STATUSES = ("done", "closed", "erledigt", "geschlossen")
"""Status values of a closed case (case-insensitive)."""
OPEN_STATUSES = ("", "open", "offen", "in progress", "in bearbeitung", "pending", "todo",
                 "to do", "new", "neu")  # fmt: skip
"""Status values of an open case (case-insensitive; ``_``, ``-`` and blanks alike)."""

REASONS = {
    "en": {
        "detractor": "detractor at a moment of truth (NPS {v:.0f})",
        "negative": "negative feedback at a dissatisfier (sentiment {v:+.2f})",
        "repeat": "repeat contact within {d} days ({v:.0f} contacts)",
    },
    "de": {
        "detractor": "Kritiker an einem Moment der Wahrheit (NPS {v:.0f})",
        "negative": "negatives Feedback an einem Unzufriedenmacher (Stimmung {v:+.2f})",
        "repeat": "wiederholter Kontakt innerhalb von {d} Tagen ({v:.0f} Kontakte)",
    },
}


def case_rules(journey: Any) -> dict[str, Any]:
    """The journey's ``cases:`` merged over :data:`DEFAULTS`, validated.

    Raises
    ------
    UsageError
        An unknown key or a value of the wrong type, naming the journey.
    """
    raw = dict(getattr(journey, "cases", None) or {})
    unknown = sorted(set(raw) - set(DEFAULTS))
    where = f"journeys.yml: cases of journey '{journey.id}'"
    if unknown:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}"
        )
    rules = {**DEFAULTS, **raw}
    for key in ("sla_days", "window_days", "repeat_days", "detractor_nps"):
        v = rules[key]
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0):
            raise UsageError(f"{where}: {key} must be a number >= 0 or null, got {v!r}")
    v = rules["negative_sentiment"]
    if v is not None and (not isinstance(v, (int, float)) or not -1 <= v <= 1):
        raise UsageError(f"{where}: negative_sentiment must be in [-1, 1] or null, got {v!r}")
    for key in ("moments_of_truth", "dissatisfiers", "repeat_channels"):
        v = rules[key]
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise UsageError(f"{where}: {key} must be a list of ids, got {v!r}")
    return rules


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True, errors="coerce")


def case_list(
    feedback: pd.DataFrame | None,
    events: pd.DataFrame | None,
    journey_map: Any,
    touchpoints: pd.DataFrame | None = None,
    *,
    journeys: Iterable[str] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Apply every journey's case rules.

    Parameters
    ----------
    feedback : DataFrame or None
        Scored, linked feedback (``feedback_id``, ``customer_id``, ``timestamp``,
        ``journey``, ``touchpoint``, ``text``, ``sentiment_score``, ``nps``).
    events : DataFrame or None
        The workspace's events (for repeat contacts and the end of the data).
    journey_map : JourneyMap
    touchpoints : DataFrame, optional
        ``journey``, ``touchpoint``, ``moment_of_truth``, ``category`` (from
        ``analyze(...)["touchpoints"]``); the defaults of ``moments_of_truth`` and
        ``dissatisfiers``. Without it those rules need explicit lists.
    journeys : iterable of str, optional
    language : {"en", "de"}
        Language of the ``reason`` texts.

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS` then ``closed`` (empty), ``created`` (trigger date), ``rule``
        (``detractor``, ``negative``, ``repeat`` joined by ``+``) and ``owner``; sorted by
        owner, due date and feedback id.
    """
    from cjwork.text.pii import mask_pii

    if language not in REASONS:
        raise UsageError(f"language must be one of {', '.join(REASONS)}, got {language!r}")
    say = REASONS[language]
    ends = []
    if feedback is not None and len(feedback) and "timestamp" in feedback:
        ends.append(_ts(feedback["timestamp"]).max())
    if events is not None and len(events):
        ends.append(_ts(events["timestamp"]).max())
    ends = [e for e in ends if pd.notna(e)]
    cols = [*CASE_COLUMNS, "closed", "created", "rule", "owner"]
    if not ends:
        return pd.DataFrame(columns=cols)
    end = max(ends)
    selected = list(journeys) if journeys is not None else journey_map.journey_ids
    rows: list[dict[str, Any]] = []
    for jid in selected:
        jour = journey_map.journey(jid)
        r = case_rules(jour)
        start = end - pd.Timedelta(days=r["window_days"])
        owner_of = {tp.id: tp.owner or jour.owner or "unassigned" for tp in jour.touchpoints}
        tpt = (
            touchpoints[touchpoints["journey"] == jid]
            if touchpoints is not None and len(touchpoints)
            else None
        )
        mot = (
            set(r["moments_of_truth"])
            if r["moments_of_truth"] is not None
            else set(tpt.loc[tpt["moment_of_truth"].fillna(False).astype(bool), "touchpoint"])
            if tpt is not None
            else set()
        )
        dis = (
            set(r["dissatisfiers"])
            if r["dissatisfiers"] is not None
            else set(tpt.loc[tpt["category"] == "dissatisfier", "touchpoint"])
            if tpt is not None
            else set()
        )
        fb = None
        if feedback is not None and len(feedback):
            fb = feedback[(feedback["journey"] == jid)].copy()
            fb["_t"] = _ts(fb["timestamp"])
            fb = fb[(fb["_t"] > start) & (fb["_t"] <= end)]
            fb["touchpoint"] = fb["touchpoint"].astype(object).where(fb["touchpoint"].notna(), "")
            nps = (
                pd.to_numeric(fb["nps"], errors="coerce").astype(float)
                if "nps" in fb
                else pd.Series(np.nan, index=fb.index)
            )
            sent = pd.to_numeric(fb["sentiment_score"], errors="coerce").astype(float)
            det = (
                fb["touchpoint"].isin(mot) & (nps <= r["detractor_nps"])
                if r["detractor_nps"] is not None
                else pd.Series(False, index=fb.index)
            )
            neg = (
                fb["touchpoint"].isin(dis) & (sent < r["negative_sentiment"])
                if r["negative_sentiment"] is not None
                else pd.Series(False, index=fb.index)
            )
            for i in fb.index[(det | neg).to_numpy()]:
                hits = []
                if det[i]:
                    hits.append(("detractor", say["detractor"].format(v=nps[i])))
                if neg[i]:
                    hits.append(("negative", say["negative"].format(v=sent[i])))
                rows.append(_row(fb.loc[i], jid, owner_of, hits, r))
        if r["repeat_days"] is not None and events is not None and len(events):
            rows.extend(_repeats(events, jour, r, start, end, owner_of, fb, rows, say))
    out = pd.DataFrame(rows, columns=[*cols, "_key"])
    if not len(out):
        return pd.DataFrame(columns=cols)
    out["text"] = mask_pii(out["text"].fillna("").astype(str))
    out = out.sort_values(["owner", "due", "feedback_id", "customer_id"], kind="stable")
    return out[cols].reset_index(drop=True)


def _row(f, jid, owner_of, hits, r) -> dict[str, Any]:
    created = f["_t"]
    return {
        "feedback_id": str(f.get("feedback_id", "")),
        "customer_id": "" if pd.isna(f.get("customer_id")) else str(f.get("customer_id")),
        "journey": jid,
        "touchpoint": f["touchpoint"],
        "text": f.get("text", ""),
        "reason": "; ".join(h[1] for h in hits),
        "due": (created + pd.Timedelta(days=r["sla_days"])).strftime("%Y-%m-%d"),
        "status": "",
        "closed": "",
        "created": created.strftime("%Y-%m-%d"),
        "rule": "+".join(h[0] for h in hits),
        "owner": owner_of.get(f["touchpoint"], "unassigned"),
        "_key": (str(f.get("customer_id")), f["touchpoint"]),
    }


def _repeats(events, jour, r, start, end, owner_of, fb, rows, say) -> list[dict[str, Any]]:
    """Rows for repeat contacts: two events at a contact touchpoint within repeat_days."""
    channels = set(r["repeat_channels"] or [])
    contact = [tp.id for tp in jour.touchpoints if (tp.channel or "") in channels]
    ev = events[(events["journey"] == jour.id) & events["touchpoint"].isin(contact)]
    ev = ev[ev["customer_id"].notna()].copy()
    if not len(ev):
        return []
    ev["_t"] = _ts(ev["timestamp"])
    ev = ev.sort_values(["customer_id", "touchpoint", "_t"], kind="stable")
    gap = ev.groupby(["customer_id", "touchpoint"], sort=False)["_t"].diff()
    ev["_repeat"] = gap <= pd.Timedelta(days=r["repeat_days"])
    hit = ev[ev["_repeat"] & (ev["_t"] > start) & (ev["_t"] <= end)]
    if not len(hit):
        return []
    last = hit.groupby(["customer_id", "touchpoint"], sort=False).tail(1)
    by_key = {row["_key"]: row for row in rows if row["journey"] == jour.id}
    out = []
    for _, e in last.iterrows():
        key = (str(e["customer_id"]), e["touchpoint"])
        lo = e["_t"] - pd.Timedelta(days=r["repeat_days"])
        n = int(
            ((ev["customer_id"] == e["customer_id"]) & (ev["touchpoint"] == e["touchpoint"])
             & (ev["_t"] >= lo) & (ev["_t"] <= e["_t"])).sum()
        )  # fmt: skip
        reason = say["repeat"].format(d=r["repeat_days"], v=n)
        if key in by_key:  # the customer's feedback row there already: add the reason
            row = by_key[key]
            row["reason"] += "; " + reason
            row["rule"] += "+repeat"
            continue
        f = None
        if fb is not None and len(fb):
            m = fb[
                (fb["customer_id"].astype(str) == key[0])
                & (fb["touchpoint"] == e["touchpoint"])
                & (fb["_t"] >= lo)
            ]
            if len(m):
                f = m.sort_values("_t").iloc[-1]
        created = e["_t"]
        out.append(
            {
                "feedback_id": "" if f is None else str(f.get("feedback_id", "")),
                "customer_id": key[0],
                "journey": jour.id,
                "touchpoint": e["touchpoint"],
                "text": "" if f is None else f.get("text", ""),
                "reason": reason,
                "due": (created + pd.Timedelta(days=r["sla_days"])).strftime("%Y-%m-%d"),
                "status": "",
                "closed": "",
                "created": created.strftime("%Y-%m-%d"),
                "rule": "repeat",
                "owner": owner_of.get(e["touchpoint"], "unassigned"),
                "_key": key,
            }
        )
    return out


def owner_slug(owner: str) -> str:
    """A file-name-safe slug of an owner name (``Customer Service`` → ``customer_service``)."""
    s = re.sub(r"[^a-z0-9]+", "_", str(owner).lower().translate(str.maketrans("äöüß", "aous")))
    return s.strip("_") or "unassigned"


def write_case_lists(cases: pd.DataFrame, out_dir: str | Path, inputs: Any = None) -> list[Path]:
    """One ``cases_<owner>.csv`` per owner (columns :data:`CASE_COLUMNS`, ``closed``, ``created``)."""
    from cjwork.io.writing import write_csv_atomic

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output {out_dir} is a file; choose a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for owner, part in cases.groupby("owner", sort=True):
        path = out_dir / f"cases_{owner_slug(owner)}.csv"
        write_csv_atomic(part[[*CASE_COLUMNS, "closed", "created"]], path, inputs=inputs)
        written.append(path)
    return written


def read_case_lists(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read filled-in callback lists back (the owner comes from the file name).

    Every problem of every file is collected and raised at once, each as
    ``FILE:ROW:COLUMN: message`` with the fix.

    Raises
    ------
    DataError
        A file that is missing or not a case list (no ``status`` or ``due`` column); a
        ``status`` that is neither open (:data:`OPEN_STATUSES`, e.g. empty or ``open``) nor
        closed (:data:`CLOSED_STATUSES`); an unreadable ``closed``, ``created`` or ``due``
        date; a closed case without a ``closed`` date; a ``closed`` date on an open case; a
        ``closed`` date before ``created``.
    """
    frames = []
    problems = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            problems.append(Problem(str(p), None, None, "no such file; give a cases_*.csv list"))
            continue
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(p.name, None, None, f"not a readable CSV ({exc}); save it as UTF-8 CSV")
            )
            continue
        missing = [c for c in ("status", "due") if c not in df.columns]
        if missing:
            problems.append(
                Problem(p.name, None, missing[0], "missing column; is this a case list?")
            )
            continue
        for c in ("closed", "created"):
            if c not in df.columns:
                df[c] = ""
        problems.extend(_check_case_rows(df, p.name))
        df["owner_file"] = p.stem.removeprefix("cases_")
        frames.append(df)
    if problems:
        raise DataError(problems, summary="case lists could not be read")
    if not frames:
        return pd.DataFrame(columns=[*CASE_COLUMNS, "closed", "created", "owner_file"])
    return pd.concat(frames, ignore_index=True)


def _status_kind(status: pd.Series) -> pd.Series:
    """``closed``, ``open`` or ``unknown`` per status value (case and blanks ignored)."""
    s = status.astype(str).str.strip().str.lower().str.replace(r"[\s_-]+", " ", regex=True)
    return pd.Series(
        np.where(
            s.isin(CLOSED_STATUSES), "closed", np.where(s.isin(OPEN_STATUSES), "open", "unknown")
        ),
        index=status.index,
    )


def _date(values: pd.Series) -> pd.Series:
    v = values.astype(str).str.strip()
    return pd.to_datetime(v.where(v.ne(""), None), errors="coerce", format="mixed")


def _check_case_rows(df: pd.DataFrame, name: str) -> list[Problem]:
    """Problems of the filled-in rows of one case list (row numbers as a person sees them)."""
    out = []
    kind = _status_kind(df["status"])
    dates = {}
    for c in ("closed", "created", "due"):
        raw = df[c].astype(str).str.strip()
        dates[c] = _date(df[c])
        for i in np.flatnonzero((raw.ne("") & dates[c].isna()).to_numpy()):
            out.append(Problem(name, int(i) + 2, c, f"not a date: '{raw.iat[i]}' (use YYYY-MM-DD)"))
    has_closed = df["closed"].astype(str).str.strip().ne("")
    allowed = ", ".join(CLOSED_STATUSES)
    for i in range(len(df)):
        row = int(i) + 2
        if kind.iat[i] == "unknown":
            out.append(
                Problem(
                    name,
                    row,
                    "status",
                    f"unknown status '{df['status'].iat[i]}'; write one of {allowed} for a "
                    "closed case, or leave it empty (or open/offen) while it is open",
                )
            )
        elif kind.iat[i] == "closed" and not has_closed.iat[i]:
            out.append(
                Problem(
                    name,
                    row,
                    "closed",
                    f"status '{df['status'].iat[i]}' but no closed date; write the day the "
                    "case was closed (YYYY-MM-DD)",
                )
            )
        elif kind.iat[i] == "open" and has_closed.iat[i]:
            out.append(
                Problem(
                    name,
                    row,
                    "status",
                    f"a closed date ({df['closed'].iat[i]}) but the status is open; write "
                    f"one of {allowed} into status, or clear the date",
                )
            )
        closed, created = dates["closed"].iat[i], dates["created"].iat[i]
        if pd.notna(closed) and pd.notna(created) and closed.normalize() < created.normalize():
            out.append(
                Problem(
                    name,
                    row,
                    "closed",
                    f"closed {closed:%Y-%m-%d} is before the case was created "
                    f"({created:%Y-%m-%d}); correct the date",
                )
            )
    return out


def closure_stats(cases: pd.DataFrame, by: str = "owner_file") -> pd.DataFrame:
    """Closure rate and days to close per owner of filled-in case lists.

    Returns
    -------
    DataFrame
        ``owner``, ``cases``, ``closed``, ``closure_rate``, ``median_days_to_close``,
        ``mean_days_to_close``, ``overdue`` (open past their due date or closed after it;
        open cases count against the latest closed date seen, else the latest due date).
    """
    cols = ["owner", "cases", "closed", "closure_rate", "median_days_to_close",
            "mean_days_to_close", "overdue"]  # fmt: skip
    if not len(cases):
        return pd.DataFrame(columns=cols)
    d = cases.copy()
    done = _status_kind(d["status"]).eq("closed")
    closed = pd.to_datetime(d["closed"].replace("", None), errors="coerce", format="mixed")
    created = pd.to_datetime(d["created"].replace("", None), errors="coerce", format="mixed")
    due = pd.to_datetime(d["due"].replace("", None), errors="coerce", format="mixed")
    today = closed.max() if closed.notna().any() else due.max()
    d["_done"] = done
    d["_days"] = ((closed - created).dt.total_seconds() / 86400).where(done)
    d["_overdue"] = np.where(done, closed > due, today > due)
    g = d.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "owner": list(g.groups),
            "cases": g.size().to_numpy(),
            "closed": g["_done"].sum().astype(int).to_numpy(),
            "median_days_to_close": g["_days"].median().to_numpy(),
            "mean_days_to_close": g["_days"].mean().to_numpy(),
            "overdue": g["_overdue"].sum().astype(int).to_numpy(),
        }
    )
    out["closure_rate"] = out["closed"] / out["cases"]
    return out[cols]


CLOSURE_COLUMNS = [
    "owner",
    "cases",
    "closed",
    "open",
    "closure_rate",
    "median_days_to_close",
    "mean_days_to_close",
    "overdue",
    "closure",
    "time_to_close",
]
"""Columns of :func:`closure_by_owner` (the last two are display strings in the language)."""

CLOSURE_TEXT = {
    "en": {
        "closure": "{closed} of {cases} closed ({rate:.0%})",
        "time": "median {median:.1f} days (mean {mean:.1f})",
        "none": "none closed yet",
    },
    "de": {
        "closure": "{closed} von {cases} erledigt ({rate:.0%})",
        "time": "Median {median:.1f} Tage (Mittel {mean:.1f})",
        "none": "noch keiner erledigt",
    },
}


def closure_by_owner(
    source: str | Path | Iterable[str | Path] | pd.DataFrame,
    journey_map: Any = None,
    *,
    owner: str | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Closure rate and time to close per owner, from the filled-in callback lists.

    The function for the owner report: it reads the lists (a directory of
    ``cases_<owner>.csv`` as ``cjwork cases`` writes them, the list files, or an already read
    :func:`read_case_lists` frame), checks every status and date (:func:`read_case_lists`)
    and measures them (:func:`closure_stats`).

    Parameters
    ----------
    source : directory, file paths or DataFrame
    journey_map : JourneyMap, optional
        Turns the owner slug of a file name (``customer_service``) back into the owner's name
        in ``journeys.yml`` (``Customer Service``); unknown slugs stay as they are.
    owner : str, optional
        Only this owner (name or slug); an empty frame when the owner has no list.
    language : {"en", "de"}
        Language of the display columns ``closure`` and ``time_to_close``.

    Returns
    -------
    DataFrame
        :data:`CLOSURE_COLUMNS`, one row per owner (sorted by name): ``cases``, ``closed``,
        ``open``, ``closure_rate`` (closed / cases), ``median_days_to_close`` and
        ``mean_days_to_close`` (days from ``created`` to ``closed``, NaN when none is closed),
        ``overdue`` (see :func:`closure_stats`), ``closure`` ("2 of 3 closed (67%)") and
        ``time_to_close`` ("median 2.5 days (mean 2.5)").

    Raises
    ------
    DataError
        A bad status or date in a list (``FILE:ROW:COLUMN`` and the fix), a missing file.
    UsageError
        ``source`` is a directory without ``cases_*.csv`` lists; an unknown language.
    """
    from cjwork.formatting import format_text

    if language not in CLOSURE_TEXT:
        raise UsageError(f"language must be one of {', '.join(CLOSURE_TEXT)}, got {language!r}")
    if isinstance(source, pd.DataFrame):
        cases = source
        if "owner_file" not in cases.columns:
            cases = cases.assign(
                owner_file=cases["owner"].map(owner_slug) if "owner" in cases else "unassigned"
            )
    else:
        if isinstance(source, (str, Path)) and Path(source).is_dir():
            paths = sorted(Path(source).glob("cases_*.csv"))
            if not paths:
                raise UsageError(
                    f"{source}: no cases_*.csv lists; give the directory `cjwork cases` wrote"
                )
        elif isinstance(source, (str, Path)):
            paths = [Path(source)]
        else:
            paths = [Path(p) for p in source]
        cases = read_case_lists(paths)
    stats = closure_stats(cases)
    names: dict[str, str] = {}
    if journey_map is not None:
        for j in journey_map:
            for o in [j.owner, *(tp.owner for tp in j.touchpoints)]:
                if o:
                    names.setdefault(owner_slug(o), str(o))
    stats["owner"] = stats["owner"].astype(str).map(lambda s: names.get(s, s))
    if owner is not None:
        stats = stats[
            (stats["owner"] == owner) | (stats["owner"].map(owner_slug) == owner_slug(owner))
        ]
    stats = stats.sort_values("owner", kind="stable").reset_index(drop=True)
    stats["open"] = stats["cases"] - stats["closed"]
    text = CLOSURE_TEXT[language]
    stats["closure"] = [
        format_text(text["closure"], language, closed=int(c), cases=int(n), rate=float(r))
        for c, n, r in zip(stats["closed"], stats["cases"], stats["closure_rate"], strict=True)
    ]
    stats["time_to_close"] = [
        format_text(text["time"], language, median=float(md), mean=float(mn))
        if pd.notna(md)
        else text["none"]
        for md, mn in zip(stats["median_days_to_close"], stats["mean_days_to_close"], strict=True)
    ]
    return stats[CLOSURE_COLUMNS]


def touchpoint_flags(feedback: pd.DataFrame | None, events: pd.DataFrame | None, journey_map: Any,
                     journeys: Iterable[str], random_state: int = 0) -> pd.DataFrame:  # fmt: skip
    """``journey``, ``touchpoint``, ``moment_of_truth``, ``category`` per touchpoint (prioritisation)."""
    from cjwork.prioritize import events_per_touchpoint, prioritize_touchpoints

    frames = []
    for jid in journeys:
        vol = events_per_touchpoint(events, jid)
        f = prioritize_touchpoints(feedback, journey_map, jid, vol, random_state=random_state)
        if "journey" not in f:
            f.insert(0, "journey", jid)
        frames.append(f[["journey", "touchpoint", "moment_of_truth", "category"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cases_for(ws: Any, *, journeys: Iterable[str] | None = None, language: str = "en",
              random_state: int = 0, feedback: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """:func:`case_list` for a workspace: feedback scored and linked, touchpoints prioritised."""
    from cjwork.journeymap import select_journeys
    from cjwork.text import enrich_feedback

    # unknown ids: one FILE:ROW:COLUMN line each with the closest known ids (exit 1)
    sel = select_journeys(ws.journeys, journeys, all_unknown=True)
    fb = feedback
    if fb is None and ws.feedback is not None and len(ws.feedback):
        fb = enrich_feedback(ws, random_state=random_state)
    need_tp = any(
        case_rules(ws.journeys.journey(j))[k] is None
        for j in sel
        for k in ("moments_of_truth", "dissatisfiers")
    )
    tps = (
        touchpoint_flags(fb, ws.events, ws.journeys, sel, random_state)
        if need_tp and fb is not None
        else None
    )
    return case_list(fb, ws.events, ws.journeys, tps, journeys=sel, language=language)


def case_list_summary(cases: pd.DataFrame, n_files: int, out_dir: Any) -> str:
    """One line for the command line: cases per owner and where they went."""
    per = cases.groupby("owner").size() if len(cases) else pd.Series(dtype=int)
    parts = ", ".join(f"{o} {n}" for o, n in per.items())
    return f"wrote {len(cases)} callback case(s) in {n_files} list(s) to {out_dir}" + (
        f" ({parts})" if parts else ""
    )
