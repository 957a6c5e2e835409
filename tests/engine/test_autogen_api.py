"""AutoGen API that code written for AutoGen 0.2 / AG2 uses (issue 16): IO streams, LLMConfig, transforms,
function-schema helpers, tags. Real parts: the scripted model over litellm's HTTP path, real threads."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated

import pytest
from pydantic import BaseModel

from components import (
    AssistantAgent,
    AsyncThreadIOStream,
    ConversableAgent,
    IOConsole,
    IOStream,
    LLMConfig,
    MessageHistoryLimiter,
    MessageTokenLimiter,
    TextMessageCompressor,
    TextMessageContentName,
    ThreadIOStream,
    TransformMessages,
    UserProxyAgent,
    get_function_schema,
    get_typed_return_annotation,
    get_typed_signature,
    load_basemodels_if_needed,
    parse_tags_from_content,
    register_function,
    serialize_to_str,
)
from components.io import StreamInputRequest
from components.llm.scripted import say, tool_call
from components.runtime import run_context


# -- IO streams --------------------------------------------------------------------------------------------
def test_thread_io_stream_gets_events_and_answers_input(llm) -> None:
    """A chat in one thread; another thread reads the stream and answers the human's prompt."""
    llm.script("helper", ["First.", "Second."])
    helper = AssistantAgent("helper", llm_config=llm.llm_config("helper"))
    human = UserProxyAgent("human", human_input_mode="ALWAYS", code_execution_config=False)
    stream = ThreadIOStream()
    seen: list[object] = []

    def consume() -> None:
        answers = iter(["tell me more", "exit"])
        while True:
            item = stream.input_stream.get(timeout=120)  # the first model call also imports litellm
            seen.append(item)
            if isinstance(item, StreamInputRequest):
                stream.answer(next(answers))
            if getattr(item, "kind", "") == "chat_finished":
                return

    reader = threading.Thread(target=consume)
    reader.start()
    with run_context(), IOStream.set_default(stream):  # a run without a host: input goes to the stream
        human.initiate_chat(helper, message="hello")
    reader.join(timeout=30)

    kinds = [getattr(i, "kind", "") for i in seen]
    assert kinds.count("input_request") == 2 and kinds[-1] == "chat_finished"
    texts = [i.content for i in seen if getattr(i, "kind", "") == "message"]
    assert texts == ["hello", "First.", "tell me more", "Second."]


def test_console_stream_prints_messages(llm, capsys) -> None:
    llm.script("helper", ["Hi there."])
    helper = AssistantAgent("helper", llm_config=llm.llm_config("helper"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with run_context(), IOStream.set_default(IOConsole()):
        user.initiate_chat(helper, message="hello", max_turns=1)
    out = capsys.readouterr().out
    assert "user (to helper):\n\nhello" in out and "helper (to user):\n\nHi there." in out


def test_nothing_is_printed_without_a_stream(llm, capsys) -> None:
    llm.script("helper", ["Hi there."])
    helper = AssistantAgent("helper", llm_config=llm.llm_config("helper"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with run_context():
        user.initiate_chat(helper, message="hello", max_turns=1)
    assert capsys.readouterr().out == ""


def test_async_stream_input_is_awaited_on_the_loop(llm) -> None:
    llm.script("helper", ["Answer."])
    helper = AssistantAgent("helper", llm_config=llm.llm_config("helper"))
    human = UserProxyAgent("human", human_input_mode="ALWAYS", code_execution_config=False)

    async def main() -> list[str]:
        stream = AsyncThreadIOStream()
        prompts: list[str] = []

        async def answer() -> None:
            while True:
                item = await stream.input_stream.get()
                if isinstance(item, StreamInputRequest):
                    prompts.append(item.prompt)
                    stream.answer("exit")
                    return

        task = asyncio.create_task(answer())
        with IOStream.set_default(stream):
            await human.a_initiate_chat(helper, message="hello")
        await task
        return prompts

    with run_context():
        prompts = asyncio.run(main())
    assert prompts and prompts[0].startswith("Replying as human.")


# -- LLMConfig ---------------------------------------------------------------------------------------------
def test_llm_config_objects_are_accepted_like_dicts(llm, recorder) -> None:
    llm.script("cfg", ["from an LLMConfig"])
    config = LLMConfig({"model": "openai/cfg", "api_base": llm.url, "api_key": "sk-x"}, temperature=0.25)
    agent = AssistantAgent("agent", llm_config=config)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    result = user.initiate_chat(agent, message="hi", max_turns=1)
    assert result.summary == "from an LLMConfig"
    assert llm.requests_for("cfg")[0]["temperature"] == 0.25
    assert "sk-x" not in repr(config)

    llm.script("cfg", ["inside with"])
    with LLMConfig(config_list=[{"model": "openai/cfg", "api_base": llm.url, "api_key": "sk-x"}]):
        adopted = ConversableAgent("adopted")
    assert adopted.llm_config["config_list"][0]["model"] == "openai/cfg"
    assert ConversableAgent("outside").llm_config is False

    picked = LLMConfig({"model": "a", "tags": ["x"]}, {"model": "b", "tags": ["y"]}).where(tags=["y"])
    assert [e["model"] for e in picked.config_list] == ["b"]
    with pytest.raises(ValueError, match="No config found"):
        picked.where(model="zzz")


# -- transforms ---------------------------------------------------------------------------------------------
def test_limiter_logs_and_token_options(recorder) -> None:
    history = [{"role": "user", "content": f"message number {i} " * 5, "name": "u"} for i in range(6)]
    limiter = MessageHistoryLimiter(max_messages=2)
    kept = limiter.apply_transform(history)
    assert limiter.get_logs(history, kept) == ("Removed 4 messages. Number of messages reduced from 6 to 2.", True)
    assert limiter.get_logs(kept, kept) == ("No messages were removed.", False)

    tokens = MessageTokenLimiter(max_tokens_per_message=2, min_tokens=10_000)
    assert tokens.apply_transform(history) == history  # under min_tokens: untouched
    tokens = MessageTokenLimiter(max_tokens=40)
    cut = tokens.apply_transform(history)
    text, changed = tokens.get_logs(history, cut)
    assert changed and text.startswith("Truncated ")
    system = [{"role": "system", "content": "keep me " * 30}, *history[-1:]]
    filtered = MessageTokenLimiter(max_tokens_per_message=3, filter_dict={"role": ["system"]}).apply_transform(system)
    assert filtered[0] == system[0] and filtered[1]["content"] != system[1]["content"]
    with pytest.raises(ValueError, match="min_tokens"):
        MessageTokenLimiter(max_tokens=5, min_tokens=10)


def test_compressor_and_content_name_shape_what_the_model_sees(llm, recorder) -> None:
    class Shout:
        """A compressor of the program's own: upper-cases and reports a saving."""

        def compress_text(self, text: str, **params: object) -> dict[str, object]:
            return {"compressed_prompt": text.upper(), "origin_tokens": 10, "compressed_tokens": 4}

    llm.respond("shaped", lambda body: say("ok"))
    agent = AssistantAgent("agent", llm_config=llm.llm_config("shaped"), system_message="sys")
    TransformMessages([TextMessageCompressor(text_compressor=Shout()), TextMessageContentName()]).add_to_agent(agent)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    user.initiate_chat(agent, message="quiet words", max_turns=1)

    sent = llm.requests_for("shaped")[0]["messages"]
    assert sent[-1]["content"] == "user:\nQUIET WORDS"
    assert agent.chat_messages[user][0]["content"] == "quiet words"  # the stored history is unchanged
    notices = [n.message for n in recorder.of("notice")]
    assert "6 tokens saved with text compression." in notices
    assert "1 message(s) changed to incorporate name." in notices
    with pytest.raises(ValueError, match="needs a text_compressor"):
        TextMessageCompressor()


# -- function-schema helpers ---------------------------------------------------------------------------------
class Order(BaseModel):
    item: str
    quantity: int


class Receipt(BaseModel):
    total: float
    lines: list[str]


def test_function_schema_helpers_and_pydantic_round_trip(llm, recorder) -> None:
    def price(order: Annotated[Order, "what to price"], discount: float = 0.0) -> Receipt:
        """Price an order."""
        return Receipt(total=order.quantity * 2.5 * (1 - discount), lines=[order.item] * order.quantity)

    signature = get_typed_signature(price)
    assert signature.parameters["discount"].annotation is float
    assert get_typed_return_annotation(price) is Receipt
    schema = get_function_schema(price, description="Price an order.")
    assert schema["function"]["parameters"]["properties"]["order"]["description"] == "what to price"
    assert schema["function"]["parameters"]["required"] == ["order"]
    assert load_basemodels_if_needed(price)(order={"item": "pen", "quantity": 2}).total == 5.0
    assert serialize_to_str({"ü": 1}) == '{"ü": 1}' and serialize_to_str(Receipt(total=1, lines=[])) == '{"total":1.0,"lines":[]}'

    llm.script("shop", [tool_call("price", {"order": {"item": "pen", "quantity": 2}}, call_id="c1"), "Done."])
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("shop"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    register_function(price, caller=assistant, executor=user)
    user.initiate_chat(assistant, message="price it", max_turns=2)
    result = user.chat_messages[assistant][2]["tool_responses"][0]["content"]
    assert result == '{"total":5.0,"lines":["pen","pen"]}'


def test_parse_tags_from_content() -> None:
    found = parse_tags_from_content("img", "look <img http://x/a.png> and <img src='b.png' alt=\"two words\">")
    assert [f["attr"] for f in found] == [{"src": "http://x/a.png"}, {"src": "b.png", "alt": "two words"}]
    parts = [{"type": "text", "text": '<audio text="Hello there" prompt="whisper">'}, {"type": "image_url"}]
    assert parse_tags_from_content("audio", parts)[0]["attr"] == {"text": "Hello there", "prompt": "whisper"}
    with pytest.raises(ValueError):
        parse_tags_from_content("img", 42)  # type: ignore[arg-type]
