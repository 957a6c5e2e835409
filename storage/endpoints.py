"""Where a model's requests go: its endpoint (provider and base URL), to which a stored key is bound."""

from __future__ import annotations

from typing import Protocol


class _HasEndpoint(Protocol):
    model: str
    api_base: str | None


def endpoint_of(model: _HasEndpoint) -> tuple[str, str]:
    """(provider, api_base) of a model config or row: where its requests, and so its key, go.

    The provider is litellm's prefix (``"anthropic/claude..."`` -> ``anthropic``; none for a bare name);
    the base URL is compared without case in scheme and host and without a trailing slash.
    """
    provider = model.model.split("/", 1)[0].strip().lower() if "/" in model.model else ""
    base = (model.api_base or "").strip().rstrip("/")
    if "://" in base:
        scheme, rest = base.split("://", 1)
        host, _, path = rest.partition("/")
        base = f"{scheme.lower()}://{host.lower()}" + (f"/{path}" if path else "")
    return provider, base


def describe_endpoint(model: _HasEndpoint) -> str:
    """The endpoint in words, e.g. ``http://127.0.0.1:9000/v1`` or ``the default openai server``."""
    provider, base = endpoint_of(model)
    if base:
        return base
    return f"the default {provider} server" if provider else "litellm's default server"
