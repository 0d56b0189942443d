"""The session fixture of the end-to-end tests; what it serves is in ``tests/live_site.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_site import LiveSite, running_site


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    with running_site(tmp_path_factory.mktemp("live")) as site:
        yield site
