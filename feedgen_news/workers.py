"""Worker processes for the CPU-bound steps (YAML parsing, rendering), started only when there
is enough work to pay for them, and stopped with the build whatever stops it."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice
from multiprocessing import get_context
from typing import TypeVar

from . import signals

T = TypeVar("T")
R = TypeVar("R")


class Workers:
    """A fork pool: the GIL rules out threads, and feedgen changes the process locale while it
    formats dates. Started on first use."""

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Fork the workers now, while this process is small: forked later, each would carry a
        copy of the scan of every input file (100 MiB at a million files)."""
        if self.jobs > 1 and self._pool is None:
            # fork: workers start in milliseconds and inherit the imported modules.
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=get_context("fork"),
                initializer=signals.worker_started,
                initargs=(os.getpid(),),
            )
            with signals.blocked():  # with fork, the first task starts every worker
                first = self._pool.submit(int)
            first.result()

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, worth_it: bool) -> Iterator[R]:
        if self.jobs <= 1 or len(items) <= 1 or not worth_it:
            return map(fn, items)
        self.start()
        assert self._pool is not None
        # Not the executor's map(): on the way out of an exception it cancels the futures the
        # pool is about to fail, which breaks the pool's own cleanup in ``abort``.
        return _results([self._pool.submit(fn, item) for item in items])

    def imap(self, fn: Callable[[T], R], items: Iterable[T], *, worth_it: bool) -> Iterator[R]:
        """``map`` over a stream, in order, with at most eight tasks per worker in flight (the
        executor's own ``map`` would first submit the whole stream)."""
        if self.jobs <= 1 or not worth_it:
            yield from map(fn, items)
            return
        self.start()
        assert self._pool is not None
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(self._pool.submit(fn, item))
            if len(pending) >= 8 * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Kill the workers now, mid-task: on any failure or signal, nothing they would still
        do is wanted, and the files they are writing can be removed only once they are gone."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(pool._processes.values())  # the executor has no kill()
        for process in processes:
            process.kill()
        for process in processes:
            process.join()
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def workers(jobs: int | None) -> Iterator[Workers]:
    """Workers for a ``with`` block: closed after it, killed if it fails."""
    pool = Workers(jobs)
    try:
        yield pool
    except BaseException:
        pool.abort()
        raise
    pool.close()


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _results(futures: list[Future[R]]) -> Iterator[R]:
    """Each future's result in order, dropping each once taken (results can be large)."""
    futures.reverse()
    while futures:
        yield futures.pop().result()
