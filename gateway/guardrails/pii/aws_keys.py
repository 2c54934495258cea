"""AWS access keys (AKIA..., ASIA...) and the secret keys paired with them: 40 characters of base64
that are a secret key only beside their keyword, right after an access key (on the same line or
the next of a config), or under a field named for a secret; AWS's documented examples are not."""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii.detector import Detector, has_any
from gateway.guardrails.pii.documented_values import published_example
from gateway.guardrails.pii.placeholders import example_sentence, template_text
from gateway.guardrails.pii.scan import Finding, Scan, found

ACCESS, SECRET = "AWS_ACCESS_KEY", "AWS_SECRET_KEY"


def _access_key(match: re.Match[str], scan: Scan) -> Finding | None:
    if len(set(match.group()[4:])) <= 3:
        return None  # AKIAXXXXXXXXXXXXXXXX: a placeholder
    if match.group().endswith("EXAMPLE") and (
        example_sentence(scan, match.start(), match.end()) or template_text(scan)
    ):
        return None  # "Example from the AWS docs: AKIAIOSFODNN7EXAMPLE"
    if published_example(scan, match.group()):
        return None  # the same key in a text that says, in any language, it is documentation
    return found(ACCESS, match.start(), match.end())


def _secret_key(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match.group()
    if value.endswith("EXAMPLEKEY") and (example_sentence(scan, match.start(), match.end()) or template_text(scan)):
        return None  # AWS's documented wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, called an example
    if published_example(scan, value):
        return None
    if not (any(c.isupper() for c in value) and any(c.islower() for c in value)):
        return None
    if not any(c.isdigit() or c in "/+" for c in value):
        return None
    if (
        scan.before(match.start(), ctx.AWS_SECRET)
        or scan.follows(match.start(), (ACCESS,), gap=16)
        or scan.follows(match.start(), (ACCESS,), gap=48, between=_NEXT_KEY_LINE)
    ):
        return found(SECRET, match.start(), match.end())
    if _SECRET_NAMED.search(scan.text, max(0, match.start() - 64), match.start()):
        return found(SECRET, match.start(), match.end())  # "SourceSecretKey=...", "awsSecret: ..."
    return None


# The next line of a config after an access key, whatever its key's name ("keyid: AKIA...\n  key: ...").
_NEXT_KEY_LINE = re.compile(r"[\"']?[ \t]*[,;]?[ \t]*\r?\n[ \t]*[\w.-]{1,30}[\"']?[ \t]*[:=][ \t]*[\"']?")
# A parameter or field named for a secret, right before the value.
_SECRET_NAMED = re.compile(
    r"(?i:[a-z_]*secret[a-z_]*)[\"']?[ \t]*(?::=|=>|=|:)[ \t]*[\"']?\Z|(?i:-[a-z]*secret[a-z]*)[ \t]+[\"']?\Z"
    r"|(?i:aws_secret_access_key)[\"']?\]?\)?[ \t]*\n[^\n]{0,24}?[\"']?\Z"
)


DETECTORS = (
    Detector(
        (ACCESS,),
        # AKIA (long-term) and ASIA (temporary) are access keys; AIDA, AROA... are IAM's unique ids
        re.compile(r"A(?<![A-Za-z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        _access_key,
    ),
    Detector(
        (SECRET,),
        re.compile(r"(?<![A-Za-z0-9/+_])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_])"),  # not the tail of sk_live_...
        _secret_key,
        has_any("secret", "aws", "akia", "asia"),
        needs=(ACCESS,),
    ),
)
