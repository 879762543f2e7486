"""Fixtures of the model tests (defined in tests/model/fixtures.py, shared with test_features)."""

from tests.model.fixtures import model_db, small_history

__all__ = ["model_db", "small_history"]
