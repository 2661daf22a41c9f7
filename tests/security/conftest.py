"""The API's test hub (two ``custom`` channels on in-process sandboxes) for the security tests."""

from tests.api.conftest import api_hub, client  # noqa: F401  (fixtures)
from tests.engine.conftest import engine_hub, sandboxes  # noqa: F401  (fixtures)
