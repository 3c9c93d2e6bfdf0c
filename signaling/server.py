"""The python-socketio server object; the namespaces are registered on it by
``signaling.namespaces.register_namespaces``.

python-socketio decodes each Socket.IO packet before any namespace sees it, and trusts its
shape: a packet that does not decode (bad type byte, broken or too deeply nested JSON, a huge
integer) or an event whose data is not ``[name, ...]`` raises inside the server, and
python-engineio logs every such exception with its traceback ("message async handler
error"). Anyone can send such a packet, so ``SocketIOServer`` checks each text packet first
and drops a malformed one with a one-line warning: the connection and its seat stay as they
were (a forged packet must not empty a seat), and nothing reaches a namespace. A binary
frame is taken only as the attachment a binary event's header announced (python-socketio
would decode a stray one as a packet), and that attachment must be binary.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from socketio import packet

log = logging.getLogger(__name__)

# What decoding untrusted text can raise: ValueError (bad type byte, JSON, a 5,000-digit
# integer), RecursionError (JSON nested past the decoder's limit), TypeError/IndexError.
DECODING_ERRORS = (ValueError, RecursionError, TypeError, IndexError)
FROM_CLIENTS = frozenset(
    {
        packet.CONNECT,
        packet.DISCONNECT,
        packet.EVENT,
        packet.ACK,
        packet.BINARY_EVENT,
        packet.BINARY_ACK,
    }
)


def packet_problem(encoded: str, packet_class: type[packet.Packet]) -> str | None:
    """Why a text packet from a client cannot be handled, or None if it can."""
    try:
        decoded = packet_class(encoded_packet=encoded)
    except DECODING_ERRORS as error:
        return f"does not decode ({type(error).__name__})"
    if decoded.packet_type not in FROM_CLIENTS:
        return f"type {decoded.packet_type!r} is not sent by clients"
    data = decoded.data
    if decoded.packet_type in (packet.EVENT, packet.BINARY_EVENT) and not (
        isinstance(data, list) and data and isinstance(data[0], str)
    ):
        return "an event is not [name, ...]"
    if decoded.packet_type in (packet.ACK, packet.BINARY_ACK) and not isinstance(data, list):
        return "an acknowledgement is not a list"
    if decoded.packet_type == packet.CONNECT and not isinstance(data, dict | None):
        return "connect data is not an object"
    if decoded.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
        return _placeholder_problem(data, decoded.attachment_count)
    return None


MAX_ATTACHMENTS = 8  # the apps send none; the fuzzing client a few


def _placeholder_problem(data: object, attachments: int) -> str | None:
    """Why a binary packet's placeholders cannot be filled with its attachments: each must
    name one of them by an integer index (python-socketio indexes the list with it)."""
    if not 1 <= attachments <= MAX_ATTACHMENTS:
        return f"{attachments} binary attachments announced"
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            if item.get("_placeholder") and "num" in item:
                num = item["num"]
                if type(num) is not int or not 0 <= num < attachments:
                    return "a placeholder names no attachment"
            else:
                pending.extend(item.values())
    return None


class SocketIOServer(socketio.AsyncServer):  # type: ignore[misc]
    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # Binary attachments (bytes) follow a header packet that was checked as text.
        if eio_sid in self._binary_packet:
            problem = None if isinstance(data, bytes) else "an attachment that is not binary"
        elif isinstance(data, str):
            problem = packet_problem(data, self.packet_class) or self._unconnected(eio_sid, data)
        else:
            problem = "a binary frame no binary event announced"
        if problem is not None:
            log.warning("dropped a malformed Socket.IO packet from %s: %s", eio_sid, problem)
            return
        await super()._handle_eio_message(eio_sid, data)

    def _unconnected(self, eio_sid: str, encoded: str) -> str | None:
        """A binary packet for a namespace this client has not joined (python-socketio raises
        on it instead of answering)."""
        decoded = self.packet_class(encoded_packet=encoded)  # decodes: checked just before
        if decoded.packet_type not in (packet.BINARY_EVENT, packet.BINARY_ACK):
            return None
        if self.manager.sid_from_eio_sid(eio_sid, decoded.namespace or "/"):
            return None
        return "a binary packet for a namespace it has not joined"


def create_socketio_server(
    max_message_bytes: int,
    client_manager: socketio.AsyncManager | None = None,
    allowed_origins: list[str] | None = None,
) -> socketio.AsyncServer:
    """An AsyncServer for aiohttp; the client manager (in-memory or Redis) is pluggable.
    Browsers may connect only from ``allowed_origins`` (the server's own HTTPS origins)."""
    return SocketIOServer(
        async_mode="aiohttp",
        # None: same origin only. Never [], which python-engineio takes as "check nothing".
        cors_allowed_origins=allowed_origins or None,
        client_manager=client_manager,
        max_http_buffer_size=max_message_bytes,
        http_compression=False,
        logger=False,
        engineio_logger=False,
    )
