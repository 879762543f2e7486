"""The contract suite runs every test once per warehouse implementation (see env.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.warehouse.contract.env import ContractEnv, open_contract_env


@pytest.fixture
async def contract(warehouse_implementation: str, local_stack: Any) -> AsyncIterator[ContractEnv]:
    env = await open_contract_env(local_stack, warehouse_implementation, ("consumer", "actions"))
    try:
        yield env
    finally:
        await env.stack.aclose()
