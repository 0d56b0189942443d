"""A minimal Hugo site over the benchmark's records, so `make bench` can run Hugo as a peer.

The records are already Hugo content: YAML front matter with ``title``, and ``published: false``,
which Hugo reads as ``draft: true``. The site config maps the rest: ``publishedDateTime`` is the
date and ``topics`` a taxonomy. So conversion is only hard links named ``.md`` (Hugo ignores
``.txt``), and Hugo parses the very bytes feedgen-news parses. Pages are listed but not rendered;
the output is the home RSS feed plus one RSS feed per topic term, the newest 50 items each, like
feedgen-news's ``limit``. Slugs drop accents, so each feed's path matches feedgen-news's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .generate import record_files

LIMIT = 50  # feedgen-news's default `limit`
DATE_KEY = "publishedDateTime"
TAXONOMY = "topics"  # the front matter key; Hugo's singular name is "topic"

CONFIG = f"""\
baseURL = "https://example.org/"
title = "feedgen-news benchmark"
languageCode = "en"
# Only the feeds: no section or term-list pages, sitemap, robots.txt or 404 page.
disableKinds = ["section", "taxonomy", "sitemap", "robotsTXT", "404"]
ignoreErrors = ["error-disable-taxonomy"]
# feedgen-news publishes records of any date; Hugo would hold back future ones.
buildFuture = true
removePathAccents = true

[taxonomies]
  topic = "{TAXONOMY}"

[frontmatter]
  date = ["{DATE_KEY}", ":default"]

[services.rss]
  limit = {LIMIT}

[outputs]
  home = ["RSS"]
  term = ["RSS"]

# Every record is listed in the feeds but gets no page of its own.
[[cascade]]
  [cascade._build]
    render = "never"
    list = "always"
  [cascade._target]
    kind = "page"
"""

# Hugo's built-in RSS template needs each page's permalink, which unrendered pages lack; items link
# to the source article, with its excerpt, provider, topics and lead image, as feedgen-news does.
RSS = """\
{{- $pages := .Pages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end -}}
{{- $limit := site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 }}{{ $pages = $pages | first $limit }}{{ end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }}{{ end }}</title>
<link>{{ .Permalink }}</link>
<description>{{ site.Title }}</description>
{{- range $pages }}
<item>
<title>{{ .Title }}</title>
<link>{{ .Params.sourceurl }}</link>
<guid isPermaLink="true">{{ .Params.sourceurl }}</guid>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<description>{{ .Params.excerpt }}</description>
{{- with .Params.provider }}<dc:creator>{{ .name }}</dc:creator>{{ end }}
{{- range .Params.topics }}<category>{{ . }}</category>{{ end }}
{{- with .Params.images }}{{ with index . 0 -}}
<enclosure url="{{ .url }}" type="image/jpeg" length="0"/>
{{- end }}{{ end }}
</item>
{{- end }}
</channel>
</rss>
"""


def write_site(site: Path) -> Path:
    """Write the config and layout into ``site``; return its content folder."""
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(CONFIG, encoding="utf-8")
    (site / "layouts" / "_default" / "rss.xml").write_text(RSS, encoding="utf-8")
    content = site / "content"
    content.mkdir(exist_ok=True)
    return content


def sync_content(records: Path, content: Path) -> tuple[int, int]:
    """Make ``content`` mirror ``records``: each ``a/b/x.txt`` becomes ``a/b/x.md``, a hard link
    (a copy across filesystems). Returns (files linked or copied, files removed); a second call
    with nothing changed does nothing."""
    wanted = {
        content / src.relative_to(records).with_suffix(".md"): src for src in record_files(records)
    }
    removed = 0
    for dirpath, _, filenames in os.walk(content):
        for name in filenames:
            path = Path(dirpath) / name
            if path not in wanted:
                path.unlink()
                removed += 1
    linked = 0
    for dst, src in wanted.items():
        s = src.stat()
        try:
            d = dst.stat()
        except FileNotFoundError:
            pass
        else:
            if (d.st_dev, d.st_ino) == (s.st_dev, s.st_ino) or (
                (d.st_size, d.st_mtime_ns) == (s.st_size, s.st_mtime_ns)  # an up-to-date copy
            ):
                continue
            dst.unlink()
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        linked += 1
    return linked, removed


def clean(site: Path, out: Path, cache: Path) -> None:
    """Remove everything a Hugo build leaves behind, so the next build starts from nothing."""
    for path in (out, site / "public", site / "resources", cache):
        shutil.rmtree(path, ignore_errors=True)


def argv(hugo: str, site: Path, out: Path, cache: Path) -> list[str]:
    return [hugo, "--source", str(site), "--destination", str(out), "--cacheDir", str(cache)]


def version(hugo: str) -> str:
    """``hugo v0.111.3+extended``-style name of the installed Hugo, or just "Hugo"."""
    try:
        words = subprocess.run(
            [hugo, "version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return "Hugo"
    return f"Hugo {words[1].split('+')[0].split('-')[0]}" if len(words) > 1 else "Hugo"


def ratio_cell(ours: float | None, hugo: float | None, unit: str) -> str:
    """``13.90 s / 29.80 s = 0.47x``: feedgen-news's figure over Hugo's."""
    if ours is None or hugo is None or hugo <= 0:
        return "—"
    spec = ".2f" if unit == "s" else ".0f"
    ratio = ours / hugo
    return f"{ours:{spec}} {unit} / {hugo:{spec}} {unit} = {ratio:.{2 if ratio >= 0.1 else 3}f}x"
