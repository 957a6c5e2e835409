"""Fixtures of the hostile-input tests: the Docker ones come from the sandbox's own tests."""

from __future__ import annotations

from tests.coding.test_docker_executor import docker_client, make_executor, sandbox_image, work  # noqa: F401
from tests.studio.conftest import page, studio_db  # noqa: F401
