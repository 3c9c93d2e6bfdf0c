"""Which callbacks held a test's event loop too long.

Each callback run on the loop's thread is timed on the wall clock, less the time that thread
spent waiting for a CPU meanwhile (Linux's per-thread scheduler statistics,
``/proc/thread-self/schedstat``, second field): a callback that computes or sleeps for half a
second is caught on any machine, one that was merely preempted while other test workers, a
PostgreSQL server or Chromium had the CPUs is not. Without the statistics (not Linux) the
wall clock alone judges."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SCHEDSTAT = "/proc/thread-self/schedstat"


def _runqueue_reader() -> Callable[[], float]:
    """Seconds this thread has waited for a CPU so far (0 where the kernel does not say)."""
    try:
        fd = os.open(SCHEDSTAT, os.O_RDONLY)
    except OSError:
        return lambda: 0.0

    def waited() -> float:
        fields = os.pread(fd, 128, 0).split()
        return int(fields[1]) / 1e9 if len(fields) > 1 else 0.0

    waited.fd = fd  # type: ignore[attr-defined]
    return waited


@contextmanager
def held_callbacks(limit_s: float) -> Iterator[list[str]]:
    """While the block runs, every callback of the current thread's loops that held its thread
    ``limit_s`` or longer (not counting CPU waits) is described in the yielded list."""
    held: list[str] = []
    thread = threading.get_ident()
    waited = _runqueue_reader()
    original = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        if threading.get_ident() != thread:
            original(handle)
            return
        start, queued = time.perf_counter(), waited()
        try:
            original(handle)
        finally:
            took = time.perf_counter() - start
            if took >= limit_s:
                preempted = waited() - queued
                if took - preempted >= limit_s:
                    held.append(
                        f"Executing {handle!r} took {took:.3f} seconds"
                        f" ({preempted:.3f} of them waiting for a CPU)"
                    )

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    try:
        yield held
    finally:
        asyncio.events.Handle._run = original  # type: ignore[method-assign]
        fd = getattr(waited, "fd", None)
        if fd is not None:
            os.close(fd)
