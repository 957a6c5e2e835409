"""Where a run's files live, and reading its artifacts back safely.

A run's folder is decided here, from the data dir and the run's id, never from what its events say: an
imported run JSON is attacker-written, and so is everything code in the sandbox leaves in the folder.
An event's ``work_dir`` only tells which folder *inside* the run's folder an artifact is in; every read
goes through ``components.coding.workspace_files`` (no links followed, nothing outside the folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from components.coding.workspace_files import file_size_inside, read_inside, relative_parts
from components.events import Artifact

#: the most a page download or an export embeds from one artifact
MAX_ARTIFACT_BYTES = 25 * 1024 * 1024


def run_folder(data_dir: Path, run_id: int) -> Path:
    """The folder a run's code works in (the run engine creates it; the page and exports read it)."""
    return Path(data_dir).resolve() / "runs" / str(int(run_id)) / "work"


@dataclass(frozen=True)
class RunFiles:
    """Reads the artifacts of one run from that run's own folder."""

    root: Path

    @classmethod
    def of(cls, data_dir: Path, run_id: int) -> RunFiles:
        return cls(run_folder(data_dir, run_id))

    def _relative(self, work_dir: str, artifact: Artifact) -> PurePosixPath | None:
        """``artifact``'s path inside the run's folder, or None if the event points elsewhere."""
        try:
            inner = PurePosixPath(Path(work_dir).relative_to(self.root).as_posix()) if work_dir else PurePosixPath()
        except ValueError:  # a work dir outside this run's folder: nothing there is this run's to show
            return None
        relative = inner / artifact.path
        return relative if relative_parts(relative) else None

    def size(self, work_dir: str, artifact: Artifact) -> int | None:
        """The artifact's size if it is a regular file inside the run's folder, else None."""
        relative = self._relative(work_dir, artifact)
        return file_size_inside(self.root, relative) if relative is not None else None

    def read(self, work_dir: str, artifact: Artifact, limit: int = MAX_ARTIFACT_BYTES) -> bytes | None:
        """The artifact's bytes (at most ``limit``), or None if it is not there or may not be read."""
        relative = self._relative(work_dir, artifact)
        return read_inside(self.root, relative, limit) if relative is not None else None
