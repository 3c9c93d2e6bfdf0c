"""Thousands of random and malformed payloads at every event of every namespace: each gets a
typed answer, the server keeps answering health checks, and an audience still works after."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from majlis.app import create_app
from majlis.database import create_engine
from majlis.migrate import upgrade_to_head
from majlis.serve import ssl_context_for
from majlis.settings import load_settings
from media.bench.pattern import EncodedFrame
from rooms.state import Room
from signaling.namespaces import KNOWN_EVENTS
from tests.conftest import free_port
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import (
    LiveServer,
    ManualClock,
    Participant,
    live_audience,
    minutes,
)

T = TypeVar("T")

# Characters that change how text reads or compares without being seen: bidi overrides and
# isolates, zero-width ones, a byte order mark, NUL and other controls, lone surrogates.
UNICODE_CONTROLS = "\u202e\u202d\u2066\u2069\u200b\u200c\u200d\u200f\ufeff\x00\x1b\x7f\u0085"
edge_text = st.text(
    st.sampled_from(UNICODE_CONTROLS) | st.characters() | st.characters(categories=["Cs"]),
    max_size=40,
)
huge_integers = st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)])
edge_dates = st.sampled_from(
    [
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T00:00:00-12:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01",
        "9999-12-31",
        "2026-11-29T00:00:00",
        "2099-12-31T23:00:00-12:00",
        "1970-01-01T00:00:00Z",
    ]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | huge_integers
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | edge_text
    | edge_dates,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Binary attachments are Socket.IO's other content type; nesting as deep as a client's
# encoder goes (a deeper one is a raw packet: RAW_PACKETS).
event_values = st.recursive(
    json_values | st.binary(max_size=64),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=8,
)
deep_values = st.integers(1, 400).map(lambda depth: _nested(depth))


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


payloads = st.one_of(
    event_values,
    deep_values,
    st.fixed_dictionaries({"room": deep_values | edge_text}),
    st.fixed_dictionaries({"sdp": edge_text}),
    st.fixed_dictionaries(
        {
            "candidate": st.sampled_from(["candidate:1 1 udp 1 127.0.0.1 9 typ host", ""])
            | edge_text
        },
        optional={"sdpMid": st.none() | edge_text, "sdpMLineIndex": st.none() | huge_integers},
    ),
    st.fixed_dictionaries({"sdp": json_values}),
    st.fixed_dictionaries({"sdp": st.text(max_size=300)}),
    st.fixed_dictionaries({"candidate": st.text(max_size=80), "sdpMid": json_values}),
    st.fixed_dictionaries({"push_next": json_values}),
    st.fixed_dictionaries({"room": json_values}),
)
event_names = st.sampled_from(sorted(KNOWN_EVENTS)) | st.text(min_size=1, max_size=20)


class LoopThread:
    """An event loop in a thread: the server and clients live there, hypothesis drives it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class ErrorLog(logging.Handler):
    """The server's ERROR records (a logged traceback is one) while a fuzz world lives."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@dataclass
class World:
    thread: LoopThread
    live: LiveServer
    runner: web.AppRunner
    calls: int = 0
    errors: list[str] = field(default_factory=list)
    room: str = "room-1"  # the room the booth and office seats are in
    rooms: int = 1


async def _fresh_room(world: World) -> None:
    """The seats' room ended (its seats are closed by the server): a new room, open, and the
    booth and office seated in it in their places (``live.participants[:2]``)."""
    live = world.live
    world.rooms += 1
    world.room = f"room-1-{world.rooms}"
    await live.schedule(world.room)
    await live.rooms.tick()
    for index, role in enumerate(("booth", "office")):
        await live.participants[index].close()
        seat = Participant(live.base_url, live.ca, f"/{role}")
        await seat.connect(live.rooms.issue_join_token(world.room, role))
        live.participants[index] = seat


async def _build(data_dir: Path) -> tuple[LiveServer, web.AppRunner]:
    # dev: the /desk seat below is a desk terminal's signed dev token.
    # Its seats speak Socket.IO only, never media: degraded mode, which would rightly pause a
    # live room whose sound never flows, is kept out of the fuzzer's way (it has its own test).
    settings = load_settings(
        data_dir=data_dir,
        port=free_port(),
        dev=True,
        quality_audio_unusable_s=86_400,
        quality_video_unusable_s=86_400,
    )
    engine = create_engine(settings.effective_database_url)
    await upgrade_to_head(engine)
    await engine.dispose()
    clock = ManualClock(minutes(-5))
    app = create_app(settings, clock=clock)
    runner = web.AppRunner(app)
    await runner.setup()
    ssl_context = ssl_context_for(settings)
    await web.TCPSite(runner, "127.0.0.1", settings.port, ssl_context=ssl_context).start()
    import ssl as ssl_module

    ca = ssl_module.create_default_context(cafile=str(settings.certs_dir / "ca.pem"))
    live = LiveServer(settings, settings.base_url, ca, clock, app)
    await live.schedule("room-1")
    await live.schedule("room-2", booth="booth-jeddah-1", start=minutes(8))
    await live.rooms.tick()
    for namespace, token in (
        ("/booth", live.rooms.issue_join_token("room-1", "booth")),
        ("/office", live.rooms.issue_join_token("room-1", "office")),
        ("/desk", live.rooms.issue_terminal_token("desk", "desk-1", minutes(60) - minutes(0))),
    ):
        await live.participant(namespace).connect(token)
    return live, runner


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    thread = LoopThread()
    live, runner = thread.run(_build(tmp_path_factory.mktemp("fuzz") / "data"))
    world = World(thread, live, runner)
    handler = ErrorLog(world.errors)
    logging.getLogger().addHandler(handler)
    try:
        yield world
    finally:
        logging.getLogger().removeHandler(handler)

        async def close() -> None:
            for participant in live.participants:
                await participant.close()
            await runner.cleanup()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        thread.run(close())
        thread.stop()


async def _healthy(live: LiveServer) -> bool:
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"{live.base_url}/healthz") as response,
    ):
        return response.status == 200


# make fuzz runs thousands of cases; a test that needs the fuzzing may be the one that runs it.
FUZZ_TIMEOUT = pytest.mark.timeout(3600)


@dataclass(frozen=True)
class FuzzRun:
    """One hypothesis run over a module's world: how many payloads it sent and how it ended.
    Run once by a module fixture, so each test that reads it passes or fails in any order."""

    sent: int
    failure: Exception | None

    @classmethod
    def of(cls, run_property: Callable[[], None], sent_so_far: Callable[[], int]) -> FuzzRun:
        before = sent_so_far()
        try:
            run_property()
        except Exception as failure:  # the property's own test raises it, with its example
            return cls(sent_so_far() - before, failure)
        return cls(sent_so_far() - before, None)

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure


def _decisions(live: LiveServer) -> dict[str, Room]:
    """Each room as the events decide it: whether a seat's transport is connected right now
    (a reconnect under load) is the connection's, not an event's, so it is left out."""
    return {
        room.room_id: replace(room, booth_present=False, booth_back_by=None)
        for room in live.rooms.rooms()
    }


@settings(
    max_examples=int(os.environ.get("FUZZ_EVENT_EXAMPLES", "800")),  # × 3 namespaces
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(event=event_names, payload=payloads)
def any_event_with_any_payload_gets_a_typed_answer(world: World, event: str, payload: Any) -> None:
    live = world.live
    before = _decisions(live)
    accepted = False
    for participant in live.participants[:3]:
        answer = world.thread.run(participant.call(event, payload), timeout=20)
        world.calls += 1
        assert isinstance(answer, dict)
        accepted = accepted or answer.get("ok") is True
        if answer.get("ok") is not True:
            error = answer["error"]
            assert set(error) == {"code", "message_key", "details"}
            assert error["code"] != "internal", (event, payload, error)
    if world.calls % 150 < 3:
        assert world.thread.run(_healthy(live))
    if live.rooms.room(world.room).is_over:  # a valid sequence (waive, then abort) ended it
        world.thread.run(_fresh_room(world))
    after = _decisions(live)
    # An event refused by every seat changes nothing. (No payload at all is an empty one: an
    # event that takes none, e.g. the booth's preflight_waive, may act on it.)
    if event not in KNOWN_EVENTS or not (accepted or isinstance(payload, dict)):
        assert after == before, "a refused event changed a room"
    assert not world.errors, world.errors[:3]


@pytest.fixture(scope="module")
def fuzzing(world: World) -> FuzzRun:
    return FuzzRun.of(
        lambda: any_event_with_any_payload_gets_a_typed_answer(world), lambda: world.calls
    )


@FUZZ_TIMEOUT
def test_any_event_with_any_payload_gets_a_typed_answer(fuzzing: FuzzRun) -> None:
    fuzzing.raise_failure()


RAW_PACKETS = [
    "2",
    "2/booth,",
    "2/booth,[",
    "2/booth,{}",
    "2/booth,[1,2]",
    '2/booth,[[1],{"a":1}]',
    '2/booth,[{"offer":1}]',
    '2/booth,["connect",{"token":"x"}]',
    '2/booth,["disconnect","transport close"]',
    '2/booth,5["state",{}]',
    '2/booth,["state",' + "[" * 2000 + "]" * 2000 + "]",
    '2/booth,["state",' + "[" * 20_000 + "]" * 20_000 + "]",
    '2/booth,["state",{"room":"\\ud800\\u202e\\u200b"}]',
    '2/booth,["state",' + "9" * 5000 + "]",
    '2/booth,["state",1e999]',
    '4/booth,"oops"',
    "9/booth,[]",
    "\x00\xff",
    # Binary frames: stray ones (python-socketio decoded them as packets: two tracebacks each),
    # and a binary event's header followed by a text attachment.
    b"\x00",
    b'42/booth,["state"',
    b"4{",
    '51-/booth,["state",{"_placeholder":true,"num":0}]',
    "not an attachment",
    # Binary headers: for a namespace not joined, placeholders naming no attachment.
    '51-/office,["state",{"_placeholder":true,"num":0}]',
    '51-/booth,["state",{"_placeholder":true,"num":5}]',
    b"\x01",
    '51-/booth,["state",{"_placeholder":true,"num":"a"}]',
    b"\x01",
    '51-/booth,["state",{"_placeholder":true,"num":0.5}]',
    b"\x01",
    '61-/booth,0[{"_placeholder":true,"num":7}]',
    b"\x01",
    '599-/booth,["state",{"_placeholder":true,"num":0}]',
]


async def booth_in_a_room_of_its_own(
    live: LiveServer, room: str = "room-malformed", booth_name: str = "booth-dammam-1"
) -> Participant:
    """A booth seated in a room open at the world's current time: after the audience test has
    moved the clock, room-1 is a no-show and a check on its seat would prove nothing."""
    start = live.clock.now() + timedelta(minutes=5)
    await live.schedule(room, booth=booth_name, start=start)
    await live.rooms.tick()
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token(room, "booth"))
    return booth


def _send_raw_packets(world: World, booth: Participant) -> list[str]:
    """Send RAW_PACKETS; what the server logged at ERROR meanwhile (kept out of the world's
    log, which the fuzzing property checks: this file's tests run in any order)."""
    logged_before = len(world.errors)
    for raw in RAW_PACKETS:
        world.thread.run(booth.sio.eio.send(raw))
    world.thread.run(asyncio.sleep(0.5))
    logged = world.errors[logged_before:]
    del world.errors[logged_before:]
    return logged


def test_malformed_socketio_packets_leave_no_traceback_in_the_log(world: World) -> None:
    booth = world.thread.run(
        booth_in_a_room_of_its_own(world.live, "room-malformed-log", "booth-mecca-1")
    )
    assert _send_raw_packets(world, booth) == []


def test_malformed_socketio_packets_do_not_hurt_the_server(world: World) -> None:
    live = world.live
    booth = world.thread.run(booth_in_a_room_of_its_own(live))
    _send_raw_packets(world, booth)
    assert world.thread.run(_healthy(live))
    assert not [e for e in booth.received["error"] if e["code"] == "internal"]
    assert live.rooms.room("room-malformed").booth_present, (
        "a fake 'disconnect' event emptied the seat"
    )


@FUZZ_TIMEOUT
def test_at_least_two_thousand_payloads_were_sent(fuzzing: FuzzRun) -> None:
    assert fuzzing.sent >= 2000


@FUZZ_TIMEOUT
def test_a_normal_audience_still_works_after_the_fuzzing(
    world: World,
    fuzzing: FuzzRun,
    face_video: list[EncodedFrame],
    audio: list[EncodedFrame],
) -> None:
    live = world.live

    async def audience() -> None:
        booth, office = await live_audience(live, face_video, audio, "room-2", minutes(8))
        assert (await office.call("end"))["room"]["state"] == "ended"
        await wait_for(lambda: bool(booth.received["ended"]), 3, "the booth to hear the end")

    world.thread.run(audience())
