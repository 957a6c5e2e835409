"""Tokens and cost an agent spent, per model, in AutoGen's usage-summary shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ModelUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    calls: int = 0
    cost_known: bool = True


@dataclass
class UsageLedger:
    by_model: dict[str, ModelUsage] = field(default_factory=dict)

    def record(self, model: str, prompt_tokens: int, completion_tokens: int, cost: float | None) -> None:
        usage = self.by_model.setdefault(model, ModelUsage())
        usage.prompt_tokens += prompt_tokens
        usage.completion_tokens += completion_tokens
        usage.calls += 1
        if cost is None:
            usage.cost_known = False
        else:
            usage.cost += cost

    def clear(self) -> None:
        self.by_model.clear()

    @property
    def total_cost(self) -> float:
        return sum(u.cost for u in self.by_model.values())

    def summary(self) -> dict[str, Any]:
        """``{"total_cost": x, "<model>": {"cost", "prompt_tokens", "completion_tokens", "total_tokens"}}``."""
        out: dict[str, Any] = {"total_cost": round(self.total_cost, 8)}
        for model, u in self.by_model.items():
            out[model] = {
                "cost": round(u.cost, 8), "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens, "total_tokens": u.prompt_tokens + u.completion_tokens,
            }
        return out


def gather_usage_summary(agents: Iterable[Any]) -> dict[str, Any]:
    """The ``cost`` of a ChatResult: usage of every agent, merged per model (no cache: both views equal)."""
    merged = UsageLedger()
    for agent in agents:
        ledger = getattr(agent, "usage", None)
        if not isinstance(ledger, UsageLedger):
            continue
        for model, u in ledger.by_model.items():
            into = merged.by_model.setdefault(model, ModelUsage())
            into.prompt_tokens += u.prompt_tokens
            into.completion_tokens += u.completion_tokens
            into.cost += u.cost
            into.calls += u.calls
    summary = merged.summary()
    return {"usage_including_cached_inference": summary, "usage_excluding_cached_inference": dict(summary)}
