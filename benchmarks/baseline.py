"""The yardstick: the straightforward feedgen script issue 4 compares against.

``python -m benchmarks.baseline IN OUT``. One process, no cache: walk the files, parse each with
CSafeLoader, group by topic, render the newest 50 per topic (and all) as RSS, Atom and JSON Feed,
write every file. What a reasonable person writes in an afternoon; kept honest on purpose, so do
not optimise it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from feedgen.feed import FeedGenerator

LIMIT = 50
BASE_URL = "http://localhost:8000/"

Rec = dict[str, Any]


def load(path: Path) -> Rec:
    text = path.read_text(encoding="utf-8")
    front = text[4 : text.index("\n---", 4)]  # between the opening and closing "---"
    data: Rec = yaml.load(front, Loader=yaml.CSafeLoader)
    return data


def write_feeds(out_dir: Path, relpath: str, title: str, records: list[Rec]) -> None:
    newest = sorted(records, key=lambda r: r["publishedDateTime"], reverse=True)[:LIMIT]
    fg = FeedGenerator()
    fg.id(BASE_URL + relpath + "/")
    fg.title(title)
    fg.link(href=BASE_URL, rel="alternate")
    fg.description(f"News about {title}")
    fg.language("en")
    if newest:
        fg.updated(newest[0]["publishedDateTime"])
    items = []
    for r in newest:
        fe = fg.add_entry(order="append")
        fe.id(r["sourceUrl"])
        fe.title(r["title"])
        fe.link(href=r["sourceUrl"])
        fe.description(r.get("excerpt") or r["title"])
        fe.published(r["publishedDateTime"])
        fe.updated(r["publishedDateTime"])
        for topic in r.get("topics") or []:
            fe.category(term=topic)
        images = r.get("images") or []
        if images:
            fe.enclosure(images[0]["url"], 0, "image/jpeg")
        items.append(
            {
                "id": r["sourceUrl"],
                "url": r["sourceUrl"],
                "title": r["title"],
                "summary": r.get("excerpt"),
                "date_published": r["publishedDateTime"].isoformat(),
                "tags": r.get("topics") or [],
                **({"image": images[0]["url"]} if images else {}),
            }
        )
    out = out_dir / relpath
    out.mkdir(parents=True, exist_ok=True)
    fg.rss_file(str(out / "rss.xml"))
    fg.atom_file(str(out / "atom.xml"))
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    (out / "feed.json").write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")


def build(in_dir: Path, out_dir: Path) -> int:
    """Build every feed; returns the number of published records."""
    records: list[Rec] = []
    for dirpath, _, filenames in os.walk(in_dir):
        for name in filenames:
            if name.endswith((".txt", ".md")):
                record = load(Path(dirpath) / name)
                if record.get("published", True) is not False:
                    records.append(record)
    by_topic: dict[str, list[Rec]] = defaultdict(list)
    for record in records:
        for topic in record.get("topics") or []:
            by_topic[topic].append(record)
    write_feeds(out_dir, "all", "All news", records)
    for topic, members in by_topic.items():
        slug = re.sub(r"\W+", "-", topic.lower()).strip("-")
        write_feeds(out_dir, f"topics/{slug}", topic, members)
    return len(records)


# The floors from the table: what any tool must pay at least, on one core.


def record_paths(in_dir: Path) -> list[Path]:
    return [
        Path(dirpath) / name
        for dirpath, _, filenames in os.walk(in_dir)
        for name in filenames
        if name.endswith((".txt", ".md"))
    ]


def floor_read(in_dir: Path) -> int:
    """Read every record file; returns the bytes read."""
    return sum(len(path.read_bytes()) for path in record_paths(in_dir))


def floor_parse(in_dir: Path) -> int:
    """Read and CSafeLoader-parse every record file, nothing else; returns the count."""
    return sum(1 for path in record_paths(in_dir) if load(path))


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--floor-read":
        floor_read(Path(args[1]))
    elif len(args) == 3 and args[0] == "--floor-parse":
        floor_parse(Path(args[1]))
    elif len(args) == 2:
        build(Path(args[0]), Path(args[1]))
    else:
        sys.exit("usage: python -m benchmarks.baseline [--floor-read|--floor-parse] IN OUT")
