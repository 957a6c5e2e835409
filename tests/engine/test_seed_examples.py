"""The seed article's Python examples, with only the import line changed, against a scripted model server.

"gpt-4" reaches the scripted server through litellm's real OpenAI path (OPENAI_API_BASE points at it);
agents whose llm_config names no model use Roundtable's default model, pointed there too.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def seed_env(llm, monkeypatch, in_tmp):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_BASE", llm.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-scripted")
    monkeypatch.setenv("ROUNDTABLE_DEFAULT_MODEL", "openai/default-model")
    monkeypatch.setenv("AUTOGEN_USE_DOCKER", "0")  # the Docker sandbox has its own tests
    return llm


def build_seed_agents():  # type: ignore[no-untyped-def]
    # --- the seed's code, import line changed --------------------------------------------------------
    from components import AssistantAgent, CodeExecutionConfig, GroupChat, GroupChatManager, UserProxyAgent

    # 어시스턴트 에이전트 생성
    assistant = AssistantAgent(
        name="assistant",
        llm_config={
            "temperature": 0.7,
            "model": "gpt-4"
        },
        system_message="당신은 전문 개발자입니다."
    )

    # 사용자 프록시 에이전트 생성
    user_proxy = UserProxyAgent(
        name="user_proxy",
        human_input_mode="NEVER",
        max_consecutive_auto_reply=10
    )

    # 그룹 채팅 설정
    groupchat = GroupChat(
        agents=[assistant, user_proxy],
        messages=[],
        max_round=50
    )

    # 매니저 생성
    manager = GroupChatManager(groupchat=groupchat)

    # 코드 실행 설정
    exec_config = CodeExecutionConfig(
        work_dir="coding",
        timeout=60,
        last_n_messages=3
    )

    # 코딩 어시스턴트 생성
    coder = AssistantAgent(
        name="coder",
        llm_config={"temperature": 0.3},
        system_message="Python 코드를 작성하고 실행합니다.",
        code_execution_config=exec_config
    )

    # 데이터 분석가 에이전트
    analyst = AssistantAgent(
        name="analyst",
        llm_config={"temperature": 0.4},
        system_message="데이터 분석과 시각화를 수행합니다."
    )

    # 리뷰어 에이전트
    reviewer = AssistantAgent(
        name="reviewer",
        llm_config={"temperature": 0.2},
        system_message="코드와 분석 결과를 검토합니다."
    )
    return assistant, user_proxy, groupchat, manager, coder, analyst, reviewer


def test_seed_collaborative_project_and_problem_solving(seed_env, recorder) -> None:
    llm = seed_env
    llm.script("gpt-4", [
        "계획입니다.\n```python\nprint(sum(x * x for x in range(1, 11)))\n```",
        "TERMINATE",
        "병목은 데이터베이스입니다.",
        "TERMINATE",
    ])
    assistant, user_proxy, groupchat, manager, *_ = build_seed_agents()

    # 프로젝트 설정
    project_prompt = """
1. 데이터 수집 및 전처리
2. 분석 모델 개발
3. 결과 시각화
4. 문서화
"""

    # As written, the seed's group chat asks for "auto" speaker selection from a manager without an LLM:
    # as in AutoGen 0.2, the members then take turns in order (AG2 0.14 would raise ValueError here).
    # 작업 시작
    user_proxy.initiate_chat(
        manager,
        message=f"다음 프로젝트를 진행해주세요: {project_prompt}"
    )

    speakers = [m["name"] for m in groupchat.messages]
    assert speakers == ["user_proxy", "assistant", "user_proxy", "assistant"]
    assert groupchat.messages[2]["content"] == "exitcode: 0 (execution succeeded)\nCode output: 385\n"
    first_request = llm.requests_for("gpt-4")[0]
    assert first_request["temperature"] == 0.7
    assert first_request["messages"][0] == {"role": "system", "content": "당신은 전문 개발자입니다."}
    assert "데이터 수집 및 전처리" in first_request["messages"][1]["content"]
    assert recorder.of("code_finished")[0].exit_code == 0

    # 문제 해결 프로세스
    problem = """
웹 서버의 성능 최적화가 필요합니다:
1. 현재 상태 분석
2. 병목 지점 파악
3. 최적화 방안 제시
4. 구현 및 테스트
"""

    # 해결 시작
    user_proxy.initiate_chat(
        manager,
        message=f"다음 문제를 해결해주세요: {problem}"
    )

    assert groupchat.messages[0]["content"].startswith("다음 문제를 해결해주세요")  # history was cleared
    assert [m["content"] for m in groupchat.messages[1:]] == ["병목은 데이터베이스입니다.", "", "TERMINATE"]
    # no model named in the config -> the default model; gpt-4 has a known price, so cost is reported
    cost = recorder.of("chat_finished")[-1].cost["usage_including_cached_inference"]
    assert cost["total_cost"] > 0 and "gpt-4" in cost


def test_seed_coder_analyst_reviewer_team(seed_env, recorder) -> None:
    llm = seed_env
    llm.script("default-model", [
        "```python\n# filename: squares.py\nprint([n * n for n in range(1, 6)])\n```",  # coder
        "The squares grow quadratically.",  # analyst
        "Please run it.",  # reviewer
        "TERMINATE",  # coder again, after the user proxy ran the code
    ])
    from components import GroupChat, GroupChatManager

    _, user_proxy, _, _, coder, analyst, reviewer = build_seed_agents()
    team = GroupChat(agents=[user_proxy, coder, analyst, reviewer], messages=[], max_round=8,
                     speaker_selection_method="round_robin")
    user_proxy.initiate_chat(GroupChatManager(groupchat=team), message="1부터 5까지의 제곱수를 구하세요.")

    assert [m["name"] for m in team.messages] == ["user_proxy", "coder", "analyst", "reviewer", "user_proxy", "coder"]
    assert team.messages[4]["content"] == "exitcode: 0 (execution succeeded)\nCode output: [1, 4, 9, 16, 25]\n"
    assert recorder.of("code_finished")[0].artifacts == []  # squares.py is the code file itself
    temps = [r["temperature"] for r in llm.requests_for("default-model")]
    assert temps == [0.3, 0.4, 0.2, 0.3]
