"""The ALB verifier's key fetches on their own (no console, no warehouse): what it remembers."""

from __future__ import annotations

from contextlib import AsyncExitStack

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from fraudd.console import auth
from fraudd.console.alb import AlbVerifier
from fraudd.settings import Settings
from tests.console.conftest import SIGNER, AlbKeys, serve
from tests.console.test_alb import alb_token


async def test_an_outage_of_the_key_endpoint_is_not_remembered(alb_keys: AlbKeys) -> None:
    """The endpoint answers 503 for kid-1 once, then serves it: the next header gets in (only
    refusals by the endpoint are cached, not its outages)."""
    pem = alb_keys.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    answers = [web.Response(status=503), web.Response(body=pem)]

    async def key(_: web.Request) -> web.Response:
        return answers.pop(0)

    app = web.Application()
    app.router.add_get("/{kid}", key)
    async with AsyncExitStack() as stack:
        url = await serve(app, stack)
        settings = Settings(console={"auth": "alb", "alb_signer_arn": SIGNER, "alb_key_url": url,
                                     "token_secret": SecretStr("s" * 40)})  # fmt: skip
        http = await stack.enter_async_context(aiohttp.ClientSession())
        verifier = AlbVerifier(settings, http)
        with pytest.raises(auth.Unauthenticated, match="HTTP 503"):
            await verifier.user(alb_token(alb_keys))
        assert (await verifier.user(alb_token(alb_keys))).name == "ines@bank.example"
