"""``from components import X`` works for every public name, while ``import components.events`` (what storage
and the studio's first page need) does not load the engine: the package's names load when first used."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import components

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_name_imports_from_the_package_and_is_the_defining_modules_object() -> None:
    assert sorted(components.__all__) == sorted(components._EXPORTS)
    for name, module in components._EXPORTS.items():
        value = getattr(components, name)
        assert value is getattr(sys.modules[module], name), name
    assert set(components.__all__) <= set(dir(components))


def test_the_names_for_type_checkers_are_the_same_as_the_ones_loaded() -> None:
    """The ``if TYPE_CHECKING:`` imports (for editors and type checkers) name the same modules."""
    tree = ast.parse((ROOT / "components" / "__init__.py").read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    declared = {a.asname or a.name: n.module for n in block.body if isinstance(n, ast.ImportFrom) for a in n.names}
    assert declared == components._EXPORTS


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        components.NoSuchAgent  # noqa: B018 - the lookup is the test
    except AttributeError as error:
        assert "NoSuchAgent" in str(error)
    else:
        raise AssertionError("components.NoSuchAgent did not raise")


def test_importing_the_events_does_not_load_the_engine() -> None:
    probe = ("import json, sys; import components.events, storage; "
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('components.agentchat'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
