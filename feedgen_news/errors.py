"""Errors and problems: one exception root, and problems as values naming file, field and reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

Severity = Literal["error", "warning"]


class FeedgenNewsError(Exception):
    """Root of every error this package raises on purpose; the CLI turns it into one line."""


class ConfigError(FeedgenNewsError):
    """Bad settings or usage: nothing was written (exit status 2)."""


class LockError(FeedgenNewsError):
    """Another build holds the output folder's lock."""


class ShrinkError(FeedgenNewsError):
    """The build would remove most published feeds or every record: nothing was written."""


class StorageError(FeedgenNewsError):
    """A write failed for a reason of the machine's, such as a full disk (exit status 70): the
    previous feeds are intact."""


class StrictError(FeedgenNewsError):
    """--strict: at least one record was rejected, so nothing was written."""


def printable(text: str) -> str:
    """``text`` (a path or a value a user gave) for a one-line message: every character that
    is not printable shown as an escape, and a backslash doubled, so no name can break a line,
    move the cursor or forge another message, and two names never look alike.

    Undecodable bytes of a file name (surrogate escapes) show as ``\\xff``; controls as
    ``\\n``, ``\\x1b``; other invisible characters (C1 controls, line separators, bidi
    overrides, unassigned code points) as ``\\u202e`` or ``\\U000e0001``.
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape(ch) for ch in text)


_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if ch.isprintable():
        return ch
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:  # C0 controls and DEL: the same byte in every encoding
        return f"\\x{code:02x}"
    # \u even below 0x100: U+0080 is a character, unlike the undecodable byte \x80.
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def toml_value(value: Any) -> str:
    """A setting's value as the TOML file wrote it (or its kind), for a one-line message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # a TOML date or time


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
        where = printable(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        label = "warning: " if self.severity == "warning" else ""
        field = f"{printable(self.field)}: " if self.field else ""
        return f"{where}: {label}{field}{self.reason}"


def relabel(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    """Problems name files by their path inside the input folder (so the cache can keep them);
    show them as the user spelled the input folder. The one place problems are labelled."""
    prefix = prefix.rstrip("/")
    # A problem of the whole folder (an empty path) is named by the folder itself.
    return [
        replace(p, path=f"{prefix}/{p.path}" if prefix and p.path else p.path or prefix or ".")
        for p in problems
    ]
