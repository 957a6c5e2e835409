"""Storing a new run: its row, its launch record and its uploaded files in the run's work dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage import Database
from storage.documents import TeamDocument
from storage.people import Actor
from storage.runs import create_run
from studio.runs.files import run_folder


def upload_name(name: str) -> str:
    """An uploaded file's name without any folder part (a name like ".." or "" becomes "upload")."""
    base = Path(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "upload"


def store_run(
    db: Database, data_dir: Path, document: TeamDocument, task: str, *,
    files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    continues: tuple[int, int | None] | None = None, session_id: int | None = None, note: str = "",
    holder: str | None = None, owner: Actor | None = None,
) -> int:
    """Store a new run (status created, ``owner``'s) with what executing it needs: its launch record (the
    run it continues, a note) and its files in the work dir. ``holder`` claims it at once."""
    if not task.strip():
        raise ValueError("the task is empty: type what the team should do")
    launch: dict[str, Any] = {"note": note}
    if continues is not None:
        launch["continues"], launch["upto_seq"] = continues
    run_id = create_run(db, document, task, session_id=session_id, launch=launch, holder=holder, owner=owner)
    work_dir = run_folder(data_dir, run_id)
    work_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (work_dir / upload_name(name)).write_bytes(data)
    return run_id
