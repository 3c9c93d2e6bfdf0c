"""A UDP impairment proxy on loopback: loss, delay and jitter, a bitrate cap and blackouts
between one WebRTC client and the media server (the test machines have no ``tc netem``).

The proxy owns two sockets: the client talks to ``client_side`` as if it were the server, the
server talks to ``server_side`` as if it were the client. ``through_proxy`` rewrites the host
candidates of an SDP so that each peer's ICE checks and media go to the proxy, which passes
every datagram on to the real peer after applying the impairment of its direction. Nothing is
decrypted: RTP payload types are visible in SRTP's clear header, which is all that a
per-kind loss needs.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from typing import cast

Address = tuple[str, int]

# How long the cap's queue may grow before it drops (a router's buffer), in seconds.
CAP_QUEUE_S = 0.2
_CANDIDATE = re.compile(r"^(a=candidate:\S+ \d+ udp \d+ )(\S+) (\d+)( typ host.*)$", re.I | re.M)


@dataclass
class Impairment:
    """What happens to the datagrams of one direction. Changed while the proxy runs."""

    loss: float = 0.0  # share of datagrams dropped at random
    # Loss only for RTP of these payload types (``None``: every datagram, STUN and DTLS too).
    loss_payload_types: frozenset[int] | None = None
    delay_ms: float = 0.0
    jitter_ms: float = 0.0  # each datagram's delay is delay ± jitter (uniform)
    cap_kbps: float = 0.0  # 0: no cap
    blackout_until: float = 0.0  # loop time: until then, nothing passes


@dataclass
class DirectionCounters:
    passed: int = 0
    dropped: int = 0
    octets: int = 0  # passed on
    offered_octets: int = 0  # what the sender put on the wire, dropped or not


class _Side(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: _Forward) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self._on_datagram = on_datagram

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self._on_datagram(data)


class _Forward:
    """One direction: impair, then send from ``out`` to ``destination``."""

    def __init__(self, impairment: Impairment, seed: int) -> None:
        self.impairment = impairment
        self.counters = DirectionCounters()
        self.out: _Side | None = None
        self.destination: Address | None = None
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security
        self._cap_free_at = 0.0
        self._loop = asyncio.get_running_loop()

    def __call__(self, data: bytes) -> None:
        now = self._loop.time()
        rule = self.impairment
        self.counters.offered_octets += len(data)
        if now < rule.blackout_until or self._lost(data, rule):
            self.counters.dropped += 1
            return
        send_at = now
        if rule.cap_kbps > 0:
            start = max(now, self._cap_free_at)
            if start - now > CAP_QUEUE_S:
                self.counters.dropped += 1  # tail drop: the buffer is full
                return
            self._cap_free_at = start + len(data) * 8 / (rule.cap_kbps * 1000)
            send_at = self._cap_free_at
        delay = rule.delay_ms + rule.jitter_ms * (2 * self._random.random() - 1)
        send_at += max(0.0, delay) / 1000
        self.counters.passed += 1
        self.counters.octets += len(data)
        if send_at <= now:
            self._send(data)
        else:
            self._loop.call_at(send_at, self._send, data)

    def _lost(self, data: bytes, rule: Impairment) -> bool:
        if rule.loss <= 0:
            return False
        if rule.loss_payload_types is not None:
            is_rtp = len(data) >= 12 and 127 < data[0] < 192 and not 191 < data[1] < 224
            if not is_rtp or data[1] & 0x7F not in rule.loss_payload_types:
                return False
        return self._random.random() < rule.loss

    def _send(self, data: bytes) -> None:
        if self.out is not None and self.out.transport is not None and self.destination:
            self.out.transport.sendto(data, self.destination)


@dataclass
class ImpairmentProxy:
    """Between one client and the server; ``upstream`` is client → server."""

    upstream: Impairment = field(default_factory=Impairment)
    downstream: Impairment = field(default_factory=Impairment)
    seed: int = 1
    client_side: _Side | None = None
    server_side: _Side | None = None
    _to_server: _Forward | None = None
    _to_client: _Forward | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._to_server = _Forward(self.upstream, self.seed)
        self._to_client = _Forward(self.downstream, self.seed + 1)
        _, self.client_side = await loop.create_datagram_endpoint(
            lambda: _Side(self._require(self._to_server)), local_addr=("127.0.0.1", 0)
        )
        _, self.server_side = await loop.create_datagram_endpoint(
            lambda: _Side(self._require(self._to_client)), local_addr=("127.0.0.1", 0)
        )
        self._to_server.out = self.server_side
        self._to_client.out = self.client_side

    @staticmethod
    def _require(forward: _Forward | None) -> _Forward:
        assert forward is not None
        return forward

    def impair_both(self, **changes: float | frozenset[int] | None) -> None:
        for rule in (self.upstream, self.downstream):
            for name, value in changes.items():
                setattr(rule, name, value)

    def blackout(self, seconds: float) -> None:
        """Nothing passes either way for ``seconds`` from now."""
        until = asyncio.get_running_loop().time() + seconds
        self.upstream.blackout_until = self.downstream.blackout_until = until

    def counters(self) -> dict[str, DirectionCounters]:
        return {
            "upstream": self._require(self._to_server).counters,
            "downstream": self._require(self._to_client).counters,
        }

    def client_offer(self, offer_sdp: str) -> str:
        """The client's offer as the server must see it: the client is at the proxy."""
        client = _host_candidate(offer_sdp)
        self._require(self._to_client).destination = client
        return _rewrite_candidates(offer_sdp, _address_of(self.server_side))

    def server_answer(self, answer_sdp: str) -> str:
        """The server's answer as the client must see it: the server is at the proxy."""
        self._require(self._to_server).destination = _host_candidate(answer_sdp)
        return _rewrite_candidates(answer_sdp, _address_of(self.client_side))

    def close(self) -> None:
        for side in (self.client_side, self.server_side):
            if side is not None and side.transport is not None:
                side.transport.close()


def _address_of(side: _Side | None) -> Address:
    assert side is not None
    assert side.transport is not None
    host, port = side.transport.get_extra_info("sockname")[:2]
    return str(host), int(port)


def _host_candidate(sdp: str) -> Address:
    found = _CANDIDATE.search(sdp)
    if found is None:
        raise ValueError("no host candidate in the SDP")
    return found.group(2), int(found.group(3))


def _rewrite_candidates(sdp: str, address: Address) -> str:
    """Every host candidate (one transport: BUNDLE and rtcp-mux) becomes ``address``."""
    return _CANDIDATE.sub(lambda m: f"{m.group(1)}{address[0]} {address[1]}{m.group(4)}", sdp)
