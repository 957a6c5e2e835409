"""``python -m storage upgrade``: open (and so migrate) the configured database and say where it is.
``python -m storage revision "message"``: write the next Alembic revision from the tables (developers).
"""

from __future__ import annotations

import argparse
import tempfile

from alembic import command
from alembic.script import ScriptDirectory

from storage.database import Database, make_engine, open_database
from storage.migrate import alembic_config, current_revision, head_revision, upgrade


def new_revision(message: str) -> None:
    """Compare the tables with a scratch database at head and write the difference as a revision."""
    rev_id = f"{len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions())) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(make_engine(f"sqlite:///{scratch}/head.db"))
        upgrade(db)
        with db.schema_connection() as connection:
            command.revision(alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id)
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="open (and so upgrade) the database named by ROUNDTABLE_DATABASE_URL")
    revision = commands.add_parser(
        "revision", help="write the next revision from the difference with the tables"
    )
    revision.add_argument("message")
    args = parser.parse_args()
    if args.command == "revision":
        new_revision(args.message)
        return
    db = open_database()
    print(f"{db.location} is at revision {current_revision(db)} (code head {head_revision()})")
    db.close()


if __name__ == "__main__":
    main()
