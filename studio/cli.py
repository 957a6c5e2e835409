"""``python -m studio run --team <name or file.json> --task "..."``: run a team without the browser.

The run is stored like a studio run (it shows up in History), the conversation is printed as it
happens, human-input requests are answered on the terminal, and the exit code tells how it ended:
0 completed, 1 failed, 2 bad arguments, 130 stopped (Ctrl-C) or unanswered.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_CODES = {"completed": 0, "failed": 1, "stopped": 130, "interrupted": 1}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m studio", description="Roundtable from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a team on a task and print the conversation")
    run.add_argument("--team", required=True, help="a team's name in the database, or a team JSON file")
    run.add_argument("--task", required=True, help="what the team should do")
    run.add_argument("--db", default=None, help="database URL (default: ROUNDTABLE_DATABASE_URL or the data dir)")
    run.add_argument("--input-timeout", type=float, default=600, help="seconds to wait for a human answer")
    return parser


def _load_team(db, team: str):  # type: ignore[no-untyped-def]
    from storage.designs import resolve_team
    from storage.validation import load_team_json

    path = Path(team)
    if path.suffix == ".json" and path.is_file():
        return load_team_json(path.read_bytes(), source=str(path))
    return resolve_team(db, team)


def _answer_prompts(engine, run_id: int) -> None:  # type: ignore[no-untyped-def]
    handle = engine.handle(run_id)
    while not handle.done.wait(0.1):
        request = handle.pending
        if request is None:
            continue
        print(f"\n??? {request.agent} asks: {request.prompt}", flush=True)
        line = sys.stdin.readline()
        engine.answer(run_id, request.request_id, line.rstrip("\n") if line else "exit")
        while handle.pending is request and not handle.done.is_set():
            time.sleep(0.05)


def run_command(args: argparse.Namespace) -> int:
    from storage import StorageError, open_database
    from storage.database import data_dir
    from storage.runs import get_run
    from studio.render.console import console_text
    from studio.runs.engine import RunEngine
    from studio.runs.service import start_team_run

    try:
        db = open_database(args.db)
        document = _load_team(db, args.team)
    except (StorageError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def show(event) -> None:  # type: ignore[no-untyped-def]
        text = console_text(event)
        if text is not None:
            print(text, flush=True)

    engine = RunEngine(db, data_dir(), input_timeout_s=args.input_timeout, subscribers=[show])
    try:
        run_id = start_team_run(db, engine, document, args.task)
    except StorageError as exc:  # e.g. a stored key asked for by a model that points at another server
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"run #{run_id} of team {document.team.name!r} (stored in {db.location})", flush=True)
    try:
        _answer_prompts(engine, run_id)
    except KeyboardInterrupt:
        engine.stop(run_id, "stopped from the terminal (Ctrl-C)")
        engine.wait(run_id, 10)
    run = get_run(db, run_id)
    handle = engine.handle(run_id)
    status, error = handle.outcome if handle and handle.outcome else (run.status, run.error)  # even if unstored
    print(f"\nrun #{run_id}: {status}" + (f": {error}" if error else ""), flush=True)
    return EXIT_CODES.get(status, 1)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args)
