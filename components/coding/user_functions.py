"""The part of an executor that makes user functions importable by the code it runs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from string import Template
from typing import Any

from components.coding.base import CodeBlock, CodeResult
from components.coding.functions import (
    FUNCTION_PROMPT_TEMPLATE,
    UserFunction,
    build_functions_module,
    function_name,
    required_packages,
    to_stub,
)


class UserFunctionsMixin:
    """Mixed into an executor: writes ``<functions_module>.py`` (and pip-installs its packages) before
    the first block runs, so the blocks can import the functions."""

    def _init_functions(self, functions: list[UserFunction] | None, functions_module: str) -> None:
        if not functions_module.isidentifier():
            raise ValueError(f"functions_module must be a valid Python identifier, got {functions_module!r}")
        self._functions = list(functions or [])
        self._functions_module = functions_module
        self._functions_ready = not self._functions

    @property
    def functions(self) -> list[UserFunction]:
        return self._functions

    @property
    def functions_module(self) -> str:
        return self._functions_module

    def format_functions_for_prompt(self, prompt_template: str = FUNCTION_PROMPT_TEMPLATE) -> str:
        """Tell the model which functions it may import (``$module_name`` and ``$functions`` are filled in)."""
        return Template(prompt_template).substitute(
            module_name=self._functions_module, functions="\n\n".join(to_stub(f) for f in self._functions)
        )

    def execute_code_blocks(self, code_blocks: list[CodeBlock], *args: Any, **kwargs: Any) -> CodeResult:
        if not self._functions_ready:
            self._setup_functions()
        return super().execute_code_blocks(code_blocks, *args, **kwargs)  # type: ignore[misc]

    def _setup_functions(self) -> None:
        source = build_functions_module(self._functions)
        module_file = self._root / f"{self._functions_module}.py"  # type: ignore[attr-defined]
        module_file.write_text(source, encoding="utf-8")
        self._functions_module_written(module_file)
        packages = required_packages(self._functions)
        if packages:
            self._install_function_packages(packages)
        names = ", ".join(function_name(f) for f in self._functions)
        check = self.execute_block(CodeBlock(code=f"from {self._functions_module} import {names}\n", language="python"))  # type: ignore[attr-defined]
        if check.exit_code != 0:
            raise ValueError(f"Functions failed to load: {check.output}")
        self._functions_ready = True

    def _functions_module_written(self, path: Path) -> None:
        """Hook: the functions module was just written to ``path``."""

    def _install_function_packages(self, packages: list[str]) -> None:
        """pip-install ``packages`` where the code runs: here, with the executor's python (AutoGen's way)."""
        python = self.commands["python"][0]  # type: ignore[attr-defined]
        try:
            done = subprocess.run(
                [python, "-m", "pip", "install", "-qqq", *packages], cwd=self._root,  # type: ignore[attr-defined]
                capture_output=True, text=True, timeout=float(self.timeout),  # type: ignore[attr-defined]
            )
        except subprocess.TimeoutExpired as exc:
            raise ValueError(f"pip install of {packages} for the user functions timed out") from exc
        if done.returncode != 0:
            raise ValueError(f"pip install of {packages} for the user functions failed: {done.stderr or done.stdout}")
