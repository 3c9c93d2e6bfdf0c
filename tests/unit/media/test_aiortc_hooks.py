"""aiortc is pinned exactly because media/ uses its private members: an upgrade that moves
any of them must fail here, loudly, before anything reaches a centre."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import aioice.ice
import aiortc
import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
import pytest
from aiortc import RTCRtpReceiver

from media.aiortc_hooks import AIORTC_VERSION, DropOldestQueue, missing_hooks

MEDIA = Path(__file__).parents[3] / "media"


async def test_every_private_hook_is_where_media_expects_it() -> None:
    assert await missing_hooks() == []


@pytest.mark.parametrize(
    ("owner", "name", "reported"),
    [
        (RTCRtpReceiver, "_send_rtcp_pli", "RTCRtpReceiver._send_rtcp_pli"),
        (aiortc.rtcrtpreceiver, "get_decoder", "aiortc.rtcrtpreceiver.get_decoder"),
        (aiortc.rtcrtpsender, "get_encoder", "aiortc.rtcrtpsender.get_encoder"),
        (aioice.ice, "get_host_addresses", "aioice.ice.get_host_addresses"),
    ],
)
async def test_a_hook_an_upgrade_removed_is_named(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, reported: str
) -> None:
    monkeypatch.delattr(owner, name)
    assert reported in await missing_hooks()


async def test_an_instance_attribute_an_upgrade_removed_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    track_class = aiortc.rtcrtpreceiver.RemoteStreamTrack
    build = track_class.__init__

    def build_without_queue(self: Any, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        del self._queue

    monkeypatch.setattr(track_class, "__init__", build_without_queue)
    assert "RemoteStreamTrack._queue" in await missing_hooks()


def _private_members_touched(path: Path) -> list[str]:
    """``x._name`` where ``x`` is not ``self``: another object's private member."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path.relative_to(MEDIA.parent)}:{node.lineno} {node.attr}")
    return found


def test_no_module_but_the_hooks_touches_a_private_member() -> None:
    touched = [
        found
        for path in sorted(MEDIA.rglob("*.py"))
        if path.name != "aiortc_hooks.py"
        for found in _private_members_touched(path)
    ]
    assert touched == []


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
