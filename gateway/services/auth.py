"""Who may call: the master key here; virtual keys plug in with the tenancy issue."""

from __future__ import annotations

import hmac

from gateway.errors import AuthenticationFailed
from gateway.services.context import Principal

MASTER_KEY_ID = "master"


class Authenticator:
    def __init__(self, master_key: str) -> None:
        self._master_key = master_key.encode()
        self._master = Principal(key_id=MASTER_KEY_ID, is_admin=True)

    def authenticate(self, key: str | None) -> Principal:
        """The principal for a presented key; 401 in the caller's shape otherwise."""
        if not key:
            raise AuthenticationFailed(
                "No API key provided: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
                code="missing_api_key",
            )
        if hmac.compare_digest(key.encode(), self._master_key):
            return self._master
        raise AuthenticationFailed("Incorrect API key provided.")
