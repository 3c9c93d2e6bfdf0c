"""Starting and closing a MediaServer: aiortc's hooks are checked first, and the process-wide
ICE patch lives exactly as long as the servers that hold it."""

from __future__ import annotations

import aioice.ice
import pytest
from aiohttp import web
from aiortc import RTCRtpReceiver

from majlis.app import create_app
from majlis.settings import Settings
from media.config import MediaConfig
from media.errors import AiortcHooksMissing, MediaServerNotStarted
from media.server import MediaServer


async def test_the_server_refuses_to_start_when_an_aiortc_hook_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aioice_own = aioice.ice.get_host_addresses
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_pli")
    server = MediaServer(MediaConfig())
    with pytest.raises(AiortcHooksMissing) as refused:
        await server.start()
    assert refused.value.code == "aiortc_hooks_missing"
    assert refused.value.missing == ("RTCRtpReceiver._send_rtcp_pli",)
    assert "RTCRtpReceiver._send_rtcp_pli" in str(refused.value)
    assert aioice.ice.get_host_addresses is aioice_own, "a refused server patched aioice"
    with pytest.raises(MediaServerNotStarted):
        await server.join("room-1", "booth", "booth", "v=0")


async def test_the_app_refuses_to_start_when_an_aiortc_hook_is_missing(
    migrated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_pli")
    runner = web.AppRunner(create_app(migrated_settings))
    try:
        with pytest.raises(AiortcHooksMissing):
            await runner.setup()
    finally:
        await runner.cleanup()


async def test_aioice_is_its_own_again_after_the_last_server_closes() -> None:
    aioice_own = aioice.ice.get_host_addresses
    first = MediaServer(MediaConfig(host_addresses=("127.0.0.1",)))
    second = MediaServer(MediaConfig(host_addresses=("127.0.0.2",)))
    await first.start()
    assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1"]
    await second.start()
    assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.2"]
    await second.close()
    assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1"]
    await first.close()
    await first.close()  # closing twice gives back nothing it no longer holds
    assert aioice.ice.get_host_addresses is aioice_own
