"""The webhook signature: ``x-strata-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

As Stripe signs its webhooks: the MAC covers ``"<t>.<body>"``, so a receiver that checks it and
refuses a ``t`` too far from its own clock refuses a replayed delivery as well as a forged one.
``verify`` is what a receiver in Python does (the README shows it); the tests use it too.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "x-strata-signature"
ALERT_ID_HEADER = "x-strata-alert-id"
TOLERANCE_S = 300


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for ``body`` signed now (or at ``timestamp``)."""
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance_s: int = TOLERANCE_S, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its time is within the tolerance."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        moment = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - moment) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))
