"""AWS Signature Version 4 verification, so boto3's default credential chain works against Strata.

A boto3 user sets ``AWS_ACCESS_KEY_ID`` to a Strata key's id (``master`` for the master key)
and ``AWS_SECRET_ACCESS_KEY`` to the key itself; botocore then signs every request with it
instead of sending it. To check the signature the server needs the secret (as AWS does), so the
verifier is handed a lookup from key id to secret.

Written with hmac/hashlib so botocore stays a test-only dependency. It follows what botocore
signs (``botocore.auth.SigV4Auth``), which is AWS's specification for non-S3 services:

- the canonical URI is the path exactly as sent (already percent-encoded by the client), with
  dot segments and repeated slashes removed, percent-encoded once more (so ``%2F`` -> ``%252F``);
- the query's names and values are (re-)encoded with RFC 3986's unreserved set and sorted;
- the signed headers are lower-cased, sorted, their values trimmed and joined with ``,``;
- the payload hash is ``x-amz-content-sha256`` when sent (checked against the body unless it is
  ``UNSIGNED-PAYLOAD``, accepted over HTTPS only), else the SHA-256 of the body.

Verification is split in two so that strangers are refused before their body is read:
``parse`` checks the header's form and the clock (the caller then looks up the key id);
``verify`` checks the signature over the whole request, body included.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from gateway.errors import PermissionDenied

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "bedrock"
MAX_SKEW_S = 300.0
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_UNRESERVED = "-_.~"

Headers = Iterable[tuple[bytes, bytes]]


class SignatureMismatch(PermissionDenied):
    """The request is signed, but not with the key it names (or not over what was sent)."""


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What the Authorization header claims, checked for form and freshness."""

    key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str


def is_sigv4(authorization: str | None) -> bool:
    return authorization is not None and authorization.startswith(ALGORITHM)


def _fields(authorization: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in authorization[len(ALGORITHM) :].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    return fields


def _header(headers: Headers, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def parse(authorization: str, headers: Headers, now: float | None = None) -> SignedRequest:
    """Check the header's form, its scope and the clock; the body is not needed yet.

    Raises SignatureMismatch (AccessDeniedException) for anything wrong. Whether the key id is
    known is the caller's business (an unknown one is UnrecognizedClientException).
    """
    fields = _fields(authorization)
    credential, signed, signature = fields.get("Credential"), fields.get("SignedHeaders"), fields.get("Signature")
    if not credential or not signed or not signature:
        raise SignatureMismatch(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."
        )
    parts = credential.rsplit("/", 4)
    if len(parts) != 5 or parts[4] != "aws4_request" or not parts[0]:
        raise SignatureMismatch(f"Credential should be scoped to a valid region and service, not '{credential}'.")
    key_id, date, region, service, _ = parts
    if service != SERVICE:
        raise SignatureMismatch(f"Credential should be scoped to the correct service: '{SERVICE}', not '{service}'.")
    amz_date = _header(headers, b"x-amz-date")
    if amz_date is None:
        raise SignatureMismatch("The request must carry an 'X-Amz-Date' header when it is signed.")
    _check_clock(amz_date, date, time.time() if now is None else now)
    names = tuple(signed.split(";"))
    if "host" not in names:
        raise SignatureMismatch("The 'host' header must be signed.")
    return SignedRequest(key_id, date, region, service, names, signature, amz_date)


def _signed_at(amz_date: str) -> float:
    """``YYYYMMDD'T'HHMMSS'Z'`` as a timestamp; ValueError otherwise (datetime checks the ranges).

    By hand: ``datetime.strptime`` cost ~40 us, half of verifying a whole signature."""
    digits = amz_date[:8] + amz_date[9:15]
    if len(amz_date) != 16 or amz_date[8] != "T" or amz_date[15] != "Z" or not (digits.isascii() and digits.isdigit()):
        raise ValueError(amz_date)
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def _check_clock(amz_date: str, scope_date: str, now: float) -> None:
    try:
        signed_at = _signed_at(amz_date)
    except ValueError:
        raise SignatureMismatch(f"'X-Amz-Date' must be in the form YYYYMMDD'T'HHMMSS'Z', not '{amz_date}'.") from None
    if amz_date[:8] != scope_date:
        raise SignatureMismatch(f"Date in Credential scope does not match YYYYMMDD from 'X-Amz-Date' ({amz_date}).")
    if abs(now - signed_at) > MAX_SKEW_S:
        server = datetime.fromtimestamp(now, UTC).strftime(_TIMESTAMP)
        raise SignatureMismatch(
            f"Signature expired: {amz_date} is more than 5 minutes from the server's time ({server})."
        )


def verify(
    signed: SignedRequest,
    secret: str,
    method: str,
    raw_path: bytes,
    query: bytes,
    headers: Headers,
    body: bytes,
    tls: bool = True,
) -> None:
    """Raise SignatureMismatch unless ``secret`` signed exactly this request. ``tls``: it came over
    HTTPS, where an unsigned payload cannot be changed on the way (the AWS SDKs sign it over HTTP)."""
    headers = list(headers)
    payload = _payload_hash(headers, body)
    if payload == UNSIGNED_PAYLOAD and not tls:
        raise SignatureMismatch(
            "UNSIGNED-PAYLOAD is accepted over HTTPS only: sign the payload (x-amz-content-sha256)."
        )
    canonical = canonical_request(method, raw_path, query, headers, signed.signed_headers, payload)
    scope = f"{signed.date}/{signed.region}/{signed.service}/aws4_request"
    to_sign = "\n".join((ALGORITHM, signed.amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()))
    key = signing_key(secret, signed.date, signed.region, signed.service)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signed.signature):
        raise SignatureMismatch(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )


def _payload_hash(headers: Headers, body: bytes) -> str:
    actual = hashlib.sha256(body).hexdigest()
    declared = _header(headers, b"x-amz-content-sha256")
    if declared is None:
        return actual
    if declared != UNSIGNED_PAYLOAD and declared != actual:
        raise SignatureMismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
    return declared


def canonical_request(
    method: str, raw_path: bytes, query: bytes, headers: Headers, signed_headers: tuple[str, ...], payload_hash: str
) -> str:
    wanted = set(signed_headers)
    values: dict[str, list[str]] = {}
    for key, value in headers:
        name = key.decode("latin-1").lower()
        if name in wanted:  # only signed headers are canonicalised
            values.setdefault(name, []).append(" ".join(value.decode("utf-8", "replace").split()))
    lines = []
    for name in signed_headers:
        if name not in values:
            raise SignatureMismatch(f"The signed header '{name}' is missing from the request.")
        lines.append(f"{name}:{','.join(values[name])}")
    return "\n".join(
        (
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query),
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            payload_hash,
        )
    )


@lru_cache(maxsize=1024)
def canonical_uri(raw_path: bytes) -> str:
    return quote(_remove_dot_segments(raw_path.decode("latin-1")), safe="/~")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, plus the collapsing of repeated slashes that AWS services expect."""
    if not path:
        return "/"
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


def canonical_query(query: bytes) -> str:
    if not query:
        return ""
    pairs = []
    for pair in query.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        pairs.append((quote(unquote(name), safe=_UNRESERVED), quote(unquote(value), safe=_UNRESERVED)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The day's derived key; cached, since a client signs many requests with the same one."""
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
