"""Installing the user functions' packages inside a sandbox, where the code that imports them runs.

The command runs as the code's own user: pip then installs into that user's site (under ``$HOME``, which
is /tmp in Roundtable's sandbox, so a fresh container needs them again). A requirement the image already
has (by name, or pinned with ``==`` to the installed version) is not asked of pip, so an offline sandbox
whose image ships the package works; anything else (other specifiers, extras, URLs) goes to pip.
"""

from __future__ import annotations

import json

_SCRIPT = """import importlib.metadata as m, json, re, subprocess, sys
def have(req):
    match = re.fullmatch(r"\\s*([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(?:==\\s*([A-Za-z0-9.+!_-]+))?\\s*", req)
    if match is None:
        return False
    try:
        return match[2] in (None, m.version(match[1]))
    except m.PackageNotFoundError:
        return False
missing = [r for r in json.loads(sys.argv[1]) if not have(r)]
if missing:
    sys.exit(subprocess.run([sys.executable, "-m", "pip", "install", "-qqq", *missing]).returncode)
"""


def install_argv(python: list[str], packages: list[str]) -> list[str]:
    """The command that makes ``packages`` importable by ``python`` (the sandbox's interpreter argv)."""
    return [*python, "-c", _SCRIPT, json.dumps(packages)]
