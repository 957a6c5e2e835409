"""Turning litellm's exceptions into one ``LLMError`` whose message tells the user what to do."""

from __future__ import annotations

import re

from components.errors import LLMError
from components.llm.config import ModelEntry
from components.llm.litellm_loader import get_litellm

# The environment variables litellm reads for the common providers, to name in messages.
_PROVIDER_KEY_ENV = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "azure": "AZURE_API_KEY",
    "gemini": "GEMINI_API_KEY", "groq": "GROQ_API_KEY", "mistral": "MISTRAL_API_KEY",
    "openrouter": "OPENROUTER_API_KEY", "deepseek": "DEEPSEEK_API_KEY", "together_ai": "TOGETHERAI_API_KEY",
}


def _provider(model: str) -> str:
    if "/" in model:
        return model.split("/", 1)[0]
    return "openai" if model.startswith(("gpt", "o1", "o3", "o4")) else "anthropic" if model.startswith("claude") else ""


# litellm's own wrapping of a provider's words: "litellm.InternalServerError: InternalServerError:
# OpenAIException - " says nothing to a person; what follows it is the provider's message.
_LITELLM_PREFIX = re.compile(r"^(litellm\.\w+:\s*)?(\w+Error:\s*)?(\w+Exception\s*-\s*)?")


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    text = _LITELLM_PREFIX.sub("", text, count=1) or text
    return text if len(text) <= limit else text[:limit] + "..."


def _is_connection_failure(exc: BaseException) -> bool:
    """litellm reports a refused connection as a server error; look at the cause to tell them apart."""
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if name in ("APIConnectionError", "ConnectError", "ConnectionRefusedError") and not isinstance(seen, LLMError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection error" in str(exc)


def to_llm_error(exc: BaseException, entry: ModelEntry) -> LLMError:
    """Classify ``exc`` (raised by litellm for ``entry``) and phrase it for a person."""
    litellm = get_litellm()
    model = entry.model
    where = entry.api_base or _provider(model) or "the provider"
    detail = _short(exc)

    def err(kind, message: str, retryable: bool) -> LLMError:  # type: ignore[no-untyped-def]
        return LLMError(message, kind=kind, model=model, retryable=retryable)

    if "the built-in local model is not installed" in detail:
        return err("not_installed", detail[detail.index("the built-in local model"):], False)
    missing_key = "Missing credentials" in detail or "api_key client option must be set" in detail
    if isinstance(exc, (litellm.AuthenticationError, litellm.PermissionDeniedError)) or missing_key:
        key_hint = entry.params.get("api_key_env") or _PROVIDER_KEY_ENV.get(_provider(model), "")
        hint = f" (set {key_hint} or the model's api_key)" if key_hint else " (check the model's api_key)"
        return err("authentication", f"authentication failed for model {model}: check the API key{hint}. {detail}", False)
    if isinstance(exc, litellm.RateLimitError):
        return err("rate_limit", f"rate limit reached for model {model} at {where}. {detail}", True)
    if isinstance(exc, litellm.Timeout):
        timeout = entry.params.get("timeout")
        return err("timeout", f"model {model} did not answer within {timeout:g} s at {where} (timeout).", True)
    if isinstance(exc, litellm.ContextWindowExceededError):
        return err(
            "context_window",
            f"the conversation is too long for model {model}: limit the context (max messages / max tokens). {detail}",
            False,
        )
    if isinstance(exc, litellm.NotFoundError):
        return err("not_found", f"model {model} was not found at {where}: check the model name. {detail}", False)
    if isinstance(exc, litellm.BadRequestError):
        if "LLM Provider NOT provided" in detail or "not supported" in detail.lower() and "provider" in detail.lower():
            return err(
                "not_found",
                f"unknown model {model}: litellm does not know this model or provider; use a provider prefix "
                "such as openai/, anthropic/, ollama/ (or local/qwen2.5-coder-0.5b for the built-in model).",
                False,
            )
        return err("bad_request", f"model {model} rejected the request: {detail}", False)
    if isinstance(exc, litellm.APIConnectionError) or _is_connection_failure(exc):
        return err(
            "connection",
            f"cannot reach {where} for model {model}: is the server running and the URL right?"
            + ("" if detail.rstrip(".").lower() in ("connection error", "") else f" ({detail})"),
            True,
        )
    if isinstance(exc, (litellm.InternalServerError, litellm.ServiceUnavailableError)):
        return err("server", f"the server for model {model} failed ({where}): {detail}", True)
    if isinstance(exc, litellm.APIError):
        status = getattr(exc, "status_code", 0) or 0
        if status >= 500:
            return err("server", f"the server for model {model} failed ({where}): {detail}", True)
        return err("unknown", f"model {model} failed: {detail}", False)
    return err("unknown", f"calling model {model} failed: {type(exc).__name__}: {detail}", False)
