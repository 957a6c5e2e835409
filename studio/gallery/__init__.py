"""Ready-made teams: TeamDocument JSON files next to this module, and copying one into the user's designs.

Each team works with the built-in local model (short, direct instructions a 135M model can follow; the
chat ends when the code runs without an error, or after a few turns, instead of waiting for the model to
say TERMINATE) and with any configured provider. Code runs
locally by default, which works everywhere; Docker is offered when an engine answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from storage import Database
from storage.documents import ModelSpec, TeamDocument
from storage.people import Actor
from storage.transfer import ImportReport, import_team
from storage.validation import load_team_json

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class GalleryTeam:
    key: str
    title: str
    summary: str
    example_task: str
    icon: str
    document: TeamDocument


_ENTRIES = (
    ("coder_executor", ":material/terminal:", "Print the first 10 square numbers.",
     ("Two agents: a coder writes Python for your task, an executor runs it and shows the output. It stops as "
      "soon as the code runs without an error.")),
    ("plot_maker", ":material/bar_chart:", "Draw a bar chart of the numbers 3, 7 and 5 and save it as chart.png.",
     "Describe a chart; the plotter writes matplotlib code and the executor saves it as a PNG you can download."),
    ("planner_coder_reviewer", ":material/account_tree:",
     "Write a function that checks whether a word is a palindrome, and test it on three words.",
     ("A group chat taking turns: the planner splits the task, the coder writes Python, the reviewer checks it, "
      "the executor runs it.")),
)


@cache
def gallery_teams() -> tuple[GalleryTeam, ...]:
    """The gallery, read from the JSON files (validated like any import)."""
    teams = []
    for key, icon, task, summary in _ENTRIES:
        path = FOLDER / f"{key}.json"
        document = load_team_json(path.read_bytes(), path.name)
        teams.append(GalleryTeam(key, document.team.name, summary, task, icon, document))
    return tuple(teams)


def gallery_team(key: str) -> GalleryTeam:
    return next(team for team in gallery_teams() if team.key == key)


def customise(
    document: TeamDocument, model: ModelSpec | None = None, code_execution: Literal["local", "docker"] = "local",
    image: str | None = None,
) -> TeamDocument:
    """The team with every agent (and the manager) on ``model``, and its code run locally or in Docker."""
    data = document.model_copy(deep=True)
    if model is not None:
        for agent in data.agents:
            if agent.model:
                agent.model = model.name
        if data.team.manager_model:
            data.team.manager_model = model.name
        data.models = [model]
    for agent in data.agents:
        if agent.code_execution.mode != "none":
            agent.code_execution.mode = code_execution
            if code_execution == "docker" and image:
                agent.code_execution.image = image
    return TeamDocument.model_validate(data.model_dump())


def copy_to_designs(db: Database, document: TeamDocument, actor: Actor | None = None) -> ImportReport:
    """Store the team and what it needs, as ``actor``'s (a gallery copy belongs to whoever added it);
    names already taken by different designs get a numbered copy."""
    return import_team(db, document, on_conflict="copy", source=f'gallery team "{document.team.name}"', actor=actor)


def add_as_is(db: Database, key: str, actor: Actor | None = None) -> str:
    """Copy a gallery team as it ships (the built-in model, code run locally); returns its stored name."""
    return copy_to_designs(db, gallery_team(key).document, actor).team
