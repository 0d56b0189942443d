"""Tests for records.py: the real seed, every bad-input fixture's exact message, hostile files."""

from __future__ import annotations

import os
import re
import signal
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedgen_news.config import Site
from feedgen_news.errors import Problem
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.records import (
    LoadResult,
    _RecordLoader,
    iter_record_files,
    load_dir,
    parse_record,
    read_record,
)

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "000_1599838c583e8360.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "records"
SITE = Site()
HANG_S = 30

SEED_TITLE = "Massachusetts City Renews Calls for Facial Recognition Ban"
SEED_URL = (
    "https://www.govtech.com/public-safety/"
    "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html"
)
SEED_RECORD = Record(
    path="000_1599838c583e8360.txt",
    url=SEED_URL,
    title=SEED_TITLE,
    published=datetime(2020, 1, 13, 20, 22, tzinfo=UTC),
    excerpt=(
        "Ramos cites an American Civil Liberties Union of Massachusetts study released earlier"
        " Monday that used photos of Boston Red Sox and Celtics players to demonstrate"
        " limitations of Amazon Rekognition software. The ACLU fed photos of 188 New England"
        " athletes ..."
    ),
    body=None,
    amp_url=SEED_URL + "?AMP",
    amp_cache_url=(
        "https://www-govtech-com.cdn.ampproject.org/c/s/www.govtech.com/public-safety/"
        "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html?AMP"
    ),
    provider=Provider("Government Technology", "https://govtech.com"),
    topics=("AI", "AWS AI"),
    category="news",
    images=(Image("https://media2.govtech.com/images/facial2.jpg", 940, 630, SEED_TITLE),),
    related=(
        RelatedLink(
            "https://www.masslive.com/news/2020/01/springfield-city-council-moves-to-ban-"
            "facial-recognition-says-systems-are-unproven-inaccurate.html",
            "Springfield City Council moves to ban facial recognition; says systems are"
            " unproven, inaccurate",
            Provider("MassLive", "https://masslive.com"),
            datetime(2020, 1, 14, 1, 27, tzinfo=UTC),
        ),
    ),
    is_published=False,
)


def test_the_real_seed_parses_to_the_exact_record() -> None:
    record, problems = read_record(SEED, SEED.name, SITE)
    assert problems == []
    assert record == SEED_RECORD
    assert record.published.tzinfo is UTC
    for unwanted in ("secured", "quality", "heat", "r1Y+C", "article"):
        assert unwanted not in repr(record)


def test_the_seed_related_excerpt_mojibake_is_repaired_by_ftfy() -> None:
    # The model keeps no related excerpt, so check the repair on a field that is published.
    data = SEED.read_bytes().replace(b"category: news", "category: donâ€™t".encode())
    record, problems = parse_record(data, "seed.txt", SITE)
    assert problems == [] and record is not None
    assert record.category == "don\u2019t"
    raw, _ = parse_record(data, "seed.txt", Site(repair_mojibake=False))
    assert raw is not None and raw.category == "donâ€™t"


# --- the bad-input corpus: one small file per failure mode, and exactly what a user reads ---

REJECTED: dict[str, list[str]] = {
    "bad/missing_title.txt": ["bad/missing_title.txt: title: missing (required)"],
    "bad/blank_title.txt": ["bad/blank_title.txt:2:8: title: empty"],
    "bad/title_is_a_list.txt": ["bad/title_is_a_list.txt:3:3: title: must be text, got a list"],
    "bad/missing_source_url.txt": ["bad/missing_source_url.txt: sourceUrl: missing (required)"],
    "bad/relative_source_url.txt": [
        "bad/relative_source_url.txt:3:12: sourceUrl: not an absolute http(s) URL: '/news/1.html'"
    ],
    "bad/javascript_source_url.txt": [
        "bad/javascript_source_url.txt:3:12: sourceUrl: not an absolute http(s) URL:"
        " 'javascript:alert(1)'"
    ],
    "bad/missing_published_date_time.txt": [
        "bad/missing_published_date_time.txt: publishedDateTime: missing (required)"
    ],
    "bad/unparseable_date.txt": [
        "bad/unparseable_date.txt:5:20: publishedDateTime: cannot parse 'next tuesday'"
    ],
    "bad/date_without_a_day.txt": [
        "bad/date_without_a_day.txt:4:20: publishedDateTime: cannot parse 'March 2026'"
    ],
    "bad/date_with_unknown_time_zone.txt": [
        "bad/date_with_unknown_time_zone.txt:4:20: publishedDateTime:"
        " cannot parse '2026-11-01 09:00 EST'"
    ],
    "bad/date_is_a_number.txt": [
        "bad/date_is_a_number.txt:4:20: publishedDateTime: must be a date and time, got a number"
    ],
    "bad/all_required_fields_wrong.txt": [
        "bad/all_required_fields_wrong.txt:2:8: title: must be text, got a list",
        "bad/all_required_fields_wrong.txt:3:12: sourceUrl: not an absolute http(s) URL:"
        " 'ftp://example.org/x'",
        "bad/all_required_fields_wrong.txt:4:20: publishedDateTime: cannot parse 'soon'",
    ],
    "bad/no_front_matter.txt": [
        "bad/no_front_matter.txt:1: no front matter: the first line must be exactly '---'"
    ],
    "bad/unterminated_front_matter.txt": [
        "bad/unterminated_front_matter.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/fence_not_alone_on_its_line.txt": [
        "bad/fence_not_alone_on_its_line.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/only_a_fence.txt": [
        "bad/only_a_fence.txt:1: front matter not closed: no line '---' after line 1"
    ],
    "bad/yaml_syntax_error.txt": [
        "bad/yaml_syntax_error.txt:7:1: invalid YAML: found unexpected end of stream"
        " (while scanning a quoted scalar started on line 5)"
    ],
    "bad/yaml_tab_indentation.txt": [
        "bad/yaml_tab_indentation.txt:6:1: invalid YAML: found character that cannot start"
        " any token; indent with spaces, not tabs"
    ],
    "bad/yaml_python_tag.txt": [
        "bad/yaml_python_tag.txt:2:8: invalid YAML: could not determine a constructor for the"
        " tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ],
    "bad/front_matter_is_a_list.txt": [
        "bad/front_matter_is_a_list.txt:2:1: front matter must be a mapping of keys to values,"
        " got a list"
    ],
    "bad/front_matter_is_a_string.txt": [
        "bad/front_matter_is_a_string.txt:2:1: front matter must be a mapping of keys to"
        " values, got a string"
    ],
    "bad/empty_front_matter.txt": ["bad/empty_front_matter.txt:1: front matter is empty"],
    "bad/alias_bomb.txt": [
        "bad/alias_bomb.txt:2:4: YAML anchors and aliases (&name, *name) are not allowed in records"
    ],
    "bad/alias_to_scalar.txt": [
        "bad/alias_to_scalar.txt:2:7: YAML anchors and aliases (&name, *name) are not allowed"
        " in records"
    ],
    "bad/nesting_1001_deep.txt": [
        "bad/nesting_1001_deep.txt:5:1008: invalid YAML: exceeded maximum nesting depth"
    ],
    "bad/empty.txt": ["bad/empty.txt: empty file"],
    "bad/binary_nul_bytes.txt": [
        "bad/binary_nul_bytes.txt:2:9: binary file (NUL byte), not a text record"
    ],
    "bad/invalid_utf8.txt": [
        "bad/invalid_utf8.txt:5:13: not valid UTF-8 (byte 0xE9); save it as UTF-8"
    ],
    "bad/utf16_encoded.txt": ["bad/utf16_encoded.txt: encoded as UTF-16; save it as UTF-8"],
}

WARNED: dict[str, list[str]] = {
    "warn/image_without_url.txt": [
        "warn/image_without_url.txt:6:5: warning: images[0].url: missing; image dropped"
    ],
    "warn/image_urls_not_http.txt": [
        f"warn/image_urls_not_http.txt:{line}:10: warning: images[{i}].url: not an absolute"
        f" http(s) URL: {url!r}; dropped"
        for i, (line, url) in enumerate(
            [
                (6, "javascript:alert(1)"),
                (7, "data:image/png;base64,iVBORw0KGgo="),
                (8, "file:///etc/passwd"),
                (9, "/images/relative.jpg"),
            ]
        )
    ],
    "warn/image_width_not_a_number.txt": [
        "warn/image_width_not_a_number.txt:7:12: warning: images[0].width: must be a whole"
        " number, got '940'; used 940",
        "warn/image_width_not_a_number.txt:8:13: warning: images[0].height: must be a positive"
        " whole number, got 'tall'; dropped",
        "warn/image_width_not_a_number.txt:10:12: warning: images[1].width: must be a positive"
        " whole number, got -3; dropped",
        "warn/image_width_not_a_number.txt:11:13: warning: images[1].height: must be a whole"
        " number, got 630.0; used 630",
    ],
    "warn/images_not_a_list.txt": [
        "warn/images_not_a_list.txt:6:3: warning: images: must be a list, got a mapping;"
        " used as a list of one"
    ],
    "warn/topics_not_a_list.txt": [
        "warn/topics_not_a_list.txt:5:9: warning: topics: must be a list, got a string;"
        " used as a list of one"
    ],
    "warn/topics_a_mapping.txt": [
        "warn/topics_a_mapping.txt:6:3: warning: topics: must be a list, got a mapping; dropped"
    ],
    "warn/topics_blank_duplicate_and_odd.txt": [
        "warn/topics_blank_duplicate_and_odd.txt:8:5: warning: topics[2]: empty topic; dropped",
        "warn/topics_blank_duplicate_and_odd.txt:9:5: warning: topics[3]: must be text, got a"
        " list; dropped",
    ],
    "warn/related_not_a_list.txt": [
        "warn/related_not_a_list.txt:5:10: warning: related: must be a list, got a string; dropped"
    ],
    "warn/related_without_source_url.txt": [
        "warn/related_without_source_url.txt:6:5: warning: related[0].sourceUrl: missing;"
        " related link dropped"
    ],
    "warn/related_without_title.txt": [
        "warn/related_without_title.txt:6:5: warning: related[0].title: missing; related link"
        " dropped"
    ],
    "warn/related_bad_parts.txt": [
        "warn/related_bad_parts.txt:8:24: warning: related[0].publishedDateTime: cannot parse"
        " 'yesterday'; dropped",
        "warn/related_bad_parts.txt:9:15: warning: related[0].provider: a plain string; used as"
        " the provider's name",
        "warn/related_bad_parts.txt:10:5: warning: related[1]: must be a mapping, got a string;"
        " dropped",
    ],
    "warn/provider_bare_string.txt": [
        "warn/provider_bare_string.txt:5:11: warning: provider: a plain string; used as the"
        " provider's name"
    ],
    "warn/provider_bad_domain.txt": [
        "warn/provider_bad_domain.txt:7:11: warning: provider.domain: not a host name:"
        " 'not a host/../x'; dropped"
    ],
    "warn/provider_without_name.txt": [
        "warn/provider_without_name.txt:6:3: warning: provider.name: missing; provider dropped"
    ],
    "warn/amp_urls_not_http.txt": [
        "warn/amp_urls_not_http.txt:5:9: warning: ampUrl: not an absolute http(s) URL:"
        " 'javascript:alert(1)'; dropped",
        "warn/amp_urls_not_http.txt:6:12: warning: cdnAmpUrl: not an absolute http(s) URL:"
        " '//cdn.example.org/amp'; dropped",
    ],
    "warn/published_not_a_boolean.txt": [
        "warn/published_not_a_boolean.txt:5:12: warning: published: must be true or false, got"
        " 'maybe'; treated as NOT published"
    ],
    "warn/published_empty.txt": [
        "warn/published_empty.txt:5:11: warning: published: must be true or false, got nothing;"
        " treated as NOT published"
    ],
    "warn/control_characters.txt": [
        "warn/control_characters.txt:2:14: warning: removed 2 control character(s) (first: U+0001)"
    ],
    "warn/category_not_text.txt": [
        "warn/category_not_text.txt:5:11: warning: category: must be text, got a list; dropped",
        "warn/category_not_text.txt:6:10: warning: excerpt: must be text, got a mapping; dropped",
    ],
}

GOOD = sorted(p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "good").iterdir())


def read_fixture(relpath: str, site: Site = SITE) -> tuple[Record | None, list[Problem]]:
    return read_record(FIXTURES / relpath, relpath, site)


def test_every_fixture_file_has_an_expectation() -> None:
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    assert on_disk == set(REJECTED) | set(WARNED) | set(GOOD)


@pytest.mark.parametrize("relpath", sorted(REJECTED))
def test_a_bad_record_is_rejected_with_exact_messages(relpath: str) -> None:
    record, problems = read_fixture(relpath)
    assert record is None
    assert [str(p) for p in problems] == REJECTED[relpath]
    assert {p.severity for p in problems} == {"error"}


@pytest.mark.parametrize("relpath", sorted(WARNED))
def test_a_bad_optional_value_is_a_warning_and_the_record_stays(relpath: str) -> None:
    record, problems = read_fixture(relpath)
    assert record is not None
    assert record.title == "Sample story" and record.url == "https://example.org/news/1"
    assert [str(p) for p in problems] == WARNED[relpath]
    assert {p.severity for p in problems} == {"warning"}


@pytest.mark.parametrize("relpath", GOOD)
def test_a_good_fixture_has_no_problems(relpath: str) -> None:
    record, problems = read_fixture(relpath)
    assert problems == [] and record is not None and record.is_published


def test_the_label_names_the_file_in_messages_and_the_relpath_goes_into_the_record() -> None:
    data = (FIXTURES / "warn/topics_not_a_list.txt").read_bytes()
    record, problems = parse_record(data, "x/topics.txt", SITE, label="seeds/x/topics.txt")
    assert record is not None and record.path == "x/topics.txt"
    assert str(problems[0]).startswith("seeds/x/topics.txt:5:9: warning: topics:")


def test_what_survives_the_warnings() -> None:
    def record_of(relpath: str) -> Record:
        record, _ = read_fixture(relpath)
        assert record is not None
        return record

    assert record_of("warn/image_without_url.txt").images == ()
    assert record_of("warn/image_urls_not_http.txt").images == (
        Image("https://example.org/ok.png"),
    )
    assert record_of("warn/image_width_not_a_number.txt").images == (
        Image("https://example.org/a.jpg", 940, None),
        Image("https://example.org/b.jpg", None, 630),
    )
    assert record_of("warn/images_not_a_list.txt").images == (Image("https://example.org/a.jpg"),)
    assert record_of("warn/topics_not_a_list.txt").topics == ("Science",)
    assert record_of("warn/topics_a_mapping.txt").topics == ()
    # Trimmed, first spelling of a topic key kept, blanks and lists dropped, numbers as text.
    assert record_of("warn/topics_blank_duplicate_and_odd.txt").topics == (
        "\u00c9conomie",
        "2026",
        "AI",
    )
    assert record_of("warn/related_not_a_list.txt").related == ()
    assert record_of("warn/related_without_source_url.txt").related == (
        RelatedLink("https://example.org/kept", "Kept"),
    )
    assert record_of("warn/related_without_title.txt").related == ()
    assert record_of("warn/related_bad_parts.txt").related == (
        RelatedLink("https://example.org/r", "Dated badly", Provider("Wire")),
    )
    assert record_of("warn/provider_bare_string.txt").provider == Provider("Sample Wire")
    assert record_of("warn/provider_bad_domain.txt").provider == Provider("Sample Wire")
    assert record_of("warn/provider_without_name.txt").provider is None
    amp = record_of("warn/amp_urls_not_http.txt")
    assert (amp.amp_url, amp.amp_cache_url) == (None, None)
    assert not record_of("warn/published_not_a_boolean.txt").is_published
    assert not record_of("warn/published_empty.txt").is_published
    assert record_of("warn/control_characters.txt").title == "Sample story"
    odd = record_of("warn/category_not_text.txt")
    assert (odd.category, odd.excerpt) == (None, None)


def test_good_fixtures_read_as_expected() -> None:
    def record_of(relpath: str) -> Record:
        record, problems = read_fixture(relpath)
        assert problems == [] and record is not None
        return record

    assert record_of("good/bom_crlf.txt").body == "Body line one."
    assert record_of("good/bom_crlf.txt").title == "Sample story"
    # Surrounding blank lines go; the body's own lines (even `---`) stay as they are.
    assert record_of("good/body_after_front_matter.md").body == (
        "  Indented first line.\n\n--- not a fence: the body is text ---\n---\nLast line."
    )
    hostile = record_of("good/hostile_text_stays_text.txt")
    assert hostile.title == "<script>alert(1)</script> & <img src=x onerror=alert(1)>"
    assert hostile.excerpt == "a --- b &amp;   c"  # escapes removed; no HTML unescaping
    assert record_of("good/escaped_illegal_characters.txt").title == "Tab\tand bell and nul"
    secret = record_of("good/unknown_and_secret_fields.txt")
    for leak in ("TOKEN", "secured", "quality", "internal_note", "do not publish", "article"):
        assert leak not in repr(secret)
    numbers = record_of("good/number_title_and_topics.txt")
    assert (numbers.title, numbers.topics) == ("1984", ("2026", "3.5"))
    assert numbers.url == "https://Example.org/news/1"  # the scheme is lowercased
    assert numbers.published == datetime(2026, 11, 1, tzinfo=UTC)
    text = record_of("good/unicode_nfd_and_mojibake.txt")
    assert text.title == "Caf\u00e9 don\u2019t"  # NFC, and the mojibake repaired
    assert text.topics == ("\u00c9conomie",)
    assert text.published == datetime(2026, 11, 1, 9, tzinfo=UTC)


# --- dates, published, URLs -------------------------------------------------------------------

GOOD_HEAD = "---\ntitle: Sample story\nsourceUrl: https://example.org/news/1\n"


def parse_text(text: str, site: Site = SITE) -> tuple[Record | None, list[Problem]]:
    return parse_record(text.encode("utf-8"), "x.txt", site)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2020-01-13T20:22:00Z", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("2020-01-13T20:22:00", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),  # naive means UTC
        ("2020-01-13 21:22:00+01:00", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("2020-01-13", datetime(2020, 1, 13, tzinfo=UTC)),  # a date is midnight UTC
        ("'2020-01-13T15:22:00-05:00'", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("2001-12-14 21:59:43.10 -5", datetime(2001, 12, 15, 2, 59, 43, 100000, tzinfo=UTC)),
        ("!!timestamp 2020-01-13 20:22:00", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("Mon, 13 Jan 2020 20:22:00 GMT", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("Mon, 13 Jan 2020 21:22:00 +0100", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
        ("January 13, 2020 8:22 PM UTC", datetime(2020, 1, 13, 20, 22, tzinfo=UTC)),
    ],
)
def test_every_date_shape_becomes_aware_utc(written: str, expected: datetime) -> None:
    record, problems = parse_text(GOOD_HEAD + f"publishedDateTime: {written}\n---\n")
    assert problems == [] and record is not None
    assert record.published == expected and record.published.tzinfo is UTC


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("next tuesday", "cannot parse 'next tuesday'"),
        ("'13'", "cannot parse '13'"),  # dateutil would fill the rest from today's date
        ("2020-02-30", "cannot parse '2020-02-30'"),
        ("0001-01-01T00:00:00+14:00", "cannot parse '0001-01-01T00:00:00+14:00'"),
        ("true", "must be a date and time, got true/false"),
        ("[2020-01-13]", "must be a date and time, got a list"),
        ("'" + "9" * 100 + "'", "cannot parse '" + "9" * 77 + "...'"),
    ],
)
def test_an_unparseable_date_rejects_with_its_position(written: str, shown: str) -> None:
    record, problems = parse_text(GOOD_HEAD + f"publishedDateTime: {written}\n---\n")
    assert record is None
    assert [str(p) for p in problems] == [f"x.txt:4:20: publishedDateTime: {shown}"]


@pytest.mark.parametrize(
    ("written", "published", "warned"),
    [
        ("", True, False),  # no `published` key at all
        ("published: true", True, False),
        ("published: false", False, False),
        ("published: no", False, False),  # YAML 1.1 booleans, as PyYAML reads them
        ("published: 'true'", True, True),
        ("published: 'false'", False, True),
        ("published: 0", False, True),
        ("published: 1", False, True),  # not clearly true: fail safe, keep the draft back
        ("published: [true]", False, True),
    ],
)
def test_published_fails_safe(written: str, published: bool, warned: bool) -> None:
    text = GOOD_HEAD + f"publishedDateTime: 2020-01-13\n{written}\n---\n"
    record, problems = parse_text(text)
    assert record is not None and record.is_published is published
    assert [p.field for p in problems] == (["published"] if warned else [])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "/relative/path",
        "//example.org/scheme-relative",
        "example.org/no-scheme",
        "https://",
        "http:///no-host",
        "https://exa mple.org/space",
        "https://example.org/<tag>",
        "https://example.org:port/",
        "https://[::1/",
        "mailto:news@example.org",
    ],
)
def test_only_absolute_http_urls_survive(url: str) -> None:
    text = GOOD_HEAD + f"publishedDateTime: 2020-01-13\nampUrl: {url!r}\n---\n".replace("'", '"')
    record, problems = parse_text(text.replace("\\", "\\\\"))
    assert record is not None and record.amp_url is None
    assert [(p.field, p.severity) for p in problems] == [("ampUrl", "warning")]


def test_provider_domain_becomes_an_https_home_page() -> None:
    text = GOOD_HEAD + (
        "publishedDateTime: 2020-01-13\nprovider:\n  name: ' Wire '\n  domain: News.Example.ORG\n"
    )
    record, problems = parse_text(text + "---\n")
    assert problems == [] and record is not None
    assert record.provider == Provider("Wire", "https://news.example.org")


# --- hostile files ----------------------------------------------------------------------------


def fast_and_small(relpath: str, data: bytes) -> tuple[Record | None, list[Problem]]:
    """parse_record within a 20 MB budget (a bomb's expansion shows up as memory, not time);
    an alarm turns a hang into a failure instead of a stuck test run, and claims no speed."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"{relpath}: parse_record did not return within {HANG_S} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_S)
    tracemalloc.start()
    try:
        result = parse_record(data, relpath, SITE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak < 20 * 1024 * 1024
    return result


def test_an_alias_bomb_is_rejected_fast_in_bounded_memory() -> None:
    data = (FIXTURES / "bad/alias_bomb.txt").read_bytes()
    record, problems = fast_and_small("bomb.txt", data)
    assert record is None and "aliases" in problems[0].reason


def test_a_recursive_alias_is_rejected() -> None:
    text = GOOD_HEAD + "publishedDateTime: 2020-01-13\ntopics: &t [*t]\n---\n"
    record, problems = fast_and_small("loop.txt", text.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "loop.txt:5:9: YAML anchors and aliases (&name, *name) are not allowed in records"
    ]


@pytest.mark.parametrize(
    ("nesting", "column"),
    [("[" * 10_000 + "]" * 10_000, 1008), ("{a: " * 10_000 + "1" + "}" * 10_000, 4005)],
    ids=["sequences", "mappings"],
)
def test_ten_thousand_deep_flow_nesting_is_rejected_fast(nesting: str, column: int) -> None:
    data = (GOOD_HEAD + f"publishedDateTime: 2020-01-13\ntopics: {nesting}\n---\n").encode()
    record, problems = fast_and_small("deep.txt", data)
    assert record is None
    assert [str(p) for p in problems] == [
        f"deep.txt:5:{column}: invalid YAML: exceeded maximum nesting depth"
    ]


def test_ten_thousand_deep_block_nesting_is_rejected_fast() -> None:
    data = GOOD_HEAD + "publishedDateTime: 2020-01-13\ntopics:\n" + "- " * 10_000 + "x\n---\n"
    record, problems = fast_and_small("deep.txt", data.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "deep.txt:6:1999: invalid YAML: exceeded maximum nesting depth"
    ]


def test_a_huge_integer_is_rejected_without_a_traceback() -> None:
    text = GOOD_HEAD + "publishedDateTime: 2020-01-13\nheat: " + "9" * 5000 + "\n---\n"
    record, problems = fast_and_small("int.txt", text.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "int.txt:5:7: invalid YAML: cannot read this value as int"
    ]


def test_a_file_over_the_size_limit_is_rejected_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(GOOD_HEAD.encode() + b"x" * (2 * 1024 * 1024 - len(GOOD_HEAD)))
    record, problems = read_record(big, "big.txt", SITE)
    assert record is None
    assert [str(p) for p in problems] == [
        "big.txt: file is 2,097,152 bytes, over the limit of 1,048,576 (max_file_bytes)"
    ]
    small_limit = Site(max_file_bytes=100)
    record, problems = read_record(FIXTURES / "good/bom_crlf.txt", "b.txt", small_limit)
    assert [str(p) for p in problems] == [
        "b.txt: file is 147 bytes, over the limit of 100 (max_file_bytes)"
    ]


def test_a_fifo_named_like_a_record_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    record, problems = read_record(fifo, "pipe.txt", SITE)
    assert record is None and [str(p) for p in problems] == ["pipe.txt: not a regular file"]


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    record, problems = read_record(tmp_path / "gone.txt", "gone.txt", SITE, label="in/gone.txt")
    assert record is None
    assert [str(p) for p in problems] == ["in/gone.txt: cannot read: No such file or directory"]


# --- walking the input folder -----------------------------------------------------------------


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_iter_record_files_sorts_skips_dot_entries_and_survives_symlink_loops(
    tmp_path: Path,
) -> None:
    root = tmp_path / "in"
    for rel in ("b.txt", "a/z.md", "a/b/c.txt", "a-b.txt", "notes.rst", ".hidden.txt"):
        write(root / rel)
    write(root / ".git" / "x.txt")
    (root / "a" / "b" / "loop").symlink_to(root / "a")  # a cycle
    (root / "self").symlink_to(root)  # the root again
    (root / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write(tmp_path / "elsewhere" / "e.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    found = iter_record_files(root)  # a followed cycle would list a/b/loop/b/c.txt and more
    inside = ["a-b.txt", "a/b/c.txt", "a/z.md", "b.txt", "dangling.txt"]
    # dangling.txt is listed, so that read_record can say why it cannot be read; linked/ leads
    # out of the input folder (tests/test_input_files.py).
    assert [p.relative_to(root).as_posix() for p in found] == inside
    found = iter_record_files(root, follow_symlinks=True)
    assert [p.relative_to(root).as_posix() for p in found] == [*inside, "linked/e.txt"]


def test_load_dir_reads_everything_in_path_order_with_labels(tmp_path: Path) -> None:
    root = tmp_path / "in"
    good = (FIXTURES / "good/bom_crlf.txt").read_bytes()
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "2.txt").write_bytes(good)
    (root / "1.txt").write_bytes(good.replace(b"published: true", b"published: false"))
    (root / "0.txt").write_bytes(b"")
    (root / "3.txt").write_bytes((FIXTURES / "warn/topics_not_a_list.txt").read_bytes())
    result = load_dir(root, SITE, label_prefix="seeds/")
    assert isinstance(result, LoadResult)
    assert result.files == 4
    assert [(r.path, r.is_published) for r in result.records] == [
        ("1.txt", False),
        ("3.txt", True),
        ("sub/2.txt", True),
    ]
    assert [str(p) for p in result.problems] == [
        "seeds/0.txt: empty file",
        "seeds/3.txt:5:9: warning: topics: must be a list, got a string; used as a list of one",
    ]


# --- properties -------------------------------------------------------------------------------

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FIELDS = [
    "title",
    "sourceUrl",
    "publishedDateTime",
    "excerpt",
    "ampUrl",
    "cdnAmpUrl",
    "provider",
    "topics",
    "category",
    "images",
    "related",
    "published",
    "url",
    "name",
    "domain",
    "width",
    "height",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=14))])),
    st.sampled_from(["https://example.org/a", "javascript:x", "2020-01-13", "<b>&amp;</b>"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.sampled_from(FIELDS), values, max_size=12)


def check_invariants(record: Record | None, problems: list[Problem]) -> None:
    assert all("a bug" not in p.reason for p in problems)
    if record is None:
        assert any(p.severity == "error" for p in problems)
        return
    assert all(p.severity == "warning" for p in problems)
    assert record.title and record.url.startswith(("http://", "https://"))
    assert record.published.tzinfo is UTC
    texts: list[str] = [record.title, *record.topics]
    texts += [t for t in (record.excerpt, record.body, record.category) if t]
    texts += [i.title for i in record.images if i.title]
    texts += [r.title for r in record.related]
    texts += [p.name for p in (record.provider, *(r.provider for r in record.related)) if p]
    assert not any(XML_ILLEGAL.search(t) for t in texts)
    urls = [record.url, record.amp_url, record.amp_cache_url, *(i.url for i in record.images)]
    urls += [r.url for r in record.related]
    assert all(u.startswith(("http://", "https://")) for u in urls if u is not None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check_invariants(*parse_record(data, "x.txt", SITE))
    check_invariants(*parse_record(b"---\n" + data + b"\n---\n", "x.txt", SITE))


@settings(max_examples=300, deadline=None)
@given(documents, st.text(max_size=50))
def test_arbitrary_yaml_documents_never_raise(document: dict[str, Any], body: str) -> None:
    front = yaml.safe_dump(document, allow_unicode=True)
    data = f"---\n{front}---\n{body}".encode("utf-8", "replace")
    check_invariants(*parse_record(data, "x.txt", SITE))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        scalars.filter(lambda v: v == v),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=5)
        ),
        max_leaves=20,
    )
)
def test_the_fast_builder_equals_pyyaml_safe_constructor(value: Any) -> None:
    # Same resolver on both sides: only the node -> value step differs.
    front = yaml.safe_dump({"v": value}, allow_unicode=True)
    fast = _RecordLoader(front)
    reference = _RecordLoader(front)
    try:
        node = fast.get_single_node()
        assert node is not None
        assert fast.build(node) == reference.get_single_data()
    finally:
        fast.dispose()
        reference.dispose()


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("<<: {category: merged}\ncategory: own", "own"),
        ("<<: {category: merged}", "merged"),
        ("category: !!str 2026", "2026"),
        ("category: !!binary aGVsbG8=", None),  # bytes are not text: dropped with a warning
    ],
)
def test_explicit_tags_and_merge_keys_follow_pyyaml(yaml_text: str, expected: str | None) -> None:
    record, _ = parse_text(GOOD_HEAD + f"publishedDateTime: 2020-01-13\n{yaml_text}\n---\n")
    assert record is not None and record.category == expected


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("category: !!str {a: 1}", "5:11: invalid YAML: expected a scalar node, but found mapping"),
        ("? [a]\n: 1", "5:3: invalid YAML: found unhashable key"),
        (
            "category: !custom x",
            "5:11: invalid YAML: could not determine a constructor for the tag '!custom'",
        ),
        ("x: " + "[" * 70 + "]" * 70, "5:67: invalid YAML: nested more than 64 levels deep"),
    ],
)
def test_odd_yaml_is_rejected_with_a_position(yaml_text: str, message: str) -> None:
    record, problems = parse_text(GOOD_HEAD + f"publishedDateTime: 2020-01-13\n{yaml_text}\n---\n")
    assert record is None and [str(p) for p in problems] == [f"x.txt:{message}"]


@pytest.mark.parametrize(
    ("repair", "title"),
    [(True, "don\u2019t \ufffdstop"), (False, "don\u00e2t \ufffdstop")],
)
def test_raw_c1_controls_are_mojibake_repaired_or_removed(repair: bool, title: str) -> None:
    # UTF-8 read as Latin-1 leaves C1 controls, which YAML refuses: they are mapped back
    # through Windows-1252 (then repaired) or, without repair, removed.
    raw = "don\u00e2\x80\x99t \ufffdstop\ufffe\uffff"
    text = f"---\ntitle: {raw}\nsourceUrl: https://example.org/1\npublishedDateTime: 2020-01-13\n"
    record, problems = parse_record(
        (text + "---\n").encode(), "c1.txt", Site(repair_mojibake=repair)
    )
    assert record is not None and record.title == title
    removed = "2:21: warning: removed 2 control character(s) (first: U+FFFE)"
    if not repair:
        removed = "2:12: warning: removed 4 control character(s) (first: U+0080)"
    assert [str(p) for p in problems] == [f"c1.txt:{removed}"]


YAML_BITS = [
    *("---\n", "title: ", "sourceUrl: ", "publishedDateTime: ", "topics:\n", "images:\n"),
    *("related:\n", "url: ", "- ", "  ", "\n", "\r\n", "\t", "&a ", "*a", "[", "]", "{", "}"),
    *(": ", "? ", "<<: ", "!!str ", "!!binary ", "|\n", "'", '"', "\\x01", "\\ud800", "\x00"),
    *("\x85", "\x80", "\ufeff", "\u00e9", "\u00e2\u20ac\u2122", "https://example.org/x"),
    "2020-01-13",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(YAML_BITS), max_size=40).map("".join))
def test_yaml_ish_fragments_never_raise(text: str) -> None:
    for data in (text, f"---\n{text}\n---\n"):
        check_invariants(*parse_record(data.encode("utf-8", "surrogatepass"), "x.txt", SITE))


@pytest.mark.parametrize(
    "text",
    [
        "Springfield police donâ€™t use facial recognition programs.",
        "Ã©tÃ© 2020 â€” a summary",
        "cafÃ©\u00a0menu and naÃ¯ve â€œquotesâ€\x9d here",
        "plain ASCII text",
        "already fine: café, naïve, “quotes”",
    ],
)
def test_word_by_word_repair_equals_whole_string_repair(text: str) -> None:
    from feedgen_news.records import _ftfy, _repair_mojibake

    ftfy, config = _ftfy()
    assert _repair_mojibake(text) == ftfy.fix_text(text, config)


@given(
    st.text(
        alphabet=st.sampled_from(
            list("htps:/HTPS.-_~%?#&=@[]!$'()*+,;aZ09 \t<>\"\\^`{|}é\x7f\x00")
        ),
        max_size=30,
    ).map(lambda tail: "https://" + tail if tail[:1] != "h" else tail)
)
@settings(max_examples=500, deadline=None)
def test_url_fast_path_accepts_only_what_the_full_check_accepts(url: str) -> None:
    from feedgen_news.urls import _PLAIN_HTTP_URL, _checked_http_url

    if _PLAIN_HTTP_URL.fullmatch(url):
        assert _checked_http_url(url) == url


def test_records_pickle_by_field_values() -> None:
    import pickle

    record, _ = read_record(SEED, SEED.name, SITE)
    assert pickle.loads(pickle.dumps(record)) == record == SEED_RECORD  # noqa: S301 (our bytes)
