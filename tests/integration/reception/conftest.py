"""Reception on a real migrated SQLite file: the desk's fixtures."""

from tests.integration.casework.conftest import office  # noqa: F401 - a shared fixture
