"""The CLI commands that watch and control stored runs: status, list, stop, answer, and the background
process of ``run --detach`` (``execute``). Exit codes are defined in ``studio.cli``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from storage import Database, NotFoundError, RunStateError, StorageError, open_database
from storage.control import request_stop, run_control, send_answer
from storage.database import DATA_DIR_ENV, DATABASE_URL_ENV, data_dir
from storage.documents import FINISHED_STATUSES, TeamDocument
from storage.errors import AccessError
from storage.people import Actor
from storage.runs import RunInfo, get_run, list_runs, set_run_status
from studio.cli import EXIT_CODES, EXIT_FAILED, EXIT_NO_RUN, EXIT_OK, EXIT_STATE, EXIT_USAGE

ROOT = Path(__file__).resolve().parent.parent
CLAIM_WAIT_S = 60.0


def _summary(db: Database, run: RunInfo) -> dict[str, Any]:
    pending = run_control(db, run.id).pending if run.status == "waiting_for_input" else None
    return {
        "id": run.id, "status": run.status, "worker": run.worker, "events": run.last_seq, "team": run.team,
        "task": run.task, "error": run.error, "created_at": run.created_at, "started_at": run.started_at,
        "finished_at": run.finished_at, "question": pending["prompt"] if pending else None,
        "asked_by": pending["agent"] if pending else None,
    }


def detach(db: Database, document: TeamDocument, args: argparse.Namespace, actor: Actor | None = None) -> int:
    """Store the run (``actor``'s), start a background process that executes it (with its owner's keys),
    print its id once it holds it."""
    from studio.runs.files import run_folder
    from studio.runs.store import store_run

    try:
        run_id = store_run(db, data_dir(), document, args.task, owner=actor)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    log_path = run_folder(data_dir(), run_id).parent / "process.log"
    env = {**os.environ, DATA_DIR_ENV: str(data_dir()),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if args.db:
        env[DATABASE_URL_ENV] = args.db  # in the environment, not the command line others can read
    with log_path.open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "studio", "execute", str(run_id), "--input-timeout", str(args.input_timeout)],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + CLAIM_WAIT_S
    while run_control(db, run_id).holder is None:
        if child.poll() is not None or time.monotonic() > deadline:
            reason = f"the background process did not start the run (see {log_path})"
            set_run_status(db, run_id, "failed", error=reason)
            print(f"error: run #{run_id}: {reason}", file=sys.stderr)
            return EXIT_FAILED
        time.sleep(0.05)
    print(f"run #{run_id} of team {document.team.name!r} started in the background (process {child.pid}); "
          f"follow it with: python -m studio status {run_id}", flush=True)
    if args.json:
        print(json.dumps({"id": run_id}), flush=True)
    return EXIT_OK


def enqueue_and_follow(
    db: Database, engine: Any, document: TeamDocument, args: argparse.Namespace, actor: Actor | None = None
) -> int:
    """Workers mode: queue the run for a worker; with --detach print its id, else follow it from the
    database (events printed, questions asked on the terminal) until it ends."""
    from studio.runs.service import start_team_run

    try:
        run_id = start_team_run(db, engine, document, args.task, actor=actor)
        print(f"run #{run_id} of team {document.team.name!r} queued for a worker (stored in {db.location})",
              flush=True)
        if args.detach:
            if args.json:
                print(json.dumps({"id": run_id}), flush=True)
            return EXIT_OK
        try:
            _follow(db, engine, run_id)
        except KeyboardInterrupt:
            engine.stop(run_id, "stopped from the terminal (Ctrl-C)")
            engine.wait(run_id, 10)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.close()
    run = get_run(db, run_id)
    print(f"\nrun #{run_id}: {run.status}" + (f": {run.error}" if run.error else ""), flush=True)
    return EXIT_CODES.get(run.status, EXIT_FAILED)


def _follow(db: Database, engine: Any, run_id: int) -> None:
    from storage.eventlog import events_after
    from studio.cli import _show

    last, asked = 0, None
    while True:
        run = get_run(db, run_id)
        for stored in events_after(db, run_id, last):
            _show(stored.event)
            last = stored.seq
        if run.status in FINISHED_STATUSES:
            return
        request = engine.pending(run_id, run.status)
        if request is not None and request.request_id != asked:
            asked = request.request_id
            print(f"\n??? {request.agent} asks: {request.prompt}", flush=True)
            line = sys.stdin.readline()
            engine.answer(run_id, request.request_id, line.rstrip("\n") if line else "exit")
        time.sleep(0.1)


def _execute(db: Database, args: argparse.Namespace) -> int:
    from studio.runs.engine import RunEngine

    engine = RunEngine(db, data_dir(), input_timeout_s=args.input_timeout, role="cli")
    signal.signal(signal.SIGTERM, lambda *_: engine.cancel_all("its process was asked to stop (SIGTERM)"))
    try:
        if not engine.execute(args.run):
            print(f"error: run {args.run} is already held by another process or has ended", file=sys.stderr)
            return EXIT_STATE
    finally:
        engine.close()
    return EXIT_CODES.get(get_run(db, args.run).status, EXIT_FAILED)


def _visible_run(db: Database, args: argparse.Namespace, change: bool = False) -> RunInfo:
    """The run if ``--user`` may see it (NotFoundError otherwise), and with ``change`` may control it."""
    from studio.cli import cli_actor

    actor = cli_actor(db, args.user)
    run = get_run(db, args.run, actor)
    if change and actor is not None and not (actor.is_admin or (actor.may_run and run.owner_id == actor.person_id)):
        raise AccessError(f"run {args.run} belongs to someone else: only its owner or an admin may control it")
    return run


def _status(db: Database, args: argparse.Namespace) -> int:
    summary = _summary(db, _visible_run(db, args))
    if args.json:
        print(json.dumps(summary))
        return EXIT_OK
    print(f"run #{summary['id']} · {summary['team']} · {summary['status']}")
    print(f"task: {summary['task']}")
    print(f"worker: {summary['worker'] or '(none yet)'}")
    print(f"events: {summary['events']}")
    if summary["question"]:
        print(f"waiting for an answer: {summary['asked_by']} asks: {summary['question']}")
    if summary["error"]:
        print(f"error: {summary['error']}")
    return EXIT_OK


def _list(db: Database, args: argparse.Namespace) -> int:
    from studio.cli import cli_actor

    runs = list_runs(db, statuses=args.status, limit=args.limit, actor=cli_actor(db, args.user))
    if args.json:
        print(json.dumps([_summary(db, run) for run in runs]))
        return EXIT_OK
    if not runs:
        print("no runs")
    for run in runs:
        print(f"#{run.id:<5} {run.status:<18} {run.team[:24]:<24} {run.task[:50]!r}  {run.worker or ''}")
    return EXIT_OK


def _stop(db: Database, args: argparse.Namespace) -> int:
    _visible_run(db, args, change=True)
    outcome = request_stop(db, args.run, "stopped from the command line")
    if outcome == "stopped":
        print(f"run #{args.run} stopped (it had not started)")
        return EXIT_OK
    print(f"asked run #{args.run} to stop", flush=True)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        run = get_run(db, args.run)
        if run.status in FINISHED_STATUSES:
            print(f"run #{args.run}: {run.status}" + (f": {run.error}" if run.error else ""))
            return EXIT_OK
        time.sleep(0.05)
    return EXIT_OK


def _answer(db: Database, args: argparse.Namespace) -> int:
    _visible_run(db, args, change=True)
    question = run_control(db, args.run).pending
    send_answer(db, args.run, args.text)
    print(f"answered {question['agent'] if question else 'the'} question of run #{args.run}")
    return EXIT_OK


COMMANDS = {"execute": _execute, "status": _status, "list": _list, "stop": _stop, "answer": _answer}


def control_command(args: argparse.Namespace) -> int:
    try:
        db = open_database(args.db)
    except (StorageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](db, args)
    except NotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_RUN
    except RunStateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_STATE
    except AccessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        db.close()
