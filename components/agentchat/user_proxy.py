"""UserProxyAgent: stands in for the human; runs the code it receives and asks the human when told to."""

from __future__ import annotations

from typing import Any

from components.agentchat.conversable import ConversableAgent

DEFAULT_USER_PROXY_AGENT_DESCRIPTIONS = {
    "ALWAYS": "An attentive HUMAN user who can answer questions about the task, and can perform tasks such as "
    "running Python code or inputting command line commands at a Linux terminal and reporting back the execution results.",
    "TERMINATE": "A user that can run Python code or input command line commands at a Linux terminal and report "
    "back the execution results.",
    "NEVER": "A computer terminal that performs no other action than running Python scripts (provided to it quoted "
    "in ```python code blocks), or sh shell scripts (provided to it quoted in ```sh code blocks).",
}


class UserProxyAgent(ConversableAgent):
    def __init__(
        self,
        name: str,
        is_termination_msg: Any = None,
        max_consecutive_auto_reply: int | None = None,
        human_input_mode: str = "ALWAYS",
        function_map: dict[str, Any] | None = None,
        code_execution_config: Any = None,
        default_auto_reply: str | dict[str, Any] = "",
        llm_config: dict[str, Any] | bool | None = False,
        system_message: str | list | None = "",
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name,
            system_message=system_message,
            is_termination_msg=is_termination_msg,
            max_consecutive_auto_reply=max_consecutive_auto_reply,
            human_input_mode=human_input_mode,
            function_map=function_map,
            code_execution_config={} if code_execution_config is None else code_execution_config,
            llm_config=llm_config,
            default_auto_reply=default_auto_reply,
            description=description or DEFAULT_USER_PROXY_AGENT_DESCRIPTIONS.get(human_input_mode, ""),
            **kwargs,
        )
