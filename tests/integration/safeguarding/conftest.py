"""Safeguarding alerts on a real migrated database: the desk's fixtures."""

from tests.integration.casework.conftest import office  # noqa: F401 - a shared fixture
