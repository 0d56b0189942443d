"""The committed ``output/`` is exactly what ``make demo`` builds from ``seeds/``: the golden
files, reviewed in every diff. After an intended output change, ``make demo`` refreshes them."""

from __future__ import annotations

from pathlib import Path

from feedgen_news.build import build_records
from feedgen_news.config import load_site
from feedgen_news.records import load_dir

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"


def test_seed_output_matches_the_committed_output() -> None:
    # The demo's settings: the repo's feedgen-news.toml and --unpublished.
    site = load_site(ROOT / "feedgen-news.toml", include_unpublished=True)
    loaded = load_dir(ROOT / "seeds", site)
    rendered = {
        out.relpath: out.data
        for out in build_records(loaded.records, site, editorial=loaded.editorial)
    }
    committed = {
        p.relative_to(OUTPUT).as_posix(): p.read_bytes()
        for p in OUTPUT.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert sorted(rendered) == sorted(committed), "files differ: run `make demo` if intended"
    for relpath, data in rendered.items():
        assert data == committed[relpath], f"{relpath} changed: run `make demo` if intended"
