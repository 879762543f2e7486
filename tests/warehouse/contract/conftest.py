"""The contract suite runs every test once per warehouse implementation (see env.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.warehouse.contract.env import IMPLEMENTATIONS, ContractEnv, open_contract_env


@pytest.fixture(params=IMPLEMENTATIONS)
async def contract(request: pytest.FixtureRequest, local_stack: Any) -> AsyncIterator[ContractEnv]:
    env = await open_contract_env(local_stack, request.param, ("consumer", "actions"))
    try:
        yield env
    finally:
        await env.stack.aclose()
