"""Fixtures shared by several test modules: the end-to-end tests' live site (what it serves is in
``tests/live_site.py``) and a working folder of the test's own. Tests use them by name; shared
code they import is in ``tests/helpers.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_site import LiveSite, running_site


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with running_site(tmp_path_factory.mktemp("live")) as site:
        yield site


@pytest.fixture
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the test in its own empty folder: the repository's feedgen-news.toml and seeds/ are
    not found by chance, and messages name paths relative to it."""
    monkeypatch.chdir(tmp_path)
