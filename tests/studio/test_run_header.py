"""The run header's duration: what the Playground, History and exports show for a run's length."""

from __future__ import annotations

import pytest

from studio.render.run_header import format_duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.43, "0.4 s"), (7.26, "7.3 s"), (42.9, "42 s"), (61, "1:01"), (3725, "62:05"), (-1, "0.0 s")],
)
def test_durations_read_naturally_and_a_short_run_is_not_zero(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown
