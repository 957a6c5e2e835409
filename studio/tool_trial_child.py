"""The Tools page's trial, inside its own process: ``python -m studio.tool_trial_child RESULT_FILE``.

Reads ``{"source", "name", "description", "arguments"}`` as JSON on stdin, loads the tool as a run would
(``studio.tool_loading``), calls it with the arguments validated into its hinted types, and writes
``{"ok": true, "result": text}`` or ``{"ok": false, "error": sentence}`` to RESULT_FILE. What the tool
prints goes to stdout, which the studio reads with a size cap (``studio.tool_trial``). The studio starts
this process with a scrubbed environment, in a temporary folder, and kills it after a timeout.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import traceback
from typing import Any

RESULT_LIMIT = 100_000
"""At most this many characters of the result are kept (as many as reach the model in a run)."""


def _where(error: BaseException, name: str) -> str:
    """The lines of the tool's own code the error went through, e.g. " (line 3: return 1 / x)"."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == f"<tool {name}>"]
    return f" (line {frames[-1].lineno} of the code)" if frames else ""


def trial(request: dict[str, Any]) -> dict[str, Any]:
    from pydantic import ValidationError

    from components.agentchat.function_schema import load_basemodels_if_needed, serialize_to_str
    from studio.tool_loading import load_function

    name = str(request.get("name") or "")
    try:
        func = load_function(str(request.get("source") or ""), name, str(request.get("description") or ""))
    except KeyError:
        return {"ok": False, "error": f"The code defines no function called {name}."}
    except BaseException as error:  # noqa: BLE001 - whatever the code's top level raises is the answer
        return {"ok": False, "error": f"The code failed while loading, before the tool was called: "
                                      f"{type(error).__name__}: {error}{_where(error, name)}"}
    arguments = request.get("arguments") or {}
    try:
        inspect.signature(func).bind(**arguments)
    except TypeError as error:
        return {"ok": False, "error": f"The arguments do not fit the tool's parameters: {error}."}
    try:
        value = load_basemodels_if_needed(func)(**arguments)
        if inspect.isawaitable(value):
            value = asyncio.run(_wait(value))
        text = serialize_to_str(value)
    except ValidationError as error:
        return {"ok": False, "error": f"The arguments do not fit the tool's parameters: {_problems(func, arguments, error)}."}
    except BaseException as error:  # noqa: BLE001 - the tool's own exception is what the person wants to see
        return {"ok": False, "error": f"The tool raised {type(error).__name__}: {error}{_where(error, name)}"}
    if len(text) > RESULT_LIMIT:
        text = text[:RESULT_LIMIT] + f"\n[cut: the result has {len(text):,} characters; the first {RESULT_LIMIT:,} are shown]"
    return {"ok": True, "result": text}


def _problems(func: Any, arguments: dict[str, Any], error: Exception) -> str:
    """Which argument does not fit its type, and why (pydantic's words), e.g. "b: Input should be ..."."""
    from pydantic import TypeAdapter, ValidationError

    from components.agentchat.function_schema import get_typed_signature, split_annotated

    for param in get_typed_signature(func).parameters.values():
        if param.name not in arguments or param.annotation is inspect.Parameter.empty:
            continue
        try:
            TypeAdapter(split_annotated(param.annotation)[0]).validate_python(arguments[param.name])
        except ValidationError as found:
            return "; ".join(f"{'.'.join([param.name, *(str(p) for p in e['loc'])])}: {e['msg']}" for e in found.errors())
    return str(error)


async def _wait(value: Any) -> Any:
    return await value


def main() -> None:
    result_file = sys.argv[1]
    request = json.loads(sys.stdin.read())
    outcome = trial(request)
    sys.stdout.flush()
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump(outcome, out)


if __name__ == "__main__":
    main()
