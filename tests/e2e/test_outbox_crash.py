"""Kill the process between a state change's commit and the SMS send (and between the
gateway taking the message and the outbox recording it): after a restart each SMS goes out
exactly once — the gateway sees one delivery per idempotency key."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.tables import outbox
from majlis.database import create_engine
from majlis.settings import load_settings
from tests.conftest import free_port
from tests.e2e.test_cli import MAJLIS, environment, run
from tests.fakes.sms_gateway import API_KEY, FakeGateway

REGISTER_THEN_DIE = textwrap.dedent(
    """
    import asyncio, os, signal
    from datetime import UTC, datetime
    from casework.commands import CaseworkCommands, Registration, StatusLookupLimiter
    from foundation.scope import EVERY_CENTRE
    from majlis.components import pii_cipher, tracking_numbers
    from majlis.database import create_engine
    from majlis.settings import load_settings

    async def main():
        settings = load_settings()
        engine = create_engine(settings.effective_database_url)
        desk = CaseworkCommands(
            engine, tracking_numbers(settings), StatusLookupLimiter(), pii_cipher(settings)
        )
        form = Registration("Noura Al-Qahtani", "{national_id}", "0501234567", "ar",
                            "riyadh", "housing", "A request about housing support.")
        await desk.register(form, "coordinator1", datetime.now(UTC), scope=EVERY_CENTRE)
        os.kill(os.getpid(), signal.SIGKILL)  # committed; the dispatcher never ran

    asyncio.run(main())
    """
)


async def statuses(data_dir: Path) -> list[tuple[str, str]]:
    engine = create_engine(load_settings(data_dir=data_dir).effective_database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(outbox.c.idempotency_key, outbox.c.status).order_by(outbox.c.id)
            )
            return [(r.idempotency_key, r.status) for r in rows]
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_each_sms_goes_out_exactly_once_across_crashes(
    tmp_path: Path, gateway: FakeGateway
) -> None:
    data_dir = tmp_path / "data"
    env = environment(
        data_dir,
        free_port(),
        MAJLIS_SMS_PROVIDER="http",
        MAJLIS_SMS_GATEWAY_URL=gateway.url,
        MAJLIS_SMS_GATEWAY_API_KEY=API_KEY,
    )
    assert (await asyncio.to_thread(run, ["init"], env)).returncode == 0

    # 1. Killed right after the commit: the SMS exists, pending, and nothing was sent.
    script = REGISTER_THEN_DIE.replace("{national_id}", "1000000008")
    died = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", script], env=env, capture_output=True, timeout=60
    )
    assert died.returncode == -9, died.stderr
    assert await statuses(data_dir) == [("registered:1", "pending")]
    assert gateway.received == []
    sent = await asyncio.to_thread(run, ["sms", "send-due"], env)
    assert sent.returncode == 0, sent.stderr
    assert await statuses(data_dir) == [("registered:1", "sent")]

    # 2. Killed after the gateway took the message, before the outbox recorded it.
    script = REGISTER_THEN_DIE.replace("{national_id}", "1000000016")
    await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", script], env=env, capture_output=True, timeout=60
    )
    dispatcher = subprocess.Popen([*MAJLIS, "sms", "send-due"], env=env)  # noqa: ASYNC220 - returns at once
    gateway.kill_before_answering = dispatcher.pid
    assert await asyncio.to_thread(dispatcher.wait, 60) == -9
    assert await statuses(data_dir) == [("registered:1", "sent"), ("registered:2", "pending")]
    again = await asyncio.to_thread(run, ["sms", "send-due"], env)
    assert again.returncode == 0, again.stderr
    assert await statuses(data_dir) == [("registered:1", "sent"), ("registered:2", "sent")]
    again = await asyncio.to_thread(run, ["sms", "send-due"], env)
    assert "0 SMS sent" in again.stdout

    assert gateway.received == ["registered:1", "registered:2", "registered:2"]
    assert [d["key"] for d in gateway.delivered] == ["registered:1", "registered:2"]
