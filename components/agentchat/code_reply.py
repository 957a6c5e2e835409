"""The code-execution reply: find code blocks in recent messages, run them, report as AutoGen does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components import runtime
from components.coding.base import CodeBlock, CodeResult
from components.coding.base import CodeExecutor as BaseExecutor
from components.coding.extract import UNKNOWN, extract_code, infer_lang, message_text
from components.events import CodeFinished, CodeStarted, new_id

if TYPE_CHECKING:
    from components.agentchat.conversable import Agent, ConversableAgent


def generate_code_execution_reply(
    self: ConversableAgent,
    messages: list[dict[str, Any]] | None = None,
    sender: Agent | None = None,
    config: Any = None,
) -> tuple[bool, str | None]:
    settings = self._code_execution_config
    if settings is False:
        return False, None
    if messages is None:
        messages = self._oai_messages[sender]
    scan = messages_to_scan(settings.last_n_messages, messages)
    for message in reversed(messages[max(0, len(messages) - scan):]):
        if not message.get("content"):
            continue
        custom = settings.executor if settings.executor is not None and not isinstance(settings.executor, str) else None
        if custom is not None and not _is_builtin(custom):
            blocks = list(custom.code_extractor.extract_code_blocks(message["content"]))
        else:
            blocks = code_blocks_in(message_text(message["content"]))
        if not blocks:
            continue
        result = run_blocks(self, blocks)
        outcome = "execution succeeded" if result.exit_code == 0 else "execution failed"
        return True, f"exitcode: {result.exit_code} ({outcome})\nCode output: {result.output}"
    return False, None


def messages_to_scan(last_n_messages: int | str, messages: list[dict[str, Any]]) -> int:
    """How many trailing messages to look at; "auto" means the trailing run of messages from others."""
    if last_n_messages == "auto":
        count = 0
        for message in reversed(messages):
            if message.get("role") != "user":
                break
            count += 1
        return count
    if not isinstance(last_n_messages, int) or last_n_messages < 0:
        raise ValueError(f"last_n_messages must be 'auto' or a non-negative int, got {last_n_messages!r}")
    return last_n_messages


def code_blocks_in(text: str) -> list[CodeBlock]:
    """Fenced code blocks of a message; unlabelled ones get the inferred language."""
    found = extract_code(text)
    if len(found) == 1 and found[0][0] == UNKNOWN:
        return []
    return [CodeBlock(code=code, language=lang or infer_lang(code)) for lang, code in found]


def _is_builtin(executor: Any) -> bool:
    """One of Roundtable's executors (events per block), not merely one that fits AutoGen's protocol."""
    return BaseExecutor in type(executor).__mro__


def run_blocks(agent: ConversableAgent, blocks: list[CodeBlock]) -> CodeResult:
    """Run blocks in order (stopping at the first failure), publishing start/finish events for each."""
    executor = agent.code_executor
    kind = getattr(executor, "kind", type(executor).__name__)
    work_dir = str(getattr(executor, "_root", None) or getattr(executor, "work_dir", "") or "")
    exec_ids: dict[int, str] = {}

    def started(block: CodeBlock) -> None:
        exec_ids[id(block)] = new_id()
        runtime.emit(CodeStarted(
            agent=agent.name, exec_id=exec_ids[id(block)], language=block.language, code=block.code, executor=kind,
        ))

    def finished(block: CodeBlock, result: Any) -> None:
        runtime.emit(CodeFinished(
            agent=agent.name, exec_id=exec_ids[id(block)], language=block.language, exit_code=result.exit_code,
            output=result.output, duration_s=round(getattr(result, "duration_s", 0.0), 4), work_dir=work_dir,
            artifacts=list(getattr(result, "artifacts", [])),
        ))

    if _is_builtin(executor):
        return executor.execute_code_blocks(blocks, before_block=started, after_block=finished)
    # an executor of the program's own (AutoGen's protocol): one call for all blocks, reported on the last
    for block in blocks:
        started(block)
    result = executor.execute_code_blocks(blocks)
    for block in blocks:
        finished(block, result)
    return result
