"""The suite's own guard: an async test that blocks the event loop must fail."""

from pathlib import Path

import pytest

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
