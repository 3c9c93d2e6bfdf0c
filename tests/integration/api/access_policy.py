"""The access policy of ``docs/ACCESS.md`` read as data: the expected answer of every caller on
every HTTP route and Socket.IO event. The matrix test compares the running server with it, so
the document (not ``rooms/permissions.py``) is the reference a wrong entry in the code is
caught against."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ACCESS_MD = Path(__file__).resolve().parents[3] / "docs" / "ACCESS.md"
ANSWERS = frozenset({"✓", "401", "403", "404", "any", "refused", "—"})
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Row:
    subject: str  # "GET /api/requests/{id}", or "/booth connect", "/desk rooms"
    ownership: str
    cells: dict[str, str]  # caller column → expected answer


def _table(text: str, heading: str) -> list[dict[str, str]]:
    """The rows of the first Markdown table under ``heading``, as {column: cell}."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header):
            raise ValueError(f"ACCESS.md: {len(cells)} cells, {len(header)} columns: {line}")
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _rows(rows: list[dict[str, str]], key: str, expand: bool) -> list[Row]:
    found = []
    for raw in rows:
        subject, ownership = raw.pop(key), raw.pop("ownership")
        for answer in raw.values():
            if answer not in ANSWERS:
                raise ValueError(f"ACCESS.md: unknown answer {answer!r} for {subject}")
        if not expand:
            found.append(Row(_CODE.findall(subject)[0], ownership, raw))
            continue
        # "`/booth` `admit`, `extend`": one row per event; "`/booth` connect": the connect.
        names = _CODE.findall(subject)
        namespace, events = names[0], names[1:] or ["connect"]
        found.extend(Row(f"{namespace} {event}", ownership, raw) for event in events)
    return found


def http_policy() -> list[Row]:
    return _rows(_table(ACCESS_MD.read_text("utf-8"), "HTTP routes"), "route", expand=False)


def socketio_policy() -> list[Row]:
    table = _table(ACCESS_MD.read_text("utf-8"), "Socket.IO")
    return _rows(table, "namespace, event", expand=True)


def callers_of(rows: list[Row]) -> list[str]:
    return list(rows[0].cells)
