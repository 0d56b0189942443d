"""Load record files: split front matter, parse YAML, validate into frozen Records.

The edge of the program: bytes from disk go in, typed ``Record`` values and ``Problem`` values
come out. Nothing past this module ever sees a raw YAML value.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .config import Site
from .errors import Problem
from .keys import fold
from .markup import XML_ILLEGAL
from .model import Image, Provider, Record, RelatedLink
from .scan import RECORD_SUFFIXES, iter_record_files, scan_record_files
from .urls import http_url

try:  # libyaml is about 10x faster than the pure-Python parser
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "RECORD_SUFFIXES",
    "LoadResult",
    "iter_record_files",
    "load_dir",
    "parse_record",
    "read_record",
    "read_stat",
    "scan_record_files",
]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# The front matter starts on the file's second line; YAML marks are 0-based.
_FM_LINE_OFFSET = 2
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_INT_FAST_DIGITS = 19  # int() of a longer digit string may meet Python's digit limit
# Records are a few levels deep; libyaml itself stops at 1000, near Python's recursion limit.
_MAX_DEPTH = 64
_SafeConstructor = yaml.constructor.SafeConstructor
_SCALARS = {
    "tag:yaml.org,2002:null": _SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _SafeConstructor.construct_yaml_float,
}


def _implicit_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's implicit resolvers by first character, wildcards merged in, minus timestamps:
    dates stay strings for ``_to_utc`` (``datetime.fromisoformat`` is faster than PyYAML's
    regex-and-construct, and one function then handles every date shape)."""
    table = _BaseLoader.yaml_implicit_resolvers
    wildcard = table.get(None, [])
    return {
        first: [(tag, rx) for tag, rx in [*resolvers, *wildcard] if tag != _TIMESTAMP_TAG]
        for first, resolvers in table.items()
        if first is not None
    }


_RESOLVERS = _implicit_resolvers()
_NO_RESOLVERS: list[tuple[str, re.Pattern[str]]] = []
_RESOLVED: dict[str, str] = {}  # plain scalar -> tag, for short values
_RESOLVED_MAX_LENGTH = 32
_RESOLVED_MAX_ITEMS = 4096


class _RecordLoader(_BaseLoader):
    """Safe loader tuned for records: about 0.55x the time of plain ``CSafeLoader``.

    ``resolve`` is PyYAML's without path resolvers (never registered) or timestamps, and
    ``build`` turns the composed node tree into Python values directly, handing anything
    but plain strings, lists, mappings and the core scalars to ``SafeConstructor``.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                tag = _RESOLVED.get(value)
                if tag is None:
                    tag = _STR
                    for candidate, rx in _RESOLVERS.get(value[:1], _NO_RESOLVERS):
                        if rx.match(value):
                            tag = candidate
                            break
                    # Keys and short values repeat in every record: remember them (bounded).
                    if len(value) <= _RESOLVED_MAX_LENGTH:
                        if len(_RESOLVED) >= _RESOLVED_MAX_ITEMS:
                            _RESOLVED.clear()
                        _RESOLVED[value] = tag
                return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass  # no path resolvers

    def ascend_resolver(self) -> None:
        pass

    def build(self, node: Node, depth: int = 0) -> Any:
        """The value of ``node``. The tree must be alias-free (see ``refuse_aliases``):
        shared nodes would be built again for every reference."""
        tag = node.tag
        kind = type(node)
        if isinstance(node, ScalarNode):
            if tag == _STR:
                return node.value
            if tag == _INT:
                text = node.value
                # Plain decimal (no sign, "_", base prefix or YAML 1.1 octal leading zero).
                if text.isdigit() and text[0] != "0" and len(text) < _INT_FAST_DIGITS:
                    return int(text)
            scalar = _SCALARS.get(tag)
            if scalar is not None:
                try:
                    return scalar(self, node)
                except ValueError:  # e.g. an integer beyond Python's digit limit
                    raise yaml.constructor.ConstructorError(
                        None, None, f"cannot read this value as {tag[18:]}", node.start_mark
                    ) from None
        elif depth >= _MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested more than {_MAX_DEPTH} levels deep", node.start_mark
            )
        elif kind is SequenceNode and tag == _SEQ:
            return [self.build(item, depth + 1) for item in node.value]
        elif kind is MappingNode and tag == _MAP:
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                # Plain-string keys and values, most of a record, are inlined.
                if type(key_node) is ScalarNode and key_node.tag is _STR:
                    key = key_node.value
                elif key_node.tag == _MERGE:
                    break  # `<<` merges: SafeConstructor knows how
                else:
                    key = self.build(key_node, depth + 1)
                if type(value_node) is ScalarNode and value_node.tag is _STR:
                    value = value_node.value
                else:
                    value = self.build(value_node, depth + 1)
                try:
                    mapping[key] = value
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "found unhashable key", key_node.start_mark
                    ) from None
            else:
                return mapping
        # Explicit tags (!!binary, !!set, !!python/..., unknown ones) and merges.
        return _SafeConstructor.construct_object(self, node, deep=True)


def _repair_mojibake(text: str) -> str:
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


# --- reading ----------------------------------------------------------------------------------


def read_record(
    path: str | os.PathLike[str], relpath: str, site: Site, label: str | None = None
) -> tuple[Record | None, list[Problem]]:
    """Read one file (at most ``site.max_file_bytes``) and parse it with ``parse_record``."""
    record, problems, _, _ = read_stat(path, relpath, site, label)
    return record, problems


def read_stat(
    path: str | os.PathLike[str], relpath: str, site: Site, label: str | None = None
) -> tuple[Record | None, list[Problem], int, int]:
    """``read_record``, plus the size and mtime_ns of the file as it was read (-1, -1 when it
    could not be opened): the cache's key for exactly the bytes parsed."""
    where = relpath if label is None else label
    limit = site.max_file_bytes
    size = mtime_ns = -1
    try:
        # O_NONBLOCK: opening a FIFO named like a record must not hang the build. Plain fds, no
        # file object: this runs once per file, a million times on a big corpus.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            size, mtime_ns = info.st_size, info.st_mtime_ns
            if not stat.S_ISREG(info.st_mode):
                return None, [Problem(where, "not a regular file")], size, mtime_ns
            if size > limit:
                return None, [_too_big(where, size, limit)], size, mtime_ns
            # Sized by fstat: a short read is the end of a regular file. A full one means it
            # grew since: read on, to just past the limit.
            data = os.read(fd, size + 1)
            if len(data) > size:
                while len(data) <= limit and (more := os.read(fd, limit + 1 - len(data))):
                    data += more
        finally:
            os.close(fd)
    except OSError as exc:
        return None, [Problem(where, f"cannot read: {exc.strerror or exc}")], size, mtime_ns
    if len(data) > limit:
        return None, [_too_big(where, len(data), limit)], size, mtime_ns
    record, problems = parse_record(data, relpath, site, label)
    return record, problems, size, mtime_ns


def _too_big(where: str, size: int, limit: int) -> Problem:
    return Problem(where, f"file is {size:,} bytes, over the limit of {limit:,} (max_file_bytes)")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Everything read from one input folder."""

    records: tuple[Record, ...]  # every accepted record (published or not), in path order
    problems: tuple[Problem, ...]  # every error and warning, in path order
    files: int  # files seen


def load_dir(input_dir: Path, site: Site, label_prefix: str | None = None) -> LoadResult:
    """Read every record file under ``input_dir`` in path order (sequentially)."""
    records: list[Record] = []
    problems: list[Problem] = []
    files = iter_record_files(input_dir)
    prefix = label_prefix.rstrip("/") + "/" if label_prefix else ""
    for path in files:
        relpath = path.relative_to(input_dir).as_posix()
        record, found = read_record(path, relpath, site, prefix + relpath)
        if record is not None:
            records.append(record)
        problems.extend(found)
    return LoadResult(tuple(records), tuple(problems), len(files))


# --- parsing ----------------------------------------------------------------------------------

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
# Characters neither XML 1.0 nor YAML accept in a file (NUL is rejected earlier as binary).
# DEL and C1 controls are legal XML but YAML refuses them; they are usually mojibake.
_RAW_BAD = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_C1 = re.compile("[\x80-\x9f]")
_C0_BYTES = bytes([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_BYTES = re.compile(b"\xc2[\x80-\x9f]")
_NONCHAR_BYTES = re.compile(b"\xef\xbf[\xbe\xbf]")
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
_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z"})


class _Reject(Exception):
    """Internal: the record cannot be read at all (raised before field validation)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


def parse_record(
    data: bytes, relpath: str, site: Site, label: str | None = None
) -> tuple[Record | None, list[Problem]]:
    """Parse and validate one record file's bytes. Pure: no I/O, no clock.

    Returns ``(record, warnings)`` or, when the record is rejected, ``(None, errors)`` where
    every problem names ``label`` (default ``relpath``). Unpublished records are returned
    with ``is_published=False``; filtering them is the caller's job.
    """
    where = relpath if label is None else label
    try:
        return _Parser(where, site).parse(data, relpath)
    except _Reject as exc:
        return None, [exc.problem]
    except Exception as exc:  # no traceback ever reaches a user; the message asks for a report
        return None, [Problem(where, f"cannot process this file ({type(exc).__name__}); a bug")]


class _Parser:
    """One record's validation state: where it is, and the problems found so far."""

    __slots__ = ("clean_escapes", "fields", "max_topics", "problems", "repair", "root", "where")

    def __init__(self, where: str, site: Site) -> None:
        self.where = where
        self.repair = site.repair_mojibake
        self.max_topics = site.max_topics_per_record
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self.clean_escapes = False
        self.fields: dict[Any, Any] = {}

    # -- text and front matter --

    def parse(self, data: bytes, relpath: str) -> tuple[Record | None, list[Problem]]:
        text = self.decode(data)
        if _may_have_raw_bad(data):
            text = self.clean_raw(text)
        front, body = self.split(text)
        mapping = self.load_yaml(front)
        return self.validate(mapping, body, relpath)

    def reject(self, reason: str, line: int | None = None, column: int | None = None) -> _Reject:
        return _Reject(Problem(self.where, reason, line=line, column=column))

    def decode(self, data: bytes) -> str:
        if not data:
            raise self.reject("empty file")
        for bom, name in _BOMS.items():
            if data.startswith(bom):
                raise self.reject(f"encoded as {name}; save it as UTF-8")
        nul = data.find(b"\x00")
        if nul >= 0:
            line, col = _byte_position(data, nul)
            raise self.reject("binary file (NUL byte), not a text record", line, col)
        try:
            return data.decode("utf-8-sig")  # a leading BOM is fine
        except UnicodeDecodeError as exc:
            line, col = _byte_position(data, exc.start)
            raise self.reject(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02X}); save it as UTF-8", line, col
            ) from None

    def clean_raw(self, text: str) -> str:
        """Remove characters YAML and XML refuse, once, for the whole file (rare path)."""
        if self.repair and _C1.search(text):
            # C1 controls are mostly mojibake (UTF-8 read as Latin-1): map them back through
            # Windows-1252, as ftfy does, so the text repair below can still undo it.
            text = _ftfy()[0].fixes.fix_c1_controls(text)
        found = _RAW_BAD.search(text)
        if found is None:
            return text
        line = text.count("\n", 0, found.start()) + 1
        col = found.start() - text.rfind("\n", 0, found.start())
        cleaned = _RAW_BAD.sub("", text)
        self.warn(
            f"removed {len(text) - len(cleaned)} control character(s)"
            f" (first: U+{ord(found.group()):04X})",
            line=line,
            column=col,
        )
        return cleaned

    def split(self, text: str) -> tuple[str, str]:
        if not text.startswith(("---\n", "---\r\n")):
            if text.rstrip("\r\n") == "---":
                raise self.reject("front matter not closed: no line '---' after line 1", 1)
            raise self.reject("no front matter: the first line must be exactly '---'", 1)
        start = text.index("\n") + 1
        # str.find, not a multiline regex: about 10x faster on a typical record.
        newline = start - 1
        while True:
            newline = text.find("\n---", newline)
            if newline < 0:
                raise self.reject("front matter not closed: no line '---' after line 1", 1)
            after = newline + 4
            if text.startswith(("\n", "\r\n"), after) or text[after:] in ("", "\r"):
                body_start = text.find("\n", after) + 1 or len(text)
                return text[start : newline + 1], text[body_start:]
            newline = after

    def load_yaml(self, front: str) -> dict[Any, Any]:
        loader = _RecordLoader(front)
        try:
            root = loader.get_single_node()
            if root is not None and "*" in front:  # only aliases can share nodes
                self.refuse_aliases(root)
            data = None if root is None else loader.build(root)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            reason = f"invalid YAML: {exc.problem or exc.context}"
            if exc.problem and exc.context and exc.context_mark and mark is exc.problem_mark:
                started = exc.context_mark.line + _FM_LINE_OFFSET
                if mark is not None and started != mark.line + _FM_LINE_OFFSET:
                    reason += f" ({exc.context} started on line {started})"
            if mark is not None and _line_starts_with_tab(front, mark.line):
                reason += "; indent with spaces, not tabs"
            if mark is None:
                raise self.reject(reason) from None
            raise self.reject(reason, mark.line + _FM_LINE_OFFSET, mark.column + 1) from None
        except yaml.reader.ReaderError as exc:
            line, col = _byte_position(front.encode("utf-8"), exc.position)
            raise self.reject(
                f"invalid YAML: {exc.reason}", line + _FM_LINE_OFFSET - 1, col
            ) from None
        except RecursionError:  # deep nesting in the pure-Python parser or SafeConstructor
            raise self.reject("invalid YAML: nested too deeply") from None
        except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
            raise self.reject(f"invalid YAML: {type(exc).__name__}") from None
        finally:
            loader.dispose()
        if data is None:
            raise self.reject("front matter is empty", 1)
        if not isinstance(data, dict):
            assert root is not None
            raise self.reject(
                f"front matter must be a mapping of keys to values, got {_kind(data)}",
                root.start_mark.line + _FM_LINE_OFFSET,
                root.start_mark.column + 1,
            )
        self.root = root
        self.clean_escapes = "\\" in front  # only escapes can bring back illegal characters
        return data

    def refuse_aliases(self, root: Node) -> None:
        """Reject any node reached twice: records never need anchors, and an alias bomb
        ("billion laughs") is a small graph that explodes when walked."""
        seen: set[int] = set()
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                raise self.reject(
                    "YAML anchors and aliases (&name, *name) are not allowed in records",
                    node.start_mark.line + _FM_LINE_OFFSET,
                    node.start_mark.column + 1,
                )
            seen.add(id(node))
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    stack.append(key)
                    stack.append(value)

    # -- problems --

    def warn(
        self,
        reason: str,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problems.append(Problem(self.where, reason, field, line, column, "warning"))

    def position(self, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        """File line and column of the value at ``path`` (or its nearest existing parent)."""
        node = self.root
        if node is None:
            return None, None
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
        return node.start_mark.line + _FM_LINE_OFFSET, node.start_mark.column + 1

    def problem(self, path: tuple[str | int, ...], reason: str, severity: str) -> None:
        line, col = self.position(path)
        field = _field_name(path)
        if severity == "error":
            self.problems.append(Problem(self.where, reason, field, line, col))
        else:
            self.problems.append(Problem(self.where, reason, field, line, col, "warning"))

    def error(self, path: tuple[str | int, ...], reason: str) -> None:
        self.problem(path, reason, "error")

    def warning(self, path: tuple[str | int, ...], reason: str) -> None:
        self.problem(path, reason, "warning")

    # -- values --

    def text(self, value: str) -> str:
        """Publishable text: XML-legal, mojibake repaired, NFC (not trimmed)."""
        if self.clean_escapes and XML_ILLEGAL.search(value):
            value = XML_ILLEGAL.sub("", value)
        if not value.isascii():
            if self.repair and _MAYBE_MOJIBAKE.search(value):
                value = _repair_mojibake(value)
            value = unicodedata.normalize("NFC", value)
        return value

    def string(self, value: Any, path: tuple[str | int, ...], required: bool) -> str | None:
        """Text from a string or a number; anything else is an error or a dropped value."""
        if isinstance(value, str):
            return self.text(value).strip() or None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_text(value)
        if value is not None or required:
            reason = f"must be text, got {_kind(value)}"
            if required:
                self.error(path, reason)
            else:
                self.warning(path, reason + "; dropped")
        return None

    def url(self, value: Any, path: tuple[str | int, ...], required: bool) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            url = http_url(value)
            if url is not None:
                return url
        reason = f"not an absolute http(s) URL: {_show(value)}"
        if required:
            self.error(path, reason)
        else:
            self.warning(path, reason + "; dropped")
        return None

    def when(self, value: Any, path: tuple[str | int, ...], required: bool) -> datetime | None:
        parsed = _to_utc(value)
        if parsed is None and value is not None:
            if isinstance(value, str):
                reason = f"cannot parse {_show(value)}"
            else:
                reason = f"must be a date and time, got {_kind(value)}"
            if required:
                self.error(path, reason)
            else:
                self.warning(path, reason + "; dropped")
        return parsed

    def provider(self, value: Any, path: tuple[str | int, ...]) -> Provider | None:
        if value is None:
            return None
        if isinstance(value, str):
            name = self.text(value).strip()
            if name:
                self.warning(path, "a plain string; used as the provider's name")
                return Provider(name)
        if not isinstance(value, dict):
            reason = f"must be a mapping with name and domain, got {_kind(value)}; dropped"
            self.warning(path, reason)
            return None
        named = self.string(value.get("name"), (*path, "name"), required=False)
        if named is None:
            self.warning((*path, "name"), "missing; provider dropped")
            return None
        domain = value.get("domain")
        home: str | None = None
        if domain is not None:
            host = _hostname(domain)
            if host is None:
                self.warning((*path, "domain"), f"not a host name: {_show(domain)}; dropped")
            else:
                home = "https://" + host
        return Provider(named, home)

    def items(self, value: Any, path: tuple[str | int, ...], one: type) -> list[Any]:
        """A list field; a lone item of type ``one`` is wrapped with a warning."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, one):
            self.warning(path, f"must be a list, got {_kind(value)}; used as a list of one")
            return [value]
        self.warning(path, f"must be a list, got {_kind(value)}; dropped")
        return []

    def topics(self, value: Any) -> tuple[str, ...]:
        """The record's distinct topics, at most ``max_topics_per_record``: beyond it, every
        further topic is dropped with one warning (not one each)."""
        topics: list[str] = []
        keys: set[str] = set()
        dropped: set[str] = set()
        first_dropped = 0
        for i, item in enumerate(self.items(value, ("topics",), str)):
            path = ("topics", i)
            if len(topics) >= self.max_topics:
                key = fold(item) if isinstance(item, str) else repr(item)
                if key and key not in keys:  # a spelling of a kept topic is no loss
                    first_dropped = first_dropped if dropped else i
                    dropped.add(key)
                continue
            if isinstance(item, str):
                topic = self.text(item).strip()
            elif isinstance(item, int | float) and not isinstance(item, bool):
                topic = _number_text(item)
            else:
                self.warning(path, f"must be text, got {_kind(item)}; dropped")
                continue
            key = fold(topic)
            if not key:
                self.warning(path, "empty topic; dropped")
                continue
            if key not in keys:  # same feed: keep the first spelling only
                keys.add(key)
                topics.append(topic)
        if dropped:
            line, column = self.position(("topics", first_dropped))
            cap = self.max_topics
            reason = f"{len(dropped)} beyond max_topics_per_record = {cap}; dropped "
            self.warn(reason + f"(the first {cap} are kept)", "topics", line, column)
        return tuple(topics)

    def dimension(self, value: Any, path: tuple[str | int, ...]) -> int | None:
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
            self.warning(path, f"must be a whole number, got {_show(value)}; used {number}")
            return number
        self.warning(path, f"must be a positive whole number, got {_show(value)}; dropped")
        return None

    def images(self, value: Any) -> tuple[Image, ...]:
        images: list[Image] = []
        for i, item in enumerate(self.items(value, ("images",), dict)):
            path: tuple[str | int, ...] = ("images", i)
            if not isinstance(item, dict):
                self.warning(path, f"must be a mapping with a url, got {_kind(item)}; dropped")
                continue
            raw_url = item.get("url")
            if raw_url is None:
                self.warning((*path, "url"), "missing; image dropped")
                continue
            url = self.url(raw_url, (*path, "url"), required=False)
            if url is None:
                continue
            images.append(
                Image(
                    url,
                    self.dimension(item.get("width"), (*path, "width")),
                    self.dimension(item.get("height"), (*path, "height")),
                    self.string(item.get("title"), (*path, "title"), required=False),
                )
            )
        return tuple(images)

    def related(self, value: Any) -> tuple[RelatedLink, ...]:
        links: list[RelatedLink] = []
        for i, item in enumerate(self.items(value, ("related",), dict)):
            path: tuple[str | int, ...] = ("related", i)
            if not isinstance(item, dict):
                self.warning(path, f"must be a mapping, got {_kind(item)}; dropped")
                continue
            raw_url = item.get("sourceUrl")
            if raw_url is None:
                self.warning((*path, "sourceUrl"), "missing; related link dropped")
                continue
            url = self.url(raw_url, (*path, "sourceUrl"), required=False)
            title = self.string(item.get("title"), (*path, "title"), required=False)
            if url is None:
                continue
            if title is None:
                self.warning((*path, "title"), "missing; related link dropped")
                continue
            links.append(
                RelatedLink(
                    url,
                    title,
                    self.provider(item.get("provider"), (*path, "provider")),
                    self.when(item.get("publishedDateTime"), (*path, "publishedDateTime"), False),
                )
            )
        return tuple(links)

    def is_published(self, value: Any) -> bool:
        if value is None and "published" not in self.fields:
            return True
        if isinstance(value, bool):
            return value
        # Fail safe: leaking a draft cannot be taken back, so only a clear yes publishes.
        clear_yes = isinstance(value, str) and value.strip().lower() in ("true", "yes", "on")
        verdict = "treated as published" if clear_yes else "treated as NOT published"
        self.warning(("published",), f"must be true or false, got {_show(value)}; {verdict}")
        return clear_yes

    def validate(
        self, fm: dict[Any, Any], body: str, relpath: str
    ) -> tuple[Record | None, list[Problem]]:
        self.fields = fm
        title = self.required_text(fm.get("title"))
        url = self.url(fm.get("sourceUrl"), ("sourceUrl",), required=True)
        published = self.when(fm.get("publishedDateTime"), ("publishedDateTime",), True)
        for name in ("title", "sourceUrl", "publishedDateTime"):
            if fm.get(name) is None:
                self.problems.append(Problem(self.where, "missing (required)", name))
        errors = [p for p in self.problems if p.severity == "error"]
        if errors or title is None or url is None or published is None:
            return None, errors
        body_text = _strip_blank_lines(body)
        record = Record(
            path=relpath,
            url=url,
            title=title,
            published=published,
            excerpt=self.string(fm.get("excerpt"), ("excerpt",), required=False),
            body=self.text(body_text) if body_text else None,
            amp_url=self.url(fm.get("ampUrl"), ("ampUrl",), required=False),
            amp_cache_url=self.url(fm.get("cdnAmpUrl"), ("cdnAmpUrl",), required=False),
            provider=self.provider(fm.get("provider"), ("provider",)),
            topics=self.topics(fm.get("topics")),
            category=self.string(fm.get("category"), ("category",), required=False),
            images=self.images(fm.get("images")),
            related=self.related(fm.get("related")),
            is_published=self.is_published(fm.get("published")),
        )
        # In file order; sorted() is stable, so problems on one line keep their order.
        return record, sorted(self.problems, key=_line_of)

    def required_text(self, value: Any) -> str | None:
        if value is None:
            return None  # reported as missing
        title = self.string(value, ("title",), required=True)
        if title is None and isinstance(value, str):
            self.error(("title",), "empty")
        return title


# --- helpers ----------------------------------------------------------------------------------


def _line_starts_with_tab(text: str, index: int) -> bool:
    lines = text.split("\n", index + 1)
    return index < len(lines) and lines[index].startswith("\t")


def _line_of(problem: Problem) -> int:
    return problem.line or 0


def _may_have_raw_bad(data: bytes) -> bool:
    """A fast byte-level gate for ``clean_raw`` (a str regex over the file costs ~15 us)."""
    if len(data.translate(None, _C0_BYTES)) != len(data):
        return True
    # C1 controls are encoded as C2 80..9F, U+FFFE/U+FFFF as EF BF BE/BF: the exact byte
    # pairs, as a C2 alone is common in text (U+00A0..U+00BF: no-break space, £, °, «).
    return _C1_BYTES.search(data) is not None or _NONCHAR_BYTES.search(data) is not None


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and (character) column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _field_name(path: tuple[str | int, ...]) -> str:
    name = ""
    for step in path:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
    return name


def _kind(value: Any) -> str:
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


def _show(value: Any) -> str:
    """A value for a message: short strings and numbers quoted, anything else described."""
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _number_text(value)
        return text if len(text) <= 80 else "a long number"
    return _kind(value)


def _number_text(value: int | float) -> str:
    try:
        return str(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "a very long number"


def _strip_blank_lines(body: str) -> str:
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


def _hostname(value: Any) -> str | None:
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


def _to_utc(value: Any) -> datetime | None:
    """Every YAML date shape as an aware UTC datetime; None when it is not a date.

    Naive datetimes mean UTC; a date means midnight UTC; strings go through
    ``datetime.fromisoformat`` and then ``dateutil`` (which must find a full date).
    """
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            parsed = _parse_date_text(value.strip())
            if parsed is None:
                return None
            moment = parsed
        else:
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. year 1 at +14:00 falls before datetime.min
        return None


def _parse_date_text(text: str) -> datetime | None:
    if not text or len(text) > 64:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # dateutil fills missing fields from `default`: two different defaults agreeing proves
    # the text named a full date (and keeps the clock out of it).
    from dateutil import parser as dateutil_parser  # rare: ISO dates are tried first

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=_zone)
            second = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=_zone)
    except (ValueError, OverflowError, _UnknownZone):
        return None
    return first if first == second else None


_DEFAULT_A = datetime(2000, 1, 1)  # fills dateutil's missing fields
_DEFAULT_B = datetime(2001, 2, 2)


class _UnknownZone(Exception):
    pass


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's zone lookup: offsets and UTC names only (never the machine's local zone)."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name is None:
        return None
    if name.upper() in _UTC_NAMES:
        return UTC
    raise _UnknownZone(name)
