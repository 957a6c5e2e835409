"""The Models page's "Test" button: one short prompt through litellm, with the reply, latency and tokens.

litellm (seconds to import) is loaded here only when a test is run, never when a page opens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from storage.documents import ModelSpec

TEST_PROMPT = "Reply with one short, friendly sentence that says you are ready."


@dataclass(frozen=True)
class ModelTestResult:
    ok: bool
    reply: str = ""
    error: str = ""
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""


def try_model(spec: ModelSpec, api_key: str | None = None, timeout: float = 60.0) -> ModelTestResult:
    """Send ``TEST_PROMPT`` once (no retries) and report what happened, errors as the exact message."""
    from components import LLMError
    from components.llm.client import LLMClient
    from components.llm.config import normalize_llm_config, settings_from_config
    from components.llm.litellm_loader import get_litellm
    from components.runtime import run_context
    from studio.builder import llm_config_for

    get_litellm()  # seconds, the first time: kept out of the latency shown
    config = llm_config_for(spec, api_key)
    config["max_retries"] = 0
    config["stream"] = False
    if spec.timeout is None:
        config["timeout"] = timeout
    started = time.perf_counter()
    try:
        settings = settings_from_config(normalize_llm_config(config))  # type: ignore[arg-type]
        with run_context():
            response = LLMClient(settings).create(
                [{"role": "user", "content": TEST_PROMPT}], agent="studio-test", purpose="test", stream=False
            )
    except LLMError as error:
        return ModelTestResult(False, error=str(error), seconds=time.perf_counter() - started, model=spec.model)
    except ValueError as error:
        return ModelTestResult(False, error=f"the model settings are not valid: {error}", model=spec.model)
    content = response.message.get("content") or ""
    return ModelTestResult(
        True, reply=str(content).strip() or "(the model answered with no text)", seconds=time.perf_counter() - started,
        prompt_tokens=response.prompt_tokens, completion_tokens=response.completion_tokens, model=response.model,
    )
