"""HTML pages for people: the index of every feed, grouped by kind, and one readable page per
feed (a topic, category, provider, type or curated feed).

Browsers are dropping XSLT, so these plain pages (not a feed stylesheet) are what a person sees
when they follow a feed link. They carry autodiscovery ``<link rel="alternate">`` tags, inline
CSS only and no script at all; their Content-Security-Policy forbids scripts, so even a mistake
in escaping could not run one. Every piece of record text is escaped; only absolute http(s) URLs
from records are written. Links to the site's own pages and feed files are relative (to the
page's file), so the pages work from disk and on any port; autodiscovery and the addresses shown
for copying stay absolute. Output is deterministic: no clock, no locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ..config import Site
from ..feeddefs import FeedEntries, FeedListing, by_kind, group_of
from ..layout import INDEX_PAGE, OPML_FILE, feed_file, relative_link
from ..markup import PAGE_CSP, escape_html
from .embed import embed_snippets_html
from .formats import FORMATS, FeedFormat, feed_href, feed_url, page_href
from .page_entry import entry_time, page_entry
from .pieces import Pieces, fresh

OPML_TYPE = "text/x-opml"

_CSS = """\
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#595959;--bg:#fdfdfd;--card:#fff;\
--link:#0b57d0;--visited:#6a3cb5;--rule:#dedede;--code:#f2f2f2}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#ababab;--bg:#121212;\
--card:#1c1c1c;--link:#8ab4f8;--visited:#c5a3ff;--rule:#383838;--code:#262626}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
.wrap{max-width:52rem;margin-left:auto;margin-right:auto;padding-left:1rem;padding-right:1rem}
.skip{position:absolute;left:-999rem}
.skip:focus{left:1rem;top:1rem;padding:.5rem;background:var(--card)}
a{color:var(--link)}
a:visited{color:var(--visited)}
a:focus-visible{outline:2px solid var(--link);outline-offset:2px}
body>header{padding-top:1.5rem;padding-bottom:1rem;border-bottom:1px solid var(--rule)}
body>header nav{font-size:.9rem}
h1{margin:.25rem 0;font-size:1.8rem;line-height:1.2}
h2{margin:2rem 0 .75rem;font-size:1.35rem}
h3{margin:0 0 .25rem;font-size:1.1rem;line-height:1.3}
h4{margin:.75rem 0 .25rem;font-size:.95rem}
p{margin:.4rem 0}
.meta,.note{color:var(--muted);font-size:.9rem}
.feeds,.entries,.related,.formats{list-style:none;margin:0;padding:0}
.feed-group>h3{margin:1.5rem 0 .6rem;font-size:1.15rem}
.feeds h4{margin:0 0 .25rem;font-size:1.05rem;line-height:1.3}
.feeds>li,.entries>li{background:var(--card);border:1px solid var(--rule);border-radius:.5rem;\
padding:.9rem 1rem;margin:0 0 .75rem;display:flow-root}
.subscribe a,.formats a{display:inline-block;padding:.1rem .1rem}
.formats li{margin:.35rem 0}
.thumb{display:block;max-width:100%;height:auto;margin:.5rem 0;border-radius:.35rem}
@media (min-width:40rem){.thumb{float:right;width:12rem;margin:0 0 .5rem 1rem}}
.related li{margin:.2rem 0;padding-left:1rem;text-indent:-1rem}
.related li::before{content:"→ "}
code,pre{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;\
background:var(--code);border-radius:.25rem}
code{padding:.05rem .25rem}
pre{padding:.6rem .75rem;overflow-x:auto;white-space:pre-wrap}
body>footer{margin-top:2.5rem;margin-bottom:1.5rem;padding-top:1rem;\
border-top:1px solid var(--rule);font-size:.85rem;color:var(--muted)}
"""


def render_index(listings: Sequence[FeedListing], site: Site, pieces: Pieces = fresh) -> bytes:
    """``OUTPUT/index.html``: every feed with its entry count, newest date and subscribe links,
    grouped by kind, then the latest entries of the ``all`` feed (this page is its home page).

    ``listings[0]`` is the ``all`` feed, with its records when they were read (``FeedEntries``).
    """
    first = listings[0] if listings else None
    everything = first if isinstance(first, FeedEntries) else None
    here = INDEX_PAGE
    groups = "".join(
        f'<section class="feed-group" aria-labelledby="group-{kind}">\n'
        f'<h3 id="group-{kind}">{heading}</h3>\n'
        f'<ul class="feeds">\n{"".join(_feed_row(listing, here) for listing in group)}</ul>\n'
        "</section>\n"
        for kind, heading, group in by_kind(listings)
    )
    opml = escape_html(relative_link(here, OPML_FILE))
    main = (
        '<section aria-labelledby="feeds">\n'
        '<h2 id="feeds">Feeds</h2>\n'
        "<p>Subscribe to any feed below in your feed reader, or import them all at once: "
        f'<a href="{opml}" type="{OPML_TYPE}">all feeds as OPML</a>.</p>\n'
        f"{groups}"
        "</section>\n"
    )
    if everything is not None:
        main += _latest(everything, here, site, heading="Latest entries", pieces=pieces)
        main += _embed_section(everything, site)
    header = f"<h1>{escape_html(site.title)}</h1>\n"
    if site.description:
        header += f"<p>{escape_html(site.description)}</p>\n"
    return _document(
        site,
        here,
        title=site.title,
        description=site.description,
        alternates=everything,
        header=header,
        main=main,
    )


def render_topic_page(entries: FeedEntries, site: Site, pieces: Pieces = fresh) -> bytes:
    """``OUTPUT/<kind>/<slug>/index.html``: the feed's latest entries, readable, with
    autodiscovery for its three feeds and its subscribe links."""
    here = feed_file(entries.feed.folder, INDEX_PAGE)
    home = f'<a href="{escape_html(relative_link(here, INDEX_PAGE))}">{escape_html(site.title)}</a>'
    crumbs = f'<nav aria-label="Breadcrumb">{home} &#x203A; {group_of(entries.feed)} &#x203A; '
    name = escape_html(entries.feed.name)
    crumbs += f'<span aria-current="page">{name}</span></nav>\n'
    header = f'{crumbs}<h1>{name}</h1>\n<p class="meta">{_summary(entries)}</p>\n'
    links = "".join(
        f'<li><a href="{escape_html(feed_href(entries, fmt, here))}" type="{fmt.media_type}">'
        f"{fmt.label}</a> "
        f"<code>{escape_html(feed_url(entries, site, fmt))}</code></li>\n"
        for fmt in FORMATS
    )
    opml = escape_html(relative_link(here, OPML_FILE))
    main = (
        '<section aria-labelledby="subscribe">\n'
        '<h2 id="subscribe">Subscribe</h2>\n'
        "<p>Add one of these feed addresses to your feed reader:</p>\n"
        f'<ul class="formats">\n{links}</ul>\n'
        f'<p class="note">Or follow every feed of {escape_html(site.title)} at once: import '
        f'<a href="{opml}" type="{OPML_TYPE}">all feeds as OPML</a>.</p>\n'
        "</section>\n"
    )
    selector = entries.feed.selector
    ranked = selector is not None and selector.order != "newest"  # by heat or quality
    heading = "Top entries" if ranked else "Latest entries"
    main += _latest(entries, here, site, heading=heading, pieces=pieces)
    main += _embed_section(entries, site)
    return _document(
        site,
        here,
        title=entries.feed.title,
        description=f"{entries.feed.name}: the latest entries of {site.title}",
        alternates=entries,
        header=header,
        main=main,
    )


def _document(
    site: Site,
    here: str,
    *,
    title: str,
    description: str,
    alternates: FeedEntries | None,
    header: str,
    main: str,
) -> bytes:
    discovery = ""
    if alternates is not None:
        discovery = "".join(
            f'<link rel="alternate" type="{fmt.media_type}" '
            f'title="{escape_html(_feed_title(alternates, fmt))}" '
            f'href="{escape_html(feed_url(alternates, site, fmt))}">\n'
            for fmt in FORMATS
        )
    home = escape_html(relative_link(here, INDEX_PAGE))
    html = (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape_html(site.language)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="referrer" content="strict-origin-when-cross-origin">\n'
        '<meta name="generator" content="feedgen-news">\n'
        f"<title>{escape_html(title)}</title>\n"
        f'<meta name="description" content="{escape_html(description)}">\n'
        f"{discovery}"
        f'<link rel="alternate" type="{OPML_TYPE}" title="All feeds (OPML)" '
        f'href="{escape_html(site.url(OPML_FILE))}">\n'
        f"<style>\n{_CSS}</style>\n"
        "</head>\n"
        "<body>\n"
        '<a class="skip" href="#main">Skip to content</a>\n'
        f'<header class="wrap">\n{header}</header>\n'
        f'<main id="main" class="wrap">\n{main}</main>\n'
        '<footer class="wrap">\n'
        f'<p><a href="{home}">All feeds of {escape_html(site.title)}</a> · '
        "Made with feedgen-news.</p>\n"
        "</footer>\n"
        "</body>\n"
        "</html>\n"
    )
    return html.encode("utf-8")


def _feed_row(entries: FeedListing, here: str) -> str:
    name = "All entries" if entries.feed.is_all else entries.feed.name
    subscribe = " · ".join(
        f'<a href="{escape_html(feed_href(entries, fmt, here))}" type="{fmt.media_type}" '
        f'aria-label="{escape_html(f"{name}: {fmt.label} feed")}">'
        f"{fmt.label}</a>"
        for fmt in FORMATS
    )
    return (
        "<li>\n"
        f'<h4><a href="{escape_html(page_href(entries, here))}">{escape_html(name)}</a></h4>\n'
        f'<p class="meta">{_summary(entries)}</p>\n'
        f'<p class="subscribe">Subscribe: {subscribe}</p>\n'
        "</li>\n"
    )


def _summary(entries: FeedListing) -> str:
    """``12 entries · newest <time>`` (and how many the feed keeps when it is limited)."""
    count = f"{entries.total} {'entry' if entries.total == 1 else 'entries'}"
    if entries.shown < entries.total:
        count += f" (the feeds carry the latest {entries.shown})"
    newest = entries.newest
    if newest is None:
        return count
    return f"{count} · newest {entry_time(newest)}"


def _latest(
    entries: FeedEntries, here: str, site: Site, *, heading: str, pieces: Pieces = fresh
) -> str:
    if entries.records:
        tag, root = page_piece_tag(here), to_root(here)
        items = "".join(
            pieces(tag, i, partial(page_entry, record, root, site.facets)).decode()
            for i, record in enumerate(entries.records)
        )
        body = f'<ol class="entries">\n{items}</ol>\n'
    else:
        body = '<p class="note">No entries yet.</p>\n'
    return f'<section aria-labelledby="latest">\n<h2 id="latest">{heading}</h2>\n{body}</section>\n'


def page_piece_tag(here: str) -> str:
    """A page's entries link to other pages through the way up to the output folder: pages at
    one depth share their pieces."""
    return f"page:{to_root(here)}"


def to_root(here: str) -> str:
    """The relative way from the output file ``here`` up to the output folder."""
    return "../" * here.count("/")


def _embed_section(entries: FeedEntries, site: Site) -> str:
    # Issue 6: the copy-paste embed snippets (iframe and embed.js) for this feed.
    return (
        '<section aria-labelledby="embed">\n'
        '<h2 id="embed">Embed this feed</h2>\n'
        f"{embed_snippets_html(entries, site)}"
        "</section>\n"
    )


def _feed_title(entries: FeedListing, fmt: FeedFormat) -> str:
    return f"{entries.feed.title} ({fmt.label})"
