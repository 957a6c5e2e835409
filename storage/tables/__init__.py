"""The database tables (SQLModel). Importing this package registers every table on ``metadata``."""

from storage.tables.base import metadata
from storage.tables.control import ProcessRow, RunAnswerRow, RunControlRow, RunLiveRow
from storage.tables.designs import (
    AgentRow,
    AgentToolRow,
    ModelRow,
    SettingRow,
    TeamMemberRow,
    TeamRow,
    ToolRow,
)
from storage.tables.experiments import ExperimentCellRow, ExperimentRow, TaskSetRow
from storage.tables.history import EventRow, RunRow, RunSnapshotRow, RunUsageRow, SessionRow
from storage.tables.people import PersonRow

__all__ = [
    "AgentRow",
    "AgentToolRow",
    "EventRow",
    "ExperimentCellRow",
    "ExperimentRow",
    "ModelRow",
    "PersonRow",
    "ProcessRow",
    "RunAnswerRow",
    "RunControlRow",
    "RunLiveRow",
    "RunRow",
    "RunSnapshotRow",
    "RunUsageRow",
    "SessionRow",
    "SettingRow",
    "TaskSetRow",
    "TeamMemberRow",
    "TeamRow",
    "ToolRow",
    "metadata",
]
