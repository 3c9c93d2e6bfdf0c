"""Desk and scheduler: applicants, requests (versions, history, referrals), the SMS outbox,
sittings, slots, appointments, confirmation calls, standby lists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('booked', 'confirmed')"


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "applicants",
        sa.Column("id", sa.Integer(), primary_key=True),
        # Personal data: AES-GCM ciphertext (*_ct) and keyed blind indexes (*_index) only.
        sa.Column("full_name_ct", sa.Text(), nullable=False),
        sa.Column("national_id_ct", sa.Text(), nullable=False),
        sa.Column("national_id_index", sa.String(64), nullable=False, unique=True),
        sa.Column("phone_ct", sa.Text(), nullable=False),
        sa.Column("phone_index", sa.String(64), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_applicants_phone_index", "applicants", ["phone_index"])
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_number", sa.String(10), nullable=True, unique=True),
        sa.Column("applicant_id", sa.Integer(), sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("centre", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_requests_applicant_id", "requests", ["applicant_id"])
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_table(
        "request_versions",
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("text_ct", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        _at("created_at"),
    )
    op.create_table(
        "request_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        _at("at"),
    )
    op.create_index("ix_request_history_request_id", "request_history", ["request_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        _at("created_at"),
        _at("replied_at", nullable=True),
    )
    op.create_index("ix_referrals_request_id", "referrals", ["request_id"])
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(96), nullable=False, unique=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=True),
        sa.Column("phone_ct", sa.Text(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=True),
        _at("created_at"),
        _at("sent_at", nullable=True),
    )
    op.create_index("ix_sms_outbox_request_id", "sms_outbox", ["request_id"])
    op.create_index("ix_sms_outbox_due", "sms_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "sittings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_device", sa.String(64), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
        _at("created_at"),
    )
    op.create_table(
        "slots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sitting_id", sa.Integer(), sa.ForeignKey("sittings.id"), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
    )
    op.create_index("ix_slots_sitting_id", "slots", ["sitting_id"])
    op.create_index("ix_slots_starts_at", "slots", ["starts_at"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("booth_device", sa.String(64), nullable=False),
        _at("starts_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("room_id", sa.String(64), nullable=True),
        _at("created_at"),
    )
    op.create_index("ix_appointments_request_id", "appointments", ["request_id"])
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    for name, columns in (
        ("uq_appointments_active_slot", ["slot_id"]),
        ("uq_appointments_active_booth_time", ["booth_device", "starts_at"]),
    ):
        op.create_index(
            name,
            "appointments",
            columns,
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )
    op.create_table(
        "confirmation_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id"), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _at("at"),
    )
    op.create_index(
        "ix_confirmation_calls_appointment_id", "confirmation_calls", ["appointment_id"]
    )
    op.create_table(
        "standby",
        sa.Column("sitting_id", sa.Integer(), sa.ForeignKey("sittings.id"), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), primary_key=True),
        _at("added_at"),
    )


def downgrade() -> None:
    for table in (
        "standby",
        "confirmation_calls",
        "appointments",
        "slots",
        "sittings",
        "sms_outbox",
        "referrals",
        "request_history",
        "request_versions",
        "requests",
        "applicants",
    ):
        op.drop_table(table)
