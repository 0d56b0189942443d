"""Golden files: the complete output for ``seeds/``, kept in ``tests/golden/`` so any change to
what users receive shows up in review. ``make golden`` rewrites them after an intended change."""

from __future__ import annotations

import shutil
from pathlib import Path

from feedgen_news.build import build_records
from feedgen_news.config import Site
from feedgen_news.publish import OutputFile
from feedgen_news.records import load_dir

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden"
# The demo's settings, spelled out so the golden files do not depend on feedgen-news.toml.
SITE = Site(title="feedgen-news demo", include_unpublished=True)


def render_seeds() -> list[OutputFile]:
    return build_records(load_dir(SEEDS, SITE).records, SITE)


def main() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    outputs = render_seeds()
    for out in outputs:
        path = GOLDEN / out.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.data)
    print(f"wrote {len(outputs)} golden files to {GOLDEN.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
