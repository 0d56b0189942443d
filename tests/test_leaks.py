"""Never leak: drafts, ``secured``, ``quality``/``heat`` and fields the mapping does not name never
reach the output folder, checked by searching every byte of every file the build leaves there
(feeds, pages, OPML, embed files and the tool's own dotfiles).

The input is a copy of the repository's ``seeds/`` plus one copied record carrying unknown
fields at every level (top, provider, image, related item).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from feedgen_news.cli import main
from feedgen_news.layout import LOCK_NAME, MANIFEST_NAME
from tests.helpers import SEEDS
from tests.helpers import comparable as _comparable
from tests.helpers import tree as _files

COPIED_SEED = "002_sample_ai_model_cards.txt"
COPY_NAME = "006_private_fields.txt"
COPY_TITLE = "Sample copy with private fields: a lab publishes model cards"
# Unknown fields added to the copy: (anchor line in the seed, line inserted after it).
UNKNOWN_FIELDS = (
    ("published: true\n", 'internalNote: "do-not-publish-1234"\n'),
    ("published: true\n", 'editorialDesk:\n  owner: "desk-secret-5678"\n'),
    ("  domain: lab.example.net\n", '  contact: "provider-secret-9012"\n'),
    ('    title: "A model card (sample image)"\n', '    internalId: "image-secret-3456"\n'),
    (
        "    sourceUrl: https://docs.example.net/model-cards/intro\n",
        '    reviewer: "related-secret-7890"\n',
    ),
)
UNKNOWN_NEEDLES = (
    "do-not-publish-1234",
    "desk-secret-5678",
    "provider-secret-9012",
    "image-secret-3456",
    "related-secret-7890",
    "internalNote",
    "editorialDesk",
    "reviewer",
)
SITE_FILES = ("index.html", "feeds.opml", "embed.js", "all/embed.html", "all/rss.xml")
_RANKING = re.compile(rb"(?i)\b(quality|heat)\b")  # the ranking fields, as keys or elements
HELD_BACK = "2 held back (published: false; use --unpublished to include them)"


@dataclass(frozen=True)
class Seed:
    file: str
    front: dict[str, Any]
    text: str


def _front(text: str) -> dict[str, Any]:
    front = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(front, dict)
    return front


def _seeds() -> list[Seed]:
    files = sorted(p for p in SEEDS.iterdir() if p.is_file())
    return [Seed(p.name, _front(t), t) for p in files for t in [p.read_text(encoding="utf-8")]]


def _spellings(text: str) -> set[bytes]:
    """``text`` as it could appear in any output format: raw, HTML/XML-escaped, JSON-escaped."""
    forms = {
        text,
        html.escape(text, quote=False),
        html.escape(text),
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
    }
    return {form.encode() for form in forms}


def _draft_needles(seed: Seed) -> set[str]:
    """Everything of a draft that would identify it: titles, URLs, its own topics."""
    front = seed.front
    needles = {front["title"], front["sourceUrl"]}
    needles |= {front[k] for k in ("ampUrl", "cdnAmpUrl") if k in front}
    needles |= {image["url"] for image in front.get("images", [])}
    for related in front.get("related", []):
        needles |= {related["title"], related["sourceUrl"]}
        needles |= {image["url"] for image in related.get("images", [])}
    return needles


def _secret_needles(seeds: list[Seed]) -> set[bytes]:
    """Every seed's ``secured`` value, each of its base64 halves, and what they decode to."""
    needles: set[bytes] = set()
    for seed in seeds:
        if "secured" not in seed.front:
            continue
        value = seed.front["secured"]
        needles |= _spellings(value)
        for half in value.split(";"):
            needles |= _spellings(half)
            with suppress(binascii.Error):  # not base64: the half itself is the needle
                needles.add(base64.b64decode(half, validate=True))
    return needles


def _found(files: dict[str, bytes], needles: set[bytes]) -> list[str]:
    """Where any needle occurs: "relpath: needle" lines, empty when none does."""
    return sorted(
        f"{relpath}: {n!r}" for relpath, data in files.items() for n in needles if n in data
    )


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of seeds/ plus a copied record with unknown fields; the cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)  # no feedgen-news.toml here: default settings
    folder = tmp_path / "records"
    shutil.copytree(SEEDS, folder)
    text = (SEEDS / COPIED_SEED).read_text(encoding="utf-8")
    front = _front(text)
    text = text.replace(
        f"sourceUrl: {front['sourceUrl']}\n", f"sourceUrl: {front['sourceUrl']}-copy\n"
    )
    text = text.replace(f'title: "{front["title"]}"\n', f'title: "{COPY_TITLE}"\n')
    for anchor, line in UNKNOWN_FIELDS:
        assert anchor in text, anchor
        text = text.replace(anchor, anchor + line, 1)
    (folder / COPY_NAME).write_text(text, encoding="utf-8")
    assert _front(text)["internalNote"] == "do-not-publish-1234"
    yield folder


def _build(records: Path, out: Path, *extra: str) -> Result:
    args = ["build", str(records), "-o", str(out), "--cache-dir", "cache", "--no-ping", *extra]
    return CliRunner().invoke(main, args)


def _summary(result: Result) -> str:
    return result.stderr.splitlines()[-1]


def _assert_no_private_data(files: dict[str, bytes]) -> None:
    seeds = _seeds()
    assert not _found(files, _secret_needles(seeds))
    unknown = {s for n in UNKNOWN_NEEDLES for s in _spellings(n)}
    assert not _found(files, unknown)
    # quality and heat are only ever field names in the seeds, so neither word may appear.
    for seed in seeds:
        visible = re.sub(r"(?m)^\s*(quality|heat):.*$", "", seed.text)
        assert not _RANKING.search(visible.encode()), seed.file
    assert not [f"{p}: {m[0]!r}" for p, data in files.items() for m in _RANKING.finditer(data)]


def test_default_build_publishes_no_draft_and_no_private_field(records: Path) -> None:
    result = _build(records, Path("out"))
    assert result.exit_code == 0, result.output
    assert _summary(result).startswith(
        f"feedgen-news: 7 records read: 5 published, {HELD_BACK}, 0 rejected. "
    )
    files = _files(Path("out"))
    assert all(name in files for name in SITE_FILES), sorted(files)
    assert any(COPY_TITLE.encode() in data for data in files.values())  # the copy is published

    drafts = [s for s in _seeds() if s.front.get("published") is False]
    assert [s.file for s in drafts] == ["000_1599838c583e8360.txt", "004_sample_draft.txt"]
    for draft in drafts:
        needles = {s for n in _draft_needles(draft) for s in _spellings(n)}
        assert not _found(files, needles), draft.file
    # A topic only a draft has: not its name, nor its slug (not even in the manifest).
    assert not _found(files, {*_spellings("AWS AI"), b"aws-ai"})
    assert not any(p.startswith("topics/aws-ai/") for p in files)
    _assert_no_private_data(files)


def test_unpublished_build_includes_drafts_but_still_no_private_field(records: Path) -> None:
    result = _build(records, Path("out"), "--unpublished")
    assert result.exit_code == 0, result.output
    assert _summary(result).startswith("feedgen-news: 7 records read: 7 published, 0 rejected. ")
    files = _files(Path("out"))
    # The drafts are really in, so the searches of the default build can find what they look for.
    for draft in [s for s in _seeds() if s.front.get("published") is False]:
        rss = files["all/rss.xml"]
        assert draft.front["title"].encode() in rss and draft.front["sourceUrl"].encode() in rss
    assert "topics/aws-ai/rss.xml" in files and b"AWS AI" in files["feeds.opml"]
    # The 000 seed, whose secured value is the long one, is published now.
    _assert_no_private_data(files)


def test_default_build_after_unpublished_build_removes_every_draft(
    records: Path, tmp_path: Path
) -> None:
    assert _build(records, Path("out"), "--unpublished").exit_code == 0
    with_drafts = _files(Path("out"))
    fresh = _build(records, Path("fresh"))
    assert fresh.exit_code == 0, fresh.output

    result = _build(records, Path("out"))
    assert result.exit_code == 0, result.output
    files = _files(Path("out"))
    # Exactly what a default build from nothing gives.
    assert _comparable(files) == _comparable(_files(Path("fresh")))
    removed = sorted(set(with_drafts) - set(files))
    assert removed == [
        f"topics/aws-ai/{name}"
        for name in sorted(("atom.xml", "embed.html", "feed.json", "index.html", "rss.xml"))
    ]
    assert _summary(result).endswith(f", {len(removed)} removed.")
    assert not (tmp_path / "out" / "topics" / "aws-ai").exists()
    for draft in [s for s in _seeds() if s.front.get("published") is False]:
        needles = {s for n in _draft_needles(draft) for s in _spellings(n)}
        assert not _found(files, needles), draft.file


def test_default_cache_lives_outside_the_output_folder(records: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(records), "-o", "out", "--no-ping"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".feedgen-news").is_dir()
    files = _files(tmp_path / "out")
    dotfiles = sorted(p for p in files if p.rpartition("/")[2].startswith("."))
    assert dotfiles == sorted([MANIFEST_NAME, LOCK_NAME])
    assert not any(data.startswith(b"SQLite format 3") for data in files.values())


@pytest.mark.parametrize("cache", ["out/cache", "out", "out/topics/../.cache"])
def test_cache_inside_the_output_folder_is_refused(
    records: Path, tmp_path: Path, cache: str
) -> None:
    result = CliRunner().invoke(main, ["build", str(records), "-o", "out", "--cache-dir", cache])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"feedgen-news: error: {cache}: the cache must live outside the output folder\n"
    )
    assert not (tmp_path / "out").exists()
