"""Property: whatever text and YAML shapes records hold, a build never crashes, every feed is
well-formed XML or valid JSON, and no record text becomes markup in any HTML we write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedgen_news.build import build
from feedgen_news.config import Site
from tests.helpers import HOSTILE_MARKUP

TEXT = st.text(
    alphabet=st.characters(codec="utf-8"),  # any Unicode scalar: controls, RTL, emoji, NUL...
    max_size=40,
)
# Text a careless renderer or parser chokes on: markup, CDATA, mojibake, controls, a script URL.
TRICKY_TEXT = st.sampled_from(
    [
        HOSTILE_MARKUP,
        "]]>&amp;<![CDATA[",
        "donâ€™t",
        "\x00\x1b\ufffe",
        "javascript:alert(1)",
    ]
)
ANY_TEXT = st.one_of(TEXT, TRICKY_TEXT)
URL = st.one_of(
    st.sampled_from(
        [
            "https://example.org/a",
            "http://example.com/b?x=1&y=<2>",
            "javascript:alert(1)",
            "data:text/html,<script>",
            "//example.org/relative",
            "file:///etc/passwd",
            "https://example.org/\u00e9t\u00e9",
        ]
    ),
    ANY_TEXT,
)
SCALAR = st.one_of(ANY_TEXT, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
SHAPE = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)
    ),
    max_leaves=8,
)


def field(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field holds the expected kind of value most of the time, any shape otherwise."""
    return st.one_of(strategy, strategy, SHAPE)


RECORD = st.fixed_dictionaries(
    {
        "title": field(ANY_TEXT),
        "sourceUrl": field(URL),
        "publishedDateTime": field(
            st.one_of(
                st.datetimes(timezones=st.timezones()),
                st.dates(),
                st.sampled_from(["2020-01-13T20:22:00Z", "next tuesday", "13/01/2020"]),
            )
        ),
    },
    optional={
        "excerpt": field(ANY_TEXT),
        "ampUrl": field(URL),
        "cdnAmpUrl": field(URL),
        "published": field(st.booleans()),
        "category": field(ANY_TEXT),
        "topics": field(st.lists(ANY_TEXT, max_size=3)),
        "provider": field(st.fixed_dictionaries({"name": ANY_TEXT, "domain": ANY_TEXT})),
        "images": field(
            st.lists(
                st.fixed_dictionaries(
                    {"url": URL},
                    optional={"width": SCALAR, "height": SCALAR, "title": ANY_TEXT},
                ),
                max_size=2,
            )
        ),
        "related": field(
            st.lists(
                st.fixed_dictionaries(
                    {"sourceUrl": URL, "title": ANY_TEXT},
                    optional={"publishedDateTime": st.datetimes()},
                ),
                max_size=2,
            )
        ),
        "secured": st.just("SECRET-TOKEN-never-published"),
    },
)
BODY = st.one_of(st.just(""), ANY_TEXT)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=st.lists(st.tuples(RECORD, BODY), min_size=1, max_size=4))
def test_any_records_build_into_well_formed_feeds(
    tmp_path: Path, records: list[tuple[dict[str, Any], str]]
) -> None:
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    inp, out = work / "in", work / "out"
    inp.mkdir(parents=True)
    for i, (fields, body) in enumerate(records):
        front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
        (inp / f"r{i}.txt").write_text(
            f"---\n{front}---\n{body}", encoding="utf-8", errors="replace"
        )
    site = Site(include_unpublished=True)
    report = build(inp, out, site, cache_dir=work / "cache", ping=False)

    assert report.published is not None
    assert report.counts.files == len(records)
    for path in out.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        assert b"SECRET-TOKEN" not in data
        if path.suffix in (".xml", ".opml"):
            etree.fromstring(data)  # well-formed, or this raises
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".html":
            # Our pages and embeds carry no script at all: any "<script" would be record text
            # that became markup.
            assert b"<script" not in data.lower()
    # The `all` feed holds every record that was accepted.
    rss = etree.fromstring((out / "all/rss.xml").read_bytes())
    assert len(rss.findall("channel/item")) == report.counts.published
