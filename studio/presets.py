"""Provider presets for the Models page: what a person picks instead of knowing litellm's model strings."""

from __future__ import annotations

from dataclasses import dataclass

from storage.documents import ModelSpec


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    prefix: str  # litellm provider prefix the model name gets ("" for OpenAI's own names)
    model: str  # a sensible first model
    api_base: str | None
    api_key_env: str | None
    needs_base_url: bool
    needs_key: bool
    help: str


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset(
        "local", "Built-in local model (offline, no key)", "local/", "qwen2.5-coder-0.5b", None, None, False, False,
        "A small model runs inside Roundtable on this computer: no account, no key, no internet. Qwen2.5-Coder "
        "0.5B (the default) solves most short Python tasks; SmolLM2 135M is lighter and faster but weaker; "
        "Qwen2.5-Coder 1.5B is bigger and slower, about as good on short tasks, and installed on request. All are weak at long conversations.",
    ),
    Preset(
        "openai", "OpenAI", "", "gpt-4o-mini", None, "OPENAI_API_KEY", False, True,
        "Models such as gpt-4o-mini or gpt-4.1. Needs an API key from platform.openai.com.",
    ),
    Preset(
        "anthropic", "Anthropic", "anthropic/", "claude-3-5-haiku-latest", None, "ANTHROPIC_API_KEY", False, True,
        "Claude models. Needs an API key from console.anthropic.com.",
    ),
    Preset(
        "ollama", "Ollama (models on your computer)", "ollama_chat/", "llama3.2", "http://localhost:11434", None,
        True, False, "Runs open models locally with Ollama. Start Ollama and pull the model first (ollama pull llama3.2).",
    ),
    Preset(
        "compatible", "Any OpenAI-compatible server", "openai/", "my-model", "http://localhost:8000/v1", None, True,
        False, "vLLM, LM Studio, llama.cpp server, a LiteLLM proxy, or any server with a /v1/chat/completions "
        "endpoint. The model name is the one the server knows. If the server checks a key, choose where it "
        "comes from under API key; if it checks none, keep \"No key needed\" (Roundtable sends a placeholder).",
    ),
    Preset(
        "other", "Other (any litellm model string)", "", "", None, None, False, False,
        "Any provider litellm supports, written as provider/model, e.g. groq/llama-3.1-8b-instant or "
        "gemini/gemini-1.5-flash. Name the environment variable that holds its key.",
    ),
)}


def preset_for(spec: ModelSpec) -> Preset:
    """The preset a stored model most likely came from."""
    model = spec.model
    if model.startswith("local/"):
        return PRESETS["local"]
    if model.startswith(("ollama/", "ollama_chat/")):
        return PRESETS["ollama"]
    if model.startswith("anthropic/"):
        return PRESETS["anthropic"]
    if model.startswith("openai/") and spec.api_base:
        return PRESETS["compatible"]
    if "/" not in model or model.startswith("openai/"):
        return PRESETS["openai"]
    return PRESETS["other"]


def split_model(spec_model: str, preset: Preset) -> str:
    """The model name as the form shows it, without the preset's prefix (``ollama_chat/llama3`` -> ``llama3``)."""
    if preset.prefix and spec_model.startswith(preset.prefix):
        return spec_model[len(preset.prefix):]
    return spec_model


def full_model(preset: Preset, name: str) -> str:
    """The litellm model string for what the person typed under ``preset``."""
    name = name.strip()
    if not preset.prefix or name.startswith(preset.prefix) or (preset.key == "ollama" and name.startswith("ollama/")):
        return name
    return preset.prefix + name
