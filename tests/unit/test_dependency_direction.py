"""Dependencies point one way (docs/ARCHITECTURE.md): a package never imports one above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# The packages with domain logic or edges; the supporting ones below them import none of these.
DOMAIN = {
    "majlis",
    "api",
    "reports",
    "signaling",
    "scheduler",
    "reception",
    "safeguarding",
    "casework",
    "rooms",
    "media",
}
SUPPORT = {"certs", "audit", "accounts", "devices", "typed_errors", "limits", "reference"}
FORBIDDEN = {
    # The bottom layer: clock, UTC column type, the foundation tables and the shared metadata.
    "foundation": DOMAIN | SUPPORT,
    "limits": DOMAIN | SUPPORT - {"limits"},
    "typed_errors": DOMAIN | SUPPORT - {"typed_errors", "limits"},
    # Devices know only the database and the error base; signalling reaches them through a
    # protocol (signaling.dispatch.DevicePort, SeatProofPort), the API directly.
    "devices": DOMAIN | {"accounts", "audit", "certs", "reference"},
    "accounts": DOMAIN,
    # Centres, categories, departments, office terminals: the database and the error base.
    "reference": DOMAIN | SUPPORT - {"reference", "typed_errors"},
    "audit": DOMAIN,
    "certs": DOMAIN,
    "media": {
        "majlis",
        "api",
        "reports",
        "signaling",
        "scheduler",
        "reception",
        "safeguarding",
        "casework",
        "rooms",
    },
    "rooms": {
        "majlis",
        "api",
        "reports",
        "signaling",
        "scheduler",
        "reception",
        "safeguarding",
        "casework",
        "media",
    },
    "casework": {
        "majlis",
        "api",
        "reports",
        "signaling",
        "scheduler",
        "reception",
        "safeguarding",
        "rooms",
        "media",
    },
    # Visits and enquiry calls: above the requests (a visit names one), below the scheduler
    # (a check-in records a visit).
    "reception": {
        "majlis",
        "api",
        "reports",
        "signaling",
        "scheduler",
        "rooms",
        "media",
        "safeguarding",
    },
    # The safeguarding alerts: above the sealing of casework, below everything that pushes,
    # pauses or counts them (rooms reached through a port the composition root wires).
    "safeguarding": {
        "majlis",
        "api",
        "reports",
        "signaling",
        "scheduler",
        "reception",
        "rooms",
        "media",
    },
    "scheduler": {"majlis", "api", "reports", "signaling", "media", "safeguarding"},
    "signaling": {
        "majlis",
        "api",
        "reports",
        "scheduler",
        "reception",
        "casework",
        "devices",
        "safeguarding",
    },
    # Figures that join requests and appointments: above desk and scheduler, below the edges.
    "reports": {"majlis", "api", "signaling", "media"},
    "api": {"majlis", "signaling", "media"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_above_it(package: str) -> None:
    offences = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: found for path, found in offences.items() if found} == {}


# Inside desk and scheduler: read models and the shared helpers never reach for a use case,
# and the pure rules never reach for the database.
USE_CASES = {"casework.commands", "scheduler.commands", "scheduler.clock", "scheduler.outcome"}
MODULE_FORBIDDEN = {
    "casework/history.py": USE_CASES | {"casework.views"},
    "casework/views.py": USE_CASES,
    "casework/lifecycle.py": {"sqlalchemy"},
    "scheduler/status.py": {"sqlalchemy"},
    "scheduler/booking.py": {"sqlalchemy"},
    "scheduler/appointments.py": USE_CASES | {"scheduler.views"},
    "scheduler/appointment_rooms.py": USE_CASES | {"scheduler.views"},
    "scheduler/views.py": USE_CASES,
    "scheduler/commands.py": USE_CASES - {"casework.commands", "scheduler.commands"},
    "scheduler/clock.py": USE_CASES - {"scheduler.clock"} | {"scheduler.views"},
}


def imported_modules(path: Path) -> set[str]:
    """Every imported module and each of its parents (``a.b.c`` → a, a.b, a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    parts = [name.split(".") for name in names]
    return {".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)}


@pytest.mark.parametrize("module", sorted(MODULE_FORBIDDEN))
def test_module_imports_nothing_it_must_not(module: str) -> None:
    assert sorted(imported_modules(ROOT / module) & MODULE_FORBIDDEN[module]) == []
