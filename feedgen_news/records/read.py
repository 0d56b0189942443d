"""Read record files: a file's bytes (size-limited, never hanging on a FIFO), decoded as
UTF-8 text, then front matter and validation into a frozen ``Record``.

The edge of the program: bytes from disk go in, typed ``Record`` values and ``Problem`` values
naming the file by its relpath come out. Nothing past this package ever sees a raw YAML value.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..config import Site
from ..errors import Problem
from ..model import NO_EDITORIAL, Editorial, Record
from .frontmatter import byte_position, load_front_matter, split_front_matter
from .scan import iter_record_files
from .validate import validate
from .values import fix_c1_controls

__all__ = [
    "LoadResult",
    "Loaded",
    "load_dir",
    "load_record_file",
    "parse_file",
    "parse_record",
    "read_record",
]

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


# --- one file ---------------------------------------------------------------------------------


def read_record(
    path: str | os.PathLike[str], relpath: str, site: Site
) -> tuple[Record | None, list[Problem]]:
    """Read one file (at most ``site.max_file_bytes``) and parse it with ``parse_record``."""
    loaded = load_record_file(path, relpath, site)
    return loaded.record, loaded.problems


class Loaded(NamedTuple):
    """One file read and parsed (``load_record_file``)."""

    record: Record | None
    problems: list[Problem]
    size: int  # as the file was read; -1 when it could not be opened
    mtime_ns: int
    editorial: Editorial = NO_EDITORIAL


def load_record_file(path: str | os.PathLike[str], relpath: str, site: Site) -> Loaded:
    """Read one file and parse it (``read_record``), plus the size and mtime_ns of the file as
    it was read (-1, -1 when it could not be opened): the cache's key for exactly the bytes
    parsed; and the record's editorial signals."""
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
                return Loaded(None, [Problem(relpath, "not a regular file")], size, mtime_ns)
            if size > limit:
                return Loaded(None, [_too_big(relpath, size, limit)], size, mtime_ns)
            # Sized by fstat: a short read is the end of a regular file. A full one means it
            # grew since: read on, to just past the limit.
            data = os.read(fd, size + 1)
            if len(data) > size:
                while len(data) <= limit and (more := os.read(fd, limit + 1 - len(data))):
                    data += more
        finally:
            os.close(fd)
    except OSError as exc:
        problem = Problem(relpath, f"cannot read: {exc.strerror or exc}")
        return Loaded(None, [problem], size, mtime_ns)
    if len(data) > limit:
        return Loaded(None, [_too_big(relpath, len(data), limit)], size, mtime_ns)
    record, editorial, problems = parse_file(data, relpath, site)
    return Loaded(record, problems, size, mtime_ns, editorial)


def _too_big(relpath: str, size: int, limit: int) -> Problem:
    return Problem(relpath, f"file is {size:,} bytes, over the limit of {limit:,} (max_file_bytes)")


def parse_record(data: bytes, relpath: str, site: Site) -> tuple[Record | None, list[Problem]]:
    """Parse and validate one record file's bytes. Pure: no I/O, no clock.

    Returns ``(record, warnings)`` or, when the record is rejected, ``(None, errors)``; every
    problem names the file by ``relpath`` (the caller labels it for display). Unpublished
    records are returned with ``is_published=False``; filtering them is the caller's job.
    """
    record, _, problems = parse_file(data, relpath, site)
    return record, problems


def parse_file(
    data: bytes, relpath: str, site: Site
) -> tuple[Record | None, Editorial, list[Problem]]:
    """``parse_record``, with the record's editorial signals (quality, heat, type)."""
    try:
        return _parse(data, relpath, site)
    except Exception as exc:  # no traceback ever reaches a user; the message asks for a report
        reason = f"cannot process this file ({type(exc).__name__}); a bug"
        return None, NO_EDITORIAL, [Problem(relpath, reason)]


def _parse(data: bytes, relpath: str, site: Site) -> tuple[Record | None, Editorial, list[Problem]]:
    text = _decode(data, relpath)
    if isinstance(text, Problem):
        return None, NO_EDITORIAL, [text]
    problems: list[Problem] = []
    if _may_have_raw_bad(data):
        text = _clean_raw(text, relpath, site.repair_mojibake, problems)
    parts = split_front_matter(text, relpath)
    if isinstance(parts, Problem):
        return None, NO_EDITORIAL, [parts]
    front, body = parts
    loaded = load_front_matter(front, relpath)
    if isinstance(loaded, Problem):
        return None, NO_EDITORIAL, [loaded]
    return validate(loaded, body, relpath, site, problems)


def _decode(data: bytes, relpath: str) -> str | Problem:
    """The file's text, or why it is no UTF-8 text."""
    if not data:
        return Problem(relpath, "empty file")
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            return Problem(relpath, f"encoded as {name}; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = byte_position(data, nul)
        return Problem(relpath, "binary file (NUL byte), not a text record", None, line, col)
    try:
        return data.decode("utf-8-sig")  # a leading BOM is fine
    except UnicodeDecodeError as exc:
        line, col = byte_position(data, exc.start)
        reason = f"not valid UTF-8 (byte 0x{data[exc.start]:02X}); save it as UTF-8"
        return Problem(relpath, reason, None, line, col)


def _may_have_raw_bad(data: bytes) -> bool:
    """A fast byte-level gate for ``_clean_raw`` (a str regex over the file costs ~15 us)."""
    if len(data.translate(None, _C0_BYTES)) != len(data):
        return True
    # C1 controls are encoded as C2 80..9F, U+FFFE/U+FFFF as EF BF BE/BF: the exact byte
    # pairs, as a C2 alone is common in text (U+00A0..U+00BF: no-break space, £, °, «).
    return _C1_BYTES.search(data) is not None or _NONCHAR_BYTES.search(data) is not None


def _clean_raw(text: str, relpath: str, repair: bool, problems: list[Problem]) -> str:
    """Remove characters YAML and XML refuse, once, for the whole file (rare path), with one
    warning in ``problems``."""
    if repair and _C1.search(text):
        text = fix_c1_controls(text)  # so the text repair can still undo the mojibake
    found = _RAW_BAD.search(text)
    if found is None:
        return text
    line = text.count("\n", 0, found.start()) + 1
    col = found.start() - text.rfind("\n", 0, found.start())
    cleaned = _RAW_BAD.sub("", text)
    reason = (
        f"removed {len(text) - len(cleaned)} control character(s)"
        f" (first: U+{ord(found.group()):04X})"
    )
    problems.append(Problem(relpath, reason, None, line, col, "warning"))
    return cleaned


# --- a folder ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Everything read from one input folder."""

    records: tuple[Record, ...]  # every accepted record (published or not), in path order
    problems: tuple[Problem, ...]  # every error and warning, in path order, named by relpath
    files: int  # files seen
    editorial: Mapping[str, Editorial]  # each record's signals, by its path


def load_dir(input_dir: Path, site: Site) -> LoadResult:
    """Read every record file under ``input_dir`` in path order (sequentially)."""
    records: list[Record] = []
    problems: list[Problem] = []
    editorial: dict[str, Editorial] = {}
    files = iter_record_files(input_dir)
    for path in files:
        relpath = path.relative_to(input_dir).as_posix()
        loaded = load_record_file(path, relpath, site)
        if loaded.record is not None:
            records.append(loaded.record)
            editorial[relpath] = loaded.editorial
        problems.extend(loaded.problems)
    return LoadResult(tuple(records), tuple(problems), len(files), editorial)
