"""The shipped pre-commit hook, as a content repository uses it: the real `pre-commit` tool
installs it from this repository (at its HEAD commit: what a clone would get, so commit before
running this) into a temporary git repository, and each `git commit` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import NO_URL_RECORD, record_text

ROOT = Path(__file__).resolve().parent.parent
# pip's words for "the index could not be reached or lacks a package": only then is a hook
# environment that does not build a reason to skip rather than a failure of the hook.
OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``argv`` with its stdout and stderr as one text (git runs a hook with its stdout on
    stderr), in ``stdout``."""
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=600,
    )


def _environment(home: Path) -> dict[str, str]:
    """This environment without git's per-repository variables (a test run from a git hook
    would aim every git call at the wrong repository) or the user's git settings, and with
    pre-commit's store in the test's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "SKIP"}
    return env | {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "PRE_COMMIT_HOME": str(home),
    }


def test_the_hook_fails_a_commit_of_a_bad_record_and_passes_a_good_one(tmp_path: Path) -> None:
    env = _environment(tmp_path / "pre-commit-home")
    head = _run(["git", "rev-parse", "HEAD"], ROOT, env)
    if head.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout: pre-commit needs a commit to install from")
    repo = tmp_path / "content"
    repo.mkdir()
    assert _run(["git", "init", "-q"], repo, env).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {head.stdout.strip()}\n"
        "  hooks: [{id: feedgen-news-check}]\n",
        encoding="utf-8",
    )
    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = _run([*pre_commit, "install", "--install-hooks"], repo, env)
    if installed.returncode != 0:
        lines = installed.stdout.splitlines()
        offline = [line.strip() for line in lines if any(words in line for words in OFFLINE)]
        if offline:
            pytest.skip(f"pre-commit cannot build the hook's environment offline: {offline[-1]}")
    assert installed.returncode == 0, installed.stdout

    (repo / "seeds").mkdir()
    (repo / "seeds/good.md").write_text(record_text("good"), encoding="utf-8")
    (repo / "seeds/bad.md").write_text(NO_URL_RECORD, encoding="utf-8")
    assert _run(["git", "add", "."], repo, env).returncode == 0
    refused = _run(["git", "commit", "-q", "-m", "records"], repo, env)
    assert refused.returncode == 1, refused.stdout
    # The hook's own output, as pre-commit shows it under the hook's name.
    assert refused.stdout.strip().splitlines()[-2:] == [
        "seeds/bad.md: sourceUrl: missing (required)",
        "feedgen-news: 2 records read: 1 would be published, 1 rejected; nothing written.",
    ]
    assert _run(["git", "rev-parse", "-q", "--verify", "HEAD"], repo, env).returncode != 0

    (repo / "seeds/bad.md").write_text(record_text("fixed"), encoding="utf-8")
    assert _run(["git", "add", "."], repo, env).returncode == 0
    made = _run(["git", "commit", "-q", "-m", "records"], repo, env)
    assert made.returncode == 0, made.stdout
    assert "feedgen-news check" in made.stdout and "Passed" in made.stdout
    assert _run(["git", "rev-parse", "-q", "--verify", "HEAD"], repo, env).returncode == 0
