"""A record's front matter: the ``---`` fences, and YAML read by a loader tuned for records.

YAML goes through libyaml with a loader that builds plain values directly and refuses what
records never need (anchors and aliases, deep nesting). Dates stay strings for
``values.to_utc``. Every way the front matter can be unreadable is one ``Problem``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Problem
from .values import kind_of

try:  # libyaml is about 10x faster than the pure-Python parser
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "FM_LINE_OFFSET",
    "FrontMatter",
    "byte_position",
    "load_front_matter",
    "split_front_matter",
]

# The front matter starts on the file's second line; YAML marks are 0-based.
FM_LINE_OFFSET = 2
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
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
    dates stay strings for ``to_utc`` (``datetime.fromisoformat`` is faster than PyYAML's
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


class RecordLoader(_BaseLoader):
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
        """The value of ``node``. The tree must be alias-free (see ``_refuse_aliases``):
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


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A record's front matter, read: its fields and the YAML node tree they came from (for
    line and column numbers in messages)."""

    fields: dict[Any, Any]
    root: Node
    has_escapes: bool  # only escapes can bring back characters the raw file was cleaned of


class _Refused(Exception):
    """Internal: the front matter cannot be read (carries the one problem to report)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


def split_front_matter(text: str, relpath: str) -> tuple[str, str] | Problem:
    """A record's text as (front matter, body), or the problem with its fences."""
    if not text.startswith(("---\n", "---\r\n")):
        if text.rstrip("\r\n") == "---":
            return Problem(relpath, "front matter not closed: no line '---' after line 1", line=1)
        return Problem(relpath, "no front matter: the first line must be exactly '---'", line=1)
    start = text.index("\n") + 1
    # str.find, not a multiline regex: about 10x faster on a typical record.
    newline = start - 1
    while True:
        newline = text.find("\n---", newline)
        if newline < 0:
            return Problem(relpath, "front matter not closed: no line '---' after line 1", line=1)
        after = newline + 4
        if text.startswith(("\n", "\r\n"), after) or text[after:] in ("", "\r"):
            body_start = text.find("\n", after) + 1 or len(text)
            return text[start : newline + 1], text[body_start:]
        newline = after


def load_front_matter(front: str, relpath: str) -> FrontMatter | Problem:
    """The front matter's YAML as a mapping, or the one problem that makes it unreadable."""
    try:
        root, data = _load_yaml(front, relpath)
    except _Refused as refused:
        return refused.problem
    if data is None:
        return Problem(relpath, "front matter is empty", line=1)
    if not isinstance(data, dict):
        assert root is not None
        return Problem(
            relpath,
            f"front matter must be a mapping of keys to values, got {kind_of(data)}",
            line=root.start_mark.line + FM_LINE_OFFSET,
            column=root.start_mark.column + 1,
        )
    assert root is not None
    return FrontMatter(data, root, "\\" in front)


def _load_yaml(front: str, relpath: str) -> tuple[Node | None, Any]:
    """The node tree and its value; every YAML error is raised as ``_Refused``."""
    loader = RecordLoader(front)
    try:
        root = loader.get_single_node()
        if root is not None and "*" in front:  # only aliases can share nodes
            _refuse_aliases(root, relpath)
        return root, None if root is None else loader.build(root)
    except yaml.MarkedYAMLError as exc:
        raise _Refused(_marked_error(exc, front, relpath)) from None
    except yaml.reader.ReaderError as exc:
        line, col = byte_position(front.encode("utf-8"), exc.position)
        reason = f"invalid YAML: {exc.reason}"
        raise _Refused(Problem(relpath, reason, None, line + FM_LINE_OFFSET - 1, col)) from None
    except RecursionError:  # deep nesting in the pure-Python parser or SafeConstructor
        raise _Refused(Problem(relpath, "invalid YAML: nested too deeply")) from None
    except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
        raise _Refused(Problem(relpath, f"invalid YAML: {type(exc).__name__}")) from None
    finally:
        loader.dispose()


def _marked_error(exc: yaml.MarkedYAMLError, front: str, relpath: str) -> Problem:
    """PyYAML's error as one line: where it is, what it is, where its construct started."""
    mark = exc.problem_mark or exc.context_mark
    reason = f"invalid YAML: {exc.problem or exc.context}"
    if exc.problem and exc.context and exc.context_mark and mark is exc.problem_mark:
        started = exc.context_mark.line + FM_LINE_OFFSET
        if mark is not None and started != mark.line + FM_LINE_OFFSET:
            reason += f" ({exc.context} started on line {started})"
    if mark is not None and _line_starts_with_tab(front, mark.line):
        reason += "; indent with spaces, not tabs"
    if mark is None:
        return Problem(relpath, reason)
    return Problem(relpath, reason, line=mark.line + FM_LINE_OFFSET, column=mark.column + 1)


def _refuse_aliases(root: Node, relpath: str) -> None:
    """Refuse any node reached twice: records never need anchors, and an alias bomb
    ("billion laughs") is a small graph that explodes when walked."""
    seen: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _Refused(
                Problem(
                    relpath,
                    "YAML anchors and aliases (&name, *name) are not allowed in records",
                    line=node.start_mark.line + FM_LINE_OFFSET,
                    column=node.start_mark.column + 1,
                )
            )
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)


def _line_starts_with_tab(text: str, index: int) -> bool:
    lines = text.split("\n", index + 1)
    return index < len(lines) and lines[index].startswith("\t")


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and (character) column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column
