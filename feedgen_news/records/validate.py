"""Validate a record's front matter into a frozen ``Record``: required fields are errors that
reject the record, optional ones are warnings that drop or coerce a value. Every problem is a
value naming the file by its relpath, in file order."""

from __future__ import annotations

from typing import Any

from ..bodies import BODY_FORMATS, BodyError, body_html, resolve_format
from ..config import Site
from ..errors import Problem
from ..keys import fold
from ..model import NO_EDITORIAL, Editorial, Image, Provider, Record, RelatedLink
from .fields import FieldPath, FieldReader
from .frontmatter import FrontMatter
from .values import hostname, kind_of, number_text, show, strip_blank_lines

__all__ = ["validate"]


def validate(
    front: FrontMatter, body: str, relpath: str, site: Site, problems: list[Problem]
) -> tuple[Record | None, Editorial, list[Problem]]:
    """The record and its editorial signals, with ``problems`` (found before, e.g. while
    decoding) and its warnings; or None with its errors only."""
    r = FieldReader(front, relpath, site, problems)
    fm = front.fields
    title = _required_text(r, fm.get("title"))
    url = r.url(fm.get("sourceUrl"), ("sourceUrl",), required=True)
    published = r.when(fm.get("publishedDateTime"), ("publishedDateTime",), True)
    for name in ("title", "sourceUrl", "publishedDateTime"):
        if fm.get(name) is None:
            r.problems.append(Problem(relpath, "missing (required)", name))
    errors = [p for p in r.problems if p.severity == "error"]
    if errors or title is None or url is None or published is None:
        return None, NO_EDITORIAL, errors
    body_text = r.text(strip_blank_lines(body)) or None
    fmt = resolve_format(_body_format(r, fm.get("format"), site.body_format), relpath)
    try:
        html = body_html(body_text, fmt, url, nofollow=site.link_nofollow) if body_text else None
    except BodyError as exc:
        return None, NO_EDITORIAL, [Problem(relpath, str(exc), "body")]
    record = Record(
        path=relpath,
        url=url,
        title=title,
        published=published,
        excerpt=r.string(fm.get("excerpt"), ("excerpt",), required=False),
        body=body_text if html is None else None,  # rendered: the HTML is all a feed needs
        body_html=html,
        amp_url=r.url(fm.get("ampUrl"), ("ampUrl",), required=False),
        amp_cache_url=r.url(fm.get("cdnAmpUrl"), ("cdnAmpUrl",), required=False),
        provider=_provider(r, fm.get("provider"), ("provider",)),
        topics=_topics(r, fm.get("topics")),
        category=r.string(fm.get("category"), ("category",), required=False),
        images=_images(r, fm.get("images")),
        related=_related(r, fm.get("related")),
        is_published=_is_published(r, fm.get("published")),
    )
    editorial = Editorial(
        quality=r.number(fm.get("quality"), ("quality",)),
        heat=r.number(fm.get("heat"), ("heat",)),
        type=r.string(fm.get("type"), ("type",), required=False),
    )
    if editorial == NO_EDITORIAL:
        editorial = NO_EDITORIAL  # one shared value for the many records without signals
    # In file order; sorted() is stable, so problems on one line keep their order.
    return record, editorial, sorted(r.problems, key=_line_of)


def _body_format(r: FieldReader, value: Any, default: str) -> str:
    """The front matter's ``format``, else the site's ``body_format``."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lower() in BODY_FORMATS:
        return value.strip().lower()
    known = ", ".join(BODY_FORMATS)
    r.warning(("format",), f"must be one of {known}, got {show(value)}; body_format used")
    return default


def _line_of(problem: Problem) -> int:
    return problem.line or 0


def _required_text(r: FieldReader, value: Any) -> str | None:
    if value is None:
        return None  # reported as missing
    title = r.string(value, ("title",), required=True)
    if title is None and isinstance(value, str):
        r.error(("title",), "empty")
    return title


def _provider(r: FieldReader, value: Any, path: FieldPath) -> Provider | None:
    if value is None:
        return None
    if isinstance(value, str):
        name = r.text(value).strip()
        if name:
            r.warning(path, "a plain string; used as the provider's name")
            return Provider(name)
    if not isinstance(value, dict):
        reason = f"must be a mapping with name and domain, got {kind_of(value)}; dropped"
        r.warning(path, reason)
        return None
    named = r.string(value.get("name"), (*path, "name"), required=False)
    if named is None:
        r.warning((*path, "name"), "missing; provider dropped")
        return None
    domain = value.get("domain")
    home: str | None = None
    if domain is not None:
        host = hostname(domain)
        if host is None:
            r.warning((*path, "domain"), f"not a host name: {show(domain)}; dropped")
        else:
            home = "https://" + host
    return Provider(named, home)


def _topics(r: FieldReader, value: Any) -> tuple[str, ...]:
    """The record's distinct topics, at most ``max_topics_per_record``: beyond it, every
    further topic is dropped with one warning (not one each)."""
    topics: list[str] = []
    keys: set[str] = set()
    dropped: set[str] = set()
    first_dropped = 0
    for i, item in enumerate(r.items(value, ("topics",), str)):
        path = ("topics", i)
        if len(topics) >= r.max_topics:
            key = fold(item) if isinstance(item, str) else repr(item)
            if key and key not in keys:  # a spelling of a kept topic is no loss
                first_dropped = first_dropped if dropped else i
                dropped.add(key)
            continue
        if isinstance(item, str):
            topic = r.text(item).strip()
        elif isinstance(item, int | float) and not isinstance(item, bool):
            topic = number_text(item)
        else:
            r.warning(path, f"must be text, got {kind_of(item)}; dropped")
            continue
        key = fold(topic)
        if not key:
            r.warning(path, "empty topic; dropped")
            continue
        if key not in keys:  # same feed: keep the first spelling only
            keys.add(key)
            topics.append(topic)
    if dropped:
        line, column = r.position(("topics", first_dropped))
        cap = r.max_topics
        reason = f"{len(dropped)} beyond max_topics_per_record = {cap}; dropped "
        r.warn(reason + f"(the first {cap} are kept)", "topics", line, column)
    return tuple(topics)


def _images(r: FieldReader, value: Any) -> tuple[Image, ...]:
    images: list[Image] = []
    for i, item in enumerate(r.items(value, ("images",), dict)):
        path: FieldPath = ("images", i)
        if not isinstance(item, dict):
            r.warning(path, f"must be a mapping with a url, got {kind_of(item)}; dropped")
            continue
        raw_url = item.get("url")
        if raw_url is None:
            r.warning((*path, "url"), "missing; image dropped")
            continue
        url = r.url(raw_url, (*path, "url"), required=False)
        if url is None:
            continue
        images.append(
            Image(
                url,
                r.dimension(item.get("width"), (*path, "width")),
                r.dimension(item.get("height"), (*path, "height")),
                r.string(item.get("title"), (*path, "title"), required=False),
            )
        )
    return tuple(images)


def _related(r: FieldReader, value: Any) -> tuple[RelatedLink, ...]:
    links: list[RelatedLink] = []
    for i, item in enumerate(r.items(value, ("related",), dict)):
        path: FieldPath = ("related", i)
        if not isinstance(item, dict):
            r.warning(path, f"must be a mapping, got {kind_of(item)}; dropped")
            continue
        raw_url = item.get("sourceUrl")
        if raw_url is None:
            r.warning((*path, "sourceUrl"), "missing; related link dropped")
            continue
        url = r.url(raw_url, (*path, "sourceUrl"), required=False)
        title = r.string(item.get("title"), (*path, "title"), required=False)
        if url is None:
            continue
        if title is None:
            r.warning((*path, "title"), "missing; related link dropped")
            continue
        links.append(
            RelatedLink(
                url,
                title,
                _provider(r, item.get("provider"), (*path, "provider")),
                r.when(item.get("publishedDateTime"), (*path, "publishedDateTime"), False),
            )
        )
    return tuple(links)


def _is_published(r: FieldReader, value: Any) -> bool:
    if value is None and "published" not in r.fields:
        return True
    if isinstance(value, bool):
        return value
    # Fail safe: leaking a draft cannot be taken back, so only a clear yes publishes.
    clear_yes = isinstance(value, str) and value.strip().lower() in ("true", "yes", "on")
    verdict = "treated as published" if clear_yes else "treated as NOT published"
    r.warning(("published",), f"must be true or false, got {show(value)}; {verdict}")
    return clear_yes
