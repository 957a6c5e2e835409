"""Whether this studio can be reached from other machines, and what it refuses then without sign-in.

Streamlit listens on every interface unless ``server.address`` is set (its server binds 0.0.0.0, or the
dual-stack ``::``, when the option is unset), so only an address that is plainly loopback (127.x.x.x,
``::1``, ``localhost``) or a Unix socket counts as private. An exposed studio without sign-in lets
anyone who reaches it run code: it then shows a banner and runs no code on the host (agents whose code
runs locally, tools, which are Python run in the studio's process); Docker sandboxes still work.
``ROUNDTABLE_ALLOW_ANONYMOUS_CODE=1`` lifts the refusal for those who accept the risk.
"""

from __future__ import annotations

import ipaddress
import os

from storage.documents import TeamDocument

ALLOW_ENV = "ROUNDTABLE_ALLOW_ANONYMOUS_CODE"


def listens_beyond_loopback(address: str | None) -> bool:
    """True unless ``address`` (Streamlit's ``server.address``) keeps the server on this machine."""
    if not address:
        return True  # unset: Streamlit binds all interfaces
    if address.startswith("unix://") or address.lower() == "localhost":
        return False
    try:
        return not ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return True  # a host name: whatever it resolves to, it is meant to be reached


def studio_exposed() -> bool:
    from streamlit import config

    return listens_beyond_loopback(config.get_option("server.address"))


def host_code_refusal(signed_in: bool, exposed: bool, env: dict[str, str] | None = None) -> str | None:
    """Why host code is refused here (a sentence), or None when it may run."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    if signed_in or not exposed or env.get(ALLOW_ENV) == "1":
        return None
    return (
        "this studio can be reached from other machines and nobody signs in, so it runs no code on its own "
        "host: run code in Docker (the agent's code execution set to Docker), configure sign-in, or set "
        f"{ALLOW_ENV}=1 if everyone who can reach it may run code here"
    )


def host_code_uses(document: TeamDocument) -> list[str]:
    """What in the team would run code on the host: agents running code locally, and tools."""
    uses = [f'agent "{a.name}" runs code on this host' for a in document.agents if a.code_execution.mode == "local"]
    return uses + [f'tool "{t.name}" is Python run on this host' for t in document.tools]


def check_host_code(document: TeamDocument, refusal: str | None) -> None:
    """Raise ``HostCodeRefused`` when ``refusal`` holds and the team would run code on the host."""
    uses = host_code_uses(document) if refusal else []
    if uses:
        raise HostCodeRefused(f"This team cannot run here: {'; '.join(uses)}, but {refusal}.")


class HostCodeRefused(ValueError):
    """A team that would run code on the host, in a studio that refuses host code."""
