"""``feedgen-news serve --watch INPUT_DIR``: the preview server and the watcher in one process,
so an author sees a saved record on the next reload; and the server's own stop on SIGTERM.

Real processes on a free port; every wait is for a state, bounded."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import build_cmd, free_port, holding_lock, record_text, run, write_record
from tests.watching import WAIT, wait_for, watching
from tests.watching import url as _url


def _get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=WAIT) as response:
        assert response.status == 200
        return str(response.read().decode("utf-8"))


def _serve_watch(tmp_path: Path, port: int) -> list[str | Path]:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    return ["serve", out, "--watch", inp, "--port", str(port), "--limit", "0", "--no-ping"]


def test_an_edit_is_on_the_local_page_at_the_next_reload(tmp_path: Path) -> None:
    port = free_port()
    with watching(tmp_path, _serve_watch(tmp_path, port)) as w:
        assert _url("first") in _get(port, "/all/rss.xml")
        assert "Story first" in _get(port, "/topics/sample/")
        temporary = w.inp / ".new.md.tmp"  # an editor's save: a temporary renamed into place
        temporary.write_text(record_text("new"))
        temporary.rename(w.inp / "new.md")
        wait_for("the new story on the page", lambda: "Story new" in _get(port, "/topics/sample/"))
        assert _url("new") in _get(port, "/all/rss.xml")
        wait_for("the rebuild's line", lambda: bool(w.rebuilds()))  # printed once published
        assert w.rebuilds()[0].startswith("feedgen-news: 1 file changed: ")
        lines = w.lines()
        assert lines[1] == f"Serving {w.out} at http://127.0.0.1:{port}/ (Ctrl-C to stop)"
        assert any(line.startswith("GET /topics/sample/ 200 ") for line in lines)


def test_the_server_answers_while_a_rebuild_runs(tmp_path: Path) -> None:
    port = free_port()
    with watching(tmp_path, _serve_watch(tmp_path, port)) as w:
        with holding_lock(w.out):  # the rebuild waits for this lock, in the middle of its work
            write_record(w.inp / "new.md", "new")
            wait_for("the rebuild under way", w.building)
            old = _get(port, "/all/rss.xml")
            assert _url("first") in old and _url("new") not in old
        wait_for("the new record", lambda: _url("new") in _get(port, "/all/rss.xml"))


@pytest.mark.parametrize("watch", [False, True], ids=["serve", "serve-watch"])
def test_sigterm_stops_the_server_with_one_line_and_exit_143(tmp_path: Path, watch: bool) -> None:
    port = free_port()
    if watch:
        argv = _serve_watch(tmp_path, port)
    else:
        write_record(tmp_path / "in" / "first.md", "first")
        assert build_cmd(tmp_path / "in", tmp_path / "out").exit_code == 0
        argv = ["serve", tmp_path / "out", "--port", str(port)]
    with watching(tmp_path, argv, ready="watching" if watch else "Serving") as w:
        assert _url("first") in _get(port, "/all/rss.xml")
        seen = len(w.lines())
        w.proc.send_signal(signal.SIGTERM)
        assert w.proc.wait(timeout=WAIT) == 143
        said = w.lines()[seen:]
    stopped = "terminated (previous feeds left intact)" if watch else "terminated"
    assert said[-1:] == [f"feedgen-news: error: {stopped}"]
    assert [line for line in said if not line.startswith("GET ")] == said[-1:]


def test_build_options_need_watch(tmp_path: Path) -> None:
    result = run("serve", tmp_path, "--limit", "3", "--future")
    assert result.exit_code == 2
    assert result.stderr == (
        "feedgen-news: error: --limit, --future: only with --watch INPUT_DIR\n"
    )


def test_serve_watch_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run("serve", tmp_path / "out", "--watch", tmp_path / "missing", "--port", "0")
    assert result.exit_code == 2
    assert result.stderr == f"feedgen-news: error: {tmp_path / 'missing'}: input folder not found\n"
