"""User functions that code run by an executor can import (AutoGen's ``functions=[...]`` of an executor).

    @with_requirements(python_packages=["numpy"], global_imports=["numpy"])
    def mean(xs: list[float]) -> float:
        return float(numpy.mean(xs))

    executor = LocalCommandLineCodeExecutor(functions=[mean])   # code may `from functions import mean`

The executor writes the functions' source into ``<work_dir>/<functions_module>.py`` before the first
block, installs their packages with pip, and checks that the module imports; the LLM learns about them
from ``executor.format_functions_for_prompt()``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from textwrap import dedent, indent
from typing import Any, Generic, TypeVar

T = TypeVar("T")

FUNCTION_PROMPT_TEMPLATE = """You have access to the following user defined functions. They can be accessed from the module called `$module_name` by their function names.

For example, if there was a function called `foo` you could import it by writing `from $module_name import foo`

$functions"""


@dataclass
class Alias:
    """``import name as alias``"""

    name: str
    alias: str


@dataclass
class ImportFromModule:
    """``from module import a, b as c``"""

    module: str
    imports: list[str | Alias]


Import = str | ImportFromModule | Alias


def import_statement(item: Import) -> str:
    if isinstance(item, str):
        return f"import {item}"
    if isinstance(item, Alias):
        return f"import {item.name} as {item.alias}"
    names = ", ".join(i if isinstance(i, str) else f"{i.name} as {i.alias}" for i in item.imports)
    return f"from {item.module} import {names}"


@dataclass
class FunctionWithRequirements(Generic[T]):
    """A function plus the pip packages and imports its source needs to run on its own."""

    func: Callable[..., T]
    python_packages: list[str] = field(default_factory=list)
    global_imports: list[Import] = field(default_factory=list)

    @classmethod
    def from_callable(
        cls, func: Callable[..., T], python_packages: list[str] | None = None, global_imports: list[Import] | None = None
    ) -> FunctionWithRequirements[T]:
        return cls(func=func, python_packages=list(python_packages or []), global_imports=list(global_imports or []))

    @staticmethod
    def from_str(
        func: str, python_packages: list[str] | None = None, global_imports: list[Import] | None = None
    ) -> FunctionWithRequirementsStr:
        return FunctionWithRequirementsStr(func, python_packages, global_imports)

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return self.func(*args, **kwargs)


class FunctionWithRequirementsStr:
    """A function given as source text (exactly one ``def``), with its packages and imports."""

    def __init__(self, func: str, python_packages: list[str] | None = None, global_imports: list[Import] | None = None) -> None:
        self.func = func
        self.python_packages = list(python_packages or [])
        self.global_imports = list(global_imports or [])
        namespace: dict[str, Any] = {}
        try:
            exec(compile(func, "<function with requirements>", "exec"), namespace)  # noqa: S102 - the developer's own source
        except Exception as exc:
            raise ValueError(f"Could not compile function: {exc}") from exc
        defined = [v for v in namespace.values() if inspect.isfunction(v)]
        if len(defined) != 1:
            raise ValueError(f"The string must contain exactly one function, found {len(defined)}")
        self._compiled_func = defined[0]
        self._func_name = defined[0].__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("String based function with requirement objects are not directly callable")


def with_requirements(
    python_packages: list[str] | None = None, global_imports: list[Import] | None = None
) -> Callable[[Callable[..., T]], FunctionWithRequirements[T]]:
    """Decorator: declare the pip packages and imports a user function needs."""

    def wrapper(func: Callable[..., T]) -> FunctionWithRequirements[T]:
        wrapped = FunctionWithRequirements.from_callable(func, python_packages, global_imports)
        functools.update_wrapper(wrapped, func)
        return wrapped

    return wrapper


UserFunction = FunctionWithRequirements[Any] | FunctionWithRequirementsStr | Callable[..., Any]


def function_source(func: UserFunction) -> str:
    """The source of ``func`` as it goes into the functions module (its decorator line dropped)."""
    if isinstance(func, FunctionWithRequirementsStr):
        return func.func
    target = func.func if isinstance(func, FunctionWithRequirements) else func
    code = dedent(inspect.getsource(target))
    lines = code.split("\n")
    while lines and lines[0].lstrip().startswith("@"):
        lines.pop(0)
    return "\n".join(lines)


def build_functions_module(funcs: list[UserFunction]) -> str:
    imports: list[str] = []
    for func in funcs:
        if isinstance(func, (FunctionWithRequirements, FunctionWithRequirementsStr)):
            imports += [s for s in map(import_statement, func.global_imports) if s not in imports]
    return "\n".join(imports) + "\n\n" + "".join(function_source(f) + "\n\n" for f in funcs)


def required_packages(funcs: list[UserFunction]) -> list[str]:
    packages: list[str] = []
    for func in funcs:
        if isinstance(func, (FunctionWithRequirements, FunctionWithRequirementsStr)):
            packages += [p for p in func.python_packages if p not in packages]
    return packages


def to_stub(func: UserFunction) -> str:
    """``def name(signature):`` with its docstring and ``...``: what the model is shown."""
    if isinstance(func, FunctionWithRequirementsStr):
        func = func._compiled_func
    if isinstance(func, FunctionWithRequirements):
        func = func.func
    from components.agentchat.function_schema import get_typed_signature  # resolves "float" to float

    stub = f"def {func.__name__}{get_typed_signature(func)}:\n"
    if func.__doc__:
        stub += indent('"""' + dedent(func.__doc__) + '"""', "    ") + "\n"
    return stub + "    ..."


def function_name(func: UserFunction) -> str:
    if isinstance(func, FunctionWithRequirementsStr):
        return func._func_name
    return (func.func if isinstance(func, FunctionWithRequirements) else func).__name__
