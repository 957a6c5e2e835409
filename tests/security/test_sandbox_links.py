"""Code in the sandbox cannot make the host read host files through the work dir (issue 11, item 2).

The code links host files into its work dir (a file, a folder, ``/``) and leaves a FIFO; an imported run
JSON points its events' ``work_dir`` and artifact paths at host files. Neither may show an artifact or a
byte of those files in the page, a download or an export.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from components.coding.workspace_files import read_inside
from components.events import Artifact, CodeFinished
from storage import open_database
from storage.eventlog import events_after
from storage.runs import get_run
from storage.transfer import import_run
from storage.validation import load_run_json
from studio.runs.export import export_all, run_json
from studio.runs.files import RunFiles, run_folder
from tests.security.helpers import docker_team
from tests.studio.helpers import texts
from tests.studio_runs.conftest import coder_team

SECRET = "host-secret-4f1c9a: the keys of the database"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "host" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def _hostile_block(secret: Path) -> str:
    return (
        "```sh\n"
        f"ln -s {secret} leak.png\n"
        f"ln -s {secret} notes.txt\n"
        f"mkdir -p sub && ln -s {secret.parent} sub/up && ln -s {secret.parent} hostdir\n"
        "ln -s / rootlink\n"
        "mkfifo pipe.txt\n"
        "printf 'made in the sandbox' > real.txt\n"
        "echo linked\n"
        "```"
    )


def _assert_nothing_leaks(exports: dict[str, str]) -> None:
    encoded = base64.b64encode(SECRET.encode()).decode()
    for kind, text in exports.items():
        assert SECRET not in text and encoded[:24] not in text, f"the {kind} export contains the host file"


def test_a_docker_run_that_links_host_files_shows_none_of_them(  # type: ignore[no-untyped-def]
    tmp_path, llm, secret, sandbox_image, studio_db, page, make_engine
) -> None:
    db = studio_db  # the studio's own database and data dir, so that its pages show this run
    data_dir = tmp_path / "data"
    engine = make_engine(db, data_dir)
    llm.script("writer", [_hostile_block(secret), "TERMINATE"])
    run_id = engine.start(docker_team(llm.url, sandbox_image), "link things", api_keys={"Scripted": "k"})
    assert engine.wait(run_id, 120)
    assert get_run(db, run_id).status == "completed", get_run(db, run_id).error

    finished = [e.event for e in events_after(db, run_id, 0) if isinstance(e.event, CodeFinished)]
    assert finished and "linked" in finished[0].output
    assert [a.path for a in finished[0].artifacts] == ["real.txt"]  # no link, no FIFO is an artifact
    assert (run_folder(data_dir, run_id) / "leak.png").is_symlink()  # the links are really there

    files = RunFiles.of(data_dir, run_id)
    work_dir = finished[0].work_dir
    assert files.read(work_dir, finished[0].artifacts[0]) == b"made in the sandbox"
    for path in ("leak.png", "notes.txt", "sub/up/secret.txt", "hostdir/secret.txt", f"rootlink{secret}", "pipe.txt"):
        assert files.read(work_dir, Artifact(path=path, mime="image/png", size=1)) is None, path
    _assert_nothing_leaks(export_all(db, run_id, data_dir))

    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start: draw it all
    assert not at.exception, [e.value for e in at.exception]
    assert SECRET not in texts(at)
    downloads = [str(d.proto) for d in at.get("download_button")]
    assert len(downloads) == 1 and "real.txt" in downloads[0]  # the one real file, offered for download
    assert len(at.get("image")) == 0  # leak.png is drawn nowhere


def _hostile_import(tmp_path: Path, llm, secret: Path, make_engine):  # type: ignore[no-untyped-def]
    """A real run's export, with a code result whose work dir and artifact paths point at the host file."""
    source = open_database(f"sqlite:///{tmp_path / 'source.db'}")
    llm.script("writer", ["TERMINATE"])
    engine = make_engine(source, tmp_path / "elsewhere")
    run_id = engine.start(coder_team(llm.url), "hi", api_keys={"Scripted": "k"})
    engine.wait(run_id, 60)
    data = json.loads(run_json(source, run_id))
    last = data["events"][-1]
    artifacts = [
        {"path": secret.name, "mime": "text/plain", "size": 10},
        {"path": str(secret), "mime": "text/plain", "size": 10},
        {"path": "../../../../../../../../" + str(secret), "mime": "image/png", "size": 10},
        {"path": "leak.png", "mime": "image/png", "size": 10},
        {"path": "notes.txt", "mime": "text/plain", "size": 10},
    ]
    hostile = []
    for seq, work_dir in enumerate([str(secret.parent), "/", "{root}", "{root}/../../../.."], start=last["seq"] + 1):
        event = CodeFinished(agent="executor", exec_id=f"x{seq}", language="sh", exit_code=0, output="done",
                             duration_s=0.1, work_dir=work_dir, artifacts=[Artifact(**a) for a in artifacts])
        payload = json.loads(event.model_dump_json())
        hostile.append({**last, "seq": seq, "kind": "code_finished", "sender": "executor", "recipient": None,
                        "payload": payload})
    data["events"] += hostile
    return data


def test_an_imported_run_cannot_point_the_studio_at_host_files(tmp_path, llm, secret, studio_db, page, make_engine) -> None:  # type: ignore[no-untyped-def]
    data = _hostile_import(tmp_path, llm, secret, make_engine)
    data_dir = tmp_path / "data"  # the studio's data dir (studio_db sets it)
    next_id = 1
    root = run_folder(data_dir, next_id)
    root.mkdir(parents=True)  # leftovers of a sandbox in the folder the import will be shown from
    (root / "leak.png").symlink_to(secret)
    (root / "notes.txt").symlink_to(secret)
    text = json.dumps(data).replace("{root}", str(root))
    imported = import_run(studio_db, load_run_json(text, "hostile.json"))
    assert imported.run_id == next_id

    _assert_nothing_leaks(export_all(studio_db, imported.run_id, data_dir))

    at = page("replay")
    at.query_params["run"] = str(imported.run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start: draw it all
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert SECRET not in shown
    assert shown.count("not available here") == 4 * 5  # every artifact is named, none is read
    assert len(at.get("image")) == 0


def test_the_reader_refuses_links_fifos_and_escapes(tmp_path, secret) -> None:  # type: ignore[no-untyped-def]
    import os

    root = tmp_path / "work"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "ok.txt").write_text("fine")
    (root / "link.txt").symlink_to(secret)
    (root / "dirlink").symlink_to(secret.parent, target_is_directory=True)
    (root / "inner.txt").symlink_to(root / "sub" / "ok.txt")  # even a link that stays inside is refused
    os.mkfifo(root / "fifo")

    assert read_inside(root, "sub/ok.txt", 100) == b"fine"
    assert read_inside(root, "sub/ok.txt", 3) is None  # over the limit
    for path in ("link.txt", "dirlink/secret.txt", "inner.txt", "fifo", "../host/secret.txt", str(secret),
                 "sub/../../host/secret.txt", "", "sub"):
        assert read_inside(root, path, 1000) is None, path


def test_a_work_dir_replaced_by_a_link_is_never_mounted(make_executor, work: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One agent's sandbox holds the run's folder, another's works in a folder inside it: the first
    replaces that folder with a link to a host folder before the second starts its container."""
    from components.coding.base import CodeBlock
    from components.coding.docker_executor import WorkDirReplaced

    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    owner = host_dir.stat().st_uid
    outer = make_executor(work_dir=work)
    inner = make_executor(work_dir=work / "sub")
    replace = f"rm -rf sub && ln -s {host_dir} sub && echo replaced"
    assert outer.execute_code_blocks([CodeBlock(code=replace, language="sh")]).output == "replaced\n"
    assert (work / "sub").is_symlink()

    with pytest.raises(WorkDirReplaced, match="was replaced by a link"):
        inner.execute_code_blocks([CodeBlock(code="echo pwned > /workspace/pwned.txt", language="sh")])
    assert list(host_dir.iterdir()) == []  # nothing was written into the host folder
    assert host_dir.stat().st_uid == owner  # nor was it handed to the sandbox's user


def test_an_artifact_over_the_size_limit_is_named_not_read(studio_db, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from components.events import ChatStarted
    from storage.eventlog import append_events
    from storage.runs import create_run
    from studio.runs.files import MAX_ARTIFACT_BYTES

    run_id = create_run(studio_db, coder_team("http://127.0.0.1:9/v1"), "big file")
    root = run_folder(tmp_path / "data", run_id)
    root.mkdir(parents=True)
    with (root / "big.bin").open("wb") as file:
        file.truncate(MAX_ARTIFACT_BYTES + 1)  # sparse: no disk is filled
    finished = CodeFinished(agent="executor", exec_id="x", language="sh", exit_code=0, output="", duration_s=0.1,
                            work_dir=str(root), artifacts=[Artifact(path="big.bin", mime="application/octet-stream",
                                                                    size=MAX_ARTIFACT_BYTES + 1)])
    append_events(studio_db, run_id, [ChatStarted(chat_id="c", initiator="executor", recipient="coder"), finished])
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start: draw it all
    assert not at.exception, [e.value for e in at.exception]
    assert "big.bin" in texts(at) and "larger than the 25.0 MB shown here" in texts(at)
    assert len(at.get("download_button")) == 0
