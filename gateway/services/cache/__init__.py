"""The response cache: answers kept by a hash of what decides them, replayed on every surface."""
