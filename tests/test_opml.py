"""OPML 2.0: every feed as one importable outline, nested in one outline per kind, with stable
dates."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from feedgen_news.build import evaluate_records
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedEntries, all_feed
from feedgen_news.model import Record
from feedgen_news.render.opml import render_opml

SITE = Site(
    title='Tom & "Jerry" <News>',
    base_url="https://feeds.example.org/",
    author_name="Desk",
    author_email="desk@example.org",
    language="de",
)


def record(path: str, day: int, *topics: str) -> Record:
    return Record(
        path=path,
        url=f"https://news.example.org/{path}",
        title=f"Story {path}",
        published=datetime(2021, 3, day, 8, 0, tzinfo=UTC),
        topics=topics,
    )


RECORDS = (record("a.txt", 2, "AI", "C++"), record("b.txt", 9, "Économie"), record("c.txt", 5))


def parse(data: bytes) -> etree._Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return etree.fromstring(data)


def test_every_feed_is_one_rss_outline() -> None:
    topics = evaluate_records(RECORDS, SITE)
    root = parse(render_opml(topics, SITE))
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    groups = root.findall("body/outline")
    assert [dict(g.attrib) for g in groups] == [
        {"text": "Everything", "title": "Everything"},
        {"text": "Topics", "title": "Topics"},
    ]
    outlines = root.findall("body/outline/outline")
    assert [dict(o.attrib) for o in outlines] == [
        {
            "type": "rss",
            "version": "RSS2",
            "text": t.feed.title,
            "title": t.feed.title,
            "xmlUrl": f"https://feeds.example.org/{t.feed.folder}/rss.xml",
            "htmlUrl": (
                "https://feeds.example.org/"
                if t.feed.folder == "all"
                else f"https://feeds.example.org/{t.feed.folder}/"
            ),
            "language": "de",
        }
        for t in topics
    ]
    assert [o.get("text") for o in outlines] == [
        'Tom & "Jerry" <News>',
        'Tom & "Jerry" <News> — AI',
        'Tom & "Jerry" <News> — C++',
        'Tom & "Jerry" <News> — Économie',
    ]
    assert (
        outlines[2].get("xmlUrl")
        == f"https://feeds.example.org/topics/{topics[2].feed.slug}/rss.xml"
    )


def test_head_dates_are_the_newest_entry_not_the_clock() -> None:
    root = parse(render_opml(evaluate_records(RECORDS, SITE), SITE))
    assert root.findtext("head/title") == 'Tom & "Jerry" <News>'
    assert root.findtext("head/dateCreated") == "Tue, 09 Mar 2021 08:00:00 GMT"
    assert root.findtext("head/dateModified") == "Tue, 09 Mar 2021 08:00:00 GMT"
    assert root.findtext("head/ownerName") == "Desk"
    assert root.findtext("head/ownerEmail") == "desk@example.org"
    assert root.findtext("head/docs") == "http://opml.org/spec2.opml"


def test_no_records_means_no_dates() -> None:
    empty = FeedEntries(all_feed(Site(title="x")), (), 0)
    root = parse(render_opml([empty], Site()))
    assert root.find("head/dateCreated") is None
    assert len(root.findall("body/outline/outline")) == 1


def test_same_input_same_bytes() -> None:
    assert render_opml(evaluate_records(RECORDS, SITE), SITE) == render_opml(
        evaluate_records(RECORDS, SITE), SITE
    )


def test_newlines_and_tabs_in_titles_survive_as_data() -> None:
    site = Site(title="Line\none\tand two")
    root = parse(render_opml(evaluate_records(RECORDS, site), site))
    assert root.findall("body/outline/outline")[0].get("title") == "Line\none\tand two"
