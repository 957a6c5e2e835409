"""The Docker executor as AutoGen code sees it: ``code_file`` and user functions, on a real engine.

``code_file`` follows AG2's DockerCommandLineCodeExecutor (the work dir as given, joined with the
file); ``functions=[...]`` is what the local executor (and AutoGen's) offers, here with the functions
module and its packages inside the sandbox.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import docker
import pytest

from components import FunctionWithRequirements, with_requirements
from components.coding.base import CodeBlock, CodeResult
from components.coding.docker_executor import DockerCommandLineCodeExecutor
from tests.coding.test_docker_executor import MakeExecutor
from tests.support.services import missing_service


def run(executor: DockerCommandLineCodeExecutor, code: str, language: str = "python") -> CodeResult:
    return executor.execute_code_blocks([CodeBlock(code=code, language=language)])


def test_code_file_is_the_work_dir_as_given_joined_with_the_file(
    make_executor: MakeExecutor, work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "print('hi')"
    absolute = run(make_executor(), code)
    assert absolute.output == "hi\n"
    assert absolute.code_file == str(work / f"tmp_code_{hashlib.md5(code.encode()).hexdigest()}.py")

    monkeypatch.chdir(tmp_path)
    relative = make_executor(work_dir="coding")
    named = run(relative, "# filename: tools/hello.py\nprint('hello')")
    assert (named.exit_code, named.output, named.code_file) == (0, "hello\n", "coding/tools/hello.py")
    saved = run(relative, "<!-- page.html -->\n<p>hi</p>", "html")
    assert (saved.output, saved.code_file) == ("Code saved to coding/page.html\n", "coding/page.html")
    assert (tmp_path / "coding" / "page.html").is_file()


def hypotenuse(a: float, b: float) -> float:
    """The long side of a right triangle."""
    return math.hypot(a, b)  # noqa: F821 - math comes from global_imports, in the functions module


def shout(text: str) -> str:
    return text.upper() + "!"


def test_user_functions_are_importable_by_code_in_the_sandbox(make_executor: MakeExecutor, work: Path) -> None:
    executor = make_executor(functions=[FunctionWithRequirements.from_callable(hypotenuse, global_imports=["math"]), shout])
    prompt = executor.format_functions_for_prompt()
    assert "from functions import foo" in prompt and "def hypotenuse(a: float, b: float) -> float:" in prompt

    result = run(executor, "import functions, os\nfrom functions import hypotenuse, shout\n"
                           "print(hypotenuse(3, 4), shout('hi'), os.path.dirname(functions.__file__))")
    assert (result.exit_code, result.output) == (0, "5.0 HI! /workspace\n")  # imported inside the container
    assert (work / "functions.py").read_text().startswith("import math")
    assert [a.path for a in result.artifacts] == []  # the module is no artifact of the code


def test_a_functions_module_name_of_your_own(make_executor: MakeExecutor, work: Path) -> None:
    executor = make_executor(functions=[shout], functions_module="helpers")
    assert run(executor, "from helpers import shout\nprint(shout('ok'))").output == "OK!\n"
    assert (work / "helpers.py").is_file()
    with pytest.raises(ValueError, match="valid Python identifier"):
        make_executor(functions=[shout], functions_module="not-a-module")


def test_functions_that_cannot_load_in_the_sandbox_are_an_error(make_executor: MakeExecutor) -> None:
    # pytest is installed here, not in the sandbox: the check runs where the code will
    broken = FunctionWithRequirements.from_callable(shout, global_imports=["pytest"])
    executor = make_executor(functions=[broken])
    with pytest.raises(ValueError, match="(?s)Functions failed to load: .*No module named 'pytest'"):
        run(executor, "print('never runs')")


def test_packages_the_image_has_need_no_network(
    make_executor: MakeExecutor, sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    try:
        docker_client.containers.run(sandbox_image, ["python3", "-c", "import numpy"], remove=True)
    except docker.errors.ContainerError:
        missing_service(f"numpy in the sandbox image {sandbox_image} (build it with scripts/build_sandbox_image.sh)")

    @with_requirements(python_packages=["numpy"], global_imports=["numpy"])
    def mean(xs: list[float]) -> float:
        return float(numpy.mean(xs))  # noqa: F821 - numpy comes from global_imports

    executor = make_executor(functions=[mean])  # network=False, the default
    result = run(executor, "from functions import mean\nprint(mean([1, 2, 3, 6]))")
    assert (result.exit_code, result.output) == (0, "3.0\n")


def test_packages_an_offline_sandbox_lacks_fail_with_the_reason(make_executor: MakeExecutor, work: Path) -> None:
    wanted = FunctionWithRequirements.from_callable(shout, python_packages=["roundtable-no-such-package==0.0.1"])
    executor = make_executor(functions=[wanted])
    with pytest.raises(ValueError, match=r"(?s)installing \['roundtable-no-such-package==0.0.1'\] .* in the sandbox "
                                         r"failed \(the sandbox has no network: network=False\)"):
        run(executor, "print('never runs')")
    assert not any(work.glob("tmp_code_*"))  # nothing ran
