"""The output folder's layout: every file name and folder a build writes, and ``OutputFile``.

A feed's files live in its folder: ``all`` for the feed of everything, ``topics/<slug>`` for a
topic, ``categories/``, ``providers/`` and ``types/<slug>`` for the other facets, and
``feeds/<slug>`` for a curated feed. The site's own files (index page, OPML list, embed script)
sit at the top. Paths here are POSIX paths relative to the output folder; ``Site.url(path)``
turns one into its public URL.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

ALL_SLUG = "all"  # the feed of everything: its slug and its folder
TOPICS_FOLDER = "topics"  # each topic's feed lives in topics/<slug>
# Each facet's feeds, by the facet's name (keys.FACETS), and the curated feeds' folder.
FACET_FOLDERS = {
    "topics": TOPICS_FOLDER,
    "category": "categories",
    "provider": "providers",
    "type": "types",
}
CURATED_FOLDER = "feeds"

RSS_FILE = "rss.xml"
ATOM_FILE = "atom.xml"
JSON_FEED_FILE = "feed.json"
EMBED_PAGE = "embed.html"  # in each feed's folder: the list an <iframe> shows
INDEX_PAGE = "index.html"  # the site's home page, and each topic's page in its folder
OPML_FILE = "feeds.opml"  # at the top: every feed, for importing into a reader
EMBED_JS = "embed.js"  # at the top: the script the embed snippet loads
MANIFEST_NAME = ".feedgen-news-manifest.json"  # at the top: what the tool wrote, and its state
LOCK_NAME = ".feedgen-news.lock"  # at the top: held while a build writes the folder


@dataclass(frozen=True, slots=True)
class OutputFile:
    relpath: str  # POSIX path relative to the output folder
    data: bytes


def topic_folder(slug: str) -> str:
    """The folder of a topic's feed."""
    return f"{TOPICS_FOLDER}/{slug}"


def facet_folder(facet: str, slug: str) -> str:
    """The folder of one value's feed of a facet (``category`` -> ``categories/<slug>``)."""
    return f"{FACET_FOLDERS[facet]}/{slug}"


def curated_folder(slug: str) -> str:
    """The folder of a curated feed."""
    return f"{CURATED_FOLDER}/{slug}"


def is_all(relpath: str) -> bool:
    """True for the folder of the feed of everything.

    By folder, not slug: a user topic named "All" also has the slug "all" (it lives in topics/all).
    """
    return relpath == ALL_SLUG


def feed_file(folder: str, filename: str) -> str:
    """A file in a feed's folder."""
    return f"{folder}/{filename}"


def page_path(folder: str) -> str:
    """Where a feed's HTML page is linked: the site's home ("") for `all`, else its folder."""
    return "" if is_all(folder) else folder + "/"


def page_html(folder: str) -> str:
    """The HTML file of a feed's page: the site's index for `all`, else its folder's index."""
    return INDEX_PAGE if is_all(folder) else feed_file(folder, INDEX_PAGE)


def relative_link(here: str, target: str) -> str:
    """The link from the output file ``here`` to the output file ``target``, relative to
    ``here``'s folder, so it works from disk (file://), on any port and under any path prefix.

    Names a file, never a folder: from disk a folder opens a directory listing, not its index.
    Output paths are slugs and fixed names, so nothing needs escaping.
    """
    return posixpath.relpath(target, posixpath.dirname(here) or ".")
