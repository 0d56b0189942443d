"""Errors and problems: one exception root, and problems as values naming file, field and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class FeedgenNewsError(Exception):
    """Root of every error this package raises on purpose; the CLI turns it into one line."""


class ConfigError(FeedgenNewsError):
    """Bad settings or usage: nothing was written (exit status 2)."""


class LockError(FeedgenNewsError):
    """Another build holds the output folder's lock."""


class StorageError(FeedgenNewsError):
    """A write failed for a reason of the machine's, such as a full disk (exit status 70): the
    previous feeds are intact."""


class StrictError(FeedgenNewsError):
    """--strict: at least one record was rejected, so nothing was written."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input file.

    An ``error`` rejects the record (it is in no feed); a ``warning`` drops or coerces an optional
    value and the record is still published.
    """

    path: str
    reason: str
    field: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        label = "warning: " if self.severity == "warning" else ""
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {label}{field}{self.reason}"
