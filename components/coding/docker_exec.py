"""One ``exec`` in a sandbox container: its output read by a daemon thread, capped, and checked against the
block's byte limit; and reading the container's OOM-kill counter."""

from __future__ import annotations

import threading

from components.coding.base import MAX_OUTPUT_CHARS, OutputBuffer


class ExecRun:
    """One exec's output, read by a daemon thread so the caller can time it out or stop it.

    Past ``limit`` bytes of output the run counts as flooded and wakes the caller, which kills it.
    """

    def __init__(self, api, exec_id: str, limit: int) -> None:  # type: ignore[no-untyped-def]
        self.stdout = OutputBuffer(MAX_OUTPUT_CHARS // 2)
        self.stderr = OutputBuffer(MAX_OUTPUT_CHARS // 2)
        self.limit = limit
        self.total = 0
        self.flooded = False
        self.done = threading.Event()
        self.wake = threading.Event()  # set when the exec ends, floods, or the run is stopped
        stream = api.exec_start(exec_id, stream=True, demux=True)
        threading.Thread(target=self._read, args=(stream,), name="docker-exec", daemon=True).start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        try:
            for out, err in stream:
                self.total += self.stdout.add(out) + self.stderr.add(err)
                if self.total > self.limit:
                    self.flooded = True
                    break
        except Exception:  # the container was killed mid-read
            pass
        finally:
            _close_quietly(stream)
            self.done.set()
            self.wake.set()

    def output(self) -> str:
        """stderr then stdout, as AutoGen reports it."""
        return self.stderr.text() + self.stdout.text()


def _close_quietly(stream) -> None:  # type: ignore[no-untyped-def]
    try:
        stream.close()
    except Exception:  # the connection is already gone
        pass


def oom_kills(counters: str) -> int:
    """The ``oom_kill N`` count in a cgroup's memory file (v1 or v2), 0 if there is none."""
    for line in counters.splitlines():
        name, _, value = line.partition(" ")
        if name == "oom_kill" and value.strip().isdigit():
            return int(value)
    return 0
