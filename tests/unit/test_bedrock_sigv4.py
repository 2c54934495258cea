"""SigV4 verification against requests signed by botocore's own signer."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gateway.api import sigv4

SECRET = "sk-test-secret-key"
NOW = datetime.datetime(2026, 3, 4, 12, 0, 0, tzinfo=datetime.UTC)


def sign(
    method: str,
    url: str,
    body: bytes = b"",
    *,
    key_id: str = "master",
    secret: str = SECRET,
    service: str = "bedrock",
    region: str = "us-west-2",
    headers: dict[str, str] | None = None,
) -> tuple[list[tuple[bytes, bytes]], bytes, bytes]:
    """Sign as botocore does; return the headers as the server sees them, the raw path and query."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret), service, region).add_auth(request)
    parts = urlsplit(url)
    wire = [(b"host", parts.netloc.encode())]
    wire += [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
    return wire, parts.path.encode(), parts.query.encode()


def signed_at(wire: list[tuple[bytes, bytes]]) -> float:
    stamp = dict(wire)[b"x-amz-date"].decode()
    return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC).timestamp()


def check(
    method: str,
    wire: list[tuple[bytes, bytes]],
    path: bytes,
    query: bytes,
    body: bytes,
    skew_s: float = 0.0,
    tls: bool = True,
) -> str:
    authorization = dict(wire)[b"authorization"].decode()
    signed = sigv4.parse(authorization, wire, now=signed_at(wire) + skew_s)
    sigv4.verify(signed, SECRET, method, path, query, wire, body, tls)
    return signed.key_id


@pytest.mark.parametrize(
    "path",
    [
        "/model/gpt-test/converse",
        "/model/org%2Fmodel-a/converse",  # a model id with '/', percent-encoded as boto3 sends it
        "/model/acme.chat%3A1/invoke",  # and with ':'
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fm/converse-stream",
        "/model/with%20space/count-tokens",
    ],
)
def test_a_botocore_signature_verifies_whatever_the_encoding_of_the_path(path: str) -> None:
    body = b'{"messages":[]}'
    wire, raw_path, query = sign("POST", f"http://127.0.0.1:4000{path}", body)

    assert check("POST", wire, raw_path, query, body) == "master"


def test_query_strings_are_canonicalised_as_botocore_signs_them() -> None:
    url = "http://127.0.0.1:4000/foundation-models?byProvider=Meta%20AI&byOutputModality=TEXT&a=%2F~x"
    wire, raw_path, query = sign("GET", url)

    assert check("GET", wire, raw_path, query, b"") == "master"


def test_any_region_is_accepted() -> None:
    wire, raw_path, query = sign("POST", "http://h:1/model/m/converse", b"{}", region="eu-central-1")

    assert check("POST", wire, raw_path, query, b"{}") == "master"


def test_a_declared_unsigned_payload_is_honoured_over_https_but_a_wrong_declared_hash_is_not() -> None:
    body = b'{"x":1}'
    wire, raw_path, query = sign(
        "POST", "http://h:1/model/m/converse", body, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )
    assert check("POST", wire, raw_path, query, body) == "master"
    with pytest.raises(sigv4.SignatureMismatch, match="over HTTPS only"):  # a body anyone on the way could change
        check("POST", wire, raw_path, query, body, tls=False)

    wire, raw_path, query = sign(
        "POST", "http://h:1/model/m/converse", body, headers={"X-Amz-Content-SHA256": "0" * 64}
    )
    with pytest.raises(sigv4.SignatureMismatch, match="x-amz-content-sha256"):
        check("POST", wire, raw_path, query, body)


def test_the_wrong_secret_is_a_signature_mismatch() -> None:
    wire, raw_path, query = sign("POST", "http://h:1/model/m/converse", b"{}", secret="not-the-key")

    with pytest.raises(sigv4.SignatureMismatch) as caught:
        check("POST", wire, raw_path, query, b"{}")
    assert caught.value.bedrock_type == "AccessDeniedException"
    assert caught.value.status == 403


def test_the_key_id_comes_from_the_credential_scope() -> None:
    wire, _, _ = sign("POST", "http://h:1/model/m/converse", b"{}", key_id="sk-strata-abc123")
    authorization = dict(wire)[b"authorization"].decode()

    signed = sigv4.parse(authorization, wire, now=signed_at(wire))
    assert (signed.key_id, signed.region, signed.service) == ("sk-strata-abc123", "us-west-2", "bedrock")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda w, p, q, b: (w, p.replace(b"converse", b"invoke"), q, b),
        lambda w, p, q, b: (w, p, b"x=1", b),
        lambda w, p, q, b: (w, p, q, b + b" "),
        lambda w, p, q, b: ([(k, b"127.0.0.1:9" if k == b"host" else v) for k, v in w], p, q, b),
        lambda w, p, q, b: ([(k, v) for k, v in w if k != b"content-type"], p, q, b),
    ],
    ids=["path", "query", "body", "host", "signed-header-removed"],
)
def test_anything_changed_after_signing_fails(tamper: object) -> None:
    body = b'{"a":1}'
    wire, raw_path, query = sign("POST", "http://h:1/model/m/converse", body)
    changed = tamper(wire, raw_path, query, body)  # type: ignore[operator]

    with pytest.raises(sigv4.SignatureMismatch):
        check("POST", *changed)


@pytest.mark.parametrize("skew_s", [-301, 301])
def test_more_than_five_minutes_of_clock_skew_is_refused(skew_s: int) -> None:
    wire, raw_path, query = sign("POST", "http://h:1/model/m/converse", b"{}")

    assert check("POST", wire, raw_path, query, b"{}", skew_s=skew_s * 0.99) == "master"
    with pytest.raises(sigv4.SignatureMismatch, match="Signature expired"):
        check("POST", wire, raw_path, query, b"{}", skew_s=skew_s)


def test_another_service_scope_is_refused() -> None:
    wire, raw_path, query = sign("POST", "http://h:1/model/m/converse", b"{}", service="s3")

    with pytest.raises(sigv4.SignatureMismatch, match="correct service"):
        check("POST", wire, raw_path, query, b"{}")


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256 Credential=master/20260304/us-east-1/bedrock/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=master/us-east-1/bedrock, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=master/20260304/us-east-1/bedrock/aws4_request, SignedHeaders=x, Signature=ab",
    ],
    ids=["no-signature", "short-scope", "host-unsigned"],
)
def test_malformed_authorization_headers_are_refused(authorization: str) -> None:
    wire = [(b"host", b"h"), (b"x-amz-date", b"20260304T120000Z"), (b"x", b"1")]

    with pytest.raises(sigv4.SignatureMismatch):
        sigv4.parse(authorization, wire, now=NOW.timestamp())


def test_canonical_uri_double_encodes_as_aws_does_for_non_s3_services() -> None:
    assert sigv4.canonical_uri(b"/model/org%2Fmodel-a/converse") == "/model/org%252Fmodel-a/converse"
    assert sigv4.canonical_uri(b"/a/./b/../c//d/") == "/a/c/d/"
    assert sigv4.canonical_uri(b"") == "/"
