"""The service tests use the contract suite's per-implementation environment (start-up checks
depend on what each warehouse lets the daemon's user do)."""

from tests.warehouse.contract.conftest import contract  # noqa: F401  (a fixture, used by name)
