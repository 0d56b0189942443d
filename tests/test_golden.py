"""The seeds' output is exactly the reviewed golden files (``make golden`` refreshes them)."""

from __future__ import annotations

from tests.refresh_golden import GOLDEN, render_seeds


def test_seed_output_matches_golden_files() -> None:
    outputs = {out.relpath: out.data for out in render_seeds()}
    golden = {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()
    }
    assert sorted(outputs) == sorted(golden), "files differ: run `make golden` if intended"
    for relpath, data in outputs.items():
        assert data == golden[relpath], f"{relpath} changed: run `make golden` if intended"
