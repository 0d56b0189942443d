"""Tests for records/values.py, through a record where a user meets them: dates, URLs,
mojibake repair."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedgen_news.config import Site
from feedgen_news.records.values import _ftfy, repair_mojibake
from tests.bad_records import SHAPES
from tests.helpers import GOOD_HEAD, build_cmd, parse_text, run


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
        ("next tuesday", f"cannot parse 'next tuesday' ({SHAPES})"),
        ("'13'", f"cannot parse '13' ({SHAPES})"),  # dateutil would fill the rest from today
        ("2020-02-30", f"cannot parse '2020-02-30' ({SHAPES})"),
        ("0001-01-01T00:00:00+14:00", f"cannot parse '0001-01-01T00:00:00+14:00' ({SHAPES})"),
        ("true", "must be a date and time, got true/false"),
        ("[2020-01-13]", "must be a date and time, got a list"),
        ("'" + "9" * 100 + "'", "cannot parse '" + "9" * 77 + f"...' ({SHAPES})"),
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


# --- what a user reads about a date, through `check` -------------------------------------------


def check_dates(
    tmp_path: Path, published: str, related: str | None = None, config: str = ""
) -> tuple[int, list[str]]:
    """``check`` of one record (``in/a.txt``) with these dates: its exit status and its
    problem lines (the summary line left out)."""
    text = GOOD_HEAD + f"publishedDateTime: {published}\n"
    if related is not None:
        text += "related:\n  - sourceUrl: https://example.org/r\n    title: Related\n"
        text += f"    publishedDateTime: {related}\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in/a.txt").write_text(text + "---\n", encoding="utf-8")
    (tmp_path / "site.toml").write_text(config, encoding="utf-8")
    result = run("check", tmp_path / "in", "--config", tmp_path / "site.toml")
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("feedgen-news: 1 records read")
    return result.exit_code, [line.removeprefix(f"{tmp_path}/") for line in lines[:-1]]


def test_an_unparseable_date_says_which_shapes_are_accepted(tmp_path: Path) -> None:
    assert check_dates(tmp_path, "2024-02-3O 10:00:00", related="soon") == (
        1,
        [f"in/a.txt:4:20: publishedDateTime: cannot parse '2024-02-3O 10:00:00' ({SHAPES})"],
    )


def test_an_unparseable_optional_date_says_which_shapes_are_accepted(tmp_path: Path) -> None:
    assert check_dates(tmp_path, "2024-02-03T10:00:00Z", related="soon") == (
        0,
        [
            f"in/a.txt:8:24: warning: related[0].publishedDateTime: cannot parse 'soon'"
            f" ({SHAPES}); dropped"
        ],
    )


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("2024-02-03 10:00 PST", "unknown time zone 'PST': write an offset such as -08:00"),
        (
            "Sat, 03 Feb 2024 10:00:00 EDT",
            "unknown time zone 'EDT': write an offset such as -04:00",
        ),
        ("2024-02-03 10:00 CEST", "unknown time zone 'CEST': write an offset such as +02:00"),
        # A name that means several zones: only the form is shown.
        (
            "2024-02-03 10:00 IST",
            "unknown time zone 'IST': write its offset from UTC instead, such as +01:00 or -05:00",
        ),
        # Not a full date even without the zone: the shapes help more than the zone.
        ("February 2024 PST", f"cannot parse 'February 2024 PST' ({SHAPES})"),
    ],
)
def test_a_named_time_zone_gets_a_hint_to_write_an_offset(
    tmp_path: Path, written: str, shown: str
) -> None:
    assert check_dates(tmp_path, written) == (1, [f"in/a.txt:4:20: publishedDateTime: {shown}"])


def test_a_day_month_ambiguous_date_warns_once_per_record_how_it_was_read(
    tmp_path: Path,
) -> None:
    assert check_dates(tmp_path, "01/02/2024", related="03/04/2024 10:00") == (
        0,
        [
            "in/a.txt:4:20: warning: publishedDateTime: '01/02/2024' read as 2024-01-02"
            ' (month/day); set date_order = "DMY" if you meant 1 February'
        ],
    )


@pytest.mark.parametrize("config", ['date_order = "MDY"\n', 'date_order = "DMY"\n'])
def test_a_date_order_set_says_how_the_site_writes_dates_and_silences_the_warning(
    tmp_path: Path, config: str
) -> None:
    assert check_dates(tmp_path, "01/02/2024", related="03/04/2024", config=config) == (0, [])


@pytest.mark.parametrize(
    "written", ["13/02/2024", "02/13/2024", "02/02/2024", "2024/01/02", "Jan 2, 2024"]
)
def test_a_date_that_can_be_read_one_way_only_is_not_warned_about(
    tmp_path: Path, written: str
) -> None:
    assert check_dates(tmp_path, written) == (0, [])


@pytest.mark.parametrize(
    ("written", "order", "expected"),
    [
        ("01/02/2024", None, datetime(2024, 1, 2, tzinfo=UTC)),
        ("01/02/2024", "MDY", datetime(2024, 1, 2, tzinfo=UTC)),
        ("01/02/2024", "DMY", datetime(2024, 2, 1, tzinfo=UTC)),
        ("01.02.2024 10:00 +01:00", "DMY", datetime(2024, 2, 1, 9, tzinfo=UTC)),
        ("1-2-24", "DMY", datetime(2024, 2, 1, tzinfo=UTC)),
        ("13/02/2024", "MDY", datetime(2024, 2, 13, tzinfo=UTC)),
        ("02/13/2024", "DMY", datetime(2024, 2, 13, tzinfo=UTC)),
        # Year first is never day first: date_order is about day/month/year dates only.
        ("2024/01/02", "DMY", datetime(2024, 1, 2, tzinfo=UTC)),
        ("2026-11-01 09:00 +0100", "DMY", datetime(2026, 11, 1, 8, tzinfo=UTC)),
    ],
)
def test_date_order_decides_how_a_day_month_year_date_is_read(
    written: str, order: str | None, expected: datetime
) -> None:
    record, _ = parse_text(
        GOOD_HEAD + f"publishedDateTime: {written}\n---\n", Site(date_order=order)
    )
    assert record is not None and record.published == expected


def test_the_date_order_published_is_the_one_set_and_a_change_reparses(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    text = GOOD_HEAD + "publishedDateTime: 01/02/2024 10:00\n---\n"
    (tmp_path / "in/a.txt").write_text(text, encoding="utf-8")
    config = tmp_path / "site.toml"
    published = []
    for setting in ("", 'date_order = "DMY"\n'):  # the second build reuses the first's cache
        config.write_text(setting, encoding="utf-8")
        result = build_cmd(tmp_path / "in", tmp_path / "out", "--config", config)
        assert result.exit_code == 0, result.stderr
        feed = json.loads((tmp_path / "out/all/feed.json").read_bytes())
        published += [item["date_published"] for item in feed["items"]]
    assert published == ["2024-01-02T10:00:00+00:00", "2024-02-01T10:00:00+00:00"]


def test_a_date_order_other_than_mdy_or_dmy_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "site.toml").write_text('date_order = "YMD"\n', encoding="utf-8")
    result = run("check", tmp_path / "in", "--config", tmp_path / "site.toml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'feedgen-news: error: {tmp_path}/site.toml: date_order: must be "MDY" or "DMY", '
        "got 'YMD'"
    ]
