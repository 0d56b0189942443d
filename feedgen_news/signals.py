"""Stopping: SIGTERM unwinds a build like Ctrl-C does, and worker processes never outlive the
build that forked them, whatever signal ended it.

SIGTERM is what cron's timeout, ``systemctl stop``, ``kill`` and container shutdown send. Its
default action ends the process at once: no ``finally`` runs, so temporaries stay, and forked
workers are adopted by init. Raising ``Terminated`` instead runs every cleanup on the way out.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_STOPPING = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_WATCH_SECONDS = 0.5  # where there is no parent-death signal: how often a worker checks


class Terminated(BaseException):  # named like KeyboardInterrupt, its sibling
    """SIGTERM arrived: a BaseException, like KeyboardInterrupt, so no ``except Exception``
    swallows it on its way to the command line."""


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises ``Terminated`` in the main thread. Only the first one: a
    second SIGTERM while the first unwinds would cut the cleanup short (SIGKILL still ends
    everything)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; a library caller keeps its own
        return

    def terminate(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def blocked() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while forking workers: a child must not run the parent's
    handlers before ``worker_started`` turns them off. Pending signals arrive on the way out."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def worker_started(parent: int) -> None:
    """Run first in each worker process (forked with SIGINT and SIGTERM blocked).

    The parent alone decides when workers stop: they ignore SIGINT and SIGTERM (Ctrl-C and
    ``systemctl stop`` signal the whole group), and the parent kills them as it unwinds. If the
    parent itself dies (SIGKILL, the OOM killer), the kernel kills them too.
    """
    for signum in _STOPPING:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the death signal was set: nobody will send it
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not there."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only workers need it, and only on Linux

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Elsewhere: end this worker once it has been orphaned (re-parented to init or a reaper)."""
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
