"""Each failure mode of the bad-input corpus, through the command a user runs: the exact
message, the exit status, and every good record still in its feeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedgen_news.cli import main
from tests.bad_records import FIXTURES, REJECTED, WARNED
from tests.helpers import SEEDS, published_links

# The seeds published by default (the real seed and the sample draft are published: false).
GOOD_URLS = {
    "https://news.example.org/2020/01/rooftop-solar-pilot.html",
    "https://lab.example.net/blog/model-cards",
    "https://journal.example.fr/economie/epicerie-cooperative",
    "https://tech.example.com/2020/01/13/inference-chip",
}


def build_with(fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)  # away from the repo's feedgen-news.toml
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    target = corpus / fixture
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, target)
    result = CliRunner().invoke(
        main, ["build", "in", "-o", "out", "--cache-dir", "cache"], catch_exceptions=False
    )
    return result.exit_code, result.stderr


@pytest.mark.parametrize("fixture", sorted(REJECTED))
def test_rejected_record_is_named_and_costs_only_itself(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, stderr = build_with(fixture, tmp_path, monkeypatch)
    assert status == 1
    lines = stderr.splitlines()
    for expected in REJECTED[fixture]:
        assert f"in/{expected}" in lines
    assert "Traceback" not in stderr
    assert "1 rejected" in lines[-1]
    assert published_links(tmp_path / "out") == GOOD_URLS


@pytest.mark.parametrize("fixture", sorted(WARNED))
def test_warned_record_is_still_published(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, stderr = build_with(fixture, tmp_path, monkeypatch)
    assert status == 0
    lines = stderr.splitlines()
    for expected in WARNED[fixture]:
        assert f"in/{expected}" in lines
    assert "0 rejected" in lines[-1]
    urls = published_links(tmp_path / "out")
    if fixture.startswith("warn/published_"):
        # An unclear `published` fails safe: held back, like a draft.
        assert urls == GOOD_URLS
        assert "3 held back" in lines[-1]
    else:
        assert urls > GOOD_URLS  # the warned record is published too
