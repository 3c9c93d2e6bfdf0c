"""The python-socketio server object; the namespaces are registered on it by
``signaling.namespaces.register_namespaces``."""

from __future__ import annotations

import socketio


def create_socketio_server(
    max_message_bytes: int,
    client_manager: socketio.AsyncManager | None = None,
    allowed_origins: list[str] | None = None,
) -> socketio.AsyncServer:
    """An AsyncServer for aiohttp; the client manager (in-memory or Redis) is pluggable.
    Browsers may connect only from ``allowed_origins`` (the server's own HTTPS origins)."""
    return socketio.AsyncServer(
        async_mode="aiohttp",
        # None: same origin only. Never [], which python-engineio takes as "check nothing".
        cors_allowed_origins=allowed_origins or None,
        client_manager=client_manager,
        max_http_buffer_size=max_message_bytes,
        http_compression=False,
        logger=False,
        engineio_logger=False,
    )
