"""Opening the studio's pages imports none of the heavy libraries (litellm, llama_cpp, docker, ...): each costs
a noticeable part of a second at every start. They load when a run, a check or a button needs them.

Every page is run (AppTest) in one fresh Python process; the studio's background work (litellm's pre-import,
the first sweep for leftover sandbox containers) is pushed out of the window, as it starts seconds after the
first page on purpose (``studio.state.BACKGROUND_WORK_AFTER_S``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["litellm", "llama_cpp", "docker", "openai", "matplotlib", "tiktoken"]
PAGES = ["playground", "history", "replay", "experiments", "gallery", "teams", "agents", "models", "tools",
         "transfer", "settings"]
PROBE = """
import json, sys
import studio.state
studio.state.BACKGROUND_WORK_AFTER_S = 600.0
from streamlit.testing.v1 import AppTest
app, heavy, pages = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
found = {}
for page in pages:
    at = AppTest.from_file(app, default_timeout=120)
    at.switch_page(f"views/{page}.py")
    at.run()
    errors = [e.value for e in at.exception]
    found[page] = {"imported": [m for m in heavy if m in sys.modules], "errors": errors}
print(json.dumps(found))
"""


def test_no_page_imports_a_heavy_library(tmp_path: Path) -> None:
    env = {**os.environ, "ROUNDTABLE_DATA_DIR": str(tmp_path), "ROUNDTABLE_DATABASE_URL": f"sqlite:///{tmp_path}/r.db",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "studio" / "app.py"), ",".join(HEAVY), ",".join(PAGES)],
                         env=env, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert {page: seen["errors"] for page, seen in found.items() if seen["errors"]} == {}
    assert {page: seen["imported"] for page, seen in found.items() if seen["imported"]} == {}


WARM_UP_PROBE = """
import gc, json, sys
import studio.state
studio.state.BACKGROUND_WORK_AFTER_S = 0.0
before = gc.get_freeze_count()
studio.state._warm_up(import_litellm=sys.argv[1] == "local")
print(json.dumps({"frozen": gc.get_freeze_count() - before, "litellm": "litellm" in sys.modules}))
"""


@pytest.mark.parametrize("mode", ["local", "workers"])
def test_the_warm_up_freezes_what_is_loaded_and_imports_litellm_only_where_runs_execute(mode: str) -> None:
    """Streamlit collects garbage after every script run; the warm-up takes what is loaded out of the
    collector's walk (tens of milliseconds per page switch), in workers mode too, where litellm is not
    needed by the studio process and must not be loaded into it."""
    out = subprocess.run([sys.executable, "-c", WARM_UP_PROBE, mode], env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["frozen"] > 10_000
    assert seen["litellm"] is (mode == "local")
