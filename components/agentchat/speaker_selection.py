"""Choosing the next speaker of a group chat: a function, round robin, random, a human, or the LLM.

Every choice is published as a ``SpeakerSelected`` event that says how it was made, so a person watching
can tell an LLM's pick from a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from components import runtime
from components.agentchat import async_chat
from components.agentchat.conversable import Agent, ConversableAgent
from components.agentchat.llm_reply import ask_model
from components.coding.extract import content_str, message_text
from components.errors import NoEligibleSpeaker
from components.events import InputGiven, InputRequested, Notice, SpeakerSelected, new_id
from components.llm.client import LLMClient
from components.llm.config import normalize_llm_config, settings_from_config
from components.runtime import InputRequest

if TYPE_CHECKING:
    from components.agentchat.groupchat import GroupChat


def select_speaker(groupchat: GroupChat, last_speaker: Agent, selector: ConversableAgent, round_no: int = 0) -> tuple[ConversableAgent, str]:
    """The next speaker and how it was chosen. Raises NoEligibleSpeaker when the chat should end."""
    method = groupchat.speaker_selection_method
    if callable(method):
        chosen = method(last_speaker, groupchat)
        if chosen is None:
            raise NoEligibleSpeaker("the speaker selection function returned None")
        if isinstance(chosen, Agent):
            if chosen not in groupchat.agents:
                raise ValueError(
                    f"Custom speaker selection function returned an agent {chosen.name} not in the group chat."
                )
            return _announce(chosen, "custom", "chosen by the speaker selection function", round_no)
        if not isinstance(chosen, str) or chosen.lower() not in ("auto", "manual", "random", "round_robin"):
            raise ValueError(
                f"the speaker selection function must return an Agent, None or a method name; got {chosen!r}"
            )
        method = chosen
    method = method.lower()
    agents = groupchat.candidates(last_speaker)
    if len(agents) == 1:
        return _announce(agents[0], method, "the only eligible speaker", round_no)
    if method == "round_robin":
        return _announce(groupchat.next_agent(last_speaker, agents), method, "next in order", round_no)
    if method == "random":
        return _announce(groupchat.random_choice(agents), method, "random pick", round_no)
    if method == "manual":
        chosen = manual_choice(groupchat, agents, selector.get_human_input)
        if chosen is not None:
            return _announce(chosen, method, "chosen by a human", round_no)
        return _announce(groupchat.next_agent(last_speaker, agents), method, "fallback: no valid choice, next in order", round_no)
    return _auto(groupchat, last_speaker, selector, agents, round_no)


def _announce(agent: ConversableAgent, method: str, reason: str, round_no: int) -> tuple[ConversableAgent, str]:
    runtime.emit(SpeakerSelected(speaker=agent.name, method=method, reason=reason, round=round_no))
    return agent, reason


def manual_choice(groupchat: GroupChat, agents: list[ConversableAgent], ask: Callable[[str], str]) -> ConversableAgent | None:
    """A human's pick among ``agents`` (by number or name), or None after ""/"q" or three invalid answers."""
    listing = "\n".join(f"{i}: {a.name}" for i, a in enumerate(agents, start=1))
    for _ in range(3):
        text = ask(
            f"Please select the next speaker from the following list:\n{listing}\n"
            "Enter the number of the next speaker (enter nothing or `q` to use auto selection): "
        ).strip()
        if text in ("", "q"):
            return None
        if text.isdigit() and 1 <= int(text) <= len(agents):
            return agents[int(text) - 1]
        named = groupchat.agent_by_name(text)
        if named in agents:
            return named
    return None


def ask_admin(groupchat: GroupChat) -> Callable[[str], str]:
    """Ask the run's human on behalf of the group's admin (``GroupChat.manual_select_speaker`` has no agent)."""

    def ask(prompt: str) -> str:
        request = InputRequest(agent=groupchat.admin_name, sender="", prompt=prompt, request_id=new_id())
        runtime.emit(InputRequested(agent=request.agent, sender="", request_id=request.request_id, prompt=prompt))
        answer = async_chat.resolve(runtime.current().input_fn(request))
        answer = answer if isinstance(answer, str) else str(answer or "")
        runtime.emit(InputGiven(agent=request.agent, request_id=request.request_id, text=answer,
                                action="reply" if answer else "skip"))
        return answer

    return ask


def mentioned_agents(text: str, agents: list[ConversableAgent]) -> dict[str, int]:
    """How often each agent's name appears in ``text`` as a whole word (underscores may be spaces)."""
    padded = f" {text} "
    counts: dict[str, int] = {}
    for agent in agents:
        pattern = (
            r"(?<=\W)(" + re.escape(agent.name) + "|" + re.escape(agent.name.replace("_", " ")) + "|"
            + re.escape(agent.name.replace("_", r"\_")) + r")(?=\W)"
        )
        count = len(re.findall(pattern, padded))
        if count:
            counts[agent.name] = count
    return counts


def _auto(
    groupchat: GroupChat, last_speaker: Agent, selector: ConversableAgent, agents: list[ConversableAgent], round_no: int
) -> tuple[ConversableAgent, str]:
    client = _selection_client(groupchat, selector)
    if client is None:  # AutoGen 0.2: "the LLM client is None ... Use round robin instead."
        return _announce(groupchat.next_agent(last_speaker, agents), "auto",
                         f"{selector.name} has no LLM to choose with: next in order", round_no)
    agentlist = [a.name for a in agents]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": groupchat.select_speaker_msg(agents)},
        *[_for_selector(m) for m in groupchat.messages],
    ]
    if groupchat.select_speaker_transform_messages is not None:
        messages = [messages[0], *groupchat.select_speaker_transform_messages.apply(messages[1:])]
    prompt = groupchat.select_speaker_prompt(agents)
    if prompt is not None:
        messages.append({"role": groupchat.role_for_select_speaker_messages, "content": prompt})
    for attempt in range(groupchat.max_retries_for_selecting_speaker + 1):
        reply = ask_model(selector, client, messages, purpose="speaker_selection")
        text = content_str(reply.get("content") if isinstance(reply, dict) else reply)
        mentions = mentioned_agents(text, agents)
        if groupchat.select_speaker_auto_verbose:
            runtime.emit(Notice(agent=selector.name, message=f"speaker selection answer {attempt + 1}: {text!r}"))
        if len(mentions) == 1:
            chosen = groupchat.agent_by_name(next(iter(mentions)))
            assert chosen is not None
            retry_note = f" after {attempt} retries" if attempt else ""
            return _announce(chosen, "auto", f"picked by the LLM{retry_note}", round_no)
        template = groupchat.select_speaker_auto_multiple_template if mentions else groupchat.select_speaker_auto_none_template
        messages += [
            {"role": "assistant", "content": text},
            {"role": "user", "content": template.replace("{agentlist}", str(agentlist))},
        ]
    fallback = groupchat.next_agent(last_speaker, agents)
    tries = groupchat.max_retries_for_selecting_speaker + 1
    return _announce(fallback, "auto", f"fallback: the LLM did not name one agent in {tries} tries, next in order", round_no)


def _selection_client(groupchat: GroupChat, selector: ConversableAgent) -> LLMClient | None:
    """The model that picks speakers: ``select_speaker_auto_llm_config`` if given, else the manager's.

    None without either: then, as in AutoGen 0.2 (and as the seed article's group chat relies on), members
    take turns in order; AG2 0.14 raises ValueError instead (docs/autogen-compatibility.md).
    """
    config = groupchat.select_speaker_auto_llm_config
    if config:
        cached = getattr(groupchat, "_selection_client", None)
        if cached is None or cached[0] is not config:
            cached = (config, LLMClient(settings_from_config(normalize_llm_config(config))))
            groupchat._selection_client = cached  # type: ignore[attr-defined]
        return cached[1]
    return selector.client


def _for_selector(message: dict[str, Any]) -> dict[str, Any]:
    """Group messages as plain text turns for the selector (tool calls are not the selector's to answer)."""
    role = message.get("role", "user")
    role = role if role in ("user", "assistant", "system") else "user"
    out = {"role": role, "content": message_text(message.get("content"))}
    if message.get("name"):
        out["name"] = message["name"]
    return out
