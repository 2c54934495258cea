"""The console's browser-facing defences: the session cookie, CSRF checks, response headers,
and the limit on failed sign-ins per client address.

Cookies are HttpOnly and SameSite=Strict, Secure when the request came over HTTPS, and scoped to
the console's path. Every state-changing request carries the session's CSRF token (a form field,
or the ``X-CSRF-Token`` header that htmx and the console's script send); the sign-in form, which
has no session yet, carries a token that must equal a cookie set with the form (double submit).
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "strata_console"
SIGN_IN_COOKIE = "strata_console_signin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

# No inline script or style anywhere in the console: the policy can forbid both.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=_cookie_path(request),
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=_cookie_path(request), secure=is_https(request), httponly=True, samesite="strict")


def _cookie_path(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root or "/"


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time equality of two tokens, neither missing nor empty."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def presented_csrf(request: Request, form: dict[str, str]) -> str | None:
    return request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)


@dataclass
class SignInLimiter:
    """At most ``attempts`` failed sign-ins per client address within ``window_s``; then refused
    until the oldest failure leaves the window. Per process: a gateway with N processes allows N
    times as many (keys are 256-bit random, so this slows guessing rather than making it possible)."""

    attempts: int = 5
    window_s: float = 300.0
    max_clients: int = 10_000  # addresses remembered at once; the oldest are forgotten first
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, client: str) -> float:
        """Seconds until this client may try again (0: now)."""
        failures = self._recent(client)
        if len(failures) < self.attempts:
            return 0.0
        return max(1.0, failures[0] + self.window_s - time.monotonic())

    def failed(self, client: str) -> None:
        if client not in self._failures and len(self._failures) >= self.max_clients:
            self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(client, deque(maxlen=self.attempts)).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        horizon = time.monotonic() - self.window_s
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures
