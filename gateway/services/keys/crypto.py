"""Keys at rest: AES-GCM sealed (SigV4 needs the secret back) plus an HMAC-SHA256 for lookups.

Both sub-keys are derived from the server secret (STRATA_SECRET_KEY) with HKDF, so one secret
serves both purposes without reusing key material. Neither a key nor its hash is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID_PREFIX = "strata_"
_NONCE = 12
_CHECK_LABEL = b"strata/secret-key-check/v1"  # never a key: keys start with "sk-"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"strata/" + purpose).derive(secret)


def new_key() -> tuple[str, str]:
    """(key id, full key). The id is the visible prefix and the AWS access key id of the key."""
    key_id = KEY_ID_PREFIX + secrets.token_hex(8)
    return key_id, f"sk-{key_id}-{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """The id inside a presented key, if it has Strata's shape (lets logs name a key safely)."""
    if key.startswith("sk-" + KEY_ID_PREFIX):
        candidate = key[3:].split("-", 1)[0]
        return candidate if len(candidate) == len(KEY_ID_PREFIX) + 16 else None
    return None


class KeySealer:
    def __init__(self, server_secret: str) -> None:
        material = server_secret.encode()
        self._aead = AESGCM(_derive(material, b"key-encryption"))
        self._mac_key = _derive(material, b"key-lookup")

    def lookup_hash(self, key: str) -> str:
        return hmac.new(self._mac_key, key.encode(), hashlib.sha256).hexdigest()

    def seal(self, key: str, key_id: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, key.encode(), key_id.encode())

    def open(self, sealed: bytes, key_id: str) -> str:
        """The key back; the key id is bound as associated data, so rows cannot be swapped."""
        return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], key_id.encode()).decode()

    def check_value(self) -> str:
        """A value that names this secret without revealing it: gateways sharing a database compare it
        at start, since one with another secret would answer 401 to every key the others made."""
        return hmac.new(self._mac_key, _CHECK_LABEL, hashlib.sha256).hexdigest()

    def opens(self, sealed: bytes, key_id: str) -> bool:
        """Whether this secret sealed ``sealed`` (a database from before the check value proves it so)."""
        try:
            self.open(sealed, key_id)
        except (InvalidTag, ValueError):
            return False
        return True
