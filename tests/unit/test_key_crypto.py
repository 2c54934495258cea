"""Keys at rest: sealed so they can be recovered for SigV4, hashed so they can be looked up."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from gateway.services.keys.crypto import KeySealer, key_id_of, new_key


def test_a_new_key_carries_its_visible_id() -> None:
    key_id, key = new_key()
    assert key.startswith(f"sk-{key_id}-")
    assert key_id_of(key) == key_id
    assert key_id_of("sk-something-else") is None


def test_sealing_round_trips_and_differs_each_time() -> None:
    sealer = KeySealer("server secret")
    key_id, key = new_key()
    first, second = sealer.seal(key, key_id), sealer.seal(key, key_id)
    assert first != second and key.encode() not in first
    assert sealer.open(first, key_id) == key == sealer.open(second, key_id)


def test_a_sealed_key_cannot_be_opened_under_another_id_or_secret() -> None:
    key_id, key = new_key()
    sealed = KeySealer("server secret").seal(key, key_id)
    with pytest.raises(InvalidTag):
        KeySealer("server secret").open(sealed, new_key()[0])
    with pytest.raises(InvalidTag):
        KeySealer("another secret").open(sealed, key_id)


def test_lookup_hashes_are_stable_per_secret_and_keyed() -> None:
    _, key = new_key()
    assert KeySealer("a").lookup_hash(key) == KeySealer("a").lookup_hash(key)
    assert KeySealer("a").lookup_hash(key) != KeySealer("b").lookup_hash(key)
    assert len(KeySealer("a").lookup_hash(key)) == 64
