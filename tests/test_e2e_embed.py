"""Embeds in a real browser: headless Chromium on a host page from one origin, feeds from another.

The host page is served by a plain http.server (origin A); the feeds, embed.js and embed.html by
``feedgen_news.serve_http`` (origin B), so embed.js must work cross-origin through the server's CORS
header. Screenshots go to the test artifacts folder (``tests.helpers.ARTIFACTS``); the README's
are `make screenshots`.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import lxml.html
import pytest

from feedgen_news.build import build_records
from feedgen_news.config import Site
from feedgen_news.model import Provider
from feedgen_news.render.embed import SCRIPT_LIMIT
from feedgen_news.serve_http import make_server
from tests.helpers import (
    CHROMEDRIVER,
    CHROMIUM,
    HOSTILE_MARKUP,
    artifact,
    record,
    start_chromium,
)

CRAFTED = Path(__file__).parent / "fixtures" / "embed" / "javascript-links.json"

if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
    if os.environ.get("CI") == "true":
        pytest.fail(
            "chromium and chromedriver are required in CI: run .ci/system-deps.sh",
            pytrace=False,
        )
    pytest.skip("chromium/chromedriver not installed (.ci/system-deps.sh)", allow_module_level=True)

from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

STORY_PROVIDER = Provider("Example Wire", "https://example.org")


# Seven stories in topic AI from one provider, the newest last; the third's title is hostile.
RECORDS = [
    record(n, title=title, provider=STORY_PROVIDER, topics=("AI",))
    for n, title in enumerate(
        [
            "Sample: a model card template for small labs",
            "Sample: city council pilots open data on energy use",
            HOSTILE_MARKUP,
            "Sample: benchmark suite adds an accessibility track",
            "Sample: university releases an annotated speech corpus",
            "Sample: regional newsroom tests AI transcription",
            "Sample: chip makers publish a shared power metric",
        ],
        start=1,
    )
]
LIMIT = SCRIPT_LIMIT  # data-limit of the script snippet on the topic page
IFRAME_LIMIT = 6  # site.embed_limit: entries in embed.html


@dataclass
class Servers:
    feeds: str  # origin B: feedgen_news.serve_http over the built output
    host: str  # origin A: a plain static server for the host page


def _thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


def _write_output(root: Path, site: Site) -> None:
    """What a build publishes (the pure pipeline: feeds, pages, embed pages, embed.js)."""
    for output in build_records(RECORDS, site):
        path = root / output.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(output.data)
    # The build never emits a javascript: link, so this hostile feed is written by hand.
    (root / "crafted").mkdir()
    shutil.copyfile(CRAFTED, root / "crafted" / "feed.json")


def _pasted_snippets(topic_page_url: str) -> list[str]:
    """The snippets exactly as a site owner copies them from the served topic page."""
    with urllib.request.urlopen(topic_page_url, timeout=10) as response:  # noqa: S310 -- ours
        page = lxml.html.document_fromstring(response.read().decode("utf-8"))
    codes = cast(list[lxml.html.HtmlElement], page.xpath("//pre/code"))
    return [code.text_content() for code in codes]


def _host_page(site: Site, iframe: str, script: str) -> str:
    feeds = site.base_url
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A site that embeds feeds</title>
<script>
window.alerts = []; window.alert = function (m) {{ window.alerts.push(String(m)); }};
</script>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }}
main {{ display: flex; gap: 1.5rem; flex-wrap: wrap; align-items: flex-start; }}
section {{ width: 320px; background: #fff; border: 1px solid #ddd; border-radius: 8px;
  padding: .75rem; }}
h2 {{ font-size: 1rem; margin: 0 0 .5rem; }}
.feedgen-news {{ margin: 0; padding-left: 1.1rem; }}
.feedgen-news-item {{ margin: .35rem 0; }}
.feedgen-news-meta {{ display: block; color: #666; font-size: .8rem; }}
</style></head>
<body>
<h1>Host page on another origin</h1>
<main>
<section id="script"><h2>embed.js (data-limit="{LIMIT}")</h2>
{script}
</section>
<section id="iframe"><h2>iframe (embed.html)</h2>
{iframe}
</section>
<section id="crafted"><h2>Crafted feed with javascript: links</h2>
<div data-feedgen-news="{feeds}crafted/feed.json" data-limit="10"></div>
</section>
<section id="missing"><h2>Feed that 404s</h2>
<div data-feedgen-news="{feeds}topics/no-such-topic/feed.json"></div>
</section>
</main>
</body></html>
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    out = tmp_path_factory.mktemp("output")
    host_dir = tmp_path_factory.mktemp("host")
    log: list[str] = []
    feed_server = make_server(out, "127.0.0.1", 0, 0, log.append)
    site = Site(
        title="Example News",
        base_url=f"http://127.0.0.1:{feed_server.server_address[1]}/",
        embed_limit=IFRAME_LIMIT,
    )
    _write_output(out, site)
    threads = [_thread(feed_server)]
    iframe, script = _pasted_snippets(f"{site.base_url}topics/ai/")
    (host_dir / "index.html").write_text(_host_page(site, iframe, script), encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    host_server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(host_dir))
    )
    threads.append(_thread(host_server))
    try:
        yield Servers(site.base_url, f"http://127.0.0.1:{host_server.server_address[1]}/")
    finally:
        for server in (feed_server, host_server):
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver: WebDriver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), "1200,900")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def host(browser: WebDriver, servers: Servers) -> WebDriver:
    """The host page, loaded once every embed has finished (rendered or fallen back)."""
    assert servers.host != servers.feeds  # two origins: the script must go through CORS
    browser.get(servers.host)
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('[data-feedgen-news]')]"
            ".every(e => ['done', 'failed'].includes(e.dataset.feedgenNewsState))"
        )
    )
    browser.save_screenshot(str(artifact("embed-host-page.png")))
    return browser


def links(root: WebElement) -> list[tuple[str, str | None]]:
    return [(a.text, a.get_attribute("href")) for a in root.find_elements("css selector", "a")]


def test_script_renders_data_limit_newest_entries_cross_origin(host: WebDriver) -> None:
    box = host.find_element("css selector", "#script [data-feedgen-news]")

    assert box.get_attribute("data-feedgen-news-state") == "done"
    items = box.find_elements("css selector", "ul.feedgen-news > li.feedgen-news-item")
    assert len(items) == LIMIT
    expected = sorted(RECORDS, key=lambda r: r.published, reverse=True)[:LIMIT]
    assert links(box) == [(r.title, r.url) for r in expected]
    for a in box.find_elements("css selector", "a"):
        assert (a.get_attribute("target"), a.get_attribute("rel")) == ("_blank", "noopener")
    times = box.find_elements("css selector", "time")
    assert [t.get_attribute("datetime") for t in times] == [
        r.published.strftime("%Y-%m-%dT%H:%M:%S.000Z") for r in expected
    ]
    assert items[0].find_element("css selector", ".feedgen-news-provider").text == "Example Wire"


def test_hostile_title_is_text_and_runs_nothing(host: WebDriver) -> None:
    box = host.find_element("css selector", "#script [data-feedgen-news]")

    assert HOSTILE_MARKUP in [a.text for a in box.find_elements("css selector", "a")]
    assert box.find_elements("css selector", "img") == []
    assert host.find_elements("css selector", "img") == []
    assert host.execute_script("return window.alerts") == []


def test_javascript_links_never_appear(host: WebDriver) -> None:
    crafted: dict[str, Any] = json.loads(CRAFTED.read_text(encoding="utf-8"))
    box = host.find_element("css selector", "#crafted [data-feedgen-news]")

    assert box.get_attribute("data-feedgen-news-state") == "done"
    assert links(box) == [("Sample: a safe story", "https://example.org/sample/safe")]
    # Items with unsafe links still show their titles, as plain text with no link.
    shown = [li.text for li in box.find_elements("css selector", "li")]
    unsafe_titles = [i["title"] for i in crafted["items"] if "safe" not in i["url"]]
    assert [line.split("\n")[0] for line in shown[1:]] == unsafe_titles
    hrefs = host.execute_script(
        "return [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))"
    )
    assert not [h for h in hrefs if not h.startswith("http")], hrefs
    assert host.execute_script("return window.alerts") == []


def test_failed_fetch_shows_a_quiet_fallback_link(host: WebDriver, servers: Servers) -> None:
    box = host.find_element("css selector", "#missing [data-feedgen-news]")

    assert box.get_attribute("data-feedgen-news-state") == "failed"
    assert box.find_elements("css selector", "ul") == []
    assert links(box) == [("Open the news feed", f"{servers.feeds}topics/no-such-topic/feed.json")]


def test_iframe_snippet_renders_embed_html_without_scripts(
    host: WebDriver, servers: Servers
) -> None:
    frame = host.find_element("css selector", "#iframe iframe")
    assert frame.get_attribute("src") == f"{servers.feeds}topics/ai/embed.html"
    frame.screenshot(str(artifact("embed-iframe.png")))

    host.switch_to.frame(frame)
    try:
        items = host.find_elements("css selector", "ol > li")
        assert len(items) == IFRAME_LIMIT
        expected = sorted(RECORDS, key=lambda r: r.published, reverse=True)[:IFRAME_LIMIT]
        shown = host.find_elements("css selector", "ol > li > a")
        # textContent, not .text: entries below the iframe's fold are not "visible" to selenium.
        assert [(a.get_attribute("textContent"), a.get_attribute("href")) for a in shown] == [
            (r.title, r.url) for r in expected
        ]
        assert HOSTILE_MARKUP in [r.title for r in expected]
        assert host.find_elements("css selector", "img, script") == []
        # The section makes the iframe about 300px wide: nothing may scroll sideways there.
        inner, scroll = host.execute_script(
            "const e = document.documentElement; return [e.clientWidth, e.scrollWidth]"
        )
        assert 280 <= inner <= 320
        assert scroll <= inner, f"embed.html scrolls sideways at {inner}px: {scroll}px wide"
    finally:
        host.switch_to.default_content()
    assert host.execute_script("return window.alerts") == []


@pytest.mark.parametrize(("scheme", "background"), [("light", "#ffffff"), ("dark", "#161616")])
def test_embed_page_follows_prefers_color_scheme(
    browser: WebDriver, servers: Servers, scheme: str, background: str
) -> None:
    media = {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", media)
    try:
        browser.get(f"{servers.feeds}topics/ai/embed.html")
        shown = browser.execute_script(
            "const c = getComputedStyle(document.body).backgroundColor.match(/\\d+/g);"
            "return '#' + c.slice(0, 3).map(n => (+n).toString(16).padStart(2, '0')).join('')"
        )
        assert shown == background
        browser.save_screenshot(str(artifact(f"embed-{scheme}.png")))
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
