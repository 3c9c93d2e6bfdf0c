"""The codes a request, a referral or a sitting stores, checked against the reference data
inside the caller's transaction (the check and the write see the same rows)."""

from __future__ import annotations

from sqlalchemy import Table, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from foundation.tables import centres, departments, devices, request_categories
from reference.errors import UnknownCategory, UnknownCentre, UnknownDepartment


async def require_centre_in(connection: AsyncConnection, code: str) -> None:
    found = await connection.execute(select(centres.c.id).where(centres.c.code == code))
    if found.first() is None:
        raise UnknownCentre(code[:32])


async def require_category_in(connection: AsyncConnection, code: str) -> None:
    """A category offered today: a category made inactive keeps its old requests only."""
    if not await _active_in(connection, request_categories, code):
        raise UnknownCategory(code[:64])


async def require_department_in(connection: AsyncConnection, code: str) -> None:
    """A department that takes referrals today (an inactive one keeps its old referrals)."""
    if not await _active_in(connection, departments, code):
        raise UnknownDepartment(code[:64])


async def is_office_terminal_in(connection: AsyncConnection, name: str) -> bool:
    """Whether ``name`` is an office terminal's: its label, or ``centre/label`` for one that
    belongs to a centre (the way ``devices.service`` names every device)."""
    centre, slash, label = name.rpartition("/")
    where_centre = (
        devices.c.centre_id.in_(select(centres.c.id).where(centres.c.code == centre))
        if slash
        else devices.c.centre_id.is_(None)
    )
    found = await connection.execute(
        select(devices.c.id).where(
            and_(devices.c.kind == "office", devices.c.label == label, where_centre)
        )
    )
    return found.first() is not None


async def _active_in(connection: AsyncConnection, table: Table, code: str) -> bool:
    found = await connection.execute(select(table.c.id).where(table.c.code == code, table.c.active))
    return found.first() is not None
