"""The foundation tables (centres, their devices, staff accounts and the centres each account
serves) and the one ``metadata`` that every package's tables join, so a table is declared once
and foreign keys between packages resolve. The migrations remain the definition of the schema;
these objects describe what they create.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from foundation.columns import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

centres = Table(
    "centres",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name_ar", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Migration 0014: the city, and the local opening hours ("HH:MM", Asia/Riyadh).
    Column("city", String(100), nullable=False, default=""),
    Column("opens_at", String(5), nullable=False, default="08:00"),
    Column("closes_at", String(5), nullable=False, default="16:00"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("centre_id", Integer, ForeignKey("centres.id"), nullable=True),
    Column("label", String(64), nullable=False),
    Column("in_service", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # Migration 0014: why a device is out of service and when it is expected back (NULL when
    # in service, or when nobody knows).
    Column("out_of_service_reason", String(200), nullable=True),
    Column("expected_back_at", UtcDateTime(), nullable=True),
    CheckConstraint("kind IN ('booth', 'office')", name="kind"),
    UniqueConstraint("centre_id", "label", name="uq_devices_centre_label"),
)

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # Every centre, by explicit choice (migration 0010); otherwise the rows of staff_centres.
    Column("all_centres", Boolean, nullable=False, default=False),
    # Set with a one-time password: the next sign-in must choose a new one (migration 0013).
    Column("must_change_password", Boolean, nullable=False, default=False),
    CheckConstraint("role IN ('coordinator', 'office', 'supervisor', 'admin')", name="role"),
)

staff_centres = Table(
    "staff_centres",
    metadata,
    Column("account_id", Integer, ForeignKey("staff_accounts.id"), primary_key=True),
    Column("centre_code", String(32), ForeignKey("centres.code"), primary_key=True),
)


def _reference_table(name: str) -> Table:
    """A list an administrator edits (migration 0014): a stable code, its labels, active."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(64), nullable=False, unique=True),
        Column("label_ar", String(200), nullable=False),
        Column("label_en", String(200), nullable=False),
        Column("active", Boolean, nullable=False, default=True),
        Column("created_at", UtcDateTime(), nullable=False),
    )


request_categories = _reference_table("request_categories")
departments = _reference_table("departments")
