"""The suite's own guard: an async test that blocks the event loop must fail."""

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.loop_guard import SCHEDSTAT, held_callbacks

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).parents[2] / "conftest.py"


def test_a_test_that_blocks_the_event_loop_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite's conftest imports the project's test helpers (tests.fakes …).
    monkeypatch.setenv("PYTHONPATH", str(CONFTEST.parents[1]))
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(
        """
        import time

        async def test_blocks():
            time.sleep(0.7)

        async def test_yields():
            import asyncio
            await asyncio.sleep(0.01)
        """
    )
    result = pytester.runpytest_subprocess("-p", "asyncio", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*event loop blocked*"])


def _busy(cpu_seconds: float) -> None:
    """Compute for ``cpu_seconds`` of this thread's CPU time, however long that takes."""
    end = time.thread_time() + cpu_seconds
    while time.thread_time() < end:
        pass


def _two_callbacks_on_a_new_loop() -> tuple[float, list[str]]:
    """0.3 s of work then 0.6 s, each a callback of a loop of this thread, watched at 0.5 s:
    (the wall-clock seconds the first took with the loop's own overhead, what was held)."""
    loop = asyncio.new_event_loop()
    try:
        with held_callbacks(0.5) as held:
            loop.run_until_complete(asyncio.sleep(0))
            started = time.perf_counter()
            loop.call_soon(_busy, 0.3)
            loop.run_until_complete(asyncio.sleep(0.01))
            first = time.perf_counter() - started
            first_held = list(held)
            loop.call_soon(_busy, 0.6)
            loop.run_until_complete(asyncio.sleep(0.01))
        assert first_held == [], first_held
        return first, held
    finally:
        loop.close()


@pytest.mark.skipif(not Path(SCHEDSTAT).exists(), reason="Linux's scheduler statistics")
def test_time_a_callback_waited_for_a_cpu_is_not_blamed_on_it() -> None:
    """On one CPU shared with a process that computes without end, a callback of 0.3 s of work
    takes about 0.6 s on the wall clock: not held; one of 0.6 s of work is. (In a thread of
    its own: the suite's guard watches this test's thread.)"""
    cpu = min(os.sched_getaffinity(0))
    hog = subprocess.Popen(
        [sys.executable, "-c", "while True: pass"],
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )

    def pinned() -> tuple[float, list[str]]:
        os.sched_setaffinity(0, {cpu})  # this thread only
        return _two_callbacks_on_a_new_loop()

    try:
        with ThreadPoolExecutor(1) as other:
            first, held = other.submit(pinned).result(timeout=30)
    finally:
        hog.kill()
        hog.wait()
    assert first > 0.5, first  # the CPU really was shared: 0.3 s of work took longer
    assert len(held) == 1, held
    assert "_busy" in held[0], held
