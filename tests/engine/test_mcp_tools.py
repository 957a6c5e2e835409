"""Tools from real MCP servers: mcp-server-time (PyPI) and the tests' own server over stdio and HTTP,
called by a scripted model through litellm, with the same events and messages as Python tools."""

from __future__ import annotations

import os
import threading

import pytest

from components import AssistantAgent, UserProxyAgent
from components.errors import RunCancelled
from components.llm.scripted import say, tool_call
from components.mcp import McpServerError, McpSession, McpStdioServer, register_mcp_tools
from tests.support.mcp_helpers import (
    http_server,
    http_test_server,
    processes_in,
    stdio_test_server,
    time_server,
    wait_gone,
)


def _pair(llm):  # type: ignore[no-untyped-def]
    assistant = AssistantAgent("assistant", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    return assistant, user


def test_time_server_tools_are_offered_and_called_like_python_tools(llm, recorder) -> None:
    llm.script("writer", [
        tool_call("get_current_time", {"timezone": "Asia/Tokyo"}, call_id="call_1"),
        say("It is morning in Tokyo."),
        say("TERMINATE"),
    ])
    assistant, user = _pair(llm)
    with McpSession(time_server()) as session:
        names = register_mcp_tools(session, caller=assistant, executors=[user])
        result = user.initiate_chat(assistant, message="What time is it in Tokyo?")

    assert names == ["get_current_time", "convert_time"]
    offered = {t["function"]["name"]: t for t in llm.requests_for("writer")[0]["tools"]}
    assert set(offered) == {"get_current_time", "convert_time"}
    schema = offered["get_current_time"]
    assert schema["type"] == "function"
    assert schema["function"]["description"] == "Get current time in a specific timezone"
    assert schema["function"]["parameters"]["required"] == ["timezone"]
    assert schema["function"]["parameters"]["properties"]["timezone"]["type"] == "string"
    call, outcome = recorder.of("tool_call")[0], recorder.of("tool_result")[0]
    assert (call.name, call.agent, call.caller, call.call_id) == ("get_current_time", "user", "assistant", "call_1")
    assert outcome.ok and '"timezone": "Asia/Tokyo"' in outcome.content and "+09:00" in outcome.content
    assert result.chat_history[2]["role"] == "tool" and "+09:00" in result.chat_history[2]["content"]
    second = llm.requests_for("writer")[1]["messages"]
    assert second[-1]["tool_call_id"] == "call_1" and "Asia/Tokyo" in second[-1]["content"]


def test_only_the_chosen_tools_are_offered(llm, recorder) -> None:
    llm.script("writer", [tool_call("convert_time", {"source_timezone": "UTC", "time": "12:00",
                                                     "target_timezone": "Asia/Kolkata"}), say("TERMINATE")])
    assistant, user = _pair(llm)
    with McpSession(time_server()) as session:
        register_mcp_tools(session, caller=assistant, executors=[user], only=["convert_time"])
        user.initiate_chat(assistant, message="Noon UTC in India?")
    assert [t["function"]["name"] for t in llm.requests_for("writer")[0]["tools"]] == ["convert_time"]
    assert 'T17:30:00+05:30' in recorder.of("tool_result")[0].content


def test_a_tool_the_server_does_not_offer_is_named(llm) -> None:
    assistant, user = _pair(llm)
    with McpSession(time_server()) as session, pytest.raises(McpServerError) as caught:
        register_mcp_tools(session, caller=assistant, executors=[user], only=["get_weather"])
    assert str(caught.value) == (
        "MCP server \"time\" has no tool 'get_weather' (it offers: get_current_time, convert_time)"
    )


def test_streamable_http_server(llm, recorder) -> None:
    llm.script("writer", [tool_call("add", {"a": 40, "b": 2}), say("TERMINATE")])
    assistant, user = _pair(llm)
    with http_test_server() as url, McpSession(http_server(url)) as session:
        register_mcp_tools(session, caller=assistant, executors=[user], only=["add", "shout"])
        user.initiate_chat(assistant, message="40 + 2?")
    outcome = recorder.of("tool_result")[0]
    assert outcome.ok and outcome.content == "42"


def test_sse_server() -> None:
    with http_test_server("sse") as url, McpSession(http_server(url)) as session:
        assert session.call("shout", {"text": "quiet"}) == "QUIET"


def test_the_server_process_is_gone_when_the_session_closes() -> None:
    session = McpSession(time_server())
    session.start()
    assert len(processes_in(session.work_dir)) == 1
    session.close()
    assert wait_gone(session.work_dir, within_s=1) == []
    assert not session.work_dir.exists()


def test_a_stopped_run_stops_the_call_and_the_server_goes(llm, recorder) -> None:
    llm.script("writer", [tool_call("sleep", {"seconds": 60}), say("never")])
    assistant, user = _pair(llm)
    session = McpSession(stdio_test_server(timeout=120))
    session.start()
    register_mcp_tools(session, caller=assistant, executors=[user])
    threading.Timer(1.5, recorder.cancellation.cancel).start()
    try:
        with pytest.raises(RunCancelled):
            user.initiate_chat(assistant, message="Wait a minute")
    finally:
        session.close()
    assert wait_gone(session.work_dir, within_s=5) == []


def test_only_the_named_environment_variables_reach_the_server(monkeypatch) -> None:
    monkeypatch.setenv("ROUNDTABLE_TEST_SECRET", "hunter2")
    monkeypatch.setenv("ROUNDTABLE_TEST_PASSED", "yes")
    with McpSession(stdio_test_server(env=("ROUNDTABLE_TEST_PASSED",))) as session:
        names, cwd = session.call("environment", {}).split("\ncwd=")
        folder = session.work_dir
    assert "ROUNDTABLE_TEST_PASSED" in names.split()
    assert "ROUNDTABLE_TEST_SECRET" not in names.split()
    assert set(names.split()) <= {"ROUNDTABLE_TEST_PASSED", "HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LC_CTYPE"}
    assert cwd == str(folder) and folder != os.getcwd()


def test_a_missing_environment_variable_is_named_before_anything_starts(monkeypatch) -> None:
    monkeypatch.delenv("ROUNDTABLE_NOT_SET", raising=False)
    session = McpSession(stdio_test_server(env=("ROUNDTABLE_NOT_SET",)))
    with pytest.raises(McpServerError, match='MCP server "testing" needs the environment variable ROUNDTABLE_NOT_SET, '
                                             "which is not set"):
        session.start()
    assert session.work_dir is None


# -- bad servers -----------------------------------------------------------------------------------------
def test_a_command_that_does_not_exist() -> None:
    with pytest.raises(McpServerError) as caught:
        McpSession(McpStdioServer(name="ghost", command="roundtable-no-such-command")).start()
    assert str(caught.value) == (
        'MCP server "ghost" could not start: the command "roundtable-no-such-command" was not found '
        "(is it installed, and on the PATH of the process that runs the team?)"
    )


def test_a_command_that_exits_at_once_shows_its_last_output() -> None:
    server = McpStdioServer(name="quitter", command="sh", args=("-c", "echo 'config file missing' >&2; exit 3"))
    session = McpSession(server)
    with pytest.raises(McpServerError) as caught:
        session.start()
    message = str(caught.value)
    assert message.startswith('MCP server "quitter" (sh -c ')
    assert "exited before it completed the MCP handshake" in message
    assert message.endswith("its last output: config file missing")
    assert wait_gone(session.work_dir, within_s=1) == []


def test_a_server_that_never_answers_the_handshake_is_stopped() -> None:
    session = McpSession(McpStdioServer(name="mute", command="sleep", args=("60",), start_timeout=1))
    with pytest.raises(McpServerError, match=r'^MCP server "mute" did not answer the MCP handshake within 1 s$'):
        session.start()
    assert wait_gone(session.work_dir, within_s=5) == []


def test_stop_during_a_slow_start_ends_it_at_once(recorder) -> None:
    session = McpSession(McpStdioServer(name="mute", command="sleep", args=("60",), start_timeout=60))
    threading.Timer(1.0, recorder.cancellation.cancel).start()
    with pytest.raises(RunCancelled):
        session.start()
    assert wait_gone(session.work_dir, within_s=5) == []


def test_an_unreachable_http_server() -> None:
    from tests.support.mcp_helpers import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"
    with pytest.raises(McpServerError) as caught:
        McpSession(http_server(url)).start()
    assert str(caught.value).startswith(f'MCP server "web" ({url}) cannot be reached: ')


def _failing_run(llm, recorder, server, steps):  # type: ignore[no-untyped-def]
    llm.script("writer", [*steps, say("I will manage without it."), say("TERMINATE")])
    assistant, user = _pair(llm)
    with McpSession(server) as session:
        register_mcp_tools(session, caller=assistant, executors=[user])
        result = user.initiate_chat(assistant, message="Use the tools")
    return result, recorder.of("tool_result")


def test_a_tool_that_raises_is_an_error_for_the_model_and_the_run_goes_on(llm, recorder) -> None:
    result, outcomes = _failing_run(llm, recorder, stdio_test_server(), [tool_call("fail", {"reason": "no disk"})])
    assert not outcomes[0].ok
    assert outcomes[0].content == (
        'Error: MCP server "testing": the tool "fail" reported an error: Error executing tool fail: refused: no disk'
    )
    assert result.chat_history[3]["content"] == "I will manage without it."


def test_a_call_that_times_out(llm, recorder) -> None:
    result, outcomes = _failing_run(llm, recorder, stdio_test_server(timeout=1), [tool_call("sleep", {"seconds": 30})])
    assert outcomes[0].content == 'Error: MCP server "testing": the tool "sleep" did not answer within 1 s'
    assert result.chat_history[3]["content"] == "I will manage without it."


def test_a_server_that_dies_mid_run(llm, recorder) -> None:
    result, outcomes = _failing_run(llm, recorder, stdio_test_server(), [
        tool_call("crash", {}), tool_call("add", {"a": 1, "b": 2}),
    ])
    assert [o.ok for o in outcomes] == [False, False]
    assert outcomes[0].content == 'Error: MCP server "testing" stopped while the tool "crash" was running'
    assert outcomes[1].content == (
        'Error: MCP server "testing" is no longer running (it stopped during the run), so the tool "add" cannot be called'
    )
    assert result.chat_history[-1]["content"] == "TERMINATE"


def test_an_http_server_that_goes_away_mid_run(llm, recorder) -> None:
    llm.script("writer", [tool_call("add", {"a": 1, "b": 2}), say("I will manage without it."), say("TERMINATE")])
    assistant, user = _pair(llm)
    with http_test_server() as url:
        session = McpSession(http_server(url))
        session.start()
        register_mcp_tools(session, caller=assistant, executors=[user])
    try:  # the server has been stopped: the run goes on, the model is told
        result = user.initiate_chat(assistant, message="Use the tools")
    finally:
        session.close()
    outcome = recorder.of("tool_result")[0]
    assert not outcome.ok
    assert outcome.content == (
        f'Error: MCP server "web" ({url}) stopped answering (the connection closed), so the tool "add" could not be called'
    )
    assert result.chat_history[3]["content"] == "I will manage without it."


def test_two_servers_offering_a_tool_of_the_same_name_are_refused(llm) -> None:
    first, second = _pair(llm)[0], AssistantAgent("second", llm_config=llm.llm_config("writer"))
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    with McpSession(stdio_test_server("one")) as one, McpSession(stdio_test_server("two")) as two:
        register_mcp_tools(one, caller=first, executors=[user], only=["add"])
        register_mcp_tools(one, caller=second, executors=[user], only=["add"])  # the same server again: fine
        with pytest.raises(McpServerError) as caught:
            register_mcp_tools(two, caller=second, executors=[user], only=["add"])
    assert str(caught.value) == (
        'MCP server "two" offers a tool "add", but user already has a tool of that name from MCP server "one": '
        "choose only one of them for the agents"
    )
