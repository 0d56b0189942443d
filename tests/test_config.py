"""Settings: every mistake in a config file reported at once, one line each naming the file (or
the flag) and the key, exit 2 and nothing written; and the values a site writes into every feed
and page (language, author_email, stylesheet) checked before they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedgen_news.config import Site, load_site
from feedgen_news.errors import ConfigError
from tests.helpers import run, write_record


@pytest.fixture(autouse=True)
def _one_record(in_tmp_path: None, tmp_path: Path) -> None:
    """In the test's own folder (relative names in messages, only this test's
    feedgen-news.toml), an input folder ``in`` with one record."""
    write_record(tmp_path / "in" / "a.txt", "a")


SEVERAL_MISTAKES = """\
title = "Example Wire"
titel = "typo"
limit = -3
base_url = "ftp://x/"
hub = "not a url"
language = "zz-!!"
author_email = "news at example.org"
stylesheet = "javascript:alert(1)"
embed_limit = "10"
include_unpublished = "yes"
description = ["a", "list"]
max_feeds = true
"""

SEVERAL_MISTAKES_LINES = [
    "feedgen-news: error: feedgen-news.toml: titel: unknown key; did you mean title?",
    "feedgen-news: error: feedgen-news.toml: limit: must be 0 (all) or more, got -3",
    "feedgen-news: error: feedgen-news.toml: base_url: must be an absolute http(s) URL,"
    " got 'ftp://x/'",
    "feedgen-news: error: feedgen-news.toml: hub: must be an absolute http(s) URL, got 'not a url'",
    "feedgen-news: error: feedgen-news.toml: language: must be a BCP 47 language tag"
    " such as en, en-GB or pt-BR, got 'zz-!!'",
    "feedgen-news: error: feedgen-news.toml: author_email: must be an email address"
    " such as news@example.org, got 'news at example.org'",
    "feedgen-news: error: feedgen-news.toml: stylesheet: must be an absolute http(s) URL"
    " or a relative path, got 'javascript:alert(1)'",
    "feedgen-news: error: feedgen-news.toml: embed_limit: must be a whole number, got '10'",
    "feedgen-news: error: feedgen-news.toml: include_unpublished: must be true or false, got 'yes'",
    "feedgen-news: error: feedgen-news.toml: description: must be text, got an array",
    "feedgen-news: error: feedgen-news.toml: max_feeds: must be a whole number, got true",
]


def test_every_mistake_in_the_config_file_at_once(tmp_path: Path) -> None:
    Path("feedgen-news.toml").write_text(SEVERAL_MISTAKES, encoding="utf-8")

    result = run("build", "in", "-o", "out", "--cache-dir", "cache", "--no-ping")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == SEVERAL_MISTAKES_LINES
    assert not Path("out").exists() and not Path("cache").exists()
    result = run("check", "in")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == SEVERAL_MISTAKES_LINES
    result = run("serve", "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == SEVERAL_MISTAKES_LINES


def test_a_bad_flag_is_named_as_the_flag_after_the_files_mistakes(tmp_path: Path) -> None:
    result = run("build", "in", "-o", "out", "--base-url", "ftp://example.org/")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feedgen-news: error: --base-url: must be an absolute http(s) URL, got 'ftp://example.org/'"
    ]

    Path("site.toml").write_text('limit = -1\nbase_url = "x"\n', encoding="utf-8")
    result = run("build", "in", "-o", "out", "--config", "site.toml", "--base-url", "also bad")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feedgen-news: error: site.toml: limit: must be 0 (all) or more, got -1",
        "feedgen-news: error: site.toml: base_url: must be an absolute http(s) URL, got 'x'",
        "feedgen-news: error: --base-url: must be an absolute http(s) URL, got 'also bad'",
    ]
    assert not Path("out").exists()


def test_a_key_given_twice_and_unknown_keys_are_named(tmp_path: Path) -> None:
    Path("site.toml").write_text(
        'base-url = "https://a.example/"\nbase_url = "https://b.example/"\n'
        '"ti\\u001btle" = "x"\n[site]\ntitle = "x"\n',
        encoding="utf-8",
    )
    result = run("check", "in", "--config", "site.toml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feedgen-news: error: site.toml: base_url: given twice, as base-url and base_url",
        "feedgen-news: error: site.toml: ti\\x1btle: unknown key; did you mean title?",
        "feedgen-news: error: site.toml: site: unknown key (known: author_email, author_name,"
        " base_url, body_format, cache_max_age, date_order, description, embed_limit, facets,"
        " feeds, hub, include_future, include_unpublished,"
        " language, limit, link_nofollow, max_feeds, max_file_bytes, max_topics_per_record,"
        " repair_mojibake, stylesheet, title)",
    ]


def test_values_in_messages_cannot_break_the_line(tmp_path: Path) -> None:
    Path("site.toml").write_text(
        'language = "en\\nfeedgen-news: forged"\nstylesheet = "a\\u202eb.xsl"\n', encoding="utf-8"
    )
    result = run("check", "in", "--config", "site.toml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feedgen-news: error: site.toml: language: must be a BCP 47 language tag"
        " such as en, en-GB or pt-BR, got 'en\\nfeedgen-news: forged'",
        "feedgen-news: error: site.toml: stylesheet: must be an absolute http(s) URL"
        " or a relative path, got 'a\\u202eb.xsl'",
    ]


def test_a_site_made_in_code_lists_every_bad_value() -> None:
    with pytest.raises(ConfigError) as caught:
        Site(limit=-3, base_url="ftp://x/", language="", max_feeds=0)
    assert str(caught.value).splitlines() == [
        "language: must be a BCP 47 language tag such as en, en-GB or pt-BR, got ''",
        "base_url: must be an absolute http(s) URL, got 'ftp://x/'",
        "limit: must be 0 (all) or more, got -3",
        "max_feeds: must be 1 or more, got 0",
    ]
    with pytest.raises(ConfigError, match=r"^limit: must be a whole number, got '5'$"):
        Site(limit="5")  # type: ignore[arg-type]


def test_load_site_reads_good_values(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text(
        'language = "pt-BR"\nauthor_email = "news@example.org"\nstylesheet = "/feed.xsl"\n'
        'base_url = "https://feeds.example.org/news"\n',
        encoding="utf-8",
    )
    site = load_site(config, limit=7)
    assert (site.language, site.author_email, site.stylesheet) == (
        "pt-BR",
        "news@example.org",
        "/feed.xsl",
    )
    assert (site.base_url, site.limit) == ("https://feeds.example.org/news/", 7)


@pytest.mark.parametrize(
    "tag",
    [
        "en",
        "en-GB",
        "pt-BR",
        "zh-Hant-TW",
        "es-419",
        "EN-gb",
        "de-CH-1901",
        "sl-rozaj-biske",
        "zh-yue-HK",
        "en-US-u-ca-gregory",
        "en-x-house-style",
        "x-klingon",
        "i-klingon",
        "en-GB-oed",
    ],
)
def test_a_bcp_47_language_tag_is_accepted(tag: str) -> None:
    assert Site(language=tag).language == tag


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "zz-!!",
        "en GB",
        " en",
        "en\n",
        "en_US",
        "en-",
        "-en",
        "en--GB",
        "e",
        "englishes",
        "en-GB-x",
        "en-a",
        "en-a-x-y",
        "en-GB-12",
        "\u0665\u0666-GB",
        "\u017fv",
        "\uff45\uff4e",
    ],
)
def test_a_malformed_language_tag_is_refused(tag: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Site(language=tag)
    assert str(caught.value) == (
        f"language: must be a BCP 47 language tag such as en, en-GB or pt-BR, got {tag!r}"
    )


@pytest.mark.parametrize(
    "address", ["news@example.org", "first.last+feeds@news.example.co.uk", "a@b"]
)
def test_an_email_address_is_accepted(address: str) -> None:
    assert Site(author_email=address).author_email == address


@pytest.mark.parametrize(
    "address",
    [
        "",
        "news",
        "news at example.org",
        "@example.org",
        "news@",
        "a@b@c",
        "news @example.org",
        "News <news@example.org>",
        "news@example.org, other@example.org",
        "news@example.org\n",
        "news@exa\x00mple.org",
    ],
)
def test_a_malformed_email_address_is_refused(address: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Site(author_email=address)
    assert str(caught.value) == (
        f"author_email: must be an email address such as news@example.org, got {address!r}"
    )


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org/feed.xsl",
        "http://example.org:8080/s/feed.xsl?v=2",
        "feed.xsl",
        "/static/feed.xsl",
        "../feed.xsl",
        "static/feed%20style.xsl",
    ],
)
def test_a_stylesheet_url_or_relative_path_is_accepted(href: str) -> None:
    assert Site(stylesheet=href).stylesheet == href


@pytest.mark.parametrize(
    "href",
    [
        "",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/xsl,<x/>",
        "ftp://example.org/feed.xsl",
        "//evil.example/feed.xsl",
        "///evil.example/feed.xsl",
        "\\\\evil.example\\feed.xsl",
        "http:feed.xsl",
        "https://",
        "feed.xsl\n",
        " feed.xsl",
        "feed style.xsl",
        'feed.xsl" onload="x',
    ],
)
def test_a_stylesheet_with_another_scheme_or_host_is_refused(href: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Site(stylesheet=href)
    assert str(caught.value) == (
        f"stylesheet: must be an absolute http(s) URL or a relative path, got {href!r}"
    )
