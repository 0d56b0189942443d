"""Reading one record's fields: each value checked and converted, each problem kept as a value
with the line and column of the value in the file.

``FieldReader`` holds one record's state (its front matter, the problems so far) and reads the
plain field kinds: text, URLs, dates, whole numbers and lists. ``validate`` builds the
record's parts from them.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..config import Site
from ..errors import Problem
from ..urls import http_url
from .dates import read_date
from .frontmatter import FM_LINE_OFFSET, FrontMatter
from .values import kind_of, number_text, publishable_text, show

FieldPath = tuple[str | int, ...]  # a value's place in the front matter: ("images", 0, "url")


class FieldReader:
    """One record's fields being read: where they are, and the problems found so far."""

    __slots__ = (
        "date_order",
        "fields",
        "max_topics",
        "problems",
        "relpath",
        "repair",
        "root",
        "strip_illegal",
        "warned_ambiguous",
    )

    def __init__(
        self, front: FrontMatter, relpath: str, site: Site, problems: list[Problem]
    ) -> None:
        self.relpath = relpath
        self.fields = front.fields
        self.root: Node = front.root
        self.strip_illegal = front.has_escapes
        self.repair = site.repair_mojibake
        self.max_topics = site.max_topics_per_record
        self.date_order = site.date_order
        self.warned_ambiguous = False
        self.problems = problems

    # -- problems --

    def warn(
        self,
        reason: str,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problems.append(Problem(self.relpath, reason, field, line, column, "warning"))

    def position(self, path: FieldPath) -> tuple[int | None, int | None]:
        """File line and column of the value at ``path`` (or its nearest existing parent)."""
        node = self.root
        for step in path:
            child: Node | None = None
            if isinstance(node, MappingNode) and isinstance(step, str):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == step:
                        child = value
            elif (
                isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value)
            ):
                child = node.value[step]
            if child is None:
                break
            node = child
        return node.start_mark.line + FM_LINE_OFFSET, node.start_mark.column + 1

    def problem(self, path: FieldPath, reason: str, severity: str) -> None:
        line, col = self.position(path)
        field = field_name(path)
        if severity == "error":
            self.problems.append(Problem(self.relpath, reason, field, line, col))
        else:
            self.problems.append(Problem(self.relpath, reason, field, line, col, "warning"))

    def error(self, path: FieldPath, reason: str) -> None:
        self.problem(path, reason, "error")

    def warning(self, path: FieldPath, reason: str) -> None:
        self.problem(path, reason, "warning")

    # -- values --

    def text(self, value: str) -> str:
        """Publishable text: XML-legal, mojibake repaired, NFC (not trimmed)."""
        return publishable_text(value, strip_illegal=self.strip_illegal, repair=self.repair)

    def string(self, value: Any, path: FieldPath, required: bool) -> str | None:
        """Text from a string or a number; anything else is an error or a dropped value."""
        if isinstance(value, str):
            return self.text(value).strip() or None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return number_text(value)
        if value is not None or required:
            reason = f"must be text, got {kind_of(value)}"
            if required:
                self.error(path, reason)
            else:
                self.warning(path, reason + "; dropped")
        return None

    def url(self, value: Any, path: FieldPath, required: bool) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            url = http_url(value)
            if url is not None:
                return url
        reason = f"not an absolute http(s) URL: {show(value)}"
        if required:
            self.error(path, reason)
        else:
            self.warning(path, reason + "; dropped")
        return None

    def when(self, value: Any, path: FieldPath, required: bool) -> datetime | None:
        if value is None:
            return None
        read = read_date(value, self.date_order)
        if isinstance(read, str):
            if required:
                self.error(path, read)
            else:
                self.warning(path, read + "; dropped")
            return None
        if read.ambiguous is not None and not self.warned_ambiguous:
            self.warned_ambiguous = True  # one is enough to see how the record's dates are read
            self.warning(path, read.ambiguous)
        return read.moment

    def dimension(self, value: Any, path: FieldPath) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        number: int | None = None
        if isinstance(value, float) and value.is_integer() and value > 0:
            number = int(value)
        elif isinstance(value, str) and value.strip().isdecimal() and len(value) < 10:
            number = int(value.strip())
        if number is not None and number > 0:
            self.warning(path, f"must be a whole number, got {show(value)}; used {number}")
            return number
        self.warning(path, f"must be a positive whole number, got {show(value)}; dropped")
        return None

    def number(self, value: Any, path: FieldPath) -> float | None:
        """A finite number (an editorial signal such as ``quality``); anything else is dropped
        with a warning: a mistyped signal must not silently drop a record from a curated feed."""
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an int too big for a float
                number = math.inf
            if math.isfinite(number):
                return number
        self.warning(path, f"must be a number, got {show(value)}; dropped")
        return None

    def items(self, value: Any, path: FieldPath, one: type) -> list[Any]:
        """A list field; a lone item of type ``one`` is wrapped with a warning."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, one):
            self.warning(path, f"must be a list, got {kind_of(value)}; used as a list of one")
            return [value]
        self.warning(path, f"must be a list, got {kind_of(value)}; dropped")
        return []


def field_name(path: FieldPath) -> str:
    """``("images", 0, "url")`` as a message names it: ``images[0].url``."""
    name = ""
    for step in path:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name
