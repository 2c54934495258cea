"""Who is calling the Bedrock surface: a SigV4 signature (boto3's default) or a bearer key.

SigV4: the key id names the key, the signature proves its holder signed this very request;
the key is then presented to the pipeline's authentication stage like any other, so the
principal (and everything tenancy hangs on it) is decided in one place. The key id and the
clock are checked before the body is read; the signature covers the body, so it is checked
after. Bearer (``AWS_BEARER_TOKEN_BEDROCK``), ``x-api-key``: the key itself, refused before
the body is read.
"""

from __future__ import annotations

from gateway.api import sigv4
from gateway.api.asgi_routes import AsgiRequest
from gateway.errors import AuthenticationFailed
from gateway.lifespan import AppState
from gateway.services.context import CallContext, Principal


async def admit(state: AppState, call: CallContext, request: AsgiRequest) -> tuple[Principal, bytes]:
    """The caller's principal and the request body (read only once the caller is known)."""
    limit = state.settings.max_body_bytes
    authorization = request.header(b"authorization")
    if authorization is not None and sigv4.is_sigv4(authorization):
        scope = request.scope
        headers = scope["headers"]
        signed = sigv4.parse(authorization, headers)
        secret = await state.invoker.auth.secret_for(signed.key_id)
        if secret is None:
            raise AuthenticationFailed("The security token included in the request is invalid.")
        body = await request.body(limit)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query, tls = scope.get("query_string", b""), scope.get("scheme") == "https"
        sigv4.verify(signed, secret, scope["method"], raw_path, query, headers, body, tls)
        return await state.invoker.authenticate(call, secret), body
    principal = await state.invoker.authenticate(call, request.api_key())
    return principal, await request.body(limit)
