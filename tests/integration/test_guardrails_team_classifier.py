"""A team's own text-classification model, named by STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH: its
verdicts count in every content policy of a real gateway, as the openai SDK sees them; a folder
that is not there stops the gateway at start, not at the first guarded call."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
import yaml
from pydantic import ValidationError

from gateway.config.settings import Settings
from tests.integration.conftest import ENVIRON
from tests.support.gateway import gateway_in_thread
from tests.support.local_models import tiny_content_classifier

GUARDRAIL = {
    "blockedInputMessaging": "Blocked by the team's classifier.",
    "blockedOutputsMessaging": "Withheld.",
    "contentPolicyConfig": {
        "filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]
    },
}


def test_a_teams_classifier_named_in_the_settings_decides_with_the_seed_classifier(tmp_path: Path) -> None:
    folder = tiny_content_classifier(tmp_path / "classifier", says="jailbreak")
    catalog = yaml.safe_dump(
        {"guardrails": {"team": GUARDRAIL}, "models": {"echo": {"deployments": [{"provider": "echo"}]}}}
    )
    with gateway_in_thread(catalog, tmp_path, environ=ENVIRON, guardrail_classifier_model_path=str(folder)) as gw:
        with openai.OpenAI(base_url=gw.openai_base, api_key=gw.master_key, max_retries=0, timeout=180) as client:
            reply = client.chat.completions.create(
                model="echo",
                messages=[{"role": "user", "content": "Please summarise the meeting notes from Tuesday."}],
                extra_headers={"x-strata-guardrail": "team"},
            )
    assert reply.choices[0].finish_reason == "content_filter"
    assert reply.choices[0].message.content == "Blocked by the team's classifier."
    filters = reply.model_extra["strata_guardrail"]["input"][0]["assessment"]["contentPolicy"]["filters"]
    assert filters[0]["type"] == "PROMPT_ATTACK" and filters[0]["confidence"] == "HIGH"


@pytest.mark.parametrize("setting", ["guardrail_classifier_model_path", "guardrail_ner_model_path"])
def test_a_model_folder_that_is_not_there_is_refused_at_start(tmp_path: Path, setting: str) -> None:
    with pytest.raises(ValidationError, match="no such model directory"):
        Settings(**{setting: str(tmp_path / "missing")})  # type: ignore[arg-type]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="no config.json"):
        Settings(**{setting: str(tmp_path / "empty")})  # type: ignore[arg-type]


def test_a_calibrated_classifier_blocks_at_the_floors_written_beside_it(tmp_path: Path) -> None:
    """A classifier unsure of a prompt (about one chance in three) passes it at the default floors;
    calibrated floors under that chance make the same gateway block it."""
    from gateway.guardrails.semantic import calibration
    from gateway.guardrails.semantic.classifier import LocalClassifier

    folder = tiny_content_classifier(tmp_path / "classifier")
    prompt = "Please summarise the meeting notes from Tuesday."
    chance = LocalClassifier(str(folder)).probabilities([prompt])[0]["PROMPT_ATTACK"]
    assert chance < 0.5  # under the default LOW floor
    catalog = yaml.safe_dump(
        {"guardrails": {"team": GUARDRAIL}, "models": {"echo": {"deployments": [{"provider": "echo"}]}}}
    )

    def ask() -> str | None:
        with gateway_in_thread(catalog, tmp_path, environ=ENVIRON, guardrail_classifier_model_path=str(folder)) as gw:
            with openai.OpenAI(base_url=gw.openai_base, api_key=gw.master_key, max_retries=0, timeout=180) as client:
                reply = client.chat.completions.create(
                    model="echo",
                    messages=[{"role": "user", "content": prompt}],
                    extra_headers={"x-strata-guardrail": "team"},
                )
        return reply.choices[0].finish_reason

    assert ask() == "stop"
    calibration.write(folder, {"HIGH": chance * 0.99, "MEDIUM": chance * 0.98, "LOW": chance * 0.97}, {})
    assert ask() == "content_filter"


def test_a_calibration_file_that_cannot_be_read_is_refused_at_start(tmp_path: Path) -> None:
    folder = tiny_content_classifier(tmp_path / "classifier")
    (folder / "strata_confidence.json").write_text('{"floors": {"HIGH": 0.2, "MEDIUM": 0.9}}', encoding="utf-8")
    with pytest.raises(ValidationError, match="strata_confidence.json"):
        Settings(guardrail_classifier_model_path=str(folder))
