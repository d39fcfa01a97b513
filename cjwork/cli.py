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

EXISTING_DIR = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
OUT_PATH = click.Path(path_type=Path)
SCHEDULER_OPTION = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Dask scheduler address (tcp://host:8786) for --engine dask; without it a local "
    "cluster of 2 workers is started.",
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
@click.argument("out_dir", type=OUT_PATH)
@click.option(
    "--customers",
    "n_customers",
    type=click.IntRange(min=10),
    default=3000,
    show_default=True,
    help="Number of customers to generate (about 8 events and 0.8 comments each).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed; the same seed gives the same bytes.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the tables.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def sample(out_dir: Path, n_customers: int, seed: int, fmt: str, progress: bool) -> None:
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
    from cjwork.sample import write_sample

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
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=OUT_PATH,
    required=True,
    help="Directory for the tables (created when missing).",
)
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
    type=click.Choice(["month", "week", "quarter"]),
    default="month",
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
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the persona model and the importance bootstrap.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "dask"]),
    default="duckdb",
    show_default=True,
    help="duckdb: one process. dask: the same analyses per customer partition on a Dask cluster (pip install 'cjwork[scale]').",
)
@SCHEDULER_OPTION
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Customer partitions for --engine dask (default: 2 per worker thread).",
)
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
) -> None:
    """Write the journey analytics of DATA_DIR as plain tables for BI tools and scripts.

    variants, transitions, funnel, touchpoints, kpis and trends (plus timing, loops,
    funnel_groups, kpi_periods), each with a journey column. A workspace with only
    journeys.yml and events gets every analysis that needs only events.
    """
    import pandas as pd

    import cjwork
    from cjwork.analysis import analyze as run_analysis
    from cjwork.analysis import write_analysis
    from cjwork.errors import UsageError

    if journeys and all_journeys:
        raise UsageError("use either --journey ID ... or --all, not both")
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
    written = write_analysis(result, out_dir, fmt=fmt, inputs=ws) if result.journeys else []
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
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=OUT_PATH,
    required=True,
    help="Directory for personas.csv, persona_profiles.csv and persona_profiles.md (created when missing).",
)
@click.option(
    "--k",
    "k",
    default="auto",
    show_default=True,
    metavar="auto|N",
    help="Number of personas, or 'auto' to choose it over 2..10 (silhouette, Calinski-Harabasz and gap; see docs/personas.md).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed; the same data and seed give the same personas.",
)
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
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "dask"]),
    default="duckdb",
    show_default=True,
    help="duckdb: one process. dask: features and assignment per customer partition on a Dask cluster, the model fitted on a stratified sample (--sample-size).",
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
) -> None:
    """Find personas in DATA_DIR and write them with their profiles (cards) to OUT_DIR.

    personas.csv: customer_id, persona_id, persona_name. persona_profiles.csv: one row per
    persona (size, share, distinguishing traits as effect sizes, channels, journeys and
    drop-off, sentiment, NPS). persona_profiles.md: one readable card per persona.
    """
    import cjwork
    from cjwork.io.writing import write_csv_atomic, write_text_atomic
    from cjwork.personas import find_personas

    n_personas = _k_option(k)
    ws = cjwork.load(data_dir)
    if engine == "dask":
        from cjwork.scale.personas import find_personas_dask

        result = find_personas_dask(
            ws,
            n_personas=n_personas,
            random_state=seed,
            method=method,
            blocks=blocks,
            language=language,
            sample_size=sample_size,
            scheduler=scheduler,
            npartitions=partitions,
        )
    else:
        result = find_personas(
            ws,
            n_personas=n_personas,
            random_state=seed,
            method=method,
            blocks=blocks,
            language=language,
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(result.assignments, out_dir / "personas.csv", inputs=ws)
    write_csv_atomic(result.profiles.to_frame(), out_dir / "persona_profiles.csv", inputs=ws)
    write_text_atomic(result.profiles.to_markdown(), out_dir / "persona_profiles.md", inputs=ws)
    if save_model is not None:
        result.model.save(save_model)
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
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=OUT_PATH,
    required=True,
    help="Output directory for <journey>.ipynb, <journey>.html and manifest.json.",
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
    help="A report parameter, e.g. -p language de -p period week (repeatable).",
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
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: --jobs worker processes here. dask: one papermill run per journey on the Dask workers (they must see the same paths).",
)
@SCHEDULER_OPTION
def report(
    data_dir: Path,
    out_dir: Path,
    journeys: tuple[str, ...],
    all_journeys: bool,
    jobs: int,
    parameters: tuple[tuple[str, str], ...],
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
    params = parse_cli_params(parameters)
    if engine == "dask":
        from cjwork.scale.reports import run_reports_dask

        result = run_reports_dask(
            data_dir,
            None if all_journeys else list(journeys),
            out_dir,
            scheduler=scheduler,
            params=params,
            timeout=timeout,
            progress=progress,
            by_owner=by_owner,
        )
    else:
        result = run_reports(
            data_dir,
            None if all_journeys else list(journeys),
            out_dir,
            jobs=jobs,
            params=params,
            timeout=timeout,
            progress=progress,
            by_owner=by_owner,
        )
    click.echo(result.summary())
    if result.exit_code:
        sys.exit(result.exit_code)


# --------------------------------------------------------------------------- sentiment

EMBEDDINGS_CHOICE = {"auto": "auto", "on": True, "off": False}


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_file",
    type=OUT_PATH,
    required=True,
    help="CSV file to write (never one of the inputs).",
)
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
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the cross-validation split and the solver.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: score the texts on the Dask workers (the scorer is fitted here and shipped once).",
)
@SCHEDULER_OPTION
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
) -> None:
    """Score the sentiment of German and English feedback: SOURCE is a data directory (its
    feedback table) or any CSV file with --text-column.

    Writes the input rows, in order, with language (de | en | other), sentiment_score
    (-1 ... 1) and sentiment_label (negative | neutral | positive) added. Works with no
    training data; empty, non-text, very long and mis-encoded texts are handled and counted.
    """
    from cjwork.io.writing import write_csv_atomic
    from cjwork.text.cli_support import read_text_source, score_frame

    frame, inputs, label = read_text_source(source, text_column)
    if engine == "dask":
        from cjwork.scale.text import score_frame_dask

        out, notes = score_frame_dask(
            frame,
            text_column or "text",
            language=language,
            learn_from=learn_from,
            embeddings=EMBEDDINGS_CHOICE[embeddings],
            random_state=seed,
            scheduler=scheduler,
        )
    else:
        out, notes = score_frame(
            frame,
            text_column or "text",
            language=language,
            learn_from=learn_from,
            embeddings=EMBEDDINGS_CHOICE[embeddings],
            random_state=seed,
        )
    write_csv_atomic(out, out_file, inputs=inputs)
    for line in notes:
        echo_err(line)
    click.echo(f"wrote {len(out):,} scored rows from {label} to {out_file}")


# --------------------------------------------------------------------------- link


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@click.option(
    "-o",
    "--output",
    "out_file",
    type=OUT_PATH,
    required=True,
    help="CSV file for the links, one row per feedback.",
)
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
    help="Train a classifier on explicit links (used only where it beats text linking in CV).",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the model's cross-validation."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: link per customer partition on the Dask workers (explicit, event and text rules; no model).",
)
@SCHEDULER_OPTION
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
) -> None:
    """Link every feedback of DATA_DIR to a touchpoint.

    One row per feedback: feedback_id, journey, touchpoint (empty when unknown),
    link_method (explicit | event | text | model), link_confidence (0 ... 1), stage.
    Precedence: explicit > event (the customer's last event within --window) > text
    (journeys.yml keywords) > model; a text that clearly names another touchpoint beats the
    event. Coverage per method and the share left unlinked are printed.
    """
    import cjwork
    from cjwork.io.writing import write_csv_atomic
    from cjwork.text.linking import link_feedback

    ws = cjwork.load(data_dir)
    ws.require("feedback")
    if engine == "dask":
        from cjwork.errors import UsageError
        from cjwork.scale.text import link_touchpoints

        if candidates_file is not None:
            raise UsageError(
                "--candidates is not available with --engine dask; leave it out or use --engine local"
            )
        links = link_touchpoints(
            ws.feedback,
            ws.journeys,
            ws.events if events else None,
            window=window,
            text_overrides_event=text_overrides_event,
            scheduler=scheduler,
        )
        write_csv_atomic(
            links[
                ["feedback_id", "journey", "touchpoint", "link_method", "link_confidence", "stage"]
            ],
            out_file,
            inputs=ws,
        )
        linked = links["touchpoint"].fillna("").astype(str) != ""
        cov = ", ".join(
            f"{m} {share:.1%}"
            for m, share in links.loc[linked, "link_method"]
            .value_counts(normalize=False)
            .div(len(links))
            .items()
        )
        click.echo(
            f"linked {len(links):,} feedback rows on the Dask workers: {cov}; unlinked {1 - linked.mean():.1%}"
        )
        return
    links, candidates, summary = link_feedback(
        ws.feedback,
        ws.journeys,
        events=ws.events if events else None,
        window=window,
        text_overrides_event=text_overrides_event,
        use_model="auto" if model else "never",
        random_state=seed,
    )
    cols = ["feedback_id", "journey", "touchpoint", "link_method", "link_confidence", "stage"]
    write_csv_atomic(links[cols], out_file, inputs=ws)
    if candidates_file is not None:
        write_csv_atomic(candidates, candidates_file, inputs=ws)
    cov = ", ".join(f"{m} {share:.1%}" for m, share in summary["coverage"].items())
    click.echo(f"linked {summary['n']:,} feedback rows: {cov}; unlinked {summary['unlinked']:.1%}")
    if "model_cv_accuracy" in summary:
        used = "used" if summary.get("model_used") else "not used"
        echo_err(
            f"note: link model CV accuracy {summary['model_cv_accuracy']:.3f} vs text {summary['text_accuracy_on_explicit']:.3f} on explicit links: model {used}"
        )
    click.echo(f"wrote {out_file}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command line, turning cjwork errors into messages and exit codes."""
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
