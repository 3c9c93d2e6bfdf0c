"""The audit log: each row holds the SHA-256 of its canonical content, which includes the
previous row's hash, so editing, deleting or reordering any row breaks the chain from there on.
The chain's head is also written to a signed checkpoint file outside the database, so cutting
off the newest rows (which leaves a valid shorter chain) is caught too.

Rows never hold personal data: ``subject`` is an id (a request number, a room id), never a
name, national ID or phone.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.refusals import RefusalTally
from certs.files import PRIVATE_MODE, PUBLIC_MODE, write_file_atomically

GENESIS = "0" * 64
metadata = MetaData()
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(48), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("detail", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    subject: str = ""
    detail: str = ""


def canonical(seq: int, at: datetime, entry: AuditEntry, prev_hash: str) -> bytes:
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    content = {
        "seq": seq,
        "at": moment.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
        "prev": prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(seq: int, at: datetime, entry: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, at, entry, prev_hash)).hexdigest()


class Checkpoint:
    """``<dir>/checkpoint.json``: the head (seq, hash) signed with ``<dir>/signing-key.pem``."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._key_path = directory / "signing-key.pem"
        self._path = directory / "checkpoint.json"

    def _key(self) -> Ed25519PrivateKey:
        if not self._key_path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_file_atomically(self._key_path, pem, PRIVATE_MODE)
        key = serialization.load_pem_private_key(self._key_path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key

    @property
    def files(self) -> tuple[Path, Path]:
        """(the signing key: a secret, the signed head: not one)."""
        return self._key_path, self._path

    def ensure_key(self) -> None:
        """Make the signing key now if there is none (before its first use)."""
        self._key()

    def signed(self, seq: int, head: str) -> dict[str, Any]:
        """The checkpoint body for this head: what ``write`` stores, and what a backup carries
        for the head of its copy of the chain."""
        message = f"{seq}:{head}".encode()
        signature = base64.b64encode(self._key().sign(message)).decode()
        return {"seq": seq, "hash": head, "signature": signature}

    def write(self, seq: int, head: str) -> None:
        self._store(self.signed(seq, head))

    def install(self, signed: dict[str, Any]) -> tuple[int, str]:
        """Store a body made by ``signed`` (a restored backup's head) once its signature
        verifies with this directory's key; raises ``ValueError`` otherwise."""
        head = self._verified(signed)
        self._store(signed)
        return head

    def read(self) -> tuple[int, str] | None:
        """The signed head, or None when there is none yet; raises on a forged file."""
        if not self._path.exists():
            return None
        return self._verified(json.loads(self._path.read_text()))

    def _verified(self, data: dict[str, Any]) -> tuple[int, str]:
        try:
            message = f"{data['seq']}:{data['hash']}".encode()
            self._key().public_key().verify(base64.b64decode(data["signature"]), message)
        except (InvalidSignature, ValueError, KeyError, TypeError) as error:
            raise ValueError("the audit checkpoint's signature does not verify") from error
        return int(data["seq"]), str(data["hash"])

    def _store(self, signed: dict[str, Any]) -> None:
        write_file_atomically(self._path, json.dumps(signed).encode(), PUBLIC_MODE)


class AuditLog:
    def __init__(self, engine: AsyncEngine, checkpoint: Checkpoint) -> None:
        self._engine = engine
        self.checkpoint = checkpoint
        self._lock = asyncio.Lock()
        self._anonymous_refusals = RefusalTally()

    async def record_anonymous_refusal(
        self, source: str, subject: str, code: str, now: datetime
    ) -> None:
        """A 401/403 to a caller nobody knows: counted per source and minute
        (``audit.refusals``); the minutes that have ended are written now."""
        self._anonymous_refusals.add(source, subject, code, now)
        await self.write_counted_refusals(now)

    async def write_counted_refusals(self, now: datetime | None) -> None:
        """One row per source for each minute ended by ``now`` (every minute when None)."""
        for tallied in self._anonymous_refusals.due(now):
            entry = AuditEntry(tallied.source, "access.denied", tallied.subject, tallied.detail)
            await self.record(entry, tallied.at)

    async def record(self, entry: AuditEntry, now: datetime) -> int:
        """Append one row (retrying if another process appended at the same moment)."""
        safe = AuditEntry(
            entry.actor[:64], entry.action[:48], entry.subject[:64], entry.detail[:200]
        )
        async with self._lock:
            for _ in range(10):
                try:
                    async with self._engine.begin() as connection:
                        last = (
                            await connection.execute(
                                select(audit_log.c.seq, audit_log.c.hash)
                                .order_by(audit_log.c.seq.desc())
                                .limit(1)
                            )
                        ).first()
                        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
                        digest = row_hash(seq, now, safe, prev)
                        await connection.execute(
                            insert(audit_log).values(
                                seq=seq,
                                at=now,
                                actor=safe.actor,
                                action=safe.action,
                                subject=safe.subject,
                                detail=safe.detail,
                                prev_hash=prev,
                                hash=digest,
                            )
                        )
                except IntegrityError:
                    continue
                await asyncio.to_thread(self.checkpoint.write, seq, digest)
                return seq
        raise RuntimeError("could not append to the audit log")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str = ""


async def verify(engine: AsyncEngine, checkpoint: Checkpoint) -> Verdict:
    """Walk the chain; name the first row whose content, link or position is wrong, then hold
    the chain against the signed checkpoint (which catches a cut-off tail, and a history
    rewritten with recomputed hashes)."""
    head = await asyncio.to_thread(checkpoint.read)
    expected_prev, expected_seq, rows = GENESIS, 1, 0
    hash_at_checkpoint: str | None = None
    async with engine.connect() as connection:
        result = await connection.stream(select(audit_log).order_by(audit_log.c.seq))
        async for row in result:
            rows += 1
            if row.seq != expected_seq:
                return Verdict(False, rows, expected_seq, f"row {expected_seq} is missing")
            entry = AuditEntry(row.actor, row.action, row.subject, row.detail)
            if row.prev_hash != expected_prev:
                return Verdict(False, rows, row.seq, "its link to the previous row is broken")
            if row_hash(row.seq, row.at, entry, row.prev_hash) != row.hash:
                return Verdict(False, rows, row.seq, "its content was changed")
            if head is not None and row.seq == head[0]:
                hash_at_checkpoint = row.hash
            expected_prev, expected_seq = row.hash, row.seq + 1
    last_seq = expected_seq - 1
    if head is not None:
        seq, digest = head
        if seq > last_seq:
            return Verdict(False, rows, last_seq + 1, f"rows {last_seq + 1}–{seq} were cut off")
        if hash_at_checkpoint != digest:
            return Verdict(False, rows, seq, f"the chain up to row {seq} was rewritten")
    return Verdict(True, rows)


def describe(verdict: Verdict) -> dict[str, Any]:
    return {
        "ok": verdict.ok,
        "rows": verdict.rows,
        "first_bad_row": verdict.first_bad_seq,
        "problem": verdict.problem,
    }
