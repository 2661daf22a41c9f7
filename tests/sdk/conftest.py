"""Fixtures for the connector SDK tests: plugin managers of in-test plugins, a sleep recorder."""

from __future__ import annotations

import pytest


class SleepRecorder:
    """Stands in for time.sleep: records each requested wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()
