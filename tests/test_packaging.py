"""What ships: the wheel carries the license, and the docs give one correct crontab line."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_license(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("feedgen_news-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        licenses = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licenses) == 1
        assert archive.read(licenses[0]) == (ROOT / "LICENSE").read_bytes()
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-Expression: MIT" in archive.read(metadata).decode()


def _crontab_lines(path: Path) -> list[str]:
    return re.findall(r"^\*/\d+ (?:\S+ ){4}.*$", path.read_text(encoding="utf-8"), re.MULTILINE)


def test_readme_and_deploy_guide_give_the_same_crontab_line() -> None:
    readme, deploy = _crontab_lines(ROOT / "README.md"), _crontab_lines(ROOT / "docs/deploy.md")
    assert readme and readme == deploy
    # cron's PATH has no virtual environment: the script is named by its path in the project.
    assert all(" .venv/bin/feedgen-news build " in line for line in readme)
