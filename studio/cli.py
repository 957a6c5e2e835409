"""``python -m studio ...``: run, watch and control runs without the browser.

    run --team T --task X [--detach [--json]]   run a team (printing the conversation), or start it and
                                                print its id (--json: {"id": N} on the last line)
    status RUN [--json]                         id, status, worker, events, the question it waits on
    list [--status S] [--limit N] [--json]      recent runs
    stop RUN [--wait S]                         ask a run to stop, from any process
    answer RUN TEXT                             answer the question a run waits on, from any process
    experiment --team T --tasks tasks.csv [--models a,b] [--repeats N]
                                                run a task set over teams x models, print the scores;
                                                exit 1 when a required check failed (studio.cli_experiment)

Runs are stored like studio runs (they show up in History) and every command works on any run of the
database, whichever process executes it. ``--user EMAIL`` acts for a person who has signed in to the
studio (their designs, their runs, their keys; a viewer starts nothing); without it the CLI acts as the
local admin, as it does on one's own machine. Exit codes (``EXIT_*`` below): 0 done (a run: completed);
1 the run failed or was interrupted; 2 bad arguments, or a team or database that cannot be used;
3 no such run; 4 the run cannot do that now (stop an ended run, answer one that does not ask);
130 the run was stopped (stop, Ctrl-C, or a question nobody answered).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_RUN, EXIT_STATE, EXIT_STOPPED = 0, 1, 2, 3, 4, 130
EXIT_CODES = {"completed": EXIT_OK, "failed": EXIT_FAILED, "stopped": EXIT_STOPPED, "interrupted": EXIT_FAILED}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m studio", description="Roundtable from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,status,list,stop,answer,worker,experiment}")

    def command(name: str, help: str | None) -> argparse.ArgumentParser:  # noqa: A002 - argparse's word
        sub = commands.add_parser(name, help=help) if help else commands.add_parser(name)
        sub.add_argument("--db", default=None, help="database URL (default: ROUNDTABLE_DATABASE_URL or the data dir)")
        if name not in ("worker", "execute"):  # those act as each run's owner
            sub.add_argument("--user", default=None, metavar="EMAIL",
                             help="act for this person (someone who has signed in to the studio); default: local admin")
        return sub

    run = command("run", "run a team on a task and print the conversation")
    run.add_argument("--team", required=True, help="a team's name in the database, or a team JSON file")
    run.add_argument("--task", required=True, help="what the team should do")
    run.add_argument("--input-timeout", type=float, default=600, help="seconds to wait for a human answer")
    run.add_argument("--detach", action="store_true", help="start the run in the background and print its id")
    run.add_argument("--json", action="store_true", help='with --detach: print {"id": N} on the last line')
    status = command("status", "show a run: status, worker, events, the question it waits on")
    status.add_argument("run", type=int)
    status.add_argument("--json", action="store_true", help="one JSON object")
    listing = command("list", "list recent runs, newest first")
    listing.add_argument("--status", action="append", default=None, help="only runs with this status (repeatable)")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true", help="one JSON array")
    stop = command("stop", "ask a run to stop (it may run in any process)")
    stop.add_argument("run", type=int)
    stop.add_argument("--wait", type=float, default=10, help="seconds to wait until it has stopped (0: do not wait)")
    answer = command("answer", "answer the question a run waits on")
    answer.add_argument("run", type=int)
    answer.add_argument("text")
    worker = command("worker", "execute queued runs (ROUNDTABLE_RUNS=workers, PostgreSQL); stops cleanly on SIGTERM")
    worker.add_argument("--concurrency", type=int, default=4, help="runs executed at once (default 4)")
    worker.add_argument("--input-timeout", type=float, default=900,
                        help="seconds a run waits for a human answer, keeping its slot (default 900)")
    from studio.cli_experiment import add_parser

    add_parser(command)
    execute = command("execute", None)  # the background process of `run --detach` (not listed)
    execute.add_argument("run", type=int)
    execute.add_argument("--input-timeout", type=float, default=600)
    return parser


def cli_actor(db, email: str | None):  # type: ignore[no-untyped-def]
    """The person ``--user`` names (NotFoundError if they never signed in), or None: the local admin."""
    from storage.people import person_by_email

    return person_by_email(db, email) if email else None


def _load_team(db, team: str, actor=None):  # type: ignore[no-untyped-def]
    from storage.designs import resolve_team
    from storage.validation import load_team_json

    path = Path(team)
    if path.suffix == ".json" and path.is_file():
        return load_team_json(path.read_bytes(), source=str(path))
    return resolve_team(db, team, actor)


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


def _show(event) -> None:  # type: ignore[no-untyped-def]
    from studio.render.console import console_text

    text = console_text(event)
    if text is not None:
        print(text, flush=True)


def run_command(args: argparse.Namespace) -> int:
    from storage import StorageError, open_database
    from storage.database import data_dir
    from storage.runs import get_run
    from studio.runs.engine import RunEngine
    from studio.runs.service import start_team_run

    try:
        db = open_database(args.db)
        actor = cli_actor(db, args.user)
        document = _load_team(db, args.team, actor)
    except (StorageError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from studio.runs.mode import RunsModeError, runs_mode

    try:
        mode = runs_mode()
        if args.detach and mode == "local":
            from studio.cli_control import detach

            return detach(db, document, args, actor)
        engine = RunEngine(db, data_dir(), input_timeout_s=args.input_timeout, role="cli", mode=mode)
    except RunsModeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if mode == "workers":
        from studio.cli_control import enqueue_and_follow

        return enqueue_and_follow(db, engine, document, args, actor)
    engine.subscribers.append(_show)

    try:
        try:
            run_id = start_team_run(db, engine, document, args.task, actor=actor)
        except StorageError as exc:  # a stored key for another server or not shared, a viewer, ...
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"run #{run_id} of team {document.team.name!r} (stored in {db.location})", flush=True)
        try:
            _answer_prompts(engine, run_id)
        except KeyboardInterrupt:
            engine.stop(run_id, "stopped from the terminal (Ctrl-C)")
            engine.wait(run_id, 10)
    finally:
        engine.close("the terminal that ran it exited")
    run = get_run(db, run_id)
    handle = engine.handle(run_id)
    status, error = handle.outcome if handle and handle.outcome else (run.status, run.error)  # even if unstored
    print(f"\nrun #{run_id}: {status}" + (f": {error}" if error else ""), flush=True)
    return EXIT_CODES.get(status, EXIT_FAILED)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run_command(args)
    if args.command == "experiment":
        from studio.cli_experiment import experiment_command

        return experiment_command(args)
    if args.command == "worker":
        from studio.worker import worker_command

        return worker_command(args)
    from studio.cli_control import control_command

    return control_command(args)
