"""Credentials written with no password label: the password SQL sets (``CREATE USER ... IDENTIFIED
BY 'X'``), an HTTP Basic header's base64 of "user:password", and a session cookie's value (whoever
holds it is logged in). Each is tried only where its keyword stands, and judged as the other
passwords are: placeholders ('password', '<password>', '***'), bind variables and hashes are no
passwords."""

from __future__ import annotations

import base64
import binascii
import re

from gateway.guardrails.pii import lines
from gateway.guardrails.pii.detector import Detector, has_any, starting_with
from gateway.guardrails.pii.password_values import mixed, three_kinds
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.secrets import HASHED, NOT_A_PASSWORD, PASSWORD, PLACEHOLDER

# MySQL's and Oracle's IDENTIFIED BY 'X' (IDENTIFIED WITH plugin BY 'X'); Oracle's may be unquoted
_IDENTIFIED_BY = re.compile(
    r"(?i:identified[ \t]+(?:with[ \t]+['\"`]?\w{1,40}['\"`]?[ \t]+)?by)[ \t]+"
    r"(?P<value>'[^'\n]{1,128}'|\"[^\"\n]{1,128}\"|[^\s'\";,)]{1,64})"
)
# the statement that sets it, before it: CREATE USER, ALTER USER, GRANT ... TO
_SQL_STATEMENT = re.compile(r"(?i)\b(?:create|alter|grant)\b")
_STATEMENT_REACH = 240


def _sql_password(match: re.Match[str], scan: Scan) -> Finding | None:
    start, end = match.span("value")
    quoted = scan.text[start] in "'\""
    if quoted:
        start, end = start + 1, end - 1
    value = scan.text[start:end]
    if len(value) < 3 or value.lower() in NOT_A_PASSWORD or PLACEHOLDER.search(value) or HASHED.match(value):
        return None
    if value[0] in ":?@&$%{<":
        return None  # a bind variable or a template: IDENTIFIED BY :new_password
    before = scan.text[max(0, match.start() - _STATEMENT_REACH) : match.start()]
    statement = _SQL_STATEMENT.search(before[before.rfind(";") + 1 :]) is not None
    if quoted and (statement or three_kinds(value)):
        return found(PASSWORD, start, end)
    if not quoted and statement and mixed(value) and not value.isalpha():
        return found(PASSWORD, start, end)  # Oracle: ALTER USER scott IDENTIFIED BY Tiger#2024
    return None


_BASIC_AUTH = re.compile(
    r"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?(?i:basic)[ \t]+(?P<value>[A-Za-z0-9+/]{8,1024}={0,2})(?![\w+/=])"
)

_DOCUMENTED_BASIC = frozenset(("pass", "secret", "pwd", "open sesame"))


def _basic_credentials(match: re.Match[str], scan: Scan) -> Finding | None:
    """The base64 of "user:password" (what every Basic header carries), not the docs' example."""
    value = match["value"]
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon or not user or not password or not decoded.isprintable():
        return None
    if PLACEHOLDER.search(password) or password.lower() in _DOCUMENTED_BASIC:
        return None  # "username:password", "user:pass", RFC 7617's "Aladdin:open sesame"
    return found(PASSWORD, *match.span("value"))


# A session cookie's value logs in whoever sends it. Names only frameworks give their session
# stand alone; "session", "sessionid", "sid" are read as one only in a cookie (a Cookie header,
# curl's -b or --cookie), not in "session=3 workers".
_SESSION_COOKIE = re.compile(
    r"(?<![\w.-])(?P<name>(?i:phpsessid|jsessionid|asp\.net_sessionid|connect\.sid|laravel_session|rack\.session"
    r"|sessionid|session_id|session|sid|_[a-z0-9]+_session))=(?P<value>[^;\s\"',]{16,4096})"
)
_FRAMEWORK_SESSIONS = frozenset("phpsessid jsessionid asp.net_sessionid connect.sid laravel_session".split())
_COOKIE_LINE = re.compile(r"(?i)cookie|(?:^|\s)-b\s")


def _session_cookie(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match["value"]
    if PLACEHOLDER.search(value) or not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return None
    if value.endswith(("...", "…")):
        return None
    if match["name"].lower() not in _FRAMEWORK_SESSIONS:
        line = scan.text[lines.line_start(scan.text, match.start()) : match.start()]
        if _COOKIE_LINE.search(line) is None:
            return None
    return found(PASSWORD, *match.span("value"))


DETECTORS = (
    Detector(
        (PASSWORD,),
        _IDENTIFIED_BY,
        _sql_password,
        has_any("identified"),
        matches=starting_with(_IDENTIFIED_BY, "identified"),
    ),
    Detector(
        (PASSWORD,),
        _BASIC_AUTH,
        _basic_credentials,
        has_any("authorization"),
        matches=starting_with(_BASIC_AUTH, "authorization"),
    ),
    Detector(
        (PASSWORD,),
        _SESSION_COOKIE,
        _session_cookie,
        has_any("cookie", "sessid", "connect.sid", "laravel_session", " -b "),
        matches=starting_with(_SESSION_COOKIE, "sess", "sid", "connect.sid", "asp.net_", "rack.", word_start=True),
    ),
)
