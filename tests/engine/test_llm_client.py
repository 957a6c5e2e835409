"""The model client over litellm's real HTTP path: streaming, retries, fallback, clear errors, stop."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from components import AssistantAgent, LLMError, RunCancelled, UserProxyAgent
from components.llm.scripted import fail, hang, say


def _ask(llm_config, message="hi"):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm_config)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    user.initiate_chat(assistant, message=message, max_turns=1)
    return user, assistant


def test_streaming_publishes_token_deltas(llm, recorder) -> None:
    llm.script("writer", ["Roundtable streams every word"])
    user, assistant = _ask(llm.llm_config("writer", stream=True))

    tokens = recorder.of("token")
    assert len(tokens) >= 4
    assert "".join(t.text for t in tokens) == "Roundtable streams every word"
    assert len({t.stream_id for t in tokens}) == 1
    assert user.last_message(assistant)["content"] == "Roundtable streams every word"
    # the message event comes after its tokens
    assert recorder.kinds.index("message", recorder.kinds.index("token")) > recorder.kinds.index("token")
    assert llm.requests_for("writer")[0]["stream"] is True


def test_rate_limit_is_retried_then_succeeds(llm, recorder) -> None:
    llm.script("writer", [fail(429, "slow down"), say("made it")])
    user, assistant = _ask(llm.llm_config("writer"))

    assert user.last_message(assistant)["content"] == "made it"
    errors = recorder.of("error")
    assert len(errors) == 1 and errors[0].error_kind == "rate_limit" and errors[0].retryable
    assert len(llm.requests_for("writer")) == 2


def test_server_error_retries_then_raises_clear_error(llm, recorder) -> None:
    llm.script("writer", [fail(500, "boom")] * 3)
    with pytest.raises(LLMError) as info:
        _ask(llm.llm_config("writer", max_retries=2))

    assert info.value.kind == "server"
    assert "openai/writer" in str(info.value) and "boom" in str(info.value)
    assert len(llm.requests_for("writer")) == 3
    assert [e.retryable for e in recorder.of("error")] == [True, True, False]


def test_wrong_key_says_authentication_failed(llm, recorder) -> None:
    llm.script("writer", [fail(401, "Incorrect API key provided")])
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))

    with pytest.raises(LLMError, match="authentication failed for model openai/writer"):
        user.initiate_chat(assistant, message="hello there", max_turns=2)
    assert len(llm.requests_for("writer")) == 1  # not retried: a wrong key stays wrong
    # nothing already said is lost
    assert user.chat_messages[assistant][0]["content"] == "hello there"


def test_missing_key_env_is_named(llm) -> None:
    config = llm.llm_config("writer")
    config.pop("api_key")
    config["api_key_env"] = "ROUNDTABLE_TEST_UNSET_KEY"
    with pytest.raises(LLMError, match="set the environment variable ROUNDTABLE_TEST_UNSET_KEY"):
        _ask(config)


def test_timeout_gives_clear_message(llm, recorder) -> None:
    llm.script("writer", [hang(5)])
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"did not answer within 1 s") as info:
        _ask(llm.llm_config("writer", timeout=1, max_retries=0))
    assert info.value.kind == "timeout" and info.value.retryable
    assert time.monotonic() - started < 4


def test_config_list_falls_back_to_next_entry(llm, recorder) -> None:
    llm.script("broken", [fail(401, "bad key")])
    llm.script("backup", ["from backup"])
    config = {"config_list": [llm.llm_config("broken"), llm.llm_config("backup")], "temperature": 0.1}
    user, assistant = _ask(config)

    assert user.last_message(assistant)["content"] == "from backup"
    assert llm.requests_for("backup")[0]["temperature"] == 0.1
    assert recorder.of("error")[0].error_kind == "authentication" and recorder.of("error")[0].retryable


def test_unreachable_api_base_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    config = {"model": "openai/x", "api_base": f"http://127.0.0.1:{port}/v1", "api_key": "k", "max_retries": 0}
    with pytest.raises(LLMError, match=rf"cannot reach http://127.0.0.1:{port}/v1 for model openai/x") as info:
        _ask(config)
    assert info.value.kind == "connection"
    assert "litellm" not in str(info.value) and "Exception" not in str(info.value)  # no library internals


def test_unknown_model_is_explained() -> None:
    with pytest.raises(LLMError, match="unknown model nosuchprovider-model-xyz") as info:
        _ask({"model": "nosuchprovider-model-xyz", "max_retries": 0})
    assert info.value.kind == "not_found"


def test_stop_abandons_a_hanging_call(llm, recorder) -> None:
    llm.script("writer", [hang(10)])
    threading.Timer(0.5, recorder.cancellation.cancel).start()
    started = time.monotonic()
    with pytest.raises(RunCancelled):
        _ask(llm.llm_config("writer", timeout=30))
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({}, "llm_config is empty"),
        ({"config_list": []}, 'llm_config["config_list"] is empty'),
        ({"config_list": [{"model": ""}]}, 'llm_config["config_list"][0] has no "model"'),
        ({"model": "gpt-4o", "temperature": "hot"}, 'llm_config["temperature"] must be a number'),
        ("gpt-4o", "llm_config must be a dict or False"),
    ],
)
def test_invalid_llm_config_names_the_field(config, fragment) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        AssistantAgent("assistant", llm_config=config)
    assert fragment in str(info.value)


def test_missing_key_is_an_authentication_problem(llm, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = llm.llm_config("writer", max_retries=0)
    config.pop("api_key")
    with pytest.raises(LLMError, match="authentication failed for model openai/writer") as info:
        _ask(config)
    assert info.value.kind == "authentication" and "OPENAI_API_KEY" in str(info.value)
