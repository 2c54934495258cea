"""How guardrails are named: ids, ARNs (accepted wherever Bedrock accepts either) and versions."""

from __future__ import annotations

import re
import secrets
import string

ACCOUNT = "000000000000"  # the account every Strata ARN is in: there is no AWS account behind it
DRAFT = "DRAFT"
ID_PATTERN = r"[0-9A-Za-z_-]+"  # an id Strata makes (12 of [a-z0-9]) or a config guardrail's name
# A guardrail's ARN, as Bedrock writes them and ``arn`` makes them (its id may be a config guardrail's name)
ARN_PATTERN = rf"arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{{1,20}}:[0-9]{{12}}:guardrail/(?P<id>{ID_PATTERN})"
_ARN = re.compile(rf"^{ARN_PATTERN}$")
_VERSION = re.compile(r"^(?:DRAFT|[1-9][0-9]{0,7})$")
_ALPHABET = string.ascii_lowercase + string.digits


def arn(region: str, guardrail_id: str) -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:guardrail/{guardrail_id}"


def guardrail_id(identifier: str) -> str:
    """The id an identifier names: the ARN's last part, or the identifier itself (an id, or the
    name of a guardrail declared in the config, which is its id)."""
    match = _ARN.match(identifier)
    return match.group("id") if match else identifier


def is_version(text: str) -> bool:
    """DRAFT or a version number (1 to 99999999), as Bedrock spells them."""
    return _VERSION.match(text) is not None


def new_id() -> str:
    """Twelve lower-case letters and digits, like Bedrock's guardrail ids."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))
