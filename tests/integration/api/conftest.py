"""The API is tested on the same real TLS server as the signalling."""

from tests.integration.api.test_devices import clients, staff  # noqa: F401 - shared fixtures
from tests.integration.signaling.conftest import live  # noqa: F401 - a shared fixture
