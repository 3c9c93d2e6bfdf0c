"""The push of a safeguarding alert's every change to the coordinators on duty for its
booth's centre (``signaling.channels.safeguarding_watchers``), on /desk as ``safeguarding``.
Nothing goes to the booth, the office, the desk channels supervisors share, or another
centre. The alert arrives as the JSON object to send (``safeguarding.alerts.notice_of``): the
signalling layer knows nothing of the safeguarding package."""

from __future__ import annotations

from collections.abc import Mapping

import socketio

from signaling.channels import safeguarding_watchers


class SafeguardingPush:
    def __init__(self, server: socketio.AsyncServer) -> None:
        self._server = server

    async def __call__(self, device: str, notice: Mapping[str, object]) -> None:
        await self._server.emit(
            "safeguarding", dict(notice), to=safeguarding_watchers(device), namespace="/desk"
        )
