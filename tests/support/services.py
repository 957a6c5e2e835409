"""Tests that need a real service (Docker, PostgreSQL, Chromium) call ``missing_service`` when it is absent.

On a laptop that lacks the service the test is skipped with the reason; under ``CI=true`` (where
``.ci/run`` installs and starts every service) a missing service is a failure, never a silent skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_service(what: str) -> NoReturn:
    message = f"{what} is not available"
    if in_ci():
        pytest.fail(f"{message}, but CI=true: .ci/run must install and start it", pytrace=False)
    pytest.skip(f"{message} (install and start it, or run .ci/run)")
