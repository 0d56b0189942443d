"""The cache's codec: records, problems and summaries as MessagePack (msgspec), decoded only
into the typed model, so reading a cache never runs code, whoever wrote the file; and the rows
one parsed file becomes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

import msgspec

from ..errors import Problem
from ..keys import CATEGORY, PROVIDER, TOPICS, TYPE, fold
from ..model import NO_EDITORIAL, Editorial, Record
from .guard import CacheDamaged

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One input file's outcome, ready to store: the record (if accepted) and its problems.

    Problems name the file by ``relpath``; callers relabel them for display.
    """

    relpath: str
    size: int
    mtime_ns: int
    record: Record | None
    problems: tuple[Problem, ...]
    editorial: Editorial = NO_EDITORIAL  # stored in columns, never in the record's blob


def db_path(relpath: str) -> str | bytes:
    """A relpath as the cache binds it, always as ``CAST(? AS TEXT)``. A file name that is not
    UTF-8 holds surrogate escapes, which sqlite3 refuses: it goes in as the bytes of its code
    points (``surrogatepass``), which sort among other rows as the str sorts among strs, and
    which ``db_text`` turns back into the same str. Two such names never collide."""
    return relpath if relpath.isascii() else relpath.encode("utf-8", "surrogatepass")


def db_text(data: bytes) -> str:
    """The cache's text factory: reads back what ``db_path`` stored (else plain UTF-8)."""
    return data.decode("utf-8", "surrogatepass")


def url_key(url: str) -> int:
    """A signed 64-bit hash of a URL, for SQLite's INTEGER."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big", signed=True)


def micros(when: datetime) -> int:
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


T = TypeVar("T")
_ENCODER = msgspec.msgpack.Encoder()
# MessagePack strings are UTF-8, so a value holding a lone surrogate (a file name's undecodable
# byte, kept by surrogateescape) cannot be encoded as is. Such a value is stored with each of
# those strings escaped, and the blob starts with this byte, which no MessagePack array or map
# starts with; only such blobs are walked again when decoded.
_ESCAPED = b"\x00"
_STR_ESCAPE = "\x00"  # before a string stored as the Latin-1 text of its surrogatepass bytes
# Typed decoders: each builds only these frozen dataclasses from plain values, checking every
# field's type, and fails on anything else (a pickle, a truncated row, a wrong type).
_RECORD = msgspec.msgpack.Decoder(Record)
PROBLEMS = msgspec.msgpack.Decoder(tuple[Problem, ...])


FacetRow = tuple[str, str, int, str | bytes, str, bool, int]  # see schema's entry_facets


class Rows(NamedTuple):
    """A ParsedFile as table rows: made in the parser processes, so the writer only inserts.
    A tuple: it crosses from worker to writer by pickle, and tuples pickle in C."""

    file: tuple[str | bytes, int, int, bool, bytes | None]
    entry: tuple[str | bytes, str, int, int, bool, float | None, float | None, bytes] | None
    facets: tuple[FacetRow, ...]


def encode(value: object) -> bytes:
    """MessagePack of ``value``; one holding undecodable file-name bytes goes the slow way."""
    try:
        return _ENCODER.encode(value)
    except UnicodeEncodeError:
        return _ESCAPED + _ENCODER.encode(_walk(value, _escape_str))


def decode(decoder: msgspec.msgpack.Decoder[T], blob: bytes, what: str) -> T:
    """What ``encode`` stored, as ``decoder``'s type; CacheDamaged naming ``what`` if the bytes
    are anything else (a pickle, a truncated row, a wrong type, text)."""
    try:
        if blob[:1] == _ESCAPED:
            restored: T = _walk(decoder.decode(blob[1:]), _unescape_str)
            return restored
        return decoder.decode(blob)
    except (msgspec.DecodeError, TypeError):  # ValidationError too; TypeError: a str
        raise CacheDamaged(f"{what} cannot be decoded") from None


def _escape_str(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _STR_ESCAPE + text.encode("utf-8", "surrogatepass").decode("latin-1")
    return text


def _unescape_str(text: str) -> str:
    if text.startswith(_STR_ESCAPE):
        return text[1:].encode("latin-1").decode("utf-8", "surrogatepass")
    return text


def _walk(value: Any, fix: Callable[[str], str]) -> Any:
    """``value`` with ``fix`` applied to every string in it (dataclasses, tuples, sets)."""
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, tuple | list | frozenset | set):
        return type(value)(_walk(item, fix) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _walk(getattr(value, f.name), fix) for f in fields(value)})
    return value


def encode_record(r: Record) -> bytes:
    """A record as the cache stores it: MessagePack of its fields by name (msgspec encodes the
    dataclasses in C, dates as timestamps): two thirds of the time of pickling a tuple of them,
    and half the time to decode."""
    return encode(r)


def decode_record(blob: bytes) -> Record:
    """The record ``encode_record`` stored; CacheDamaged if it is anything else."""
    record = decode(_RECORD, blob, "a stored record")
    # Dates are stored as timestamps, which decode in UTC as every parsed date is; a date from
    # a string could be naive (which breaks sorting) or in another zone (which changes output).
    if record.published.tzinfo is not UTC or any(
        link.published is not None and link.published.tzinfo is not UTC for link in record.related
    ):
        raise CacheDamaged("a stored record cannot be decoded")
    return record


def moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def prepare(parsed: ParsedFile) -> Rows:
    """Encode and index one parsed file for ``RecordCache.store``."""
    problems = encode(parsed.problems) if parsed.problems else None
    r = parsed.record
    relpath = db_path(parsed.relpath)
    file_row = (relpath, parsed.size, parsed.mtime_ns, r is None, problems)
    if r is None:
        return Rows(file_row, None, ())
    when = micros(r.published)
    signals = parsed.editorial
    blob = encode_record(r)
    digest = record_digest(blob)
    entry = (
        relpath,
        r.url,
        url_key(r.url),
        when,
        r.is_published,
        signals.quality,
        signals.heat,
        blob,
    )
    facets: dict[tuple[str, str], FacetRow] = {}

    def add(facet: str, key: str, name: str) -> None:
        # A record built by hand may repeat a value; validation does not.
        if key and (facet, key) not in facets:
            facets[facet, key] = (facet, key, when, relpath, name, r.is_published, digest)

    for name in r.topics:
        add(TOPICS, fold(name), name.strip())
    if r.category:
        add(CATEGORY, fold(r.category), r.category.strip())
    if signals.type:
        add(TYPE, fold(signals.type), signals.type.strip())
    provider = r.provider
    if provider is not None and provider.name.strip():
        name = provider.name.strip()
        add(PROVIDER, provider_host(provider.url) or fold(name), name)
    return Rows(file_row, entry, tuple(facets.values()))


def record_digest(blob: bytes) -> int:
    """40 bits of a hash of a record's stored bytes: summed over a facet value's rows (which
    stays within SQLite's 64-bit integers), it tells whether any of its records changed."""
    return int.from_bytes(hashlib.blake2b(blob, digest_size=5).digest(), "big")


def provider_host(url: str | None) -> str | None:
    """The host a provider is keyed by: its home page's, lowercase."""
    if not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None
