"""What makes an admin key is a JSON true, nothing that merely looks like one; tags and guardrail
lists are bounded (every usage record copies a key's tags)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.schemas.admin import KeyCreate, KeyUpdate, TeamCreate


@pytest.mark.parametrize("flag", ["yes", "on", 1, "true"])
def test_only_true_makes_an_admin_key(flag: Any) -> None:
    with pytest.raises(ValidationError, match="is_admin"):
        KeyCreate.model_validate({"name": "k", "is_admin": flag})
    with pytest.raises(ValidationError, match="is_admin"):
        KeyUpdate.model_validate({"is_admin": flag})
    assert KeyCreate.model_validate({"name": "k", "is_admin": True}).is_admin is True


@pytest.mark.parametrize("tags", [["x" * 257], [f"t{i}" for i in range(101)]], ids=["a tag too long", "too many tags"])
def test_tags_are_bounded(tags: list[str]) -> None:
    with pytest.raises(ValidationError, match="tags"):
        KeyCreate.model_validate({"name": "k", "tags": tags})
    with pytest.raises(ValidationError, match="tags"):
        TeamCreate.model_validate({"name": "t", "tags": tags})
