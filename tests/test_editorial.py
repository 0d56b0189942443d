"""Editorial feeds (issue 13): one feed per category, provider and type (``facets``), and curated
feeds the publisher defines in the config (``[[feeds]]``) from topics, categories, providers,
types, quality, heat and age. Quality and heat select and order; they are never published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from feedgen_news.build import evaluate_records
from feedgen_news.config import Site
from feedgen_news.curated import CuratedFeed, Selector
from feedgen_news.errors import ConfigError
from feedgen_news.feeddefs import FeedEntries
from feedgen_news.model import Editorial, Provider, Record
from tests.helpers import build_cmd, run, tree

ALL_FACETS = ("topics", "category", "provider", "type")
NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)


def story(
    path: str,
    day: int,
    *topics: str,
    category: str | None = None,
    provider: Provider | None = None,
    hour: int = 12,
) -> Record:
    return Record(
        path=path,
        url=f"https://news.example.org/{path}",
        title=f"Story {path}",
        published=datetime(2024, 1, day, hour, tzinfo=UTC),
        topics=topics,
        category=category,
        provider=provider,
    )


GOVTECH = Provider("Government Technology", "https://govtech.com")
MASSLIVE = Provider("MassLive", "https://masslive.com")


def feeds_of(
    records: list[Record],
    site: Site,
    editorial: dict[str, Editorial] | None = None,
    now: datetime = NOW,
) -> dict[str, FeedEntries]:
    return {f.feed.folder: f for f in evaluate_records(records, site, editorial=editorial, now=now)}


def paths(feed: FeedEntries) -> list[str]:
    return [r.path for r in feed.records]


# --- facet feeds ------------------------------------------------------------------------------


def test_facet_feeds_fold_values_name_them_by_first_spelling_and_use_safe_slugs() -> None:
    records = [
        story("a.txt", 1, category="Économie", provider=GOVTECH),
        story("b.txt", 2, category="economie", provider=Provider("GovTech", "https://govtech.com")),
        story("c.txt", 3, category="C++", provider=Provider("Local Desk")),
        story("d.txt", 4, category="../etc", provider=Provider("Dash", "https://a-b.example.com")),
    ]
    editorial = {
        "a.txt": Editorial(type="Article"),
        "b.txt": Editorial(type="article"),
        "c.txt": Editorial(type="Video"),
    }
    feeds = feeds_of(records, Site(title="Wire", facets=ALL_FACETS), editorial)

    slugs = {folder for folder in feeds if folder != "all"}
    for folder in slugs:
        kind, slug = folder.split("/")
        assert kind in ("categories", "providers", "types")
        assert slug and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    economie = feeds["categories/economie"]
    assert (economie.feed.name, economie.feed.title) == ("Économie", "Wire — Économie")
    assert paths(economie) == ["b.txt", "a.txt"]
    odd = sorted(f.feed.folder for f in feeds.values() if f.feed.name in ("C++", "../etc"))
    assert odd[0].startswith("categories/c-") and odd[1].startswith("categories/etc-")
    assert len([f for f in slugs if f.startswith("categories/")]) == 3
    # A provider is keyed by its domain and named by its first name; one without a domain by
    # its name, whose slug carries a hash so it can never take a domain's slug.
    govtech = feeds["providers/govtech-com"]
    assert (govtech.feed.name, paths(govtech)) == ("Government Technology", ["b.txt", "a.txt"])
    (desk,) = [f for f in feeds.values() if f.feed.name == "Local Desk"]
    assert desk.feed.folder.startswith("providers/local-desk-") and paths(desk) == ["c.txt"]
    (dash,) = [f for f in feeds.values() if f.feed.name == "Dash"]
    assert dash.feed.folder.startswith("providers/a-b-example-com-")
    assert (feeds["types/article"].feed.name, paths(feeds["types/article"])) == (
        "Article",
        ["b.txt", "a.txt"],
    )
    assert paths(feeds["types/video"]) == ["c.txt"]


def test_a_record_without_a_value_is_in_no_feed_of_that_facet() -> None:
    records = [story("a.txt", 1, "AI"), story("b.txt", 2, category="news")]
    feeds = feeds_of(records, Site(facets=ALL_FACETS))
    assert sorted(feeds) == ["all", "categories/news", "topics/ai"]
    assert paths(feeds["categories/news"]) == ["b.txt"]


def test_default_facets_are_topics_and_category_and_facets_choose_the_feeds() -> None:
    records = [story("a.txt", 1, "AI", category="news", provider=GOVTECH)]
    assert sorted(feeds_of(records, Site())) == ["all", "categories/news", "topics/ai"]
    assert sorted(feeds_of(records, Site(facets=("provider",)))) == ["all", "providers/govtech-com"]
    assert sorted(feeds_of(records, Site(facets=()))) == ["all"]


def test_drafts_and_duplicates_make_no_facet_feed() -> None:
    draft = Record(
        path="a.txt",
        url="https://e.org/a",
        title="draft",
        published=datetime(2024, 1, 1, tzinfo=UTC),
        category="Secret",
        is_published=False,
    )
    old = story("b.txt", 1, category="Old")
    new = Record(path="c.txt", url=old.url, title="new", published=datetime(2024, 1, 2, tzinfo=UTC))
    assert sorted(feeds_of([draft, old, new], Site())) == ["all"]


# --- curated feeds ----------------------------------------------------------------------------


def curated(**selector: Any) -> Site:
    return Site(limit=50, feeds=(CuratedFeed("picks", "Picks", Selector(**selector)),))


CURATED_RECORDS = [
    story("a.txt", 1, "AI", "Sponsored", category="news", provider=GOVTECH),
    story("b.txt", 2, "Machine Learning", category="opinion", provider=MASSLIVE),
    story("c.txt", 3, "ai", category="News", provider=Provider("Local Desk")),
    story("d.txt", 9, "Energy", category="news", provider=GOVTECH),
    story("e.txt", 10, "AI", category="news", provider=MASSLIVE, hour=6),
]
CURATED_EDITORIAL = {
    "a.txt": Editorial(quality=90, heat=5, type="article"),
    "b.txt": Editorial(quality=40, heat=50, type="video"),
    "c.txt": Editorial(quality=39.5, heat=50, type="Article"),
    "d.txt": Editorial(heat=80, type="article"),  # no quality
    "e.txt": Editorial(quality=70),  # no heat, no type
}


def picks(site: Site, now: datetime = NOW) -> list[str]:
    return paths(feeds_of(CURATED_RECORDS, site, CURATED_EDITORIAL, now)["feeds/picks"])


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({}, ["e.txt", "d.txt", "c.txt", "b.txt", "a.txt"]),
        ({"topics": ["AI", "machine-learning"]}, ["e.txt", "c.txt", "b.txt", "a.txt"]),
        ({"exclude_topics": ["sponsored"]}, ["e.txt", "d.txt", "c.txt", "b.txt"]),
        ({"topics": ["ai"], "exclude_topics": ["SPONSORED"]}, ["e.txt", "c.txt"]),
        ({"categories": ["NEWS"]}, ["e.txt", "d.txt", "c.txt", "a.txt"]),
        ({"providers": ["govtech.com"]}, ["d.txt", "a.txt"]),
        ({"providers": ["MassLive", "local desk"]}, ["e.txt", "c.txt", "b.txt"]),
        ({"types": ["article"]}, ["d.txt", "c.txt", "a.txt"]),
        ({"min_quality": 40}, ["e.txt", "b.txt", "a.txt"]),
        ({"min_heat": 50}, ["d.txt", "c.txt", "b.txt"]),
        ({"max_age_hours": 48}, ["e.txt", "d.txt"]),
        ({"max_age_hours": 12}, ["e.txt"]),
        ({"categories": ["news"], "min_quality": 50, "providers": ["govtech.com"]}, ["a.txt"]),
        ({"order": "heat"}, ["d.txt", "c.txt", "b.txt", "a.txt", "e.txt"]),
        ({"order": "quality"}, ["a.txt", "e.txt", "b.txt", "c.txt", "d.txt"]),
        ({"order": "heat", "limit": 2}, ["d.txt", "c.txt"]),
        ({"order": "quality", "limit": 0}, ["a.txt", "e.txt", "b.txt", "c.txt", "d.txt"]),
        ({"topics": ["Nothing"]}, []),
    ],
)
def test_every_given_filter_must_hold_and_order_and_limit_apply(
    selector: dict[str, object], expected: list[str]
) -> None:
    assert picks(curated(**selector)) == expected


def test_a_curated_feed_counts_all_it_selects_and_shows_the_site_limit_by_default() -> None:
    feeds = feeds_of(CURATED_RECORDS, curated(order="heat"), CURATED_EDITORIAL)
    picked = feeds["feeds/picks"]
    assert (picked.total, picked.shown) == (5, 5)
    site = Site(limit=3, feeds=(CuratedFeed("picks", "Picks"),))
    picked = feeds_of(CURATED_RECORDS, site, CURATED_EDITORIAL)["feeds/picks"]
    assert (picked.total, picked.shown) == (5, 3)
    assert (picked.feed.name, picked.feed.title) == ("Picks", "feedgen-news — Picks")


def test_max_age_is_measured_from_the_builds_clock() -> None:
    site = curated(max_age_hours=36)
    assert picks(site, NOW) == ["e.txt", "d.txt"]
    assert picks(site, NOW + timedelta(days=1)) == ["e.txt"]
    assert picks(site, NOW + timedelta(days=3)) == []


def test_curated_feeds_keep_the_config_order_after_the_facet_feeds() -> None:
    alpha = CuratedFeed("alpha", "Alpha", Selector(min_heat=1))
    site = Site(feeds=(CuratedFeed("zeta", "Zeta"), alpha))
    folders = [f.feed.folder for f in evaluate_records(CURATED_RECORDS, site, now=NOW)]
    assert folders[0] == "all"
    assert folders[-2:] == ["feeds/zeta", "feeds/alpha"]
    assert folders[1:-2] == sorted(folders[1:-2], key=lambda f: (f.split("/")[0] != "topics", f))


# --- settings ---------------------------------------------------------------------------------

BAD_FEEDS = """\
facets = ["topics", "authors"]

[[feeds]]
slug = "top"
title = "Top"
order = "hot"
min_quality = -1
colour = "red"

[[feeds]]
slug = "Top Stories"
topics = "AI"
limit = -2

[[feeds]]
slug = "top"
title = "Again"
max_age_hours = true
providers = ["ok", 3]
"""


def test_every_mistake_in_the_feed_definitions_at_once(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "site.toml").write_text(BAD_FEEDS, encoding="utf-8")

    result = build_cmd(tmp_path / "in", tmp_path / "out", "--config", tmp_path / "site.toml")

    assert result.exit_code == 2
    file = f"{tmp_path}/site.toml"
    assert result.stderr.splitlines() == [
        f"feedgen-news: error: {file}: facets: must hold only topics, category, provider or"
        " type, got 'authors'",
        f"feedgen-news: error: {file}: feeds[0].min_quality: must be 0 or more, got -1",
        f"feedgen-news: error: {file}: feeds[0].order: must be newest, heat or quality, got 'hot'",
        f"feedgen-news: error: {file}: feeds[0].colour: unknown key (known: categories,"
        " exclude_topics, limit, max_age_hours, min_heat, min_quality, order, providers, slug,"
        " title, topics, types)",
        f"feedgen-news: error: {file}: feeds[1].slug: must be lowercase a-z, 0-9 and -"
        " (at most 60), got 'Top Stories'",
        f"feedgen-news: error: {file}: feeds[1].title: missing (required)",
        f"feedgen-news: error: {file}: feeds[1].topics: must be an array of text, got 'AI'",
        f"feedgen-news: error: {file}: feeds[1].limit: must be 0 (all) or more, got -2",
        f"feedgen-news: error: {file}: feeds[2].slug: 'top' is also the slug of feeds[0]",
        f"feedgen-news: error: {file}: feeds[2].providers: must be an array of text, got an"
        " array holding 3",
        f"feedgen-news: error: {file}: feeds[2].max_age_hours: must be a number, got true",
    ]
    assert not (tmp_path / "out").exists()


def test_feeds_must_be_an_array_of_tables(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Site(feeds="top")  # type: ignore[arg-type]
    assert str(caught.value) == "feeds: must be an array of tables ([[feeds]]), got 'top'"
    with pytest.raises(ConfigError) as caught:
        Site(feeds=({"slug": "a", "title": "A"}, "b"))  # type: ignore[arg-type]
    assert str(caught.value) == "feeds[1]: must be a table, got 'b'"


def test_a_site_is_frozen_and_hashable_with_its_feeds() -> None:
    site = Site(facets=["provider"], feeds=[{"slug": "a", "title": "A", "topics": ["x"]}])  # type: ignore[arg-type]
    assert site.facets == ("provider",)
    assert hash(site) == hash(
        Site(facets=("provider",), feeds=({"slug": "a", "title": "A", "topics": ("x",)},))  # type: ignore[arg-type]
    )
    assert site.feeds[0].selector.topics == ("x",)


def test_a_curated_slug_may_not_be_empty_or_reserved() -> None:
    with pytest.raises(ConfigError) as caught:
        Site(feeds=(CuratedFeed("", "A"), CuratedFeed("con", "B")))
    assert str(caught.value).splitlines() == [
        "feeds[0].slug: must be lowercase a-z, 0-9 and - (at most 60), got ''",
        "feeds[1].slug: must not be a name Windows reserves for a device, got 'con'",
    ]


# --- through the command ----------------------------------------------------------------------

SITE_TOML = """\
title = "Wire"
base_url = "https://feeds.example.org/"
facets = ["topics", "category", "provider", "type"]

[[feeds]]
slug = "top"
title = "Top stories"
min_quality = 50
order = "heat"
"""


def write(folder: Path, name: str, front: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"---\n{front}---\n", encoding="utf-8")


def editorial_input(folder: Path) -> None:
    write(
        folder,
        "a.txt",
        "title: Council bans facial recognition\nsourceUrl: https://news.example.org/a\n"
        "publishedDateTime: 2024-01-02T09:00:00Z\ncategory: News\ntype: article\n"
        "quality: 987651\nheat: 123451\ntopics: [AI]\n"
        "provider:\n  name: Government Technology\n  domain: govtech.com\n",
    )
    write(
        folder,
        "b.txt",
        "title: Chips get faster\nsourceUrl: https://news.example.org/b\n"
        "publishedDateTime: 2024-01-03T09:00:00Z\ncategory: tech\ntype: video\n"
        "quality: 987652.5\nheat: 123452\ntopics: [Hardware]\n"
        "provider:\n  name: MassLive\n  domain: masslive.com\n",
    )
    write(
        folder,
        "c.txt",
        "title: Weak item\nsourceUrl: https://news.example.org/c\n"
        "publishedDateTime: 2024-01-04T09:00:00Z\ncategory: news\n"
        "quality: 3\nheat: 123453\n",
    )


EXPECTED_FOLDERS = [
    "all",
    "categories/news",
    "categories/tech",
    "feeds/top",
    "providers/govtech-com",
    "providers/masslive-com",
    "topics/ai",
    "topics/hardware",
    "types/article",
    "types/video",
]


def feed_folders(out: Path) -> list[str]:
    return sorted({p.rsplit("/", 1)[0] for p in tree(out, dotfiles=False) if "/" in p})


def test_every_new_feed_has_five_files_that_readers_parse(tmp_path: Path) -> None:
    editorial_input(tmp_path / "in")
    (tmp_path / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    out = tmp_path / "out"

    result = build_cmd(tmp_path / "in", out, "--config", tmp_path / "site.toml", "--no-ping")

    assert result.exit_code == 0, result.stderr
    assert feed_folders(out) == EXPECTED_FOLDERS
    links = {
        "categories/news": ["c", "a"],
        "providers/govtech-com": ["a"],
        "types/video": ["b"],
        "feeds/top": ["b", "a"],  # by heat; c has too little quality
    }
    for folder in EXPECTED_FOLDERS:
        files = sorted(p.name for p in (out / folder).iterdir())
        expected = ["atom.xml", "embed.html", "feed.json", "rss.xml"]
        assert files == sorted([*expected, *([] if folder == "all" else ["index.html"])])
        for name in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse((out / folder / name).read_bytes())
            assert not parsed.bozo, (folder, name, parsed.get("bozo_exception"))
            assert parsed.entries, (folder, name)
            if folder in links:
                wanted = [f"https://news.example.org/{x}" for x in links[folder]]
                assert [e.link for e in parsed.entries] == wanted
        items = json.loads((out / folder / "feed.json").read_bytes())["items"]
        assert items
    top = feedparser.parse((out / "feeds/top/rss.xml").read_bytes())
    assert top.feed.title == "Wire — Top stories"
    assert top.feed.link == "https://feeds.example.org/feeds/top/"


def test_quality_and_heat_never_reach_any_output_file(tmp_path: Path) -> None:
    editorial_input(tmp_path / "in")
    (tmp_path / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    out = tmp_path / "out"
    result = build_cmd(tmp_path / "in", out, "--config", tmp_path / "site.toml", "--no-ping")
    assert result.exit_code == 0, result.stderr
    files = tree(out)
    assert len(files) > 40
    for relpath, data in files.items():
        for secret in (b"98765", b"12345", b"quality", b"heat"):
            assert secret not in data, (relpath, secret)


def test_index_and_opml_group_the_feeds_by_kind(tmp_path: Path) -> None:
    editorial_input(tmp_path / "in")
    (tmp_path / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    out = tmp_path / "out"
    assert build_cmd(tmp_path / "in", out, "--config", tmp_path / "site.toml").exit_code == 0

    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    groups = opml.findall("body/outline")
    assert [g.get("text") for g in groups] == [
        "Everything",
        "Topics",
        "Categories",
        "Providers",
        "Types",
        "Curated feeds",
    ]
    assert [[o.get("text") for o in g.findall("outline")] for g in groups] == [
        ["Wire"],
        ["Wire — AI", "Wire — Hardware"],
        ["Wire — News", "Wire — tech"],
        ["Wire — Government Technology", "Wire — MassLive"],
        ["Wire — article", "Wire — video"],
        ["Wire — Top stories"],
    ]
    assert all(g.get("type") is None for g in groups)
    assert groups[2].findall("outline")[0].get("xmlUrl") == (
        "https://feeds.example.org/categories/news/rss.xml"
    )

    html = etree.HTML((out / "index.html").read_bytes())
    sections = html.findall(".//section[@class='feed-group']")
    assert [s.findtext("h3") for s in sections] == [
        "Everything",
        "Topics",
        "Categories",
        "Providers",
        "Types",
        "Curated feeds",
    ]
    assert [a.text for a in sections[2].findall(".//h4/a")] == ["News", "tech"]
    assert [a.get("href") for a in sections[5].findall(".//h4/a")] == ["feeds/top/index.html"]
    page = etree.HTML((out / "categories/news/index.html").read_bytes())
    crumbs = "".join(str(t) for t in page.findall(".//nav")[0].itertext())
    assert crumbs == "Wire \u203a Categories \u203a News"


def test_a_removed_curated_feed_and_an_emptied_category_are_removed(tmp_path: Path) -> None:
    editorial_input(tmp_path / "in")
    config = tmp_path / "site.toml"
    config.write_text(SITE_TOML, encoding="utf-8")
    out = tmp_path / "out"
    assert build_cmd(tmp_path / "in", out, "--config", config).exit_code == 0
    assert (out / "feeds/top/rss.xml").is_file() and (out / "categories/tech").is_dir()

    config.write_text(SITE_TOML.split("[[feeds]]")[0], encoding="utf-8")
    (tmp_path / "in/b.txt").unlink()
    result = build_cmd(tmp_path / "in", out, "--config", config, "--no-ping")

    assert result.exit_code == 0, result.stderr
    assert not (out / "feeds").exists()
    assert not (out / "categories/tech").exists()
    assert not (out / "types/video").exists()
    assert "feeds/top" not in (out / "feeds.opml").read_text(encoding="utf-8")


def test_max_feeds_counts_every_kind(tmp_path: Path) -> None:
    editorial_input(tmp_path / "in")
    config = tmp_path / "site.toml"
    config.write_text("max_feeds = 20\n" + SITE_TOML, encoding="utf-8")
    result = build_cmd(tmp_path / "in", tmp_path / "out", "--config", config)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"feedgen-news: error: {tmp_path}/in: this build would publish 30 feeds (`all`, 2 topics,"
        " 2 categories, 2 providers, 2 types and 1 curated feed, in 3 formats), more than"
        " max_feeds = 20; nothing written"
    ]


def test_check_reads_the_signals_and_warns_about_bad_ones(tmp_path: Path) -> None:
    write(
        tmp_path / "in",
        "a.txt",
        "title: T\nsourceUrl: https://e.org/a\npublishedDateTime: 2024-01-01T00:00:00Z\n"
        "quality: high\nheat: .nan\ntype: [x]\n",
    )
    result = run("check", tmp_path / "in")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[:3] == [
        f"{tmp_path}/in/a.txt:5:10: warning: quality: must be a number, got 'high'; dropped",
        f"{tmp_path}/in/a.txt:6:7: warning: heat: must be a number, got nan; dropped",
        f"{tmp_path}/in/a.txt:7:7: warning: type: must be text, got a list; dropped",
    ]


def test_a_rebuild_with_no_changed_file_still_drops_a_record_that_aged_out(tmp_path: Path) -> None:
    from feedgen_news.build import build

    editorial_input(tmp_path / "in")  # published 2024-01-02, -03 and -04 at 09:00
    site = Site(feeds=(CuratedFeed("fresh", "Fresh", Selector(max_age_hours=48)),))
    out, cache = tmp_path / "out", tmp_path / "cache"
    start = datetime(2024, 1, 4, 12, tzinfo=UTC)

    def fresh(now: datetime) -> tuple[list[str], tuple[str, ...]]:
        report = build(tmp_path / "in", out, site, cache_dir=cache, ping=False, now=now)
        assert report.published is not None
        links = feedparser.parse((out / "feeds/fresh/rss.xml").read_bytes()).entries
        return [e.link.rsplit("/", 1)[1] for e in links], report.published.written

    assert fresh(start)[0] == ["c", "b"]
    assert fresh(start + timedelta(hours=1)) == (["c", "b"], ())  # a no-op: nothing written
    links, written = fresh(datetime(2024, 1, 5, 10, tzinfo=UTC))  # b is 49 hours old
    assert links == ["c"]
    assert "feeds/fresh/rss.xml" in written and "categories/news/rss.xml" not in written


def test_facet_feeds_are_listed_by_name_as_people_read_them() -> None:
    """A provider's slug comes from its domain: lists order by the name people see."""
    records = [
        story("a.txt", 1, category="zoology", provider=Provider("Zeta News", "https://a.example")),
        story("b.txt", 2, category="Arts", provider=Provider("alpha Wire", "https://z.example")),
        story("c.txt", 3, category="Économie", provider=Provider("Mid Desk", "https://m.example")),
    ]
    feeds = evaluate_records(records, Site(facets=ALL_FACETS), now=NOW)
    names = [(f.feed.kind, f.feed.name) for f in feeds if f.feed.kind in ("category", "provider")]
    assert names == [
        ("category", "Arts"),
        ("category", "Économie"),
        ("category", "zoology"),
        ("provider", "alpha Wire"),
        ("provider", "Mid Desk"),
        ("provider", "Zeta News"),
    ]
