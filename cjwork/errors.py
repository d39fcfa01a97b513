"""One exception family for everything a user can get wrong.

The command line turns a :class:`CjworkError` into a clean message and an exit code
(``exit_code``); any other exception is a bug and may show a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one input file.

    Rendered as ``FILE:ROW:COLUMN: message``. ``row`` is the line a person sees when
    opening the file (the CSV header is line 1, so the first data row is line 2; for YAML
    the line of the offending key); ``None`` renders as ``-`` where no single row applies.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        column = self.column if self.column else "-"
        return f"{self.file}:{row}:{column}: {self.message}"


class CjworkError(Exception):
    """Base class of every error caused by input or usage; exit code 1."""

    exit_code = 1


class UsageError(CjworkError):
    """Wrong arguments or parameters (exit code 2)."""

    exit_code = 2


class OutputError(UsageError):
    """An output path that cannot be used: an input file, a directory, or the target of
    another output of the same command (exit code 1: nothing was written)."""

    exit_code = 1


class DataError(CjworkError):
    """Input data that cannot be used; carries every problem found, not just the first.

    Parameters
    ----------
    problems : iterable of Problem
        Every problem found, in the order they should be shown.
    summary : str, optional
        One line shown above the problems.
    """

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.summary = summary or f"{len(self.problems)} problem(s) in the input"
        super().__init__(self.render())

    def render(self) -> str:
        """Return the summary line followed by one ``FILE:ROW:COLUMN: message`` per line."""
        return "\n".join([self.summary, *(str(p) for p in self.problems)])


class JourneyMapError(DataError):
    """``journeys.yml`` cannot be read or breaks the journey-map rules."""


class ModelError(CjworkError):
    """A model cannot be fitted or used with the data given (too few rows, no features, ...)."""
