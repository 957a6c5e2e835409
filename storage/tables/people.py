"""People: who signs in to the studio, and with which role.

``subject`` is the identity provider's stable id for the person (issuer and ``sub``); the email and
name are refreshed at each sign-in. One person, ``local:admin``, stands for whoever uses a studio or
CLI without sign-in (and owns everything a database had before people existed, revision 0009).
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from storage.tables.base import now


class PersonRow(SQLModel, table=True):
    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(unique=True)
    email: str = Field(default="", index=True)
    name: str = ""
    role: str  # admin | editor | viewer
    first_seen: float = Field(default_factory=now)
    last_seen: float = Field(default_factory=now)
