"""``run_every``: the one shape of a periodic job (the SMS dispatcher, the scheduler's and the
rooms' clocks, retention). A failed run is logged and the loop goes on; only cancellation ends
it, and cancellation is never swallowed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_every(
    period_s: float, job: Callable[[], Awaitable[object]], name: str, *, first_after_s: float = 0
) -> None:
    """Run ``job`` now (or after ``first_after_s``) and then every ``period_s`` seconds."""
    await asyncio.sleep(first_after_s)
    while True:
        try:
            await job()
        except Exception:
            log.exception("periodic job %s failed", name)
        await asyncio.sleep(period_s)
