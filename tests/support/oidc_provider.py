"""A real OpenID provider (``oidc-provider`` from npm, tests/support/oidc) on loopback, and the
``[auth]`` secrets file that points a studio at it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.services import missing_service
from tests.support.studio import free_port

FOLDER = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "roundtable-studio", "test-only-client-secret"


def _node() -> str:
    node = shutil.which("node")
    if not node:
        missing_service("Node.js (for the test OpenID provider)")
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        missing_service("the test OpenID provider's packages (npm ci in tests/support/oidc)")
    return node


@contextmanager
def oidc_provider(redirect_uri: str, log_dir: Path, timeout: float = 30) -> Iterator[str]:
    """Start the provider on a free port for one client (the studio at ``redirect_uri``); yields its issuer."""
    node, port = _node(), free_port()
    log = open(log_dir / "oidc.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [node, str(FOLDER / "provider.mjs"), str(port), CLIENT_ID, CLIENT_SECRET, redirect_uri],
        cwd=FOLDER, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    issuer = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1) as response:
                    if "authorization_endpoint" in json.load(response):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the OpenID provider did not start: {(log_dir / 'oidc.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def auth_secrets(path: Path, studio_port: int, issuer: str) -> Path:
    """A secrets.toml whose ``[auth]`` section signs in through ``issuer`` (Streamlit's own format)."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{studio_port}/oauth2callback"\n'
        'cookie_secret = "a-test-only-cookie-secret-of-enough-length"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account, which this provider refuses
        'client_kwargs = { prompt = "login" }\n'
    )
    return path
