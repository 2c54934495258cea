"""Who may call: the master key (id ``master``) or a virtual key from the key directory."""

from __future__ import annotations

import hmac

from gateway.errors import AuthenticationFailed
from gateway.services.context import Principal
from gateway.services.keys.directory import KeyDirectory

MASTER_KEY_ID = "master"


class Authenticator:
    def __init__(self, master_key: str, keys: KeyDirectory | None = None) -> None:
        self._master_secret = master_key
        self._master_key = master_key.encode()
        self._master = Principal(key_id=MASTER_KEY_ID, is_admin=True)
        self.keys = keys

    async def authenticate(self, key: str | None) -> Principal:
        """The principal for a presented key; 401 in the caller's shape otherwise."""
        if not key:
            raise AuthenticationFailed(
                "No API key provided: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
                code="missing_api_key",
            )
        if hmac.compare_digest(key.encode(), self._master_key):
            return self._master
        if self.keys is None:
            raise AuthenticationFailed("Incorrect API key provided.")
        return await self.keys.principal_for(key)

    async def secret_for(self, key_id: str) -> str | None:
        """The key whose id is ``key_id``, or None: SigV4 signs with the key instead of sending it,
        so the server needs it back from the id (the master key's id is ``master``)."""
        if key_id == MASTER_KEY_ID:
            return self._master_secret
        return await self.keys.secret_for(key_id) if self.keys is not None else None
