"""Typed, frozen records: what a validated input file is, once it has crossed the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from posixpath import splitext
from typing import Any, TypeVar
from urllib.parse import urlsplit

_T = TypeVar("_T")


def _pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle as (class, field values): twice as fast both ways as dataclasses' generic
    __getstate__/__setstate__, and ``check``'s workers send every record back by pickle (between
    our own processes only: the record cache stores MessagePack)."""
    names: tuple[str, ...] = cls.__slots__  # type: ignore[attr-defined]
    get = attrgetter(*names)

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        values = get(self)
        return cls, values if len(names) > 1 else (values,)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


# A fixed table, not `mimetypes`: that reads the machine's /etc/mime.types, so output would
# differ between machines.
_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".ico": "image/x-icon",
    ".heic": "image/heic",
}


def image_mime_type(url: str) -> str:
    """The image MIME type for a URL's extension; ``image/jpeg`` when unknown."""
    ext = splitext(urlsplit(url).path)[1].lower()
    return _IMAGE_TYPES.get(ext, "image/jpeg")


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Provider:
    """Who published the story: a name and, from its domain, a home page URL."""

    name: str
    url: str | None = None


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None
    title: str | None = None

    @property
    def mime_type(self) -> str:
        return image_mime_type(self.url)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A related story: it is a record itself, but only its link facts are published."""

    url: str
    title: str
    provider: Provider | None = None
    published: datetime | None = None


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Record:
    """One validated news record. ``url`` (the canonical ``sourceUrl``) is its identity.

    Only the fields here can ever reach the output: ``secured`` and any unknown key are
    dropped at validation; ``quality``, ``heat`` and ``type`` are kept apart, in ``Editorial``.
    """

    path: str  # relative to the input folder, POSIX separators: names the file in messages
    url: str
    title: str
    published: datetime  # aware, UTC
    excerpt: str | None = None
    body: str | None = None  # a text body as written; None once rendered into body_html
    body_html: str | None = None  # rendered and sanitised (Markdown and HTML bodies), else None
    amp_url: str | None = None
    amp_cache_url: str | None = None
    provider: Provider | None = None
    topics: tuple[str, ...] = ()
    category: str | None = None
    images: tuple[Image, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    is_published: bool = True

    @property
    def tags(self) -> tuple[str, ...]:
        """Topics then category, de-duplicated case-insensitively, first spelling wins."""
        seen: set[str] = set()
        tags: list[str] = []
        for tag in (*self.topics, *((self.category,) if self.category else ())):
            key = tag.casefold()
            if key not in seen:
                seen.add(key)
                tags.append(tag)
        return tuple(tags)


@dataclass(frozen=True, slots=True)
class Editorial:
    """A record's editorial signals, kept beside its ``Record`` and never in it: they select and
    order curated feeds (and ``type`` names a type feed), so no renderer can publish them."""

    quality: float | None = None
    heat: float | None = None
    type: str | None = None


NO_EDITORIAL = Editorial()
