"""aiortc is pinned exactly because media/ uses its private members: an upgrade that moves
any of them must fail here, loudly, before anything reaches a centre."""

from __future__ import annotations

import tomllib
from pathlib import Path

import aiortc

from media.aiortc_hooks import AIORTC_VERSION, DropOldestQueue, missing_hooks


async def test_every_private_hook_is_where_media_expects_it() -> None:
    assert await missing_hooks() == []


def test_aiortc_is_pinned_exactly_to_the_version_the_hooks_were_built_for() -> None:
    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("aiortc")]
    assert pins == [f"aiortc=={AIORTC_VERSION}"]
    assert aiortc.__version__ == AIORTC_VERSION


async def test_a_full_receive_queue_drops_the_oldest_datagram() -> None:
    queue = DropOldestQueue(maxsize=3)
    for item in range(5):
        queue.put_nowait((bytes([item]), None))
    assert queue.dropped == 2
    assert [queue.get_nowait()[0] for _ in range(3)] == [b"\x02", b"\x03", b"\x04"]
    for item in range(3):
        queue.put_nowait((bytes([item]), None))
    queue.put_nowait(None)  # the end marker always gets in
    assert queue.qsize() == 3
    assert [queue.get_nowait() for _ in range(3)][-1] is None
