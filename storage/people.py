"""People and who is acting: the ``Actor`` every storage function that reads or writes owned rows takes.

Roles: ``admin`` (sees and changes everything, changes roles), ``editor`` (designs and runs, sees their
own and what is shared) and ``viewer`` (replays and exports what they may see; starts nothing).
Without sign-in the actor is the local admin (``local_admin``): one person on their own machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.errors import AccessError, NotFoundError
from storage.tables import PersonRow
from storage.tables.base import now

if TYPE_CHECKING:
    from storage.database import Database

Role = Literal["admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)
LOCAL_ADMIN_SUBJECT = "local:admin"


@dataclass(frozen=True)
class Actor:
    """Who is acting: resolved once per page run (or per CLI command, or per worker job) and passed down."""

    person_id: int
    subject: str
    email: str
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_run(self) -> bool:
        """Editors and admins design and run; viewers replay and export."""
        return self.role != "viewer"

    @property
    def label(self) -> str:
        """How the studio names the person: "Ada Lovelace (ada@example.org)"."""
        if self.name and self.email and self.name != self.email:
            return f"{self.name} ({self.email})"
        return self.name or self.email or self.subject


def _actor(row: PersonRow) -> Actor:
    assert row.id is not None
    return Actor(row.id, row.subject, row.email, row.name, row.role)  # type: ignore[arg-type]


def local_admin_id(session: Session) -> int:
    """The local admin's person id (created by revision 0009, or here for a database made at head)."""
    row = session.exec(select(PersonRow).where(PersonRow.subject == LOCAL_ADMIN_SUBJECT)).first()
    if row is None:
        row = PersonRow(subject=LOCAL_ADMIN_SUBJECT, name="Local admin", role="admin", first_seen=0, last_seen=0)
        session.add(row)
        session.flush()
    assert row.id is not None
    return row.id


def local_admin(db: Database) -> Actor:
    """The actor of a studio without sign-in, and of the CLI and workers on the local machine."""
    with db.write() as session:
        return _actor(session.get(PersonRow, local_admin_id(session)))  # type: ignore[arg-type]


def owner_id(session: Session, actor: Actor | None) -> int:
    """The person a new row belongs to: the actor, or the local admin when nobody is named."""
    return actor.person_id if actor is not None else local_admin_id(session)


def sign_in(db: Database, subject: str, email: str, name: str, admins: frozenset[str] = frozenset()) -> Actor:
    """Record a signed-in person (created at the first sign-in, refreshed later) and return them.

    The first person ever to sign in is an admin, and so is anyone whose email is in ``admins`` (the
    configured list); everyone else starts as an editor. A configured admin stays admin.
    """
    email = email.strip().lower()
    with db.write() as session:
        row = session.exec(select(PersonRow).where(PersonRow.subject == subject)).first()
        if row is None:
            signed_in_before = session.exec(
                select(func.count()).select_from(PersonRow).where(PersonRow.subject != LOCAL_ADMIN_SUBJECT)
            ).one()
            role: Role = "admin" if signed_in_before == 0 or email in admins else "editor"
            row = PersonRow(subject=subject, email=email, name=name, role=role)
        else:
            row.email, row.name, row.last_seen = email, name, now()
            if email in admins:
                row.role = "admin"
        session.add(row)
        session.flush()
        return _actor(row)


def person_by_email(db: Database, email: str) -> Actor:
    """A known person by email (the CLI's ``--user``); NotFoundError names what to do otherwise."""
    with db.read() as session:
        rows = session.exec(
            select(PersonRow).where(PersonRow.email == email.strip().lower()).order_by(PersonRow.id)
        ).all()
    if not rows:
        raise NotFoundError(
            f'nobody with the email "{email}" has signed in to this studio yet: they sign in once, '
            "then the CLI can act for them"
        )
    return _actor(rows[0])


def person(db: Database, person_id: int) -> Actor:
    with db.read() as session:
        row = session.get(PersonRow, person_id)
        if row is None:
            raise NotFoundError(f"there is no person {person_id}")
        return _actor(row)


@dataclass(frozen=True)
class PersonInfo:
    """A row of the admin page."""

    actor: Actor
    first_seen: float
    last_seen: float


def list_people(db: Database, actor: Actor) -> list[PersonInfo]:
    """Everyone who signed in (not the local admin), first first; admins only."""
    _require_admin(actor, "see the list of people")
    with db.read() as session:
        rows = session.exec(
            select(PersonRow).where(PersonRow.subject != LOCAL_ADMIN_SUBJECT).order_by(col(PersonRow.id))
        ).all()
        return [PersonInfo(_actor(row), row.first_seen, row.last_seen) for row in rows]


def set_role(db: Database, actor: Actor, person_id: int, role: Role) -> None:
    """Change a person's role (admins only); the last signed-in admin cannot be demoted."""
    _require_admin(actor, "change roles")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    with db.write() as session:
        row = session.get(PersonRow, person_id)
        if row is None or row.subject == LOCAL_ADMIN_SUBJECT:
            raise NotFoundError(f"there is no person {person_id}")
        if row.role == "admin" and role != "admin":
            admins = session.exec(
                select(func.count())
                .select_from(PersonRow)
                .where(PersonRow.role == "admin", PersonRow.subject != LOCAL_ADMIN_SUBJECT)
            ).one()
            if admins <= 1:
                raise AccessError(f"{row.email or row.name} is the only admin: make someone else admin first")
        row.role = role
        session.add(row)


def _require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise AccessError(f"only an admin may {what}")
