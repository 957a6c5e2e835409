"""The Docker fixtures of the sandbox's own tests, for the other test files here."""

from tests.coding.test_docker_executor import docker_client, make_executor, sandbox_image, work  # noqa: F401
