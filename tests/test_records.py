"""Tests for the records package as a whole: the real seed, every bad-input fixture's exact
message, what survives a warning, and properties over arbitrary input."""

from __future__ import annotations

import re
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
from feedgen_news.records import parse_record, read_record
from feedgen_news.records.frontmatter import RecordLoader
from tests.bad_records import FIXTURES, GOOD, REJECTED, WARNED
from tests.helpers import GOOD_HEAD, SEED_FILE, SEED_RECORD, SITE, parse_text, run, write_record


def test_the_real_seed_parses_to_the_exact_record() -> None:
    record, problems = read_record(SEED_FILE, SEED_FILE.name, SITE)
    assert problems == []
    assert record == SEED_RECORD
    assert record.published.tzinfo is UTC
    for unwanted in ("secured", "quality", "heat", "r1Y+C", "article"):
        assert unwanted not in repr(record)


def test_the_seed_related_excerpt_mojibake_is_repaired_by_ftfy() -> None:
    # The model keeps no related excerpt, so check the repair on a field that is published.
    data = SEED_FILE.read_bytes().replace(b"category: news", "category: donâ€™t".encode())
    record, problems = parse_record(data, "seed.txt", SITE)
    assert problems == [] and record is not None
    assert record.category == "don\u2019t"
    raw, _ = parse_record(data, "seed.txt", Site(repair_mojibake=False))
    assert raw is not None and raw.category == "donâ€™t"


# --- the bad-input corpus (tests/bad_records.py) ----------------------------------------------


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


def test_problems_name_the_relpath_and_the_report_names_the_input_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Labelled once, when reported: the parser knows only the path inside the input folder.
    data = (FIXTURES / "warn/topics_not_a_list.txt").read_bytes()
    record, problems = parse_record(data, "x/topics.txt", SITE)
    assert record is not None and record.path == "x/topics.txt"
    assert str(problems[0]).startswith("x/topics.txt:5:9: warning: topics:")
    monkeypatch.chdir(tmp_path)
    write_record(tmp_path / "seeds/a.txt", "a")
    (tmp_path / "seeds/x").mkdir()
    (tmp_path / "seeds/x/topics.txt").write_bytes(data)
    result = run("check", "seeds")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        "seeds/x/topics.txt:5:9: warning: topics: must be a list, got a string;"
        " used as a list of one"
    )


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
    as_text, _ = read_fixture("good/body_after_front_matter.md", Site(body_format="text"))
    assert as_text is not None and as_text.body == (
        "  Indented first line.\n\n--- not a fence: the body is text ---\n---\nLast line."
    )
    # Rendered, only the HTML is kept: the Markdown would be a second copy in the cache.
    markdown = record_of("good/body_after_front_matter.md")
    assert markdown.body is None and markdown.body_html == (
        "<p>Indented first line.</p>\n<h2>--- not a fence: the body is text ---</h2>\n"
        "<p>Last line.</p>"
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


# --- published, providers --------------------------------------------------------------------


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


def test_provider_domain_becomes_an_https_home_page() -> None:
    text = GOOD_HEAD + (
        "publishedDateTime: 2020-01-13\nprovider:\n  name: ' Wire '\n  domain: News.Example.ORG\n"
    )
    record, problems = parse_text(text + "---\n")
    assert problems == [] and record is not None
    assert record.provider == Provider("Wire", "https://news.example.org")


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
    fast = RecordLoader(front)
    reference = RecordLoader(front)
    try:
        node = fast.get_single_node()
        assert node is not None
        assert fast.build(node) == reference.get_single_data()
    finally:
        fast.dispose()
        reference.dispose()


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


def test_records_pickle_by_field_values() -> None:
    import pickle

    record, _ = read_record(SEED_FILE, SEED_FILE.name, SITE)
    assert pickle.loads(pickle.dumps(record)) == record == SEED_RECORD  # noqa: S301 (our bytes)
