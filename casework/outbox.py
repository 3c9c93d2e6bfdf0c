"""The transactional SMS outbox and its dispatcher.

``enqueue`` writes the SMS row inside the caller's transaction, so the message exists if and
only if the state change committed. The ``Dispatcher`` sends due rows through a provider with
the row's idempotency key, retries with exponential backoff, and records the outcome. A crash
between the commit and the send only delays the message: the row is still pending and is sent
on the next pass, and the gateway deduplicates by key if the crash came after it accepted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.pii import PiiCipher, UnreadableData
from casework.sealed_rows import insert_sealed
from casework.sms import SmsKind, render, segments
from casework.tables import OUTBOX_PHONE, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 5.0


@dataclass(frozen=True)
class OutgoingSms:
    idempotency_key: str
    phone: str
    body: str


class SendFailed(Exception):
    """The provider did not take the message; ``permanent`` ones are not retried."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class SmsProvider(Protocol):
    async def send(self, message: OutgoingSms) -> str:
        """Send; return the provider's message id or raise ``SendFailed``."""
        ...


class ConsoleProvider:
    """The embedded default: the outbox table is the record; the log says a message went."""

    async def send(self, message: OutgoingSms) -> str:
        log.info("sms %s: %d chars", message.idempotency_key, len(message.body))
        return f"console-{message.idempotency_key}"


class HttpGatewayProvider:
    """A JSON SMS gateway: ``POST url`` with ``{to, from, text, idempotency_key}`` and a bearer
    API key; 2xx with ``{"id": ...}`` is sent, 4xx (but 408/429) is permanent, the rest retry."""

    def __init__(self, url: str, api_key: str, sender_id: str, timeout_s: float = 10.0) -> None:
        self._url = url
        self._api_key = api_key
        self._sender_id = sender_id
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, message: OutgoingSms) -> str:
        body = {
            "to": message.phone,
            "from": self._sender_id,
            "text": message.body,
            "idempotency_key": message.idempotency_key,
        }
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(self._url, json=body, headers=headers) as response,
            ):
                text = await response.text()
                if 200 <= response.status < 300:
                    return str(json.loads(text).get("id", ""))[:128]
                permanent = 400 <= response.status < 500 and response.status not in (408, 429)
                raise SendFailed(f"gateway answered {response.status}", permanent)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise SendFailed(f"gateway unreachable: {type(error).__name__}") from None


def provider_for(kind: str, url: str | None, api_key: str | None, sender_id: str) -> SmsProvider:
    if kind == "console":
        return ConsoleProvider()
    if not url or not api_key:
        raise ValueError("the http SMS provider needs MAJLIS_SMS_GATEWAY_URL and _API_KEY")
    return HttpGatewayProvider(url, api_key, sender_id)


async def enqueue(
    connection: AsyncConnection,
    cipher: PiiCipher,
    *,
    key: str,
    kind: SmsKind,
    phone: str,
    language: str,
    tracking: str,
    now: datetime,
    request_id: int | None,
    when: datetime | None = None,
    centre: str = "",
    status: str = "",
) -> None:
    """Add an SMS to the outbox in the caller's transaction. ``key`` is unique: enqueueing the
    same logical message twice (a retried tick, a restart) is refused by the database.
    ``phone`` is sealed to the outbox row (decrypted only to send); the plain number never
    reaches the database."""
    body = render(kind, language, tracking, when, centre, status)
    counted = segments(body)
    await insert_sealed(
        connection,
        cipher,
        outbox,
        {
            "idempotency_key": key,
            "request_id": request_id,
            "language": language,
            "kind": kind.value,
            "body": body,
            "encoding": counted.encoding,
            "segments": counted.count,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        },
        {OUTBOX_PHONE: phone},
    )


class Dispatcher:
    def __init__(
        self, engine: AsyncEngine, provider: SmsProvider, cipher: PiiCipher, batch: int = 50
    ) -> None:
        self._engine = engine
        self._provider = provider
        self._cipher = cipher
        self._batch = batch

    async def send_due(self, now: datetime) -> int:
        """Send every pending message that is due; returns how many were sent."""
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(outbox.c.id, outbox.c.idempotency_key, outbox.c.phone_ct, outbox.c.body)
                    .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                    .order_by(outbox.c.id)
                    .limit(self._batch)
                )
            ).all()
        sent = 0
        for row in rows:
            try:
                phone = self._cipher.unseal(row.phone_ct, OUTBOX_PHONE, row.id)
            except UnreadableData:
                await self._record_failure(row.id, "phone unreadable", True, now)
                continue
            message = OutgoingSms(row.idempotency_key, phone, row.body)
            try:
                provider_id = await self._provider.send(message)
            except SendFailed as failure:
                await self._record_failure(row.id, str(failure), failure.permanent, now)
                continue
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        status="sent",
                        sent_at=now,
                        provider_message_id=provider_id,
                        attempts=outbox.c.attempts + 1,
                    )
                )
            sent += 1
        return sent

    async def _record_failure(
        self, row_id: int, reason: str, permanent: bool, now: datetime
    ) -> None:
        async with self._engine.begin() as connection:
            attempts = (
                await connection.execute(select(outbox.c.attempts).where(outbox.c.id == row_id))
            ).scalar_one() + 1
            give_up = permanent or attempts >= MAX_ATTEMPTS
            delay = timedelta(seconds=BASE_BACKOFF_S * 2 ** (attempts - 1))
            await connection.execute(
                update(outbox)
                .where(outbox.c.id == row_id)
                .values(
                    status="failed" if give_up else "pending",
                    attempts=attempts,
                    last_error=reason[:200],
                    next_attempt_at=now + delay,
                )
            )
        log.warning("sms %d not sent (attempt %d): %s", row_id, attempts, reason)
