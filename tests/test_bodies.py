"""Record bodies: Markdown rendered, every HTML body sanitised, in every feed format as a reader
parses it back; hostile bodies rendered or rejected within a file's normal cost."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest

from feedgen_news import bodies, ingest
from feedgen_news.config import Site
from feedgen_news.model import Record
from feedgen_news.records import parse_record, read_record
from feedgen_news.render.formats import ATOM, JSON, RSS
from tests.bad_records import FIXTURES
from tests.helpers import GOOD_HEAD, build_cmd, feed_entries, parse_text, parse_within

HOSTILE = [
    "good/body_javascript_links.md",
    "good/body_img_onerror.md",
    "good/body_svg_script.md",
    "good/body_data_image.md",
    "good/body_html_from_a_cms.txt",
]
KEPT_TAGS = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code"),
    *("em", "strong", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption"),
    *("img", "a", "br", "hr", "sub", "sup", "del", "s", "div"),  # div: the test's wrapper
}
HEAD = GOOD_HEAD + "publishedDateTime: 2026-11-01T09:00:00Z\n"


def fixture(relpath: str, site: Site | None = None) -> Record:
    record, problems = read_record(FIXTURES / relpath, relpath, site or Site())
    assert problems == [] and record is not None
    return record


def contents(record: Record, site: Site | None = None) -> list[str]:
    """The entry's HTML content in RSS, Atom and JSON Feed, as readers parse it back, each
    checked to be what feedparser's sanitiser would leave as it is."""
    site = site or Site()
    found = []
    for fmt in (RSS, ATOM):
        data = fmt.render(feed_entries(record), site)
        (entry,) = feedparser.parse(data).entries
        (raw,) = feedparser.parse(data, sanitize_html=False).entries
        assert entry.content[0].value == raw.content[0].value  # nothing left to remove
        assert entry.content[0].type == "text/html"
        found.append(entry.content[0].value)
    (item,) = json.loads(JSON.render(feed_entries(record), site))["items"]
    found.append(item["content_html"])
    return found


def elements(html: str) -> list[Any]:
    return list(lxml.html.fromstring(f"<div>{html}</div>").iter())


@pytest.mark.parametrize("relpath", HOSTILE)
def test_a_hostile_body_cannot_run_leak_or_style(relpath: str) -> None:
    for html in contents(fixture(relpath)):
        for el in elements(html):
            assert el.tag in KEPT_TAGS, (relpath, el.tag)
            for name, value in el.attrib.items():
                assert not name.startswith("on") and name != "style", (relpath, name)
                if name in ("href", "src"):
                    assert urlsplit(value).scheme in ("http", "https", "mailto"), (relpath, value)
            if el.tag == "a":
                assert el.get("rel") == "noopener"
        # Text may say anything; the content of script, style, svg, iframe, form goes too.
        shown = "".join(str(t) for t in lxml.html.fromstring(f"<div>{html}</div>").itertext())
        assert "alert" not in shown.replace("(javascript:alert(1))", ""), relpath
        assert "display:none" not in shown and "fallback" not in shown, relpath


def test_markdown_is_rendered_with_tables_strikethrough_and_autolinks() -> None:
    for html in contents(fixture("good/body_markdown_features.md")):
        tags = [el.tag for el in elements(html)]
        for tag in ("h1", "strong", "ul", "del", "table", "th", "td", "pre", "code", "a"):
            assert tag in tags
        links = {el.get("href") for el in elements(html) if el.tag == "a"}
        assert links == {
            "https://example.org/news/changes/2.0.html",  # relative, against sourceUrl
            "https://example.org/x",  # a bare URL, linked
            "mailto:news@example.org",
        }
        assert "#" not in html and "**" not in html
        assert 'print("&lt;hi&gt;")' in html or "print(&quot;&lt;hi&gt;&quot;)" in html


def test_html_bodies_are_sanitised_and_links_made_absolute() -> None:
    (html, *_) = contents(fixture("good/body_html_from_a_cms.txt"))
    assert html == (
        '<h2>From a CMS</h2><p>Text with a <a href="https://example.org/about" rel="noopener">'
        "relative link</a>.</p>"
    )


def test_nofollow_only_when_the_config_asks() -> None:
    site = Site(link_nofollow=True)
    for html in contents(fixture("good/body_markdown_features.md", site), site):
        rels = {el.get("rel") for el in elements(html) if el.tag == "a"}
        assert rels == {"noopener nofollow"}


def test_the_summary_is_plain_text_from_the_rendered_body() -> None:
    body = "# Widget 2.0\n\n**Out now**, with [notes](https://example.org/n).\n\n" + "word " * 90
    record, problems = parse_text(HEAD + "---\n" + body)
    assert problems == [] and record is not None
    record = fixture_md(body)
    (item,) = json.loads(JSON.render(feed_entries(record), Site()))["items"]
    assert item["summary"].startswith("Widget 2.0 Out now, with notes. word word")
    assert item["summary"].endswith("word…") and len(item["summary"]) <= 300
    rss = feedparser.parse(RSS.render(feed_entries(record), Site())).entries[0]
    assert rss.summary == item["summary"]


def fixture_md(body: str, extra: str = "") -> Record:
    record, problems = parse_within("x.md", (HEAD + extra + "---\n" + body).encode())
    assert problems == [] and record is not None
    return record


def test_text_bodies_stay_text_and_format_overrides_the_suffix() -> None:
    record, _ = parse_text(HEAD + "---\n**not bold**\n")  # x.txt
    assert record is not None and record.body_html is None
    assert contents(record)[2] == "<p>**not bold**</p>"
    record, _ = parse_text(HEAD + "format: markdown\n---\n**bold**\n")
    assert record is not None and record.body_html == "<p><strong>bold</strong></p>"
    assert fixture_md("**x**", "format: text\n").body_html is None
    record, _ = parse_text(HEAD + "---\n**bold**\n", Site(body_format="markdown"))
    assert record is not None and record.body_html == "<p><strong>bold</strong></p>"


# Each hostile body is rendered or rejected, within a budget a normal body of its size needs.
LIMIT = Site().max_file_bytes


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("blockquotes_10000_deep", "> " * 10_000 + "deep", "Markdown nested more than 100"),
        ("lists_10000_deep", "- " * 10_000 + "deep", None),  # lists stop at 100, then text
        ("divs_10000_deep", "<div>" * 10_000, "Markdown nested more than 100"),  # raw HTML
        ("stars_100000", "*" * 100_000, None),
        ("brackets_100000", "[" * 100_000, None),
        ("emphasis_100000", "*a _" * 25_000, None),
        ("brackets_1mib", "[" * (LIMIT - len(HEAD) - 4), None),
        ("links_1mib", "[a](" * ((LIMIT - len(HEAD) - 4) // 4), None),
        ("emphasis_1mib", "*a _" * ((LIMIT - len(HEAD) - 4) // 4), None),
        ("strikes_1mib", "~~a" * ((LIMIT - len(HEAD) - 4) // 3), None),
        ("angles_1mib", "<" * (LIMIT - len(HEAD) - 4), None),
        # A 10,000-column header pads each one-cell row: 60 KB asking for 10^8 cells.
        (
            "table_padding",
            "|" + "a|" * 10_000 + "\n|" + "-|" * 10_000 + "\n" + "x\n" * 10_000,
            "Markdown renders to 5,",
        ),
    ],
)
def test_pathological_markdown_is_rendered_or_rejected(
    name: str, body: str, reason: str | None
) -> None:
    data = (HEAD + "---\n" + body).encode()
    assert len(data) <= LIMIT
    record, problems = parse_within(f"{name}.md", data, budget_mb=64)
    if reason is None:
        assert problems == [] and record is not None and record.body_html is not None
    else:
        assert record is None
        (problem,) = problems
        assert str(problem).startswith(f"{name}.md: body: ") and reason in str(problem)


def test_html_bodies_nest_up_to_1000_elements() -> None:
    head = HEAD + "format: html\n---\n"
    record, problems = parse_within("ok.md", (head + "<div>" * 1000).encode())
    assert problems == [] and record is not None and record.body_html == ""
    record, problems = parse_within("deep.md", (head + "<div>" * 10_000).encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "deep.md: body: HTML nested more than 1,000 elements deep"
    ]


def test_a_normal_markdown_body_at_the_file_size_limit_renders() -> None:
    para = "Widget **2.0** is [out now](https://example.org/w) with *faster* sync and `code`.\n\n"
    body = para * ((LIMIT - len(HEAD) - 4) // len(para))
    record, problems = parse_within("big.md", (HEAD + "---\n" + body).encode(), budget_mb=64)
    assert problems == [] and record is not None
    assert (
        record.body_html is not None and record.body_html.count("<strong>") == body.count("**") // 2
    )


def test_raw_html_and_autolinks_in_markdown_as_readers_see_them() -> None:
    body = (
        "Water is H<sub>2</sub>O, see <https://example.org/a>, www.example.org/b or"
        " news@example.org; ~5% stays a tilde.\n\n"
        '<figure><img src="/p.jpg" alt="A pier" onload="x()"><figcaption>The pier</figcaption>'
        "</figure>\n\n"
        "*Inline <em>raw</em> HTML* and <span style=color:red>a span</span>.\n"
    )
    for html in contents(fixture_md(body)):
        tags = [el.tag for el in elements(html)]
        assert {"sub", "figure", "img", "figcaption", "em"} <= set(tags) and "span" not in tags
        links = [el.get("href") for el in elements(html) if el.tag == "a"]
        assert links == [
            "https://example.org/a",
            "http://www.example.org/b",
            "mailto:news@example.org",
        ]
        (img,) = (el for el in elements(html) if el.tag == "img")
        assert dict(img.attrib) == {"src": "https://example.org/p.jpg", "alt": "A pier"}
        assert "~5%" in html and "a span" in html


def test_rendering_many_bodies_does_not_grow_the_process() -> None:
    """cmark's trees and HTML are freed: a parse worker renders tens of thousands of bodies."""
    para = "Widget **2.0** is [out now](https://example.org/w), see https://example.org/x.\n\n"
    data = (HEAD + "---\n" + "| a | b |\n|---|---|\n| 1 | 2 |\n\n" + para * 50).encode()

    def resident() -> int:
        statm = Path("/proc/self/statm").read_text(encoding="ascii")
        return int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")

    parse_record(data, "x.md", Site())
    before = resident()
    for _ in range(2000):  # a leak of the tree and HTML would be some 60 MB
        record, _ = parse_record(data, "x.md", Site())
        assert record is not None and record.body_html
    assert resident() - before < 16 * 2**20


def test_bodies_cached_by_another_renderer_are_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache keeps rendered HTML: a new Markdown renderer or sanitiser must not serve the
    old one's output from it."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "story.md").write_text(HEAD + "---\n**Bold** news.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build_cmd(records, out).exit_code == 0
    monkeypatch.setattr(bodies, "markdown_html", lambda text: "<p>Another renderer</p>")
    monkeypatch.setattr(ingest, "RENDERER", "another renderer")

    assert build_cmd(records, out).exit_code == 0

    (item,) = json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert item["content_html"] == "<p>Another renderer</p>"
