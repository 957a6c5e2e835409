"""A provider that answers 200 with no choice gets a sentence naming the model, never an IndexError."""

from __future__ import annotations

import pytest

from components import AssistantAgent, LLMError, UserProxyAgent
from components.llm.scripted import no_choices


@pytest.mark.parametrize("stream", [False, True])
def test_an_empty_choices_list_is_named(llm, recorder, stream: bool) -> None:  # type: ignore[no-untyped-def]
    llm.script("writer", [no_choices()])
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer", stream=stream, max_retries=0))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)

    with pytest.raises(LLMError) as info:
        user.initiate_chat(assistant, message="hi", max_turns=1)

    message = str(info.value)
    assert "openai/writer" in message
    if not stream:  # streamed, litellm itself reports that the stream ended without a finish reason
        assert "answered without a reply: the response had an empty 'choices' list" in message
    assert "IndexError" not in message and "list index out of range" not in message
    assert recorder.of("error")[-1].message == message  # the run's page shows the same sentence
