"""``majlis bench desk``: a seeded load (100,000 requests, 10,000 appointments by default) in a
fresh SQLite file, then the two questions people ask all day timed through the real
services: the office's queue for a day, and an applicant's status lookup."""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.commands import CaseworkCommands, StatusLookupLimiter
from casework.identity import last_four
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher, PiiKeys
from casework.tables import (
    APPLICANT_NAME,
    APPLICANT_NATIONAL_ID,
    APPLICANT_PHONE,
    REQUEST_TEXT,
    applicants,
    request_history,
    request_versions,
    requests,
)
from casework.tracking import TrackingNumbers
from rooms.errors import UnknownRoom
from rooms.state import Room
from rooms.store import Seats
from scheduler.tables import appointments, sittings, slots
from scheduler.views import SchedulerViews

START = datetime(2027, 1, 3, 6, 0, tzinfo=UTC)
SLOTS_PER_DAY = 40
BATCH = 5_000


async def seed(
    engine: AsyncEngine,
    tracking: TrackingNumbers,
    cipher: PiiCipher,
    n_requests: int,
    n_appointments: int,
) -> list[tuple[str, str]]:
    """Bulk rows as the services would write them; returns (tracking, phone) samples."""
    rng = random.Random(7)  # noqa: S311 - synthetic data
    now = START - timedelta(days=30)
    samples: list[tuple[str, str]] = []
    async with engine.begin() as connection:
        for first in range(1, n_requests + 1, BATCH):
            ids = range(first, min(first + BATCH, n_requests + 1))
            phones = {i: f"+9665{rng.randrange(10**7, 10**8)}" for i in ids}
            await connection.execute(
                insert(applicants),
                [
                    {
                        "id": i,
                        "full_name_ct": cipher.seal(f"Applicant {i}", APPLICANT_NAME, i),
                        "national_id_ct": cipher.seal(f"1{i:09d}", APPLICANT_NATIONAL_ID, i),
                        "national_id_index": cipher.blind_index(f"1{i:09d}", "national_id"),
                        "phone_ct": cipher.seal(phones[i], APPLICANT_PHONE, i),
                        "phone_index": cipher.blind_index(phones[i], "phone"),
                        "language": "ar",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            numbers = {i: tracking.for_sequence(i) for i in ids}
            await connection.execute(
                insert(requests),
                [
                    {
                        "id": i,
                        "tracking_number": numbers[i],
                        "applicant_id": i,
                        "centre": "riyadh" if i % 2 else "jeddah",
                        "category": "housing",
                        "status": "confirmed" if i <= n_appointments else "under_review",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(request_versions),
                [
                    {
                        "request_id": i,
                        "version": 1,
                        "text_ct": cipher.seal("…", REQUEST_TEXT, (i, 1)),
                        "author": "seed",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            await connection.execute(
                insert(request_history),
                [
                    {
                        "request_id": i,
                        "from_status": None,
                        "to_status": "registered",
                        "actor": "seed",
                        "note": "",
                        "at": now,
                    }
                    for i in ids
                ],
            )
            samples.extend((numbers[i], phones[i]) for i in ids[:: max(1, len(ids) // 20)])
        days = -(-n_appointments // SLOTS_PER_DAY)
        slot_id = 0
        for day in range(days):
            sitting_start = START + timedelta(days=day)
            sitting_id = (
                await connection.execute(
                    insert(sittings)
                    .values(
                        office_device="office-1",
                        starts_at=sitting_start,
                        ends_at=sitting_start + timedelta(hours=6),
                        created_at=now,
                    )
                    .returning(sittings.c.id)
                )
            ).scalar_one()
            rows = []
            for index in range(SLOTS_PER_DAY):
                slot_id += 1
                begins = sitting_start + timedelta(minutes=8 * index)
                rows.append(
                    {
                        "id": slot_id,
                        "sitting_id": sitting_id,
                        "starts_at": begins,
                        "ends_at": begins + timedelta(minutes=6),
                    }
                )
            await connection.execute(insert(slots), rows)
        await connection.execute(
            insert(appointments),
            [
                {
                    "request_id": i,
                    "slot_id": i,
                    "booth_device": f"riyadh/booth-{1 + i % 2}",
                    "starts_at": START
                    + timedelta(
                        days=(i - 1) // SLOTS_PER_DAY, minutes=8 * ((i - 1) % SLOTS_PER_DAY)
                    ),
                    "status": "confirmed",
                    "room_id": f"appt-{i}",
                    "created_at": now,
                }
                for i in range(1, n_appointments + 1)
            ],
        )
    return samples


class NoRooms:
    """The rooms of a benchmark: there are none (the queue is timed, not the rooms)."""

    async def schedule(
        self,
        room_id: str,
        seats: Seats,
        starts_at: datetime,
        ends_at: datetime,
        next_slot_starts_at: datetime | None = None,
    ) -> Room:
        raise NotImplementedError("the benchmark schedules no rooms")

    def room(self, room_id: str) -> Room:
        raise UnknownRoom(room_id)

    async def cancel_room(self, room_id: str, reason: str) -> bool:
        return False


async def _timed(calls: int, action: Callable[[int], Awaitable[object]]) -> list[float]:
    timings = []
    for index in range(calls):
        started = time.perf_counter()
        await action(index)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


@dataclass(frozen=True)
class Timings:
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class QueueTimings(Timings):
    rows: int  # in one day's queue


@dataclass(frozen=True)
class DeskBench:
    requests: int
    appointments: int
    seed_s: float
    day_queue: QueueTimings
    status_lookup: Timings


def _summary(timings: list[float]) -> Timings:
    ordered = sorted(timings)
    return Timings(
        p50_ms=round(statistics.median(ordered), 2),
        p95_ms=round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        max_ms=round(ordered[-1], 2),
    )


async def bench_desk(
    engine: AsyncEngine, n_requests: int, n_appointments: int, calls: int
) -> DeskBench:
    """Seed ``engine`` (a fresh, migrated database) and time the two queries."""
    tracking = TrackingNumbers(b"benchmark tracking key, 32 bytes")
    cipher = PiiCipher.fixed(PiiKeys("k1", {"k1": bytes(range(32))}, bytes(32)))
    seeding = time.perf_counter()
    samples = await seed(engine, tracking, cipher, n_requests, n_appointments)
    seeded_s = time.perf_counter() - seeding
    desk = CaseworkCommands(engine, tracking, StatusLookupLimiter(limit=10**9), cipher)
    scheduler = SchedulerViews(engine, NoRooms())
    days = -(-n_appointments // SLOTS_PER_DAY)
    first_day = START.replace(hour=0)
    queue = await _timed(
        calls, lambda i: scheduler.day_queue("office-1", first_day + timedelta(days=i % days))
    )

    def lookup(i: int) -> Awaitable[RequestStatus]:
        tracking_number, phone = samples[i % len(samples)]
        return desk.lookup(tracking_number, last_four(phone), "bench")

    lookups = await _timed(calls, lookup)
    rows = len(await scheduler.day_queue("office-1", first_day))
    return DeskBench(
        requests=n_requests,
        appointments=n_appointments,
        seed_s=round(seeded_s, 1),
        day_queue=QueueTimings(**dataclasses.asdict(_summary(queue)), rows=rows),
        status_lookup=_summary(lookups),
    )
