"""The producer's live-mode test uses the history tests' fresh-schema fixture."""

from tests.history.conftest import history_db  # noqa: F401  (a fixture, used by name)
