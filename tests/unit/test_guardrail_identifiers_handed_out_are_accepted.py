"""Every identifier Strata hands out for a guardrail (an id it made, a config guardrail's name, the
ARN GetGuardrail returns for either) is accepted wherever a guardrail is named: the ARN of a config
guardrail (".../guardrail/no-foo") was refused by ApplyGuardrail, Converse and InvokeModel."""

from __future__ import annotations

import pytest

from gateway.errors import InvalidRequest
from gateway.guardrails.identifiers import arn, guardrail_id, new_id
from gateway.guardrails.request import GuardrailRef, refs

MADE = "k3v9x0q2m7ab"  # shaped as new_id makes them (a fixed one: test ids must not vary between workers)


def test_an_id_strata_makes_has_the_shape_parsed_here() -> None:
    made = new_id()
    assert GuardrailRef.parse(arn("us-east-1", made), "guardrailIdentifier").identifier.endswith("/" + made)


@pytest.mark.parametrize(
    "identifier",
    [MADE, "no-foo", "PII_Guard-2", arn("us-east-1", MADE), arn("eu-west-3", "no-foo"), arn("us-east-1", "PII_Guard")],
)
@pytest.mark.parametrize("version", [None, "DRAFT", "1", "12"])
def test_an_identifier_strata_hands_out_names_its_guardrail(identifier: str, version: str | None) -> None:
    text = identifier if version is None else f"{identifier}:{version}"

    ref = GuardrailRef.parse(text, "guardrailIdentifier")

    assert (ref.identifier, ref.version) == (identifier, version or "DRAFT")
    assert guardrail_id(ref.identifier) == identifier.rsplit("/", 1)[-1]


def test_a_list_of_arns_in_a_header_is_read_whole() -> None:
    header = f"{arn('us-east-1', 'no-foo')}:1, {arn('us-east-1', MADE)}"

    assert [(r.identifier, r.version) for r in refs(header, "x-strata-guardrail")] == [
        (arn("us-east-1", "no-foo"), "1"),
        (arn("us-east-1", MADE), "DRAFT"),
    ]


@pytest.mark.parametrize(
    "text",
    ["no foo", "no-foo:0", "no-foo:latest", "arn:aws:bedrock:us-east-1:000000000000:guardrail/", "arn:x:guardrail/a b"],
)
def test_what_names_no_guardrail_is_still_refused(text: str) -> None:
    with pytest.raises(InvalidRequest):
        GuardrailRef.parse(text, "guardrailIdentifier")
