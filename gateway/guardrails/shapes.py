"""A stored guardrail in the shapes of Bedrock's control plane (GetGuardrail, GuardrailSummary).

Create and Update take ``topicPolicyConfig.topicsConfig``; Get answers ``topicPolicy.topics``:
the same items under other names. Pure functions over the stored definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# (CreateGuardrail's policy field, GetGuardrail's), then each one's lists the same way.
_POLICIES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("topicPolicyConfig", "topicPolicy", (("topicsConfig", "topics"), ("tierConfig", "tier"))),
    ("contentPolicyConfig", "contentPolicy", (("filtersConfig", "filters"), ("tierConfig", "tier"))),
    ("wordPolicyConfig", "wordPolicy", (("wordsConfig", "words"), ("managedWordListsConfig", "managedWordLists"))),
    (
        "sensitiveInformationPolicyConfig",
        "sensitiveInformationPolicy",
        (("piiEntitiesConfig", "piiEntities"), ("regexesConfig", "regexes")),
    ),
    (
        "contextualGroundingPolicyConfig",
        "contextualGroundingPolicy",
        (("filtersConfig", "filters"), ("tierConfig", "tier")),
    ),
)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, as botocore's rest-json parser reads Bedrock's timestamps."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def policies(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition's policies as GetGuardrail names them."""
    out: dict[str, Any] = {}
    for config_name, get_name, members in _POLICIES:
        config = definition.get(config_name)
        if not isinstance(config, Mapping):
            continue
        out[get_name] = {new: config[old] for old, new in members if config.get(old) is not None}
    return out


def get_guardrail(
    guardrail_id: str,
    arn: str,
    version: str,
    definition: Any,
    status: tuple[str, list[str]],
    created_at: datetime,
    updated_at: datetime,
) -> dict[str, Any]:
    """GetGuardrailResponse for one version (a stored definition that is not a dict shows no policies)."""
    d: Mapping[str, Any] = definition if isinstance(definition, Mapping) else {}
    body: dict[str, Any] = {
        "name": d.get("name", guardrail_id),
        "guardrailId": guardrail_id,
        "guardrailArn": arn,
        "version": version,
        "status": status[0],
        **policies(d),
        "createdAt": timestamp(created_at),
        "updatedAt": timestamp(updated_at),
        "statusReasons": status[1],
        "blockedInputMessaging": d.get("blockedInputMessaging", ""),
        "blockedOutputsMessaging": d.get("blockedOutputsMessaging", ""),
    }
    if d.get("description"):
        body["description"] = d["description"]
    return body


def summary(guardrail: Mapping[str, Any]) -> dict[str, Any]:
    """A GuardrailSummary (ListGuardrails) from the GetGuardrail shape of the same version."""
    fields = ("name", "description", "version", "status", "createdAt", "updatedAt")
    return {
        "id": guardrail["guardrailId"],
        "arn": guardrail["guardrailArn"],
        **{name: guardrail[name] for name in fields if name in guardrail},
    }
