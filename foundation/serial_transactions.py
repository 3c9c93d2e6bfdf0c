"""Transactions that check and then write as if they ran one after another: the booking and
check-in rules read what is booked, decide, and insert; two of them interleaved would both
decide on the same stale picture.

Only engines made by ``serial_engine`` do this; every other transaction begins as before. The
database engine (``majlis.database``) registers the ``begin`` listener of its dialect:

- SQLite: the transaction takes the database's write lock as it begins (``BEGIN IMMEDIATE``,
  SQLAlchemy's documented recipe), so a second such transaction waits (``busy_timeout``) until
  the first commits and then reads what it wrote. Readers are not blocked (WAL).
- PostgreSQL has no database-wide write lock, and its default isolation (READ COMMITTED) lets
  two transactions read the same picture. The transaction's first statement takes one
  transaction-scoped advisory lock (``pg_advisory_xact_lock``), the same key for every serial
  transaction, held until commit or rollback: a second one waits there, and since each later
  statement reads what was committed when it started, it then sees the first one's rows. This
  is the SQLite behaviour exactly, rather than ``SERIALIZABLE``, which would abort one of the
  two with a serialization failure that every caller would have to retry. Readers and other
  writers are not blocked; the partial unique indexes on ``appointments`` still hold for them.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

SERIAL = "majlis_serial"  # the execution option that marks a serial engine's connections
# The advisory lock's key on PostgreSQL: any 64-bit number no other code uses ("majlis" in ASCII).
SERIAL_LOCK_KEY = 0x6D616A6C6973


def serial_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, whose transactions begin serially."""
    return engine.execution_options(**{SERIAL: True})


def begin_immediate_when_serial(connection: Connection) -> None:
    """The SQLite engine's ``begin`` listener (registered by ``majlis.database``)."""
    if connection.get_execution_options().get(SERIAL):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_when_serial(connection: Connection) -> None:
    """The PostgreSQL engine's ``begin`` listener (registered by ``majlis.database``)."""
    if connection.get_execution_options().get(SERIAL):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SERIAL_LOCK_KEY})")
