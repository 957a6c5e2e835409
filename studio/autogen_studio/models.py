"""AutoGen model clients (OpenAI and Azure OpenAI) as Roundtable model configs.

A key in the file is never imported, whatever field holds it: the person types it on the Models page
(or names an environment variable), where it is bound to the model's server as for any model.
"""

from __future__ import annotations

from typing import Any

from storage.documents import ModelSpec
from studio.autogen_studio.components import Component, Findings, build, extra_settings, shown, text_field

_OPENAI = "OpenAIChatCompletionClient"
_AZURE = "AzureOpenAIChatCompletionClient"
_CARRIED = {"temperature", "max_tokens", "timeout"}
_PASSED = {"top_p", "seed", "frequency_penalty", "presence_penalty"}  # litellm takes these as they are
_KEYS = {"api_key", "azure_ad_token", "azure_ad_token_provider", "default_headers"}
_IGNORED = {"model_info", "model_capabilities", "add_name_prefixes", "include_name_in_message", "max_retries",
            "organization", "parallel_tool_calls", "stream_options"}


def map_model(client: Component, what: str, findings: Findings) -> ModelSpec | None:
    """A ModelSpec (named by the caller later) for an OpenAI-style client, or None with the reason."""
    config = client.config
    if client.kind not in (_OPENAI, _AZURE):
        findings.skip(f"{what} ({shown(client.provider)})",
                      "only OpenAI and Azure OpenAI model clients are imported; add this model on the Models page")
        return None
    model = text_field(config, "model", what, findings, limit=200)
    if not model or not model.strip():
        if model is not None or config.get("model") is None:  # else text_field said what is wrong
            findings.skip(what, 'has no "model" name')
        return None
    data: dict[str, Any] = {"name": model.strip()[:100], "stream": True}
    if client.kind == _AZURE:
        deployment = text_field(config, "azure_deployment", what, findings, limit=200) or model
        data["model"] = f"azure/{deployment.strip()}"
        data["api_base"] = text_field(config, "azure_endpoint", what, findings, limit=2000)
        version = text_field(config, "api_version", what, findings, limit=100)
        if version:
            data["extra"] = {"api_version": version}
    else:
        data["model"] = f"openai/{model.strip()}"
        data["api_base"] = text_field(config, "base_url", what, findings, limit=2000)
    for key in sorted(_CARRIED & config.keys()):
        data[key] = config[key]
    passed = {key: config[key] for key in sorted(_PASSED & config.keys()) if isinstance(config[key], int | float)}
    if passed:
        data["extra"] = {**data.get("extra", {}), **passed}
    spec = build(ModelSpec, data, what, findings)
    if spec is None:
        return None
    if any(config.get(k) for k in _KEYS):
        findings.skip(f"{what}: api_key", "keys are never imported from a file")
    extra_settings(config, {"model", "base_url", "azure_deployment", "azure_endpoint", "api_version"} | _CARRIED
                   | _PASSED | _KEYS | _IGNORED, what, findings)
    return spec


class ModelNames:
    """One ModelSpec per distinct client config; the same client used by several agents is one model."""

    def __init__(self) -> None:
        self.models: list[ModelSpec] = []

    def add(self, spec: ModelSpec) -> str:
        for known in self.models:
            if known.model_copy(update={"name": spec.name}) == spec:
                return known.name
        name, number = spec.name, 2
        while any(m.name == name for m in self.models):
            name, number = f"{spec.name[:90]} ({number})", number + 1
        self.models.append(spec.model_copy(update={"name": name}))
        return name

    def key_notes(self, findings: Findings) -> None:
        for model in self.models:
            findings.note(f'Model "{model.name}" needs its API key: enter it on the Models page (or name the '
                          "environment variable that holds it) before running; keys are never imported.")
