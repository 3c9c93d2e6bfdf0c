"""Dependencies point one way (docs/ARCHITECTURE.md): a package never imports one above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PRODUCT = {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"} | {
    "certs",
    "audit",
    "accounts",
    "devices",
    "typed_errors",
    "limits",
}
FORBIDDEN = {
    # The bottom layer: clock, UTC column type, the foundation tables and the shared metadata.
    "foundation": PRODUCT,
    "limits": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"}
    | {"certs", "audit", "accounts", "devices", "typed_errors"},
    "typed_errors": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"}
    | {"certs", "audit", "accounts", "devices"},
    # Devices know only the database and the error base; signalling reaches them through a
    # protocol (signaling.dispatch.DevicePort), the API directly.
    "devices": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"}
    | {"accounts", "audit", "certs"},
    "accounts": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"},
    "audit": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"},
    "certs": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms", "media"},
    "media": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "rooms"},
    "rooms": {"majlis", "api", "reports", "signaling", "scheduler", "desk", "media"},
    "desk": {"majlis", "api", "reports", "signaling", "scheduler", "rooms", "media"},
    "scheduler": {"majlis", "api", "reports", "signaling", "media"},
    "signaling": {"majlis", "api", "reports", "scheduler", "desk", "devices"},
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
