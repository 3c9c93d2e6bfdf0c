"""Transactions that check and then write as if they ran one after another: the booking and
check-in rules read what is booked, decide, and insert; two of them interleaved would both
decide on the same stale picture.

On SQLite the transaction takes the database's write lock when it begins (``BEGIN
IMMEDIATE``, SQLAlchemy's documented recipe: a ``begin`` event emits the statement), so a
second such transaction waits (``busy_timeout``) until the first commits and then reads what
it wrote. Readers are not blocked (WAL). Only engines made by ``serial_engine`` do this; every
other transaction begins as before.

PostgreSQL: ``serial_engine`` changes nothing there today. The rules would be kept there by
``SERIALIZABLE`` transactions retried on a serialization failure, or by exclusion constraints
(``btree_gist``: no two active appointments with the same booth, or the same applicant, whose
``tstzrange(starts_at, ends_at)`` overlap); see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

SERIAL = "majlis_serial"  # the execution option that marks a serial engine's connections


def serial_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, whose transactions begin serially (on SQLite)."""
    return engine.execution_options(**{SERIAL: True})


def begin_immediate_when_serial(connection: Connection) -> None:
    """The SQLite engine's ``begin`` listener (registered by ``majlis.database``)."""
    if connection.get_execution_options().get(SERIAL):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
