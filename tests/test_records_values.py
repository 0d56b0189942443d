"""Tests for records/values.py, through a record where a user meets them: dates, URLs,
mojibake repair."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedgen_news.records.values import _ftfy, repair_mojibake
from tests.helpers import GOOD_HEAD, parse_text


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
    ftfy, config = _ftfy()
    assert repair_mojibake(text) == ftfy.fix_text(text, config)


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
