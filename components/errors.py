"""The engine's exceptions, split by who must act.

- ``ValueError`` (built in): the programmer passed an invalid configuration; the message names the field
  and the fix.
- ``LLMError``: the model provider failed; ``kind`` says how and ``retryable`` whether trying again can help.
- ``RunCancelled``: somebody stopped the run; nothing is wrong.
"""

from __future__ import annotations

from typing import Literal

LLMErrorKind = Literal[
    "authentication", "rate_limit", "timeout", "connection", "not_found", "bad_request", "server",
    "context_window", "not_installed", "unknown",
]


class RoundtableError(Exception):
    """Base of every error raised by the engine (besides ValueError for bad configuration)."""


class RunCancelled(RoundtableError):
    """The run was stopped (by the user or its host) while it was working."""


class LLMError(RoundtableError):
    def __init__(self, message: str, *, kind: LLMErrorKind, model: str, retryable: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.model = model
        self.retryable = retryable


class SenderRequired(RoundtableError):
    """A reply trigger needs a sender and none was given (AutoGen's exception of the same name)."""


class NoEligibleSpeaker(RoundtableError):
    """No agent may speak next; the group chat ends."""


class InvalidCarryOverTypeError(RoundtableError):
    """A chat's ``carryover`` is neither a string nor a list (AutoGen's exception of the same name)."""


class UndefinedNextAgentError(RoundtableError):
    """``GroupChat.next_agent`` was given agents none of which is in the group (AutoGen's exception)."""


class LLMConfigRequired(RuntimeError, AssertionError):
    """A function was registered for the LLM of an agent that has none.

    AutoGen raises ``AssertionError`` here (and documents ``RuntimeError``): this is both.
    """


class FunctionSchemaError(TypeError, ValueError):
    """A function cannot be described to the model (a parameter without a type hint, no description).

    AutoGen raises ``TypeError`` for a missing annotation; Roundtable used ``ValueError``: this is both.
    """


class HumanInputTimeout(RoundtableError):
    """Nobody answered an agent's request for human input in time."""


# AutoGen's names for the same exceptions, so ``except NoEligibleSpeakerError`` works after the import change.
SenderRequiredError = SenderRequired
NoEligibleSpeakerError = NoEligibleSpeaker
