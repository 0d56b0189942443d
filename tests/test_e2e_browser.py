"""A real browser: headless Chromium loads the served index.html and a topic page.

Checks what a person and a browser's feed autodiscovery get: the ``<link rel="alternate">`` tags,
readable entries with thumbnails, a hostile title shown as text with nothing run, and a layout
that fits a phone and follows the dark color scheme; and the pages opened from disk. Screenshots
go to the test artifacts folder (``tests.helpers.ARTIFACTS``); the README's are `make screenshots`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import HOSTILE_MARKUP, artifact, start_chromium
from tests.live_site import SAMPLES, SITE_TITLE, LiveSite, fetch, require

TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
LABELS = ("RSS", "Atom", "JSON Feed")
FILES = ("rss.xml", "atom.xml", "feed.json")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require("chromium", "chromedriver")
    driver = start_chromium(
        tmp_path_factory.mktemp("chromium-profile"), "1100,1400", keep_alerts=True
    )
    try:
        yield driver
    finally:
        driver.quit()


def load(driver: Any, url: str) -> None:
    driver.get(url)
    # Lazy thumbnails: wait until every image in the document has finished (or failed).
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all([...document.images].map(i => i.decode().catch(() => null)))"
        ".then(() => done(true));"
    )


def alternates(driver: Any) -> list[tuple[str, str, str]]:
    links = driver.find_elements("css selector", "head link[rel='alternate']")
    return [
        (e.get_attribute("type"), e.get_attribute("title"), e.get_attribute("href")) for e in links
    ]


def assert_nothing_ran(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when no alert is open
    assert driver.execute_script("return document.scripts.length") == 0


def screenshot(driver: Any, name: str) -> Path:
    path = artifact(name)
    driver.save_screenshot(str(path))
    return path


def test_index_autodiscovery_feed_list_and_hostile_title(browser: Any, live_site: LiveSite) -> None:
    load(browser, live_site.url)
    base = live_site.url

    assert browser.title == SITE_TITLE
    assert alternates(browser) == [
        *(
            (t, f"{SITE_TITLE} ({label})", f"{base}all/{f}")
            for t, label, f in zip(TYPES, LABELS, FILES, strict=True)
        ),
        ("text/x-opml", "All feeds (OPML)", f"{base}feeds.opml"),
    ]
    groups = browser.find_elements("css selector", "section.feed-group > h3")
    assert [g.text for g in groups] == ["Everything", "Topics", "Providers", "Curated feeds"]
    rows = browser.find_elements("css selector", "ul.feeds > li")
    names = [r.find_element("css selector", "h4").text for r in rows]
    assert names == [
        "All entries",
        "AI",
        "Économie",
        "Energy",
        "Libraries",
        "<b>Example</b> & Co",
        "Example News",
        "Nouvelles Exemple",
        "Editor's picks",
    ]
    ai = rows[1]
    assert (
        ai.find_element("css selector", ".meta").text == "2 entries · newest 21 Nov 2026, 10:30 UTC"
    )
    hrefs = [a.get_attribute("href") for a in ai.find_elements("css selector", ".subscribe a")]
    assert hrefs == [f"{base}topics/ai/{f}" for f in FILES]
    # The hostile title is on the page as text, and nothing ran.
    assert HOSTILE_MARKUP in browser.find_element("css selector", "main").text
    assert_nothing_ran(browser)
    screenshot(browser, "index.png")


def test_every_link_to_the_site_resolves(browser: Any, live_site: LiveSite) -> None:
    load(browser, live_site.url)
    own = {
        a.get_attribute("href")
        for a in browser.find_elements("css selector", "a[href]")
        if a.get_attribute("href").startswith(live_site.url)
    }
    own |= {h for _, _, h in alternates(browser)}
    assert len(own) >= 20
    for url in sorted(own):
        status, headers, _ = fetch(url.split("#")[0])
        assert status == 200, url
        if url.endswith(FILES):
            assert headers["Access-Control-Allow-Origin"] == "*"


def test_pages_opened_from_disk_link_to_each_other(browser: Any, live_site: LiveSite) -> None:
    # What `make demo` tells a new user: open output/index.html. No server on base_url's port.
    index = (live_site.root / "index.html").as_uri()
    ai = (live_site.root / "topics" / "ai" / "index.html").as_uri()
    load(browser, index)
    assert browser.title == SITE_TITLE
    browser.find_element("css selector", "#group-topic + ul.feeds > li:nth-child(1) h4 a").click()
    assert (browser.current_url, browser.title) == (ai, f"{SITE_TITLE} — AI")
    assert browser.find_element("css selector", "h1").text == "AI"
    # An entry's topic link, then the breadcrumb back home.
    browser.find_element(
        "xpath", "//article//p[starts-with(., 'Topics:')]/a[.='Libraries']"
    ).click()
    assert browser.title == f"{SITE_TITLE} — Libraries"
    browser.find_element("css selector", "nav[aria-label='Breadcrumb'] a").click()
    assert (browser.current_url, browser.title) == (index, SITE_TITLE)
    # The subscribe links open the feed files beside the page; what readers get stays absolute.
    feeds = [a.get_attribute("href") for a in browser.find_elements("css selector", ".subscribe a")]
    assert feeds[3:6] == [f"{ai.removesuffix('index.html')}{f}" for f in FILES]
    assert next(h for _, _, h in alternates(browser)) == f"{live_site.url}all/rss.xml"


def test_topic_page_shows_entries_and_autodiscovers_its_feeds(
    browser: Any, live_site: LiveSite
) -> None:
    page = f"{live_site.url}topics/ai/"
    load(browser, page)

    assert browser.title == f"{SITE_TITLE} — AI"
    assert alternates(browser)[:3] == [
        (t, f"{SITE_TITLE} — AI ({label})", f"{page}{f}")
        for t, label, f in zip(TYPES, LABELS, FILES, strict=True)
    ]
    assert browser.find_element("css selector", "h1").text == "AI"
    articles = browser.find_elements("css selector", "ol.entries article")
    expected = sorted((s for s in SAMPLES if "topics/ai" in s.feeds), key=lambda s: s.published)
    expected.reverse()
    assert [a.find_element("css selector", "h3").text for a in articles] == [
        s.title for s in expected
    ]
    assert [a.find_element("css selector", "h3 a").get_attribute("href") for a in articles] == [
        s.url for s in expected
    ]
    assert [a.find_element("css selector", "time").get_attribute("datetime") for a in articles] == [
        f"{s.published:%Y-%m-%dT%H:%M:%SZ}" for s in expected
    ]
    hostile = articles[0]
    assert hostile.find_element("css selector", "h3").text == HOSTILE_MARKUP
    assert "<img src=x onerror=alert(2)>" in hostile.text
    assert hostile.find_elements("css selector", "img") == []
    # The thumbnail is a real, loaded image of the size the record gave.
    thumb = articles[1].find_element("css selector", "img.thumb")
    assert browser.execute_script("return arguments[0].naturalWidth", thumb) == 480
    assert thumb.get_attribute("loading") == "lazy"
    assert thumb.get_attribute("alt") == "Sample illustration of a reading room"
    related = articles[1].find_element("css selector", "ul.related a")
    assert related.text == "Sample: what a library AI workshop covers"
    assert_nothing_ran(browser)

    screenshot(browser, "topic-page.png")


def test_topic_page_fits_a_phone_and_follows_dark_mode(browser: Any, live_site: LiveSite) -> None:
    page = f"{live_site.url}topics/ai/"
    size = browser.get_window_size()
    try:
        browser.set_window_size(390, 844)
        load(browser, page)
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        screenshot(browser, "topic-page-phone.png")
        light = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        browser.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
        )
        dark = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert (light, dark) == ("rgb(253, 253, 253)", "rgb(18, 18, 18)")
        screenshot(browser, "topic-page-dark.png")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.set_window_size(size["width"], size["height"])


def test_make_screenshots_photographs_the_demo_site(tmp_path: Path) -> None:
    # The README's screenshots come from this command (into docs/ when given no folder).
    require("chromium", "chromedriver", "openssl")
    from scripts.screenshots import main

    assert main(["screenshots", str(tmp_path)]) == 0
    shots = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in shots] == ["embed.png", "index.png", "topic-page.png"]
    for shot in shots:
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert int.from_bytes(data[16:20], "big") in (1000, 1100)  # the IHDR width
