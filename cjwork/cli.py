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
@click.option("--customers", "n_customers", type=click.IntRange(min=10), default=3000, show_default=True, help="Number of customers to generate (about 8 events and 0.8 comments each).")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed; the same seed gives the same bytes.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True, help="File format of the tables.")
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
@click.option("-o", "--output", "out_dir", type=OUT_PATH, required=True, help="Directory for the tables (created when missing).")
@click.option("--journey", "journeys", multiple=True, metavar="ID", help="Journey id to analyse; repeat for several.")
@click.option("--all", "all_journeys", is_flag=True, help="Analyse every journey of journeys.yml (the default).")
@click.option("--period", type=click.Choice(["month", "week", "quarter"]), default="month", show_default=True, help="Period of trends and KPI periods.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True, help="File format of the tables.")
@click.option("--max-variants", type=click.IntRange(min=1), default=500, show_default=True, help="Variants kept per journey; the rest become one '(other: N variants)' row.")
@click.option("--case-gap-days", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True, help="Inactivity gap (days) that starts a new case when events carry no case_id.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the persona model and the importance bootstrap.")
@click.option("--engine", type=click.Choice(["duckdb", "dask"]), default="duckdb", show_default=True, help="duckdb: one process. dask: the same analyses per customer partition on a Dask cluster (pip install 'cjwork[scale]').")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="Dask scheduler address (tcp://host:8786) for --engine dask; without it a local cluster of 2 workers is started.")
@click.option("--partitions", type=click.IntRange(min=1), default=None, help="Customer partitions for --engine dask (default: 2 per worker thread).")
def analyze(data_dir: Path, out_dir: Path, journeys: tuple[str, ...], all_journeys: bool, period: str, fmt: str, max_variants: int, case_gap_days: float, seed: int, engine: str, scheduler: str | None, partitions: int | None) -> None:
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
        click.echo(f"wrote {len(written)} tables for {len(result.journeys)} journey(s) ({', '.join(result.journeys)}) to {out_dir}")
    for jid, reason in result.failed.items():
        echo_err(f"error: journey '{jid}' failed: {reason}")
    if result.failed:
        sys.exit(1)


# --------------------------------------------------------------------------- report


@cli.command()
@click.argument("data_dir", type=EXISTING_DIR)
@click.option("-o", "--out", "out_dir", type=OUT_PATH, required=True, help="Output directory for <journey>.ipynb, <journey>.html and manifest.json.")
@click.option("--journey", "journeys", multiple=True, metavar="ID", help="A journey to report on (repeatable).")
@click.option("--all", "all_journeys", is_flag=True, help="Report on every journey of journeys.yml.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Journeys run in parallel (one kernel each).")
@click.option("-p", "--parameter", "parameters", type=(str, str), multiple=True, metavar="NAME VALUE", help="A report parameter, e.g. -p language de -p period week (repeatable).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True, help="Seconds one journey's report may take before it is stopped.")
@click.option("--by-owner", is_flag=True, help="Also write one short report per touchpoint owner across the journeys.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar over journeys.")
def report(data_dir: Path, out_dir: Path, journeys: tuple[str, ...], all_journeys: bool, jobs: int, parameters: tuple[tuple[str, str], ...], timeout: float, by_owner: bool, progress: bool) -> None:
    """Run the report notebook for each journey of DATA_DIR with papermill and export HTML (no code)."""
    from cjwork.errors import UsageError
    from cjwork.reports.params import parse_cli_params
    from cjwork.reports.runner import run_reports

    if bool(journeys) == all_journeys:
        raise UsageError("give either --journey ID (one or more) or --all")
    params = parse_cli_params(parameters)
    result = run_reports(data_dir, None if all_journeys else list(journeys), out_dir, jobs=jobs, params=params, timeout=timeout, progress=progress, by_owner=by_owner)
    click.echo(result.summary())
    if result.exit_code:
        sys.exit(result.exit_code)


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
