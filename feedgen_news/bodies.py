"""Record bodies as HTML: Markdown rendered (CommonMark, tables, strikethrough, autolinks) and
every HTML body sanitised against one allowlist, so what a provider writes can style a story
but never run, track or break a reader.

A leaf: the parse workers render (``records``), and the renderers take a summary's text
(``render``) from what was stored.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from posixpath import splitext
from typing import Final

import nh3

from .markdown import VERSION as _MARKDOWN_VERSION
from .markdown import markdown_html

__all__ = ["BODY_FORMATS", "RENDERER", "BodyError", "body_html", "html_text", "resolve_format"]

BODY_FORMATS: Final = ("auto", "markdown", "text", "html")
_SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown"}  # else text, as before

# What renders and sanitises a body: part of what a cached record depends on.
RENDERER: Final = f"{_MARKDOWN_VERSION}, nh3 {getattr(nh3, '__version__', '?')}"  # not in its stubs
# Deeper than any story (Markdown, as rendered; HTML): html5ever's tree builder costs the square
# of the depth (seconds at 40,000).
MAX_DEPTH: Final = 100
_MAX_HTML_DEPTH: Final = 1000
# Markdown grows as it renders (a "<" into "&lt;", a link around a bare URL), but past this a
# table pads short rows: a 10,000-column header asks 60 KB of rows for 10^8 empty cells, and
# cmark stops at half a million (5 MB).
_MAX_GROWTH: Final = 16

_TAGS: Final = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code"),
    *("em", "strong", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption"),
    *("img", "a", "br", "hr", "sub", "sup", "del", "s"),
}
_ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Removed with everything inside them, not just their tags (ammonia's default is script/style).
_DROPPED_WITH_CONTENT: Final = {"script", "style", "iframe", "object", "form", "template", "svg"}
_SCHEMES: Final = {"http", "https", "mailto"}

# Elements a parser closes by itself: not counted as nesting (a list of <p> is flat).
_SELF_CLOSING = frozenset(
    {
        *("p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"),
        *("optgroup", "rt", "rp", "colgroup", "caption", "area", "base", "br", "col", "embed"),
        *("hr", "img", "input", "link", "meta", "source", "track", "wbr"),
    }
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>")


class BodyError(ValueError):
    """A body that cannot be published: the message is the reason, for one line."""


def resolve_format(chosen: str, relpath: str) -> str:
    """``chosen`` (one of ``BODY_FORMATS``), with ``auto`` decided by the file's suffix."""
    if chosen != "auto":
        return chosen
    return _SUFFIX_FORMATS.get(splitext(relpath)[1].lower(), "text")


def body_html(text: str, fmt: str, base_url: str, *, nofollow: bool = False) -> str | None:
    """The sanitised HTML of a body in ``fmt`` (``markdown`` or ``html``); None for ``text``,
    which stays escaped text. Relative links and image sources resolve against ``base_url``
    (the record's ``sourceUrl``). Raises BodyError for a body nested too deep to sanitise, or
    Markdown that renders to far more HTML than a story could."""
    if fmt == "text":
        return None
    if fmt == "markdown":
        html = markdown_html(text)  # linear time: no size limit but the file's
        if len(html) > _MAX_GROWTH * len(text) + 65_536:
            raise BodyError(
                f"Markdown renders to {len(html):,} characters of HTML,"
                f" over {_MAX_GROWTH} times its size"
            )
        if _depth(html, MAX_DEPTH) > MAX_DEPTH:
            raise BodyError(f"Markdown nested more than {MAX_DEPTH} levels deep")
    else:
        html = text
        if _depth(html, _MAX_HTML_DEPTH) > _MAX_HTML_DEPTH:
            raise BodyError(f"HTML nested more than {_MAX_HTML_DEPTH:,} elements deep")
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener nofollow" if nofollow else "noopener",
        url_relative=("rewrite_with_base", base_url),
    ).strip()


def _depth(html: str, limit: int) -> int:
    """How deep ``html``'s elements nest, at most (unclosed tags count as open); 0 when it
    cannot be deeper than ``limit``."""
    if html.count("<") <= limit:
        return 0  # the common case, without a scan
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, empty = match.groups()
        if empty or name.lower() in _SELF_CLOSING:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


_BLOCKS = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre"),
        *("table", "tr", "th", "td", "figure", "br", "hr"),
    }
)


class _Text(HTMLParser):
    """The text of sanitised HTML, blocks apart by a space, until ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        if self.size < self.limit:
            self.parts.append(data)
            self.size += len(data)


def html_text(html: str, limit: int) -> str:
    """About the first ``limit`` characters of ``html``'s text, whitespace collapsed."""
    parser = _Text(limit)
    step = 4 * limit  # most bodies' text starts early: read the HTML in slices, stop when full
    for start in range(0, len(html), step):
        parser.feed(html[start : start + step])
        if parser.size >= limit:
            break
    parser.close()
    return " ".join("".join(parser.parts).split())
