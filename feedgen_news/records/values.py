"""Value parsers and helpers for record fields: publishable text, host names, and the short
descriptions of a YAML value that messages use (dates are in ``dates``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from ..markup import XML_ILLEGAL

# UTF-8 read as Windows-1252/Latin-1 always shows a lead byte (Â..ô) followed by a
# continuation byte's character: a cheap gate before the slow ftfy.fix_text.
_MAYBE_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]"
)
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?",
    re.ASCII,
)


# --- text -------------------------------------------------------------------------------------


def publishable_text(value: str, *, strip_illegal: bool, repair: bool) -> str:
    """Publishable text: XML-legal, mojibake repaired, NFC (not trimmed).

    ``strip_illegal`` is set only when the front matter has escapes: only they can bring back
    characters the raw file was already cleaned of.
    """
    if strip_illegal and XML_ILLEGAL.search(value):
        value = XML_ILLEGAL.sub("", value)
    if not value.isascii():
        if repair and _MAYBE_MOJIBAKE.search(value):
            value = repair_mojibake(value)
        value = unicodedata.normalize("NFC", value)
    return value


def repair_mojibake(text: str) -> str:
    """``text`` with mojibake repaired, word by word: ftfy costs ~200 us per call whatever the
    length, and mojibake is a few letters, so only the space-separated words that show it go
    through ftfy (a mojibake no-break space ``Â\xa0`` has no ASCII space, so stays one word)."""
    parts: list[str] = []
    done = 0  # text[:done] is in parts
    for match in _MAYBE_MOJIBAKE.finditer(text):
        if match.start() < done:
            continue  # a second sign in a word already repaired
        start = text.rfind(" ", 0, match.start()) + 1
        end = text.find(" ", match.end())
        end = len(text) if end < 0 else end
        parts.append(text[done:start])
        parts.append(_repair_word(text[start:end]))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def fix_c1_controls(text: str) -> str:
    """C1 controls mapped back through Windows-1252, as ftfy does: they are mostly mojibake
    (UTF-8 read as Latin-1), and this lets ``repair_mojibake`` still undo it."""
    fixed: str = _ftfy()[0].fixes.fix_c1_controls(text)
    return fixed


@functools.lru_cache(maxsize=4096)
def _repair_word(word: str) -> str:
    """One word through ftfy; the same mojibake words ("donâ€™t", "itâ€™s") recur everywhere."""
    ftfy, config = _ftfy()
    fixed: str = ftfy.fix_text(word, config)
    return fixed


@functools.cache
def _ftfy() -> tuple[Any, Any]:
    """ftfy and our settings, imported on first use: the import costs a tenth of a no-op
    rebuild's start-up, and most builds meet no mojibake."""
    import ftfy

    # Repair encoding only: no HTML unescaping, quote uncurling or width folding.
    config = ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        explain=False,
    )
    return ftfy, config


def strip_blank_lines(body: str) -> str:
    """The body without surrounding blank lines and with LF line ends."""
    if not body or body.isspace():
        return ""
    lines = body.replace("\r\n", "\n").split("\n")
    first, last = 0, len(lines)
    while not lines[first].strip():
        first += 1
    while not lines[last - 1].strip():
        last -= 1
    return "\n".join(lines[first:last]).rstrip()


def number_text(value: int | float) -> str:
    try:
        return str(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "a very long number"


# --- describing a value in a message ----------------------------------------------------------


def kind_of(value: Any) -> str:
    """A bounded description of a YAML value's type (never its repr: it may be huge)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    return f"a {type(value).__name__}"


def show(value: Any) -> str:
    """A value for a message: short strings and numbers quoted, anything else described."""
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = number_text(value)
        return text if len(text) <= 80 else "a long number"
    return kind_of(value)


# --- host names -------------------------------------------------------------------------------


def hostname(value: Any) -> str | None:
    """A lowercase ASCII host name (IDNA-encoded), or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    return _hostname_of(value)


@functools.lru_cache(maxsize=1024)
def _hostname_of(value: str) -> str | None:
    """Cached: a corpus has a few providers, each named in thousands of records."""
    host = value.strip().rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _HOSTNAME.fullmatch(host) else None
