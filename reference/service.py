"""Reading and editing the reference data: centres (names, city, opening hours), the request
categories and the departments (a code, Arabic and English labels, active), and the office
terminals the sittings are held on.

Codes never change once made: requests, referrals and staff accounts keep them. A category or a
department is retired by making it inactive; it then stays readable on the requests and
referrals that name it, and new ones cannot. The apps read ``snapshot`` — the centres of the
caller's scope, the active categories and departments, every office terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Row, Table, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from foundation.scope import CentreScope
from foundation.tables import (
    centres,
    departments,
    devices,
    request_categories,
    staff_accounts,
    staff_centres,
)
from reference.errors import DuplicateCode, UnknownEntry
from reference.hours import require_opening_hours


class ListKind(StrEnum):
    """The two lists of labelled codes an administrator keeps."""

    CATEGORIES = "categories"
    DEPARTMENTS = "departments"


TABLE_OF: dict[ListKind, Table] = {
    ListKind.CATEGORIES: request_categories,
    ListKind.DEPARTMENTS: departments,
}


@dataclass(frozen=True)
class Centre:
    code: str
    name_ar: str
    name_en: str
    city: str
    opens_at: str  # "HH:MM", local time of the centre
    closes_at: str


@dataclass(frozen=True)
class CentreChange:
    """What an administrator changes of a centre; ``None`` keeps the stored value."""

    name_ar: str | None = None
    name_en: str | None = None
    city: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None


@dataclass(frozen=True)
class Label:
    """A category or department as the apps offer it."""

    code: str
    label_ar: str
    label_en: str


@dataclass(frozen=True)
class Entry:
    """A category or department as an administrator keeps it."""

    code: str
    label_ar: str
    label_en: str
    active: bool = True


@dataclass(frozen=True)
class EntryChange:
    label_ar: str | None = None
    label_en: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class OfficeTerminal:
    name: str  # what a sitting names: "office-1"
    label: str


@dataclass(frozen=True)
class StaffName:
    """How a member of staff is named on screens (a request's history, a visit's served-by)."""

    username: str
    display_name: str


@dataclass(frozen=True)
class Reference:
    """Everything the apps' lists and labels come from."""

    centres: list[Centre]
    categories: list[Label]
    departments: list[Label]
    office_terminals: list[OfficeTerminal]
    staff: list[StaffName]


class ReferenceData:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def snapshot(
        self, *, scope: CentreScope, staff_of: CentreScope | None = None
    ) -> Reference:
        """The centres ``scope`` covers, the active categories and departments, every office
        terminal, and the display names of the active coordinators and office members who
        serve a centre of ``staff_of`` (none without it: a terminal names nobody) — the people
        a history or a reception log of those centres names; each list in the order its
        entries were made."""
        terminals = (
            select(devices.c.label, centres.c.code)
            .select_from(devices.outerjoin(centres, centres.c.id == devices.c.centre_id))
            .where(devices.c.kind == "office")
            .order_by(devices.c.id)  # the order they were made, on every database
        )
        async with self._engine.connect() as connection:
            centre_rows = await connection.execute(
                select(centres).where(scope.where(centres.c.code)).order_by(centres.c.id)
            )
            found = [_centre(r) for r in centre_rows]
            lists = {
                kind: [
                    Label(r.code, r.label_ar, r.label_en)
                    for r in await connection.execute(
                        select(table).where(table.c.active).order_by(table.c.id)
                    )
                ]
                for kind, table in TABLE_OF.items()
            }
            offices = [
                OfficeTerminal(f"{r.code}/{r.label}" if r.code else r.label, r.label)
                for r in await connection.execute(terminals)
            ]
            staff = [] if staff_of is None else await _staff_names(connection, staff_of)
        return Reference(
            found, lists[ListKind.CATEGORIES], lists[ListKind.DEPARTMENTS], offices, staff
        )

    # -- centres --------------------------------------------------------------------------------

    async def centres(self) -> list[Centre]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(centres).order_by(centres.c.id))
            return [_centre(r) for r in rows]

    async def add_centre(self, centre: Centre, now: datetime) -> Centre:
        require_opening_hours(centre.opens_at, centre.closes_at)
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(centres).values(**_values(centre), created_at=now))
        except IntegrityError:  # the one unique column is the code
            raise DuplicateCode(f"centre {centre.code}") from None
        return centre

    async def change_centre(self, code: str, change: CentreChange) -> Centre:
        async with self._engine.begin() as connection:
            row = (await connection.execute(select(centres).where(centres.c.code == code))).first()
            if row is None:
                raise UnknownEntry(f"centre {code[:32]}")
            values = {k: v for k, v in _values(change).items() if isinstance(v, str)}
            changed = replace(_centre(row), **values)
            require_opening_hours(changed.opens_at, changed.closes_at)
            if values:
                await connection.execute(
                    update(centres).where(centres.c.code == code).values(**values)
                )
        return changed

    # -- categories and departments ----------------------------------------------------------------

    async def entries(self, kind: ListKind) -> list[Entry]:
        """Every entry of the list, the inactive ones too."""
        table = TABLE_OF[kind]
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(table).order_by(table.c.id))
            return [_entry(r) for r in rows]

    async def add_entry(self, kind: ListKind, entry: Entry, now: datetime) -> Entry:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(TABLE_OF[kind]).values(**_values(entry), created_at=now)
                )
        except IntegrityError:  # the one unique column is the code
            raise DuplicateCode(f"{kind.value} {entry.code}") from None
        return entry

    async def change_entry(self, kind: ListKind, code: str, change: EntryChange) -> Entry:
        table = TABLE_OF[kind]
        values = {k: v for k, v in _values(change).items() if v is not None}
        async with self._engine.begin() as connection:
            if values:
                await connection.execute(update(table).where(table.c.code == code).values(**values))
            row = (await connection.execute(select(table).where(table.c.code == code))).first()
        if row is None:
            raise UnknownEntry(f"{kind.value} {code[:64]}")
        return _entry(row)


def _values(item: Centre | CentreChange | Entry | EntryChange) -> dict[str, object]:
    return {f.name: getattr(item, f.name) for f in fields(item)}


def _centre(row: Row[tuple[object, ...]]) -> Centre:
    return Centre(row.code, row.name_ar, row.name_en, row.city, row.opens_at, row.closes_at)


def _entry(row: Row[tuple[object, ...]]) -> Entry:
    return Entry(row.code, row.label_ar, row.label_en, bool(row.active))


async def _staff_names(connection: AsyncConnection, scope: CentreScope) -> list[StaffName]:
    serves = exists().where(
        staff_centres.c.account_id == staff_accounts.c.id,
        scope.where(staff_centres.c.centre_code),
    )
    rows = await connection.execute(
        select(staff_accounts.c.username, staff_accounts.c.display_name)
        .where(
            staff_accounts.c.active.is_(True),
            staff_accounts.c.role.in_(("coordinator", "office")),
            or_(staff_accounts.c.all_centres.is_(True), serves),
        )
        .order_by(staff_accounts.c.id)
    )
    return [StaffName(r.username, r.display_name) for r in rows]
