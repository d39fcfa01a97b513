"""The ``cjwork`` command line: thin — parse, call the package, print.

Every :class:`~cjwork.errors.CjworkError` becomes a clean message on stderr and its exit
code (1 bad input, 2 wrong usage); nothing a user typed or supplied produces a traceback.
Each command lives in this file as a small function that calls into the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cjwork._version import __version__
from cjwork.errors import CjworkError
from cjwork.periods import DEFAULT_PERIOD, PERIOD_CHOICES

EXISTING_DIR = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
OUT_PATH = click.Path(path_type=Path)
#: every --seed: numpy takes seeds 0 ... 2**32 - 1; anything else is a usage error (exit 2)
SEED_TYPE = click.IntRange(0, 2**32 - 1)
FORMULA_GUARD_OPTION = click.option(
    "--formula-guard/--no-formula-guard",
    "formula_guard",
    default=True,
    show_default=True,
    help="Prefix ' to text cells starting with = + - @ (or a tab/CR) so spreadsheets show them "
    "as text instead of running them as formulas (numbers are never changed). Turn off only "
    "for files no spreadsheet opens.",
)
SCHEDULER_OPTION = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Dask scheduler address (tcp://host:8786) for --engine dask; without it a local "
    "cluster of 2 workers is started.",
)


#: the one default seed of every command, the report notebook's too
#: (``cjwork.reports.params.DEFAULTS["seed"]``), so the same command line gives the same numbers
DEFAULT_SEED = 42


class _OutputOption(click.Option):
    """``-o/--output``; ``--out`` (the report's old spelling) still works but is not shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        import re

        return re.sub(r", --out(?=\s|$)", "", record[0]), record[1]


def output_option(dest: str, help: str, required: bool = True):
    """The one ``-o/--output`` option of every writing command (``--out`` a hidden alias)."""
    return click.option(
        "-o",
        "--output",
        "--out",
        dest,
        cls=_OutputOption,
        type=OUT_PATH,
        required=required,
        default=None,
        help=help,
    )


class EngineChoice(click.Choice):
    """``local`` or ``dask``; ``duckdb`` (the old name of ``local``) is accepted with a note."""

    def __init__(self) -> None:
        super().__init__(["local", "dask"])

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.lower() == "duckdb":
            click.echo("note: --engine duckdb is now called --engine local", err=True)
            return "local"
        return super().convert(value, param, ctx)


def engine_option(help: str):
    """The one ``--engine local|dask`` option."""
    return click.option(
        "--engine", type=EngineChoice(), default="local", show_default=True, help=help
    )


def seed_option(help: str):
    """The one ``--seed`` option, default :data:`DEFAULT_SEED` everywhere."""
    return click.option(
        "--seed", type=SEED_TYPE, default=DEFAULT_SEED, show_default=True, help=help
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cjwork")
def cli() -> None:
    """cjwork — customer journey management: journey maps as data, personas,
    feedback linked to touchpoints, journey analytics and reports."""


def echo_err(message: str) -> None:
    """Print a message to stderr."""
    click.echo(message, err=True)


# --------------------------------------------------------------------------- sample


@cli.command()
@click.argument("out_dir", type=OUT_PATH, required=False)
@output_option("output", "Directory to write (the same as OUT_DIR).", required=False)
@click.option(
    "--customers",
    "n_customers",
    type=click.IntRange(min=10),
    default=3000,
    show_default=True,
    help="Number of customers to generate (about 8 events and 0.8 comments each).",
)
@seed_option("Random seed; the same seed gives the same bytes.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the tables.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def sample(
    out_dir: Path | None,
    output: Path | None,
    n_customers: int,
    seed: int,
    fmt: str,
    progress: bool,
) -> None:
    """Write a complete sample workspace for a fictional German energy provider to OUT_DIR.

    \b
    Rheinstrom Energie AG: journeys.yml (purchase, onboarding, service, cancellation),
    customers, events (18 months) and feedback (German and English) plus truth/ with
    the planted answers: each customer's persona, each comment's sentiment and
    touchpoint, and the planted effects (truth/effects.json, truth/README.md).

    OUT_DIR must be new or empty: existing data is never overwritten. Files appear
    only when complete. The same --customers and --seed give the same bytes; large
    runs are streamed in chunks (1,000,000 customers fit in little memory).
    """
    from cjwork.errors import UsageError
    from cjwork.sample import write_sample

    if out_dir is not None and output is not None and out_dir != output:
        raise UsageError("give the output directory once: OUT_DIR or -o/--output")
    out_dir = out_dir or output
    if out_dir is None:
        raise UsageError("give the output directory: cjwork sample OUT_DIR (or -o OUT_DIR)")
    summary = write_sample(out_dir, n_customers=n_customers, seed=seed, fmt=fmt, progress=progress)
    click.echo(summary)


# --------------------------------------------------------------------------- validate


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
def validate(data_dir: Path) -> None:
    """Check DATA_DIR against the data contract; list every problem as FILE:ROW:COLUMN: message."""
    from cjwork.io.loader import validate_workspace

    report = validate_workspace(data_dir)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


# --------------------------------------------------------------------------- analyze


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@output_option("out_dir", "Directory for the tables (created when missing).")
@click.option(
    "--journey",
    "journeys",
    multiple=True,
    metavar="ID",
    help="Journey id to analyse; repeat for several.",
)
@click.option(
    "--all",
    "all_journeys",
    is_flag=True,
    help="Analyse every journey of journeys.yml (the default).",
)
@click.option(
    "--period",
    type=click.Choice(list(PERIOD_CHOICES)),
    default=DEFAULT_PERIOD,
    show_default=True,
    help="Period of trends and KPI periods.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the tables.",
)
@click.option(
    "--max-variants",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Variants kept per journey; the rest become one '(other: N variants)' row.",
)
@click.option(
    "--case-gap-days",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Inactivity gap (days) that starts a new case when events carry no case_id.",
)
@seed_option("Seed of the persona model and the importance bootstrap.")
@engine_option(
    "local: one process (DuckDB). dask: the same analyses per customer partition on a Dask "
    "cluster (pip install 'cjwork[scale]'). 'duckdb' is accepted as the old name of local."
)
@SCHEDULER_OPTION
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Customer partitions for --engine dask (default: 2 per worker thread).",
)
@FORMULA_GUARD_OPTION
def analyze(
    data_dir: Path,
    out_dir: Path,
    journeys: tuple[str, ...],
    all_journeys: bool,
    period: str,
    fmt: str,
    max_variants: int,
    case_gap_days: float,
    seed: int,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
    formula_guard: bool,
) -> None:
    """Write the journey analytics of DATA_DIR as plain tables for BI tools and scripts.

    variants, transitions, funnel, touchpoints, kpis and trends (plus timing, loops,
    funnel_groups, kpi_periods), each with a journey column; with feedback also themes,
    changes and whatif, and actions when the workspace has an actions.yml. A workspace with only
    journeys.yml and events gets every analysis that needs only events.
    """
    import pandas as pd

    import cjwork
    from cjwork.analysis import EXTRA_TABLES, TABLES, write_analysis
    from cjwork.analysis import analyze as run_analysis
    from cjwork.errors import UsageError
    from cjwork.io.outputs import OutputGuard

    if journeys and all_journeys:
        raise UsageError("use either --journey ID ... or --all, not both")
    guard = OutputGuard(data_dir)
    guard.claim_dir(out_dir, [f"{t}.{fmt}" for t in (*TABLES, *EXTRA_TABLES)])
    ws = cjwork.load(data_dir)
    result = run_analysis(
        ws,
        journeys=list(journeys) or None,
        period=period,
        max_variants=max_variants,
        case_gap=pd.Timedelta(days=case_gap_days),
        random_state=seed,
        engine=engine,
        scheduler=scheduler,
        npartitions=partitions,
    )
    for line in result.skipped:
        echo_err(f"skipped: {line}")
    for line in result.notes:
        echo_err(f"note: {line}")
    written = (
        write_analysis(
            result, out_dir, fmt=fmt, inputs=ws, formula_guard=formula_guard, guard=guard
        )
        if result.journeys
        else []
    )
    if written:
        click.echo(
            f"wrote {len(written)} tables for {len(result.journeys)} journey(s) ({', '.join(result.journeys)}) to {out_dir}"
        )
    for jid, reason in result.failed.items():
        echo_err(f"error: journey '{jid}' failed: {reason}")
    if result.failed:
        sys.exit(1)


# --------------------------------------------------------------------------- personas


def _k_option(value: str) -> str | int:
    """Parse ``--k``: 'auto' or an int >= 2."""
    from cjwork.errors import UsageError

    text = str(value).strip().lower()
    if text == "auto":
        return "auto"
    try:
        k = int(text)
    except ValueError:
        raise UsageError(f"--k must be 'auto' or an int >= 2, got {value!r}") from None
    if k < 2:
        raise UsageError(f"--k must be 'auto' or an int >= 2, got {k}")
    return k


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@output_option(
    "out_dir",
    "Directory for personas.csv, persona_profiles.csv and persona_profiles.md (created when missing).",
)
@click.option(
    "--k",
    "k",
    default="auto",
    show_default=True,
    metavar="auto|N",
    help="Number of personas, or 'auto' to choose it over 2..10 (silhouette, Calinski-Harabasz and gap; see docs/personas.md).",
)
@seed_option("Random seed; the same data and seed give the same personas.")
@click.option(
    "--method",
    type=click.Choice(["kmeans", "gmm"]),
    default="kmeans",
    show_default=True,
    help="Clustering method.",
)
@click.option(
    "--blocks",
    default="auto",
    show_default=True,
    help="Feature blocks the personas are found in: 'auto' (customer attributes when there are any, else all), 'all', or a comma-separated list of customers,events,feedback.",
)
@click.option(
    "--language",
    type=click.Choice(["en", "de"]),
    default="en",
    show_default=True,
    help="Language of persona names and cards.",
)
@click.option(
    "--save-model",
    type=OUT_PATH,
    default=None,
    help="Also save the fitted PersonaModel (joblib) to this file.",
)
@engine_option(
    "local: one process. dask: features and assignment per customer partition on a Dask "
    "cluster, the model fitted on a stratified sample (--sample-size)."
)
@SCHEDULER_OPTION
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Customer partitions for --engine dask (default: 2 per worker thread).",
)
@click.option(
    "--sample-size",
    type=click.IntRange(min=2),
    default=50_000,
    show_default=True,
    help="Customers the model is fitted on with --engine dask (stratified sample).",
)
@FORMULA_GUARD_OPTION
def personas(
    data_dir: Path,
    out_dir: Path,
    k: str,
    seed: int,
    method: str,
    blocks: str,
    language: str,
    save_model: Path | None,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
    sample_size: int,
    formula_guard: bool,
) -> None:
    """Find personas in DATA_DIR and write them with their profiles (cards) to OUT_DIR.

    personas.csv: customer_id, persona_id, persona_name. persona_profiles.csv: one row per
    persona (size, share, distinguishing traits as effect sizes, channels, journeys and
    drop-off, sentiment, NPS). persona_profiles.md: one readable card per persona.
    """
    import cjwork
    from cjwork.engine import get_engine
    from cjwork.io.outputs import OutputGuard, staged_outputs

    n_personas = _k_option(k)
    names = ["personas.csv", "persona_profiles.csv", "persona_profiles.md"]
    guard = OutputGuard(data_dir)
    guard.claim_dir(out_dir, names)
    if save_model is not None:
        guard.claim(save_model, "--save-model")
    ws = cjwork.load(data_dir)
    guard.add_inputs(ws)
    result = get_engine(engine, scheduler=scheduler, npartitions=partitions).find_personas(
        ws,
        n_personas=n_personas,
        random_state=seed,
        method=method,
        blocks=blocks,
        language=language,
        sample_size=sample_size,
    )
    with staged_outputs(out_dir, guard, command="personas") as staged:
        staged.write_csv(result.assignments, names[0], formula_guard=formula_guard)
        staged.write_csv(result.profiles.to_frame(), names[1], formula_guard=formula_guard)
        staged.write_text(result.profiles.to_markdown(), names[2])
    if save_model is not None:
        guard.write_with(save_model, result.model.save)
    m = result.model
    how = (
        f"chosen by {m.selection}"
        if n_personas == "auto" and m.selection != "auto"
        else (
            "chosen by silhouette, Calinski-Harabasz and gap"
            if n_personas == "auto"
            else "as asked"
        )
    )
    stab = (
        f"; stability (mean pairwise ARI of {m.n_stability_runs} refits) {m.stability_ari_:.2f}"
        if m.stability_ari_ == m.stability_ari_
        else ""
    )
    click.echo(
        f"{m.n_personas_} personas ({how}) for {len(result.assignments):,} customers{stab}; wrote personas.csv, persona_profiles.csv, persona_profiles.md to {out_dir}"
    )
    if getattr(m, "structure_", "") == "no clear persona structure":
        echo_err(
            "note: no clear persona structure: the customers do not fall into distinct groups; "
            "the groups written are slices of one population, not personas (see persona_profiles.md)"
        )
    for note in result.profiles.notes:
        echo_err(f"note: {note}")


# --------------------------------------------------------------------------- report


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@output_option(
    "out_dir", "Output directory for <journey>.ipynb, <journey>.html, index.html and manifest.json."
)
@click.option(
    "--journey",
    "journeys",
    multiple=True,
    metavar="ID",
    help="A journey to report on (repeatable).",
)
@click.option(
    "--all", "all_journeys", is_flag=True, help="Report on every journey of journeys.yml."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Journeys run in parallel (one kernel each).",
)
@click.option(
    "-p",
    "--parameter",
    "parameters",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="A report parameter, e.g. -p n_personas 4 -p top_n 5 (repeatable).",
)
@click.option(
    "--language",
    type=click.Choice(["en", "de"]),
    default=None,
    help="Language of the reports' words, numbers and dates (default: en).",
)
@click.option(
    "--period",
    type=click.Choice(list(PERIOD_CHOICES)),
    default=None,
    help="Period that changes and trends compare (default: month).",
)
@click.option(
    "--seed",
    type=SEED_TYPE,
    default=None,
    help=f"Seed of the persona model and the importance bootstrap (default: {DEFAULT_SEED}).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds one journey's report may take before it is stopped.",
)
@click.option(
    "--by-owner",
    is_flag=True,
    help="Also write one short report per touchpoint owner across the journeys.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar over journeys.")
@engine_option(
    "local: --jobs worker processes here. dask: one papermill run per journey on the Dask "
    "workers (they must see the same paths)."
)
@SCHEDULER_OPTION
def report(
    data_dir: Path,
    out_dir: Path,
    journeys: tuple[str, ...],
    all_journeys: bool,
    jobs: int,
    parameters: tuple[tuple[str, str], ...],
    language: str | None,
    period: str | None,
    seed: int | None,
    timeout: float,
    by_owner: bool,
    progress: bool,
    engine: str,
    scheduler: str | None,
) -> None:
    """Run the report notebook for each journey of DATA_DIR with papermill and export HTML (no code)."""
    from cjwork.errors import UsageError
    from cjwork.reports.params import parse_cli_params
    from cjwork.reports.runner import run_reports

    if bool(journeys) == all_journeys:
        raise UsageError("give either --journey ID (one or more) or --all")
    if out_dir.exists() and not out_dir.is_dir():
        from cjwork.errors import OutputError

        raise OutputError(f"-o {out_dir} is a file; give a directory for the reports")
    params = parse_cli_params(parameters)
    for name, value in (("language", language), ("period", period), ("seed", seed)):
        if value is None:
            continue
        if name in params and params[name] != value:
            raise UsageError(f"--{name} {value} and -p {name} {params[name]} disagree; give one")
        params[name] = value
    # where the journeys' notebooks run: worker processes here, or Dask workers
    batch = {
        "local": lambda: run_reports(
            data_dir, selected, out_dir, jobs=jobs, params=params, timeout=timeout,
            progress=progress, by_owner=by_owner,
        ),
        "dask": lambda: _run_reports_dask(
            data_dir, selected, out_dir, scheduler=scheduler, params=params, timeout=timeout,
            progress=progress, by_owner=by_owner,
        ),
    }  # fmt: skip
    selected = None if all_journeys else list(journeys)
    result = batch[engine]()
    click.echo(result.summary())
    _write_batch_index(result, data_dir)
    if result.exit_code:
        sys.exit(result.exit_code)


def _run_reports_dask(*args, **kwargs):
    """:func:`cjwork.scale.reports.run_reports_dask` (imported only when asked for)."""
    from cjwork.scale.reports import run_reports_dask

    return run_reports_dask(*args, **kwargs)


def _write_batch_index(result, data_dir: Path) -> None:
    """index.html beside the reports: journeys, owners, status, date, links."""
    from cjwork.journeymap import load_journey_map
    from cjwork.reports.index_page import write_index

    try:
        jm = load_journey_map(data_dir / "journeys.yml")
    except CjworkError:
        jm = None
    lang = (result.manifest or {}).get("parameters", {}).get("language") or "en"
    path = write_index(result, jm.in_language(lang) if jm is not None else None, lang)
    click.echo(f"index: {path}")


# --------------------------------------------------------------------------- sentiment

EMBEDDINGS_CHOICE = {"auto": "auto", "on": True, "off": False}


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@output_option("out_file", "CSV file to write (never one of the inputs).")
@click.option(
    "--text-column",
    default=None,
    metavar="COL",
    help="Column holding the text when SOURCE is a CSV file (default: 'text').",
)
@click.option(
    "--language",
    type=click.Choice(["auto", "de", "en"]),
    default="auto",
    show_default=True,
    help="Language of all texts; 'auto' detects per text (a 'language' column wins where it says de or en).",
)
@click.option(
    "--learn-from",
    type=click.Choice(["none", "auto", "rating", "nps"]),
    default="none",
    show_default=True,
    help="Learn from the data's own ratings: 'rating' (1-2 stars negative, 3 neutral, 4-5 positive) or "
    "'nps' (0-6 detractor = negative, 7-8 passive = neutral, 9-10 promoter = positive); 'auto' picks "
    "rating, then nps, when >= 200 rows have them. A TF-IDF model is fitted and used only if its 5-fold "
    "cross-validated macro-F1 beats the built-in lexicon scorer's on the same folds by 0.02; the choice "
    "and both scores are printed. 'none' uses the lexicon scorer (no training, offline).",
)
@click.option(
    "--embeddings",
    type=click.Choice(["auto", "on", "off"]),
    default="auto",
    show_default=True,
    help="With --learn-from: let the learned model also read multilingual sentence embeddings "
    "(bundled, offline). 'auto' cross-validates it with and without them and keeps them only if "
    "macro-F1 rises (tried on up to 20,000 labelled texts); 'off' is fastest: with embeddings "
    "the learned model scores about 600 instead of 4,000 texts/s on two cores.",
)
@seed_option("Seed of the cross-validation split and the solver.")
@engine_option(
    "local: score here. dask: score the texts on the Dask workers (the scorer is fitted "
    "here and shipped once)."
)
@SCHEDULER_OPTION
@FORMULA_GUARD_OPTION
def sentiment(
    source: Path,
    out_file: Path,
    text_column: str | None,
    language: str,
    learn_from: str,
    embeddings: str,
    seed: int,
    engine: str,
    scheduler: str | None,
    formula_guard: bool,
) -> None:
    """Score the sentiment of German and English feedback: SOURCE is a data directory (its
    feedback table) or any CSV file with --text-column.

    Writes the input rows, in order, with language (de | en | other), sentiment_score
    (-1 ... 1) and sentiment_label (negative | neutral | positive) added. Works with no
    training data; empty, non-text, very long and mis-encoded texts are handled and counted.
    """
    from cjwork.engine import get_engine
    from cjwork.io.outputs import OutputGuard
    from cjwork.text.cli_support import read_text_source

    guard = OutputGuard(source)
    guard.claim(out_file, "-o")
    frame, inputs, label = read_text_source(source, text_column)
    guard.add_inputs(inputs)
    out, notes = get_engine(engine, scheduler=scheduler).score_frame(
        frame,
        text_column or "text",
        language=language,
        learn_from=learn_from,
        embeddings=EMBEDDINGS_CHOICE[embeddings],
        random_state=seed,
    )
    guard.write_csv(out, out_file, formula_guard=formula_guard)
    for line in notes:
        echo_err(line)
    click.echo(f"wrote {len(out):,} scored rows from {label} to {out_file}")


# --------------------------------------------------------------------------- link


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@output_option("out_file", "CSV file for the links, one row per feedback.")
@click.option(
    "--window",
    default="14D",
    show_default=True,
    help="How far back the customer's last event may be for an 'event' link (pandas duration: 14D, 48h).",
)
@click.option(
    "--text-overrides-event",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="Text-link confidence at which a text naming another touchpoint beats the last event.",
)
@click.option(
    "--candidates",
    "candidates_file",
    type=OUT_PATH,
    default=None,
    help="Also write the long table of every touchpoint each text names (feedback_id, journey, touchpoint, score).",
)
@click.option("--events/--no-events", default=True, help="Use the event log for 'event' links.")
@click.option(
    "--model/--no-model",
    default=True,
    help="Link what the rules leave unlinked with the link model: sentence-embedding similarity to the touchpoints (no links needed), learned from explicit links when there are 30+; it abstains when unsure.",
)
@seed_option("Seed of the model's cross-validation.")
@engine_option(
    "local: link here. dask: link per customer partition on the Dask workers (explicit, "
    "event and text rules; no model)."
)
@SCHEDULER_OPTION
@FORMULA_GUARD_OPTION
def link(
    data_dir: Path,
    out_file: Path,
    window: str,
    text_overrides_event: float,
    candidates_file: Path | None,
    events: bool,
    model: bool,
    seed: int,
    engine: str,
    scheduler: str | None,
    formula_guard: bool,
) -> None:
    """Link every feedback of DATA_DIR to a touchpoint.

    One row per feedback: feedback_id, journey, touchpoint (empty when unknown),
    link_method (explicit | event | text | model), link_confidence (0 ... 1), stage.
    Precedence: explicit > event (the customer's last event within --window) > text
    (journeys.yml keywords) > model (sentence embeddings, learned from explicit links; see
    docs/linking.md); a text that clearly names another touchpoint beats the event.
    Coverage per method and the share left unlinked are printed.
    """
    import cjwork
    from cjwork.engine import get_engine
    from cjwork.errors import UsageError
    from cjwork.io.outputs import OutputGuard

    guard = OutputGuard(data_dir)
    guard.claim(out_file, "-o")
    if candidates_file is not None:
        guard.claim(candidates_file, "--candidates")
    ws = cjwork.load(data_dir)
    guard.add_inputs(ws)
    ws.require("feedback")
    eng = get_engine(engine, scheduler=scheduler)
    if candidates_file is not None and not eng.link_candidates:
        raise UsageError(
            f"--candidates is not available with --engine {engine}; leave it out or use --engine local"
        )
    links, candidates, summary = eng.link_feedback(
        ws.feedback,
        ws.journeys,
        events=ws.events if events else None,
        window=window,
        text_overrides_event=text_overrides_event,
        use_model="auto" if model else "never",
        random_state=seed,
    )
    cols = ["feedback_id", "journey", "touchpoint", "link_method", "link_confidence", "stage"]
    guard.write_csv(links[cols], out_file, formula_guard=formula_guard)
    if candidates_file is not None:
        guard.write_csv(candidates, candidates_file, formula_guard=formula_guard)
    cov = ", ".join(f"{m} {share:.1%}" for m, share in summary["coverage"].items())
    click.echo(
        f"linked {summary['n']:,} feedback rows{summary.get('where', '')}: {cov}; "
        f"unlinked {summary['unlinked']:.1%}"
    )
    if "model_cv_accuracy" in summary:
        used = "used" if summary.get("model_used") else "not used"
        echo_err(
            f"note: link model CV accuracy {summary['model_cv_accuracy']:.3f} vs text {summary['text_accuracy_on_explicit']:.3f} on explicit links: model {used}, abstains below {summary.get('model_threshold', 0):.2f}"
        )
    click.echo(f"wrote {out_file}")


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM ends the command like Ctrl-C does: temporary files and staged outputs are
    removed on the way out (``finally`` blocks run) instead of being left behind."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # not available here
        pass


# --------------------------------------------------------------------------- paths / compare


ENGINE_OPTION = engine_option(
    "local: one process. dask: cases prepared per customer partition on a Dask cluster; "
    "the same tables."
)
PARTITIONS_OPTION = click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Customer partitions for --engine dask (default: 2 per worker thread).",
)


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@click.option(
    "--around",
    "touchpoint",
    required=True,
    metavar="TOUCHPOINT",
    help="Touchpoint id to centre on.",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1, max=50),
    default=3,
    show_default=True,
    help="Steps before and after.",
)
@output_option("out_dir", "Directory for before.csv, after.csv, flows.csv (created when missing).")
@ENGINE_OPTION
@SCHEDULER_OPTION
@PARTITIONS_OPTION
def paths(
    data_dir: Path,
    touchpoint: str,
    steps: int,
    out_dir: Path,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
) -> None:
    """What customers do before and after TOUCHPOINT (every case counted at its first visit).

    \b
    before.csv / after.csv: journey, step (-N..-1 / 1..N), touchpoint ((start)/(end) where
    the case has no event there), cases, share (of the cases through the touchpoint).
    flows.csv: the step Sankey's links (step, source, target, cases, share).
    """
    import cjwork
    from cjwork.engine import case_frames as frames
    from cjwork.io.writing import write_csv_atomic
    from cjwork.journeymap import unknown_id_message
    from cjwork.journeys.around import paths_around, step_flows

    ws = cjwork.load(data_dir)
    ws.require("events")
    known = ws.journeys.touchpoint_ids
    if touchpoint not in known:
        raise CjworkError(unknown_id_message("touchpoint", touchpoint, known))
    jid = ws.journeys.touchpoint(touchpoint).journey_id
    events, _ = frames(
        ws.events, ws.journeys, jid, engine=engine, scheduler=scheduler, npartitions=partitions
    )
    before, after = paths_around(events, touchpoint, steps, known=known)
    flows = step_flows(events, touchpoint, steps)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in (("before", before), ("after", after), ("flows", flows)):
        write_csv_atomic(df, out_dir / f"{name}.csv", float_format="%.10g", inputs=ws)
    n = int(before.loc[before["step"] == -1, "cases"].sum()) if len(before) else 0
    click.echo(
        f"{n:,} case(s) through {touchpoint} (journey {jid}); wrote before.csv, after.csv, flows.csv to {out_dir}"
    )


def _read_ids(path: Path) -> list[str]:
    import pandas as pd

    from cjwork.errors import DataError, Problem

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise DataError(
            [Problem(path.name, None, None, f"cannot read the id list ({exc})")]
        ) from None
    col = "customer_id" if "customer_id" in df.columns else df.columns[0]
    ids = [col] if col != "customer_id" else []  # a headerless file: its first line is an id
    return ids + [v.strip() for v in df[col] if v.strip()]


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@click.option(
    "--by",
    required=True,
    metavar="COLUMN",
    help="A customers column, or persona, channel, completed, ids.",
)
@click.option(
    "--a", "a", default=None, metavar="VALUE", help="Value of group A (completed: yes/no)."
)
@click.option("--b", "b", default=None, metavar="VALUE", help="Value of group B.")
@click.option(
    "--a-ids",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File of customer ids of group A (with --by ids).",
)
@click.option(
    "--b-ids",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File of customer ids of group B (with --by ids).",
)
@output_option("out_dir", "Directory for compare.csv and groups.csv (created when missing).")
@click.option(
    "--journey",
    "journeys",
    multiple=True,
    metavar="ID",
    help="Journey id; repeat for several (default: all).",
)
@click.option(
    "--around",
    "touchpoint",
    default=None,
    metavar="TOUCHPOINT",
    help="Also write step_matrix_diff.csv (B minus A) around this touchpoint.",
)
@click.option(
    "--correction",
    type=click.Choice(["holm", "bh"]),
    default="holm",
    show_default=True,
    help="Multiple-testing correction per measure.",
)
@seed_option("Seed of the bootstrap (and of personas when computed).")
@ENGINE_OPTION
@SCHEDULER_OPTION
@PARTITIONS_OPTION
def compare(
    data_dir: Path,
    by: str,
    a: str | None,
    b: str | None,
    a_ids: Path | None,
    b_ids: Path | None,
    out_dir: Path,
    journeys: tuple[str, ...],
    touchpoint: str | None,
    correction: str,
    seed: int,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
) -> None:
    """Compare two groups of cases: funnel, transitions, touchpoint sentiment and timing.

    \b
    compare.csv: journey, measure (funnel|transition|sentiment|timing), item, a_n,
    a_value, b_n, b_value, diff (B - A), diff_low, diff_high, p_value, p_adjusted,
    significant. groups.csv: the cases of each group per journey.
    """
    import pandas as pd

    import cjwork
    from cjwork.engine import case_frames as frames
    from cjwork.errors import UsageError
    from cjwork.io.writing import write_csv_atomic
    from cjwork.journeymap import unknown_id_message
    from cjwork.journeys.around import differential_step_matrix
    from cjwork.journeys.compare import compare_groups, group_labels, split_events

    if by == "ids" and (a_ids is None or b_ids is None):
        raise UsageError("--by ids needs --a-ids FILE and --b-ids FILE")
    ws = cjwork.load(data_dir)
    ws.require("events")
    if touchpoint is not None and touchpoint not in ws.journeys.touchpoint_ids:
        raise CjworkError(unknown_id_message("touchpoint", touchpoint, ws.journeys.touchpoint_ids))
    events, cases = frames(
        ws.events,
        ws.journeys,
        list(journeys) or None,
        engine=engine,
        scheduler=scheduler,
        npartitions=partitions,
    )
    personas = None
    if by == "persona":
        pfile = Path(data_dir) / "personas.csv"
        if pfile.exists():
            personas = pd.read_csv(pfile, dtype=str)
        elif ws.customers is not None and len(ws.customers):
            from cjwork.personas import assign_personas

            personas = assign_personas(ws, random_state=seed)
    labels = group_labels(
        cases, by=by, a=a, b=b, customers=ws.customers, personas=personas,
        a_ids=_read_ids(a_ids) if a_ids else None, b_ids=_read_ids(b_ids) if b_ids else None,
    )  # fmt: skip
    feedback = None
    if ws.feedback is not None and len(ws.feedback):
        from cjwork.text import enrich_feedback

        feedback = enrich_feedback(ws, random_state=seed)
    table = compare_groups(
        events, cases, labels, ws.journeys, feedback, correction=correction, random_state=seed
    )
    groups = (
        cases.assign(group=labels.to_numpy())
        .dropna(subset=["group"])
        .groupby(["journey", "group"], sort=False)
        .size()
        .rename("cases")
        .reset_index()
    )
    groups["definition"] = groups["group"].map({"a": labels.attrs["a"], "b": labels.attrs["b"]})
    order = {j: i for i, j in enumerate(ws.journeys.journey_ids)}
    groups = groups.sort_values(
        ["journey", "group"], key=lambda c: c.map(order) if c.name == "journey" else c
    ).reset_index(drop=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(table, out_dir / "compare.csv", float_format="%.10g", inputs=ws)
    write_csv_atomic(groups, out_dir / "groups.csv", inputs=ws)
    written = ["compare.csv", "groups.csv"]
    if touchpoint is not None:
        ea, eb = split_events(events, cases, labels)
        diff = differential_step_matrix(ea, eb, touchpoint)
        write_csv_atomic(
            diff.reset_index(), out_dir / "step_matrix_diff.csv", float_format="%.10g", inputs=ws
        )
        written.append("step_matrix_diff.csv")
    n_sig = int(table["significant"].sum()) if len(table) else 0
    click.echo(
        f"A: {labels.attrs['a']} ({int((labels == 'a').sum()):,} cases), B: {labels.attrs['b']} "
        f"({int((labels == 'b').sum()):,} cases); {len(table):,} differences, {n_sig} significant "
        f"after {correction}; wrote {', '.join(written)} to {out_dir}"
    )


# --------------------------------------------------------------------------- cases


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@output_option("out_dir", "Directory for the lists.")
@click.option(
    "--journey", "journeys", multiple=True, metavar="ID", help="Only these journeys (repeatable)."
)
@click.option(
    "--language",
    type=click.Choice(["en", "de"]),
    default="en",
    show_default=True,
    help="Language of the reasons.",
)
@seed_option("Seed of the prioritisation bootstrap.")
@click.option(
    "--closure",
    "closure_dir",
    type=EXISTING_DIR,
    default=None,
    help="A directory of filled-in lists (status done/closed, closed date): write closure.csv per owner instead.",
)
def cases(
    data_dir: Path,
    out_dir: Path,
    journeys: tuple[str, ...],
    language: str,
    seed: int,
    closure_dir: Path | None,
) -> None:
    """Write one callback list per owner (cases_<owner>.csv) from the case rules in journeys.yml.

    Defaults: NPS <= 6 at a moment of truth, negative feedback at a dissatisfier, a repeat
    contact within 7 days; only the last 30 days; due after a 3-day SLA.
    """
    import cjwork
    from cjwork.loop.cases import (
        case_list_summary,
        cases_for,
        closure_stats,
        read_case_lists,
        write_case_lists,
    )

    if closure_dir is not None:
        from cjwork.io.writing import write_csv_atomic

        stats = closure_stats(read_case_lists(sorted(closure_dir.glob("cases_*.csv"))))
        out_dir.mkdir(parents=True, exist_ok=True)
        write_csv_atomic(stats, out_dir / "closure.csv")
        click.echo(
            f"wrote closure of {int(stats['cases'].sum()) if len(stats) else 0} cases for {len(stats)} owner(s) to {out_dir / 'closure.csv'}"
        )
        return
    ws = cjwork.load(data_dir)
    result = cases_for(ws, journeys=list(journeys) or None, language=language, random_state=seed)
    written = write_case_lists(result, out_dir, inputs=ws)
    click.echo(case_list_summary(result, len(written), out_dir))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command line, turning cjwork errors into messages and exit codes."""
    _stop_cleanly_on_sigterm()
    try:
        cli.main(args=argv, prog_name="cjwork", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        echo_err("Aborted.")
        sys.exit(1)
    except CjworkError as exc:
        echo_err(f"error: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        echo_err("Interrupted.")
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
