"""Actions with measured impact: ``actions.yml`` and a difference in differences per action.

``actions.yml`` in the workspace lists what owners changed::

    actions:
      - touchpoint: live_chat
        owner: Customer Service
        action: {de: Mehr Chat-Personal, en: More chat agents}   # or a plain string
        status: live            # planned | in_progress | live | dropped
        live_from: 2026-02-01

For every ``live`` action (with a ``live_from`` date) :func:`measure_actions` compares a
window before the date with a window after it (``window_days`` each, default 180) at the
action's touchpoint and at **comparable touchpoints**, and reports the difference in
differences ``(after − before at the touchpoint) − (after − before at the comparison)`` with
a percentile bootstrap interval (observations resampled within each of the four cells,
``n_boot`` draws, seeded). Measures:

* ``sentiment`` — mean feedback sentiment; comparison: the other touchpoints of the journey;
* ``kpi_<metric>`` — every KPI the map sets at the touchpoint; comparison: other touchpoints
  with the same metric and the same channel, else with the same metric anywhere, else none
  (then the effect is the plain before/after change);
* ``dropoff`` — share of the cases through the touchpoint that end there without completing
  (last step of a case that does not reach the journey's last stage); comparison: the
  journey's other touchpoints.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjwork.errors import DataError, Problem

ACTION_COLUMNS = [
    "touchpoint",
    "owner",
    "action",
    "status",
    "live_from",
    "metric",
    "comparison",
    "n_before",
    "n_after",
    "before",
    "after",
    "change",
    "comparison_change",
    "effect",
    "effect_low",
    "effect_high",
]
"""Columns of ``actions.csv``: one row per live action × measure."""

STATUSES = ("planned", "in_progress", "live", "dropped")


def actions_path(ws: Any) -> Path | None:
    """``actions.yml`` (or ``.yaml``) of a workspace, or None."""
    base = Path(getattr(ws, "path", ".") or ".")
    for name in ("actions.yml", "actions.yaml"):
        if (base / name).is_file():
            return base / name
    return None


def read_actions(path: str | Path, journey_map: Any = None) -> pd.DataFrame:
    """Read and validate ``actions.yml``.

    Returns
    -------
    DataFrame
        ``touchpoint``, ``journey``, ``owner``, ``action``, ``action_de``, ``action_en``,
        ``status``, ``live_from`` (datetime64, NaT when not set), in file order.

    Raises
    ------
    DataError
        ``FILE:ROW:COLUMN`` problems (ROW = the action's number in the list): not a list,
        unknown touchpoint, bad status or date.
    """
    import yaml

    path = Path(path)
    name = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            [Problem(name, mark.line + 1 if mark else None, None, f"not valid YAML: {exc}")],
            summary=f"{name} cannot be read",
        ) from None
    items = doc.get("actions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise DataError(
            [Problem(name, None, "actions", "expected a list 'actions:' of actions")],
            summary=f"{name} has no list of actions",
        )
    known = set(journey_map.touchpoint_ids) if journey_map is not None else None
    problems = []
    rows = []
    for i, a in enumerate(items, start=1):
        if not isinstance(a, dict):
            problems.append(Problem(name, i, None, "each action must be a mapping"))
            continue
        tid = str(a.get("touchpoint") or "")
        if not tid:
            problems.append(Problem(name, i, "touchpoint", "the action needs a touchpoint"))
        elif known is not None and tid not in known:
            from cjwork.journeymap import unknown_id_message

            problems.append(
                Problem(name, i, "touchpoint", unknown_id_message("touchpoint", tid, sorted(known)))
            )
        status = str(a.get("status") or "planned")
        if status not in STATUSES:
            problems.append(
                Problem(
                    name,
                    i,
                    "status",
                    f"status must be one of {', '.join(STATUSES)}, got '{status}'",
                )
            )
        live = a.get("live_from")
        when = pd.NaT
        if live is not None:
            try:
                when = pd.Timestamp(live if not isinstance(live, dt.date) else str(live))
            except (ValueError, TypeError):
                problems.append(
                    Problem(
                        name, i, "live_from", f"live_from must be a date (YYYY-MM-DD), got '{live}'"
                    )
                )
        if status == "live" and live is None:
            problems.append(Problem(name, i, "live_from", "a live action needs live_from"))
        text = a.get("action") or ""
        de = text.get("de") or text.get("en") if isinstance(text, dict) else str(text)
        en = text.get("en") or text.get("de") if isinstance(text, dict) else str(text)
        owner = a.get("owner")
        journey = ""
        if journey_map is not None and tid in (known or ()):
            tp = journey_map.touchpoint(tid)
            journey = tp.journey_id
            owner = owner or tp.owner
        rows.append(
            {
                "touchpoint": tid,
                "journey": journey,
                "owner": str(owner or ""),
                "action": en,
                "action_de": de,
                "action_en": en,
                "status": status,
                "live_from": when.tz_localize(None) if when is not pd.NaT and when.tzinfo else when,
            }
        )
    if problems:
        raise DataError(problems, summary=f"{name} has {len(problems)} problem(s)")
    out = pd.DataFrame(
        rows,
        columns=[
            "touchpoint",
            "journey",
            "owner",
            "action",
            "action_de",
            "action_en",
            "status",
            "live_from",
        ],
    )
    out["live_from"] = pd.to_datetime(out["live_from"])
    return out


def did_bootstrap(
    treated_before: np.ndarray,
    treated_after: np.ndarray,
    control_before: np.ndarray | None = None,
    control_after: np.ndarray | None = None,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float, float]:
    """Difference in differences of means with a percentile bootstrap interval.

    Without a control (``None`` or an empty side) it is the plain after − before change.

    Returns
    -------
    (effect, low, high) : tuple of float
    """
    rng = np.random.default_rng(random_state)
    cells = [np.asarray(treated_before, float), np.asarray(treated_after, float)]
    has_control = (
        control_before is not None
        and control_after is not None
        and len(control_before) > 0
        and len(control_after) > 0
    )
    if has_control:
        cells += [np.asarray(control_before, float), np.asarray(control_after, float)]
    if any(len(c) == 0 for c in cells):
        return float("nan"), float("nan"), float("nan")

    def est(means: list) -> Any:
        d = means[1] - means[0]
        return d - (means[3] - means[2]) if has_control else d

    point = float(est([c.mean() for c in cells]))
    boots = []
    for c in cells:
        idx = rng.integers(0, len(c), size=(n_boot, len(c))) if len(c) <= 5_000 else None
        if idx is not None:
            boots.append(c[idx].mean(axis=1))
        else:  # large cells: the bootstrap distribution of a mean is normal
            boots.append(c.mean() + c.std(ddof=1) / np.sqrt(len(c)) * rng.standard_normal(n_boot))
    dist = est(boots)
    a = (1 - level) / 2
    return point, float(np.quantile(dist, a)), float(np.quantile(dist, 1 - a))


def _window(ts: pd.Series, live: pd.Timestamp, days: int) -> tuple[np.ndarray, np.ndarray]:
    t = pd.to_datetime(ts, utc=True, errors="coerce").dt.tz_localize(None)
    lo, hi = live - pd.Timedelta(days=days), live + pd.Timedelta(days=days)
    return ((t >= lo) & (t < live)).to_numpy(), ((t >= live) & (t < hi)).to_numpy()


def measure_actions(
    actions: pd.DataFrame,
    events: pd.DataFrame | None,
    feedback: pd.DataFrame | None,
    journey_map: Any,
    *,
    journeys: list[str] | None = None,
    window_days: int = 180,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
) -> pd.DataFrame:
    """Before/after effect of every live action (see the module docstring).

    Parameters
    ----------
    actions : DataFrame
        From :func:`read_actions`.
    events, feedback : DataFrame or None
        The workspace's events; scored, linked feedback.
    journey_map : JourneyMap
    journeys : list of str, optional
        Only actions at touchpoints of these journeys.
    window_days : int
        Days before and after ``live_from`` compared.
    n_boot, level, random_state
        Bootstrap draws, interval level and seed.

    Returns
    -------
    DataFrame
        :data:`ACTION_COLUMNS` plus ``journey``, ``action_de``, ``action_en``.
    """
    rows = []
    live = actions[(actions["status"] == "live") & actions["live_from"].notna()]
    for k, a in enumerate(live.itertuples(index=False)):
        tp = journey_map.touchpoint(a.touchpoint)
        if journeys is not None and tp.journey_id not in journeys:
            continue
        jour = journey_map.journey(tp.journey_id)
        others = [t.id for t in jour.touchpoints if t.id != tp.id]
        seed = random_state + k
        base = {
            "touchpoint": a.touchpoint,
            "owner": a.owner,
            "action": a.action,
            "status": a.status,
            "live_from": a.live_from.strftime("%Y-%m-%d"),
            "journey": tp.journey_id,
            "action_de": a.action_de,
            "action_en": a.action_en,
        }
        if feedback is not None and len(feedback) and "timestamp" in feedback:
            fb = feedback[feedback["journey"] == tp.journey_id]
            b, f = _window(fb["timestamp"], a.live_from, window_days)
            s = pd.to_numeric(fb["sentiment_score"], errors="coerce").to_numpy(float)
            at = (fb["touchpoint"] == tp.id).to_numpy()
            ctl = fb["touchpoint"].isin(others).to_numpy()
            ok = ~np.isnan(s)
            rows.append(
                _row(base, "sentiment", "other touchpoints of the journey",
                     s[at & b & ok], s[at & f & ok], s[ctl & b & ok], s[ctl & f & ok],
                     n_boot, level, seed)
            )  # fmt: skip
        if events is None or not len(events):
            continue
        ev = events[events["journey"] == tp.journey_id]
        b, f = _window(ev["timestamp"], a.live_from, window_days)
        at = (ev["touchpoint"] == tp.id).to_numpy()
        for metric in tp.kpis:
            if metric not in events:
                continue
            same = [
                t for j in journey_map for t in j.touchpoints if t.id != tp.id and metric in t.kpis
            ]
            comp = [t.id for t in same if t.channel == tp.channel] or [t.id for t in same]
            label = (
                "same metric and channel"
                if comp and any(t.channel == tp.channel for t in same)
                else ("same metric" if comp else "none (before/after)")
            )
            v_all = pd.to_numeric(events[metric], errors="coerce")
            cb, cf = _window(events["timestamp"], a.live_from, window_days)
            cm = events["touchpoint"].isin(comp).to_numpy() & v_all.notna().to_numpy()
            v = pd.to_numeric(ev[metric], errors="coerce").to_numpy(float)
            okv = ~np.isnan(v)
            va = v_all.to_numpy(float)
            rows.append(
                _row(base, f"kpi_{metric}", label, v[at & b & okv], v[at & f & okv],
                     va[cm & cb] if comp else None, va[cm & cf] if comp else None,
                     n_boot, level, seed)
            )  # fmt: skip
        drop = _dropoff_obs(ev, jour)
        if drop is not None:
            db, df_ = _window(drop["timestamp"], a.live_from, window_days)
            dat = (drop["touchpoint"] == tp.id).to_numpy()
            dct = drop["touchpoint"].isin(others).to_numpy()
            y = drop["dropped"].to_numpy(float)
            rows.append(
                _row(base, "dropoff", "other touchpoints of the journey",
                     y[dat & db], y[dat & df_], y[dct & db], y[dct & df_], n_boot, level, seed)
            )  # fmt: skip
    cols = [*ACTION_COLUMNS, "journey", "action_de", "action_en"]
    return pd.DataFrame(rows, columns=cols)


def _row(base, metric, comparison, tb, ta, cb, ca, n_boot, level, seed) -> dict:
    eff, lo, hi = did_bootstrap(tb, ta, cb, ca, n_boot=n_boot, level=level, random_state=seed)
    has_c = cb is not None and ca is not None and len(cb) and len(ca)
    return {
        **base,
        "metric": metric,
        "comparison": comparison if has_c else "none (before/after)",
        "n_before": len(tb),
        "n_after": len(ta),
        "before": float(np.mean(tb)) if len(tb) else np.nan,
        "after": float(np.mean(ta)) if len(ta) else np.nan,
        "change": float(np.mean(ta) - np.mean(tb)) if len(ta) and len(tb) else np.nan,
        "comparison_change": float(np.mean(ca) - np.mean(cb)) if has_c else np.nan,
        "effect": eff,
        "effect_low": lo,
        "effect_high": hi,
    }


def _dropoff_obs(ev: pd.DataFrame, jour: Any) -> pd.DataFrame | None:
    """One row per (case, touchpoint) visit: ``dropped`` when the case ends there incomplete."""
    if "case_id" not in ev or not len(ev):
        return None
    last_stage = {t.id for t in jour.stages[-1].touchpoints}
    d = ev[["case_id", "touchpoint", "timestamp"]].copy()
    d["_t"] = pd.to_datetime(d["timestamp"], utc=True, errors="coerce")
    d = d.sort_values(["case_id", "_t"], kind="stable")
    last = d.groupby("case_id", sort=False).tail(1)
    complete = set(d.loc[d["touchpoint"].isin(last_stage), "case_id"])
    first = d.drop_duplicates(["case_id", "touchpoint"])
    ended_here = set(zip(last["case_id"], last["touchpoint"], strict=True))
    first = first.assign(
        dropped=[
            (c, t) in ended_here and c not in complete
            for c, t in zip(first["case_id"], first["touchpoint"], strict=True)
        ]
    )
    return first[["case_id", "touchpoint", "timestamp", "dropped"]]


def action_summary(
    actions: pd.DataFrame, owner: str | None = None, language: str = "en"
) -> pd.DataFrame:
    """A small table of measured actions for an owner report (one row per action × measure).

    Columns: action, touchpoint, measure, before, after, effect, interval.
    """
    a = actions if owner is None else actions[actions["owner"] == owner]
    if not len(a):
        return pd.DataFrame(
            columns=["action", "touchpoint", "measure", "before", "after", "effect", "interval"]
        )
    name = a["action_de"] if language == "de" and "action_de" in a else a["action"]
    return pd.DataFrame(
        {
            "action": name.to_numpy(),
            "touchpoint": a["touchpoint"].to_numpy(),
            "measure": a["metric"].to_numpy(),
            "before": a["before"].round(3).to_numpy(),
            "after": a["after"].round(3).to_numpy(),
            "effect": a["effect"].round(3).to_numpy(),
            "interval": [
                f"[{lo:.3g}, {hi:.3g}]" if lo == lo else ""
                for lo, hi in zip(a["effect_low"], a["effect_high"], strict=True)
            ],
        }
    )
