"""WebSub pings against a real hub stand-in on 127.0.0.1 that records what it received."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedgen_news.build import build
from feedgen_news.config import Site
from feedgen_news.render.formats import FORMATS
from feedgen_news.websub import PingResult, ping, summarize
from tests.helpers import Hub, running_hub, write_record

FEED_A = "https://news.example.org/topics/ai/feed.json"
FEED_B = "https://news.example.org/topics/ai/atom.xml"
FEED_C = "https://news.example.org/all/rss.xml"


@pytest.fixture
def hub() -> Iterator[Hub]:
    with running_hub() as state:
        yield state


class Sleeps(list[float]):
    """Records the backoff pauses instead of sleeping, so retry tests stay fast."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_ping_posts_exactly_the_publish_form_fields_once_per_feed(hub: Hub) -> None:
    results = ping(hub.url, [FEED_A, FEED_B])

    assert results == [
        PingResult(FEED_A, True, "hub answered 204"),
        PingResult(FEED_B, True, "hub answered 204"),
    ]
    assert [(r.method, r.path, r.content_type) for r in hub.received] == [
        ("POST", "/hub", "application/x-www-form-urlencoded"),
        ("POST", "/hub", "application/x-www-form-urlencoded"),
    ]
    assert [r.form for r in hub.received] == [
        {"hub.mode": ["publish"], "hub.url": [FEED_A]},
        {"hub.mode": ["publish"], "hub.url": [FEED_B]},
    ]


def test_no_feeds_means_no_request(hub: Hub) -> None:
    assert ping(hub.url, []) == []
    assert hub.received == []


def test_a_500_is_retried_after_a_backoff_and_the_204_counts(hub: Hub) -> None:
    hub.statuses = [500]
    sleeps = Sleeps()

    results = ping(hub.url, [FEED_A], sleep=sleeps)

    assert results == [PingResult(FEED_A, True, "hub answered 204")]
    assert [r.form["hub.url"] for r in hub.received] == [[FEED_A], [FEED_A]]
    assert sleeps == [0.5]


def test_retries_are_bounded_and_the_last_answer_is_reported(hub: Hub) -> None:
    hub.statuses = [503, 500, 502, 500]
    sleeps = Sleeps()

    results = ping(hub.url, [FEED_A], retries=2, sleep=sleeps)

    assert results == [PingResult(FEED_A, False, "hub answered 502 Bad Gateway (after 3 attempts)")]
    assert len(hub.received) == 3
    assert sleeps == [0.5, 1.0]


def test_a_client_error_is_not_retried(hub: Hub) -> None:
    hub.statuses = [400]

    results = ping(hub.url, [FEED_A], sleep=Sleeps())

    assert results == [PingResult(FEED_A, False, "hub answered 400 Bad Request")]
    assert len(hub.received) == 1


def test_a_redirect_is_reported_not_followed(hub: Hub) -> None:
    hub.statuses = [307]

    [result] = ping(hub.url, [FEED_A], sleep=Sleeps())

    assert not result.ok
    assert result.detail == (
        "hub answered 307 Temporary Redirect "
        "(redirect to https://elsewhere.example/hub; set hub to that URL)"
    )
    assert len(hub.received) == 1


def test_what_the_hub_says_is_shown_with_control_characters_escaped(hub: Hub) -> None:
    hub.statuses = [307]
    hub.location = "https://elsewhere.example/\x1b]0;pwned\x07hub"

    [result] = ping(hub.url, [FEED_A], sleep=Sleeps())

    assert result.detail == (
        "hub answered 307 Temporary Redirect "
        "(redirect to https://elsewhere.example/\\x1b]0;pwned\\x07hub; set hub to that URL)"
    )
    assert summarize("https://hub.example/\x1b[2J", [result]) == (
        "WebSub: hub https://hub.example/\\x1b[2J was not notified for 1 of 1 feeds: "
        + result.detail
    )


def test_a_hanging_hub_is_abandoned_within_the_budget(hub: Hub) -> None:
    hub.hang = True
    start = time.monotonic()

    results = ping(hub.url, [FEED_A, FEED_B], timeout=0.4, retries=5, budget=1.2)

    elapsed = time.monotonic() - start
    assert elapsed < 1.2 + 0.5, f"ping took {elapsed:.2f}s for a 1.2s budget"
    assert [r.ok for r in results] == [False, False]
    assert re.fullmatch(
        r"hub did not answer within 0\.[1-4]s \(after [23] attempts\)", results[0].detail
    ), results[0].detail
    # The first feed used the whole budget, so the second was never sent.
    assert results[1].detail == "not sent: the ping time budget was used up"
    assert all(r.form["hub.url"] == [FEED_A] for r in hub.received)


def test_an_unreachable_hub_gives_a_one_line_failure() -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()

    [result] = ping(f"http://127.0.0.1:{port}/", [FEED_A], retries=1, sleep=sleeps)

    assert result.feed_url == FEED_A
    assert not result.ok
    assert result.detail.startswith("could not reach hub: ")
    assert "refused" in result.detail.lower()
    assert result.detail.endswith("(after 2 attempts)")
    assert "\n" not in result.detail
    assert sleeps == [0.5]


def test_a_non_http_hub_is_never_contacted() -> None:
    assert ping("file:///etc/passwd", [FEED_A]) == [
        PingResult(FEED_A, False, "not sent: hub must be an http(s) URL, got 'file:///etc/passwd'")
    ]


def test_summarize_is_one_line_about_failures_only() -> None:
    ok = PingResult(FEED_A, True, "hub answered 204")
    bad = PingResult(FEED_B, False, "could not reach hub: [Errno 111] Connection refused")

    assert summarize("https://hub.example/", [ok, ok]) is None
    assert summarize("https://hub.example/", [ok, bad]) == (
        "WebSub: hub https://hub.example/ was not notified for 1 of 2 feeds: "
        "could not reach hub: [Errno 111] Connection refused"
    )


def test_a_hub_that_keeps_failing_costs_one_feeds_retries_not_every_feeds(hub: Hub) -> None:
    hub.statuses = [500, 500, 500]

    results = ping(hub.url, [FEED_A, FEED_B, FEED_C], retries=2, sleep=Sleeps())

    assert [r.detail for r in results] == [
        "hub answered 500 Internal Server Error (after 3 attempts)",
        "not sent: the hub failed on an earlier feed",
        "not sent: the hub failed on an earlier feed",
    ]
    assert len(hub.received) == 3


def test_a_refused_feed_does_not_stop_the_others(hub: Hub) -> None:
    hub.statuses = [404]

    results = ping(hub.url, [FEED_A, FEED_B], sleep=Sleeps())

    assert results == [
        PingResult(FEED_A, False, "hub answered 404 Not Found"),
        PingResult(FEED_B, True, "hub answered 204"),
    ]


CORRECTED = "excerpt: A correction.\n"  # an edit: the record's feeds change


def feed_urls(site: Site, *relpaths: str) -> set[str]:
    return {site.url(f"{relpath}/{fmt.filename}") for relpath in relpaths for fmt in FORMATS}


def test_a_build_pings_exactly_the_changed_feeds_and_an_unchanged_build_pings_nothing(
    hub: Hub, tmp_path: Path
) -> None:
    records, out, cache = tmp_path / "in", tmp_path / "out", tmp_path / "cache"
    records.mkdir()
    write_record(records / "1.md", "1", day=1, topics=["Energy"])
    write_record(records / "2.md", "2", day=2, topics=["Economy"])
    site = Site(base_url="https://news.example.org/", hub=hub.url)

    def pinged() -> set[str]:
        urls = {r.form["hub.url"][0] for r in hub.received}
        assert all(r.form["hub.mode"] == ["publish"] for r in hub.received)
        hub.received.clear()
        return urls

    first = build(records, out, site, cache_dir=cache)
    everything = feed_urls(site, "all", "topics/energy", "topics/economy")
    assert set(first.changed_feed_urls) == everything
    assert pinged() == everything
    assert first.pings == ()

    second = build(records, out, site, cache_dir=cache)
    assert second.changed_feed_urls == ()
    assert pinged() == set()

    write_record(records / "2.md", "2", day=2, topics=["Economy"], extra=CORRECTED)
    third = build(records, out, site, cache_dir=cache)
    assert pinged() == set(third.changed_feed_urls) == feed_urls(site, "all", "topics/economy")

    write_record(records / "1.md", "1", day=1, topics=["Energy"], extra=CORRECTED)
    fourth = build(records, out, site, cache_dir=cache, ping=False)  # --no-ping
    assert set(fourth.changed_feed_urls) == feed_urls(site, "all", "topics/energy")
    assert pinged() == set()


def test_an_unreachable_hub_never_fails_or_stalls_the_build(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    records = tmp_path / "in"
    records.mkdir()
    write_record(records / "1.md", "1", day=1, topics=["Energy"])
    site = Site(base_url="https://news.example.org/", hub=f"http://127.0.0.1:{port}/")
    start = time.monotonic()

    report = build(records, tmp_path / "out", site, cache_dir=tmp_path / "cache")

    assert time.monotonic() - start < 5
    assert (tmp_path / "out" / "topics" / "energy" / "feed.json").is_file()
    assert len(report.changed_feed_urls) == 6
    assert report.pings, "the failed pings must be reported"
    assert "could not reach hub" in report.pings[0]
    assert all("\n" not in line for line in report.pings)
