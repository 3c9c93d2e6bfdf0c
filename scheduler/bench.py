"""``majlis bench desk``: a seeded load (100,000 requests, 10,000 appointments by default) in a
fresh SQLite file, then the two questions people ask all day timed through the real
services: the office's queue for a day, and an applicant's status lookup."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.identity import last_four
from desk.pii import PiiCipher, PiiKeys
from desk.service import DeskService, LookupLimiter
from desk.tables import applicants, request_history, request_versions, requests
from desk.tracking import TrackingNumbers
from scheduler.service import SchedulerService, SlotLengths
from scheduler.tables import appointments, sittings, slots

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
                        "full_name_ct": cipher.encrypt(f"Applicant {i}", "full_name"),
                        "national_id_ct": cipher.encrypt(f"1{i:09d}", "national_id"),
                        "national_id_index": cipher.blind_index(f"1{i:09d}", "national_id"),
                        "phone_ct": cipher.encrypt(phones[i], "phone"),
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
                        "text_ct": cipher.encrypt("…", "request_text"),
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


async def _timed(calls: int, action: Callable[[int], Awaitable[Any]]) -> list[float]:
    timings = []
    for index in range(calls):
        started = time.perf_counter()
        await action(index)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def bench_desk(
    engine: AsyncEngine, n_requests: int, n_appointments: int, calls: int
) -> dict[str, Any]:
    """Seed ``engine`` (a fresh, migrated database) and time the two queries."""
    tracking = TrackingNumbers(b"benchmark tracking key, 32 bytes")
    cipher = PiiCipher.fixed(PiiKeys("k1", {"k1": bytes(range(32))}, bytes(32)))
    seeding = time.perf_counter()
    samples = await seed(engine, tracking, cipher, n_requests, n_appointments)
    seeded_s = time.perf_counter() - seeding
    desk = DeskService(engine, tracking, LookupLimiter(limit=10**9), cipher)
    scheduler = SchedulerService(engine, rooms=None, lengths=SlotLengths())  # type: ignore[arg-type]
    days = -(-n_appointments // SLOTS_PER_DAY)
    first_day = START.replace(hour=0)
    queue = await _timed(
        calls, lambda i: scheduler.day_queue("office-1", first_day + timedelta(days=i % days))
    )

    def lookup(i: int) -> Awaitable[str]:
        tracking_number, phone = samples[i % len(samples)]
        return desk.lookup(tracking_number, last_four(phone), "bench")

    lookups = await _timed(calls, lookup)
    rows = len(await scheduler.day_queue("office-1", first_day))
    return {
        "requests": n_requests,
        "appointments": n_appointments,
        "seed_s": round(seeded_s, 1),
        "day_queue": {**_summary(queue), "rows": rows},
        "status_lookup": _summary(lookups),
    }
