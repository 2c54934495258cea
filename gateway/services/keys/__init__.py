"""Virtual keys: minted, sealed at rest, looked up by a keyed hash, cached with a short TTL."""
