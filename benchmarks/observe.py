"""What the watch benchmark observes from outside the watch: every feed file renamed into place
(or removed) in the output folder, as inotify reports it; every ping a hub stand-in receives;
a process's CPU time and memory. Times are ``time.monotonic()`` as each is seen (Linux only)."""

from __future__ import annotations

import ctypes
import os
import select
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

FEED_NAMES = frozenset({b"rss.xml", b"atom.xml", b"feed.json"})
_IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x80, 0x100, 0x200
_IN_Q_OVERFLOW, _IN_ISDIR = 0x4000, 0x40000000
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then the name
_libc = ctypes.CDLL(None, use_errno=True)


class OutputEvents:
    """Feed files renamed into place or removed under ``root``, timestamped as read: (time,
    relpath). Folders made later (a new topic) are watched as they appear; files already in
    them count as placed then."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.events: list[tuple[float, str]] = []
        self.overflowed = False
        self._fd = _libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self._folders: dict[int, Path] = {}
        for folder, _, _ in os.walk(root):
            self._watch(Path(folder))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def since(self, start: float, end: float = float("inf")) -> list[tuple[float, str]]:
        return [(t, path) for t, path in list(self.events) if start <= t < end]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self._fd)

    def _watch(self, folder: Path) -> None:
        mask = _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
        wd = _libc.inotify_add_watch(self._fd, os.fsencode(folder), mask)
        if wd >= 0:
            self._folders[wd] = folder

    def _read(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(200):
                continue
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                continue
            now = time.monotonic()
            offset = 0
            while offset < len(data):
                wd, mask, _, length = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
                offset += _EVENT.size + length
                self._seen(now, wd, mask, name)

    def _seen(self, now: float, wd: int, mask: int, name: bytes) -> None:
        if mask & _IN_Q_OVERFLOW:
            self.overflowed = True
            return
        folder = self._folders.get(wd)
        if folder is None:
            return
        path = folder / os.fsdecode(name)
        if mask & _IN_ISDIR and mask & (_IN_CREATE | _IN_MOVED_TO):
            self._watch(path)
            for placed in path.iterdir() if path.is_dir() else ():
                if os.fsencode(placed.name) in FEED_NAMES:
                    self.events.append((now, placed.relative_to(self.root).as_posix()))
        elif mask & (_IN_MOVED_TO | _IN_DELETE) and name in FEED_NAMES:
            self.events.append((now, path.relative_to(self.root).as_posix()))


@contextmanager
def hub_stand_in() -> Iterator[tuple[str, list[tuple[float, str]]]]:
    """A WebSub hub on a free port of 127.0.0.1: (its URL, the (time, feed URL) it was told)."""
    received: list[tuple[float, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            now = time.monotonic()
            received.extend((now, url) for url in parse_qs(body.decode("ascii")).get("hub.url", []))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hub", received
    finally:
        server.shutdown()
        server.server_close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` itself so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` alone, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
