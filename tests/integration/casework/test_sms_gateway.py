"""The HTTP SMS provider against a local server that speaks the gateway's API and fails on
purpose: 5xx and timeouts are retried with backoff, 4xx gives up, success is recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.outbox import HttpGatewayProvider
from casework.tables import outbox
from foundation.scope import EVERY_CENTRE
from tests.fakes.sms_gateway import API_KEY, FakeGateway
from tests.integration.casework.conftest import Office, valid_registration


async def outbox_row(office: Office) -> dict[str, object]:
    async with office.engine.connect() as connection:
        row = (await connection.execute(select(outbox))).one()
        return dict(row._mapping)


async def test_retries_server_errors_with_backoff_then_delivers_once(
    office: Office, gateway: FakeGateway
) -> None:
    await office.desk.register(valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE)
    dispatcher = office.dispatcher(HttpGatewayProvider(gateway.url, API_KEY, "Majlis"))
    gateway.fail_next = [503, 500]
    now = office.clock.now()
    assert await dispatcher.send_due(now) == 0
    row = await outbox_row(office)
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "pending",
        1,
        "gateway answered 503",
    )
    assert await dispatcher.send_due(now) == 0, "retried before its backoff ran out"
    assert await dispatcher.send_due(now + timedelta(seconds=5)) == 0  # second failure: 500
    assert (await outbox_row(office))["attempts"] == 2
    assert await dispatcher.send_due(now + timedelta(seconds=9)) == 0  # backoff is now 10 s
    assert await dispatcher.send_due(now + timedelta(seconds=16)) == 1
    row = await outbox_row(office)
    assert (row["status"], row["provider_message_id"]) == ("sent", "gw-1")
    assert len(gateway.delivered) == 1
    assert gateway.delivered[0]["to"] == "+966501234567"
    assert "housing support" not in gateway.delivered[0]["text"], "request content in an SMS"


async def test_a_client_error_is_not_retried(office: Office, gateway: FakeGateway) -> None:
    await office.desk.register(valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE)
    dispatcher = office.dispatcher(HttpGatewayProvider(gateway.url, "wrong key", "Majlis"))
    assert await dispatcher.send_due(office.clock.now()) == 0
    row = await outbox_row(office)
    assert (row["status"], row["last_error"]) == ("failed", "gateway answered 401")
    assert await dispatcher.send_due(office.clock.now() + timedelta(hours=1)) == 0


async def test_a_timeout_is_retried(office: Office, gateway: FakeGateway) -> None:
    await office.desk.register(valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE)
    provider = HttpGatewayProvider(gateway.url, API_KEY, "Majlis", timeout_s=0.3)
    gateway.stall_next = 1
    dispatcher = office.dispatcher(provider)
    assert await dispatcher.send_due(office.clock.now()) == 0
    row = await outbox_row(office)
    assert row["status"] == "pending"
    assert str(row["last_error"]).startswith("gateway unreachable")
    assert await dispatcher.send_due(office.clock.now() + timedelta(seconds=6)) == 1


async def test_an_unreachable_gateway_is_retried(office: Office) -> None:
    await office.desk.register(valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE)
    provider = HttpGatewayProvider("http://127.0.0.1:9/v1/messages", API_KEY, "Majlis")
    assert await office.dispatcher(provider).send_due(office.clock.now()) == 0
    assert (await outbox_row(office))["status"] == "pending"
