"""A guardrail's definition, in the shape of Bedrock's CreateGuardrail / UpdateGuardrail request
(field names as Bedrock spells them, so boto3 bodies and YAML use one vocabulary).

Validation here is what makes a definition usable: every regex compiles, every entity type and
strength exists, a word policy has words, blocked messages are set. A bad definition is refused
(by the API with a ValidationException naming the field) and never half-applied.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, get_args

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Side(StrEnum):
    """Which way the text goes: INPUT (the caller's prompt) or OUTPUT (the model's answer)."""

    INPUT = "INPUT"
    OUTPUT = "OUTPUT"


Strength = Literal["NONE", "LOW", "MEDIUM", "HIGH"]
BlockOrNone = Literal["BLOCK", "NONE"]
PiiAction = Literal["BLOCK", "ANONYMIZE", "NONE"]
ContentFilterType = Literal["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"]
PiiEntityType = Literal[
    "ADDRESS",
    "AGE",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "CA_HEALTH_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "CREDIT_DEBIT_CARD_NUMBER",
    "DRIVER_ID",
    "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "IP_ADDRESS",
    "LICENSE_PLATE",
    "MAC_ADDRESS",
    "NAME",
    "PASSWORD",
    "PHONE",
    "PIN",
    "SWIFT_CODE",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
    "URL",
    "USERNAME",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
]
PII_ENTITY_TYPES: tuple[str, ...] = get_args(PiiEntityType)


TAG_PATTERN = r"^[a-zA-Z0-9\s._:/=+@-]*$"
# botocore's IdempotencyToken (CreateGuardrail's and CreateGuardrailVersion's clientRequestToken).
CLIENT_REQUEST_TOKEN_PATTERN = r"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?$"


class _Bedrock(BaseModel):
    """Unknown fields are refused: a typo must not silently switch a policy off."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sided(_Bedrock):
    """Bedrock's per-side switches; unset means enabled."""

    inputEnabled: bool = True
    outputEnabled: bool = True


class TopicConfig(_Sided):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[0-9a-zA-Z\-_ !?.]+$")
    definition: str = Field(min_length=1, max_length=200)
    examples: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default=[], max_length=5)
    type: Literal["DENY"] = "DENY"
    inputAction: BlockOrNone = "BLOCK"
    outputAction: BlockOrNone = "BLOCK"


class TierConfig(_Bedrock):
    tierName: Literal["CLASSIC", "STANDARD"] = "CLASSIC"


class TopicPolicyConfig(_Bedrock):
    topicsConfig: list[TopicConfig] = Field(min_length=1, max_length=30)
    tierConfig: TierConfig | None = None

    @field_validator("topicsConfig")
    @classmethod
    def _distinct_names(cls, topics: list[TopicConfig]) -> list[TopicConfig]:
        names = [t.name.lower() for t in topics]
        if len(set(names)) != len(names):
            raise ValueError("topic names must be unique")
        return topics


class ContentFilterConfig(_Sided):
    type: ContentFilterType
    inputStrength: Strength
    outputStrength: Strength
    inputModalities: list[Literal["TEXT", "IMAGE"]] | None = None
    outputModalities: list[Literal["TEXT", "IMAGE"]] | None = None
    inputAction: BlockOrNone = "BLOCK"
    outputAction: BlockOrNone = "BLOCK"

    @model_validator(mode="after")
    def _prompt_attack_on_input(self) -> ContentFilterConfig:
        if self.type == "PROMPT_ATTACK" and self.outputStrength != "NONE":
            raise ValueError("PROMPT_ATTACK applies to input only: its outputStrength must be NONE")
        return self


class ContentPolicyConfig(_Bedrock):
    filtersConfig: list[ContentFilterConfig] = Field(min_length=1, max_length=6)
    tierConfig: TierConfig | None = None

    @field_validator("filtersConfig")
    @classmethod
    def _one_filter_per_type(cls, filters: list[ContentFilterConfig]) -> list[ContentFilterConfig]:
        kinds = [f.type for f in filters]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each content filter type may appear once")
        return filters


class WordConfig(_Sided):
    text: str = Field(min_length=1, max_length=100)
    inputAction: BlockOrNone = "BLOCK"
    outputAction: BlockOrNone = "BLOCK"

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("a word or phrase must not be blank")
        return text


class ManagedWordsConfig(_Sided):
    type: Literal["PROFANITY"]
    inputAction: BlockOrNone = "BLOCK"
    outputAction: BlockOrNone = "BLOCK"


class WordPolicyConfig(_Bedrock):
    wordsConfig: list[WordConfig] | None = Field(default=None, min_length=1, max_length=10_000)
    managedWordListsConfig: list[ManagedWordsConfig] | None = None

    @model_validator(mode="after")
    def _some_words(self) -> WordPolicyConfig:
        if not self.wordsConfig and not self.managedWordListsConfig:
            raise ValueError("a word policy needs wordsConfig or managedWordListsConfig")
        return self


class PiiEntityConfig(_Sided):
    type: PiiEntityType
    action: PiiAction
    inputAction: PiiAction | None = None  # default: ``action``
    outputAction: PiiAction | None = None


class RegexConfig(_Sided):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, min_length=1, max_length=1000)
    pattern: str = Field(min_length=1, max_length=500)
    action: PiiAction
    inputAction: PiiAction | None = None
    outputAction: PiiAction | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            compiled = regex.compile(pattern)  # what runs it (policies/regexes.py): \p{Lu} and the like work
        except (regex.error, ValueError) as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if compiled.match(""):
            raise ValueError("the pattern matches empty text, so it would match everywhere")
        return pattern


class SensitiveInformationPolicyConfig(_Bedrock):
    piiEntitiesConfig: list[PiiEntityConfig] | None = Field(default=None, min_length=1)
    regexesConfig: list[RegexConfig] | None = Field(default=None, min_length=1, max_length=30)

    @model_validator(mode="after")
    def _something(self) -> SensitiveInformationPolicyConfig:
        if not self.piiEntitiesConfig and not self.regexesConfig:
            raise ValueError("a sensitive information policy needs piiEntitiesConfig or regexesConfig")
        types = [e.type for e in self.piiEntitiesConfig or ()]
        if len(set(types)) != len(types):
            raise ValueError("each PII entity type may appear once")
        return self


class GroundingFilterConfig(_Bedrock):
    type: Literal["GROUNDING", "RELEVANCE"]
    threshold: float = Field(ge=0, le=0.99)
    action: BlockOrNone = "BLOCK"
    enabled: bool = True


class ContextualGroundingPolicyConfig(_Bedrock):
    filtersConfig: list[GroundingFilterConfig] = Field(min_length=1, max_length=2)
    tierConfig: TierConfig | None = None

    @field_validator("filtersConfig")
    @classmethod
    def _one_filter_per_type(cls, filters: list[GroundingFilterConfig]) -> list[GroundingFilterConfig]:
        kinds = [f.type for f in filters]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each contextual grounding filter type (GROUNDING, RELEVANCE) may appear once")
        return filters


class Tag(_Bedrock):
    key: str = Field(min_length=1, max_length=128, pattern=TAG_PATTERN)  # botocore's TagKey / TagValue
    value: str = Field(max_length=256, pattern=TAG_PATTERN)


class GuardrailDefinition(_Bedrock):
    """What CreateGuardrail and UpdateGuardrail take (the parts Strata enforces; Bedrock-only
    settings such as kmsKeyId, crossRegionConfig and automated reasoning are refused rather than
    accepted and ignored)."""

    name: str = Field(min_length=1, max_length=50, pattern=r"^[0-9a-zA-Z\-_]+$")
    description: str | None = Field(default=None, min_length=1, max_length=200)
    topicPolicyConfig: TopicPolicyConfig | None = None
    contentPolicyConfig: ContentPolicyConfig | None = None
    wordPolicyConfig: WordPolicyConfig | None = None
    sensitiveInformationPolicyConfig: SensitiveInformationPolicyConfig | None = None
    contextualGroundingPolicyConfig: ContextualGroundingPolicyConfig | None = None
    blockedInputMessaging: str = Field(min_length=1, max_length=500)
    blockedOutputsMessaging: str = Field(min_length=1, max_length=500)
    tags: list[Tag] | None = Field(default=None, max_length=200)
    clientRequestToken: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=CLIENT_REQUEST_TOKEN_PATTERN, exclude=True
    )

    def stored(self) -> dict[str, object]:
        """The definition as kept in the database and returned by GetGuardrail's config parts."""
        return self.model_dump(exclude_none=True, exclude={"clientRequestToken"})
