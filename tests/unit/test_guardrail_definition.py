"""A guardrail's definition: what CreateGuardrail and the config's ``guardrails:`` accept, what
they refuse (naming the field), and how GetGuardrail shows it back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from gateway.api.body import parse_json
from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.errors import InvalidRequest
from gateway.guardrails import shapes
from gateway.guardrails.definition import GuardrailDefinition
from gateway.guardrails.identifiers import arn, guardrail_id, is_version, new_id

BASE: dict[str, Any] = {"name": "g", "blockedInputMessaging": "No.", "blockedOutputsMessaging": "No."}
EVERY_POLICY: dict[str, Any] = {
    **BASE,
    "description": "every policy",
    "topicPolicyConfig": {
        "topicsConfig": [{"name": "Investments", "definition": "Advice on investing.", "examples": ["Buy what?"]}],
        "tierConfig": {"tierName": "CLASSIC"},
    },
    "contentPolicyConfig": {
        "filtersConfig": [
            {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "MEDIUM"},
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        ]
    },
    "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}], "managedWordListsConfig": [{"type": "PROFANITY"}]},
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}],
        "regexesConfig": [{"name": "ticket", "pattern": r"TCK-\d{6}", "action": "BLOCK"}],
    },
    "contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.75}]},
}


def refused(body: dict[str, Any]) -> InvalidRequest:
    """What the API answers a body with: the ValidationException's message and field."""
    with pytest.raises(InvalidRequest) as caught:
        parse_json(GuardrailDefinition, orjson.dumps(body))
    return caught.value


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (
            {"sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": "r", "pattern": "(", "action": "BLOCK"}]}},
            "sensitiveInformationPolicyConfig.regexesConfig[0].pattern",
            "not a valid regular expression",
        ),
        (
            {
                "sensitiveInformationPolicyConfig": {
                    "regexesConfig": [{"name": "r", "pattern": "a*", "action": "BLOCK"}]
                }
            },
            "sensitiveInformationPolicyConfig.regexesConfig[0].pattern",
            "matches empty text",
        ),
        (
            {"sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "SSN", "action": "BLOCK"}]}},
            "sensitiveInformationPolicyConfig.piiEntitiesConfig[0].type",
            "US_SOCIAL_SECURITY_NUMBER",
        ),
        ({"wordPolicyConfig": {"wordsConfig": []}}, "wordPolicyConfig.wordsConfig", "at least 1"),
        ({"wordPolicyConfig": {}}, "wordPolicyConfig", "needs wordsConfig or managedWordListsConfig"),
        (
            {
                "contentPolicyConfig": {
                    "filtersConfig": [{"type": "HATE", "inputStrength": "EXTREME", "outputStrength": "LOW"}]
                }
            },
            "contentPolicyConfig.filtersConfig[0].inputStrength",
            "'HIGH'",
        ),
        (
            {
                "contentPolicyConfig": {
                    "filtersConfig": [{"type": "GORE", "inputStrength": "LOW", "outputStrength": "LOW"}]
                }
            },
            "contentPolicyConfig.filtersConfig[0].type",
            "PROMPT_ATTACK",
        ),
        (
            {
                "contentPolicyConfig": {
                    "filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "HIGH"}]
                }
            },
            "contentPolicyConfig.filtersConfig[0]",
            "PROMPT_ATTACK applies to input only",
        ),
        ({"name": "n" * 51}, "name", "at most 50"),
        ({"name": "has spaces"}, "name", "pattern"),
        ({"kmsKeyId": "arn:aws:kms:key"}, "kmsKeyId", "Extra inputs are not permitted"),
        ({"blockedInputMessaging": ""}, "blockedInputMessaging", "at least 1"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field(change: dict[str, Any], field: str, says: str) -> None:
    error = refused({**BASE, **change})

    assert error.param == field
    assert f"'{field}'" in error.message and says in error.message
    assert error.bedrock_type == "ValidationException"


def test_a_missing_blocked_message_is_named() -> None:
    error = refused({"name": "g", "blockedOutputsMessaging": "No."})

    assert error.param == "blockedInputMessaging"
    assert "Missing required parameter" in error.message


def test_every_policy_comes_back_in_getguardrails_shape() -> None:
    stored = GuardrailDefinition.model_validate({**EVERY_POLICY, "clientRequestToken": "t-1"}).stored()
    moment = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)

    got = shapes.get_guardrail("abc", "arn:x", "DRAFT", stored, ("READY", []), moment, moment)

    assert "clientRequestToken" not in stored
    assert got["name"] == "g" and got["description"] == "every policy" and got["status"] == "READY"
    assert got["createdAt"] == "2026-01-02T03:04:05.600000Z"
    assert got["topicPolicy"]["topics"][0]["examples"] == ["Buy what?"]
    assert got["topicPolicy"]["tier"] == {"tierName": "CLASSIC"}
    assert [f["type"] for f in got["contentPolicy"]["filters"]] == ["HATE", "PROMPT_ATTACK"]
    assert got["wordPolicy"]["words"][0] == {
        "text": "forbidden",
        "inputAction": "BLOCK",
        "outputAction": "BLOCK",
        "inputEnabled": True,
        "outputEnabled": True,
    }
    assert got["wordPolicy"]["managedWordLists"][0]["type"] == "PROFANITY"
    assert got["sensitiveInformationPolicy"]["piiEntities"][0]["action"] == "ANONYMIZE"
    assert got["sensitiveInformationPolicy"]["regexes"][0]["pattern"] == r"TCK-\d{6}"
    assert got["contextualGroundingPolicy"]["filters"][0]["threshold"] == 0.75
    assert shapes.summary(got)["id"] == "abc" and shapes.summary(got)["arn"] == "arn:x"


def test_ids_arns_and_versions() -> None:
    made = new_id()

    assert len(made) == 12 and made.isalnum() and made == made.lower()
    assert arn("eu-west-3", made) == f"arn:aws:bedrock:eu-west-3:000000000000:guardrail/{made}"
    assert guardrail_id(arn("eu-west-3", made)) == made
    assert guardrail_id(made) == made
    assert [is_version(v) for v in ("DRAFT", "1", "12345678", "0", "draft", "123456789")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


CONFIG = """
models:
  echo:
    deployments: [{provider: echo}]
    guardrails: [no-foo, "no-foo:1", abc123def456]
guardrails:
  no-foo:
    wordPolicyConfig: {wordsConfig: [{text: foo}]}
    blockedInputMessaging: "No foo."
    blockedOutputsMessaging: "No foo."
"""


def test_the_config_declares_guardrails_by_name_and_models_name_their_defaults() -> None:
    catalog = parse_catalog(CONFIG, "strata.yaml")

    assert catalog.guardrails["no-foo"].name == "no-foo"
    assert catalog.guardrails["no-foo"].blockedInputMessaging == "No foo."
    assert catalog.models["echo"].guardrails == ["no-foo", "no-foo:1", "abc123def456"]


@pytest.mark.parametrize(
    ("yaml_text", "says"),
    [
        (
            CONFIG.replace("wordPolicyConfig: {wordsConfig: [{text: foo}]}", "wordPolicyConfig: {wordsConfig: []}"),
            "strata.yaml: guardrails.no-foo.wordPolicyConfig.wordsConfig: List should have at least 1 item",
        ),
        (
            CONFIG.replace("    wordPolicyConfig:", "    name: other\n    wordPolicyConfig:"),
            "its name is its key; leave out name:",
        ),
        (
            CONFIG.replace('"no-foo:1"', '"no-foo:2"'),
            "strata.yaml: models.echo.guardrails[1]: guardrails declared in the config have versions DRAFT and 1",
        ),
        (
            CONFIG.replace('"no-foo:1"', '"no foo"'),
            "strata.yaml: models.echo.guardrails[1]: 'no foo' is not ID or ID:VERSION",
        ),
        (
            CONFIG.replace("kmsKeyId", "").replace(
                "    blockedInputMessaging", "    kmsKeyId: k\n    blockedInputMessaging"
            ),
            "guardrails.no-foo.kmsKeyId: Extra inputs are not permitted",
        ),
    ],
)
def test_a_bad_config_guardrail_is_refused_at_load_naming_the_key_path(yaml_text: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(yaml_text, "strata.yaml")

    assert says in str(caught.value)


def test_a_definition_is_immutable_once_validated() -> None:
    definition = GuardrailDefinition.model_validate(EVERY_POLICY)

    with pytest.raises(ValidationError):
        definition.name = "other"  # type: ignore[misc]


def test_a_regex_in_the_regex_modules_own_syntax_is_accepted_and_matches() -> None:
    import asyncio

    from gateway.guardrails.definition import Side
    from gateway.guardrails.policies import regexes
    from gateway.guardrails.policies.base import TextUnit

    definition = GuardrailDefinition.model_validate(
        {
            **BASE,
            "sensitiveInformationPolicyConfig": {
                "regexesConfig": [{"name": "code", "pattern": r"\p{Lu}{3}-\d{4}", "action": "ANONYMIZE"}]
            },
        }
    )
    assert definition.sensitiveInformationPolicyConfig is not None
    check = regexes.check(definition.sensitiveInformationPolicyConfig, Side.INPUT)
    assert check is not None
    found = asyncio.run(check.detect([TextUnit("ship ÄBC-1234 today")]))
    assert [d.span for d in found] == [(0, 5, 13)]


@pytest.mark.parametrize("key", ["bad#key", "semi;colon", "brace{"])
def test_a_tag_outside_bedrocks_tag_alphabet_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="key"):
        GuardrailDefinition.model_validate({**BASE, "tags": [{"key": key, "value": "v"}]})
