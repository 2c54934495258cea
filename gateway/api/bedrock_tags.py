"""Bedrock's TagResource, UntagResource and ListTagsForResource, for guardrails (the only taggable
resource Strata keeps), at botocore's paths and in its shapes; admin keys only. A guardrail's tags
are the resource's: set at CreateGuardrail, changed here, never by UpdateGuardrail; those of a
guardrail declared in the config are the config's (listed, changed there)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.bedrock_guardrails import _admin, _audit, _unchangeable
from gateway.api.body import parse_json
from gateway.caller_text import shown
from gateway.deps import Call, State
from gateway.errors import InvalidRequest, NotFound
from gateway.guardrails.definition import TAG_PATTERN, Tag
from gateway.guardrails.identifiers import ARN_PATTERN
from gateway.guardrails.store import Tags
from gateway.lifespan import AppState

router = APIRouter(tags=["Bedrock-compatible"])
MAX_TAGS = 200  # botocore's TagList
_GUARDRAIL_ARN = re.compile(ARN_PATTERN)
_ARN = Field(min_length=20, max_length=1011)  # botocore's TaggableResourcesArn


class TagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resourceARN: str = _ARN
    tags: list[Tag] = Field(max_length=MAX_TAGS)


class UntagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resourceARN: str = _ARN
    tagKeys: list[Annotated[str, Field(min_length=1, max_length=128, pattern=TAG_PATTERN)]] = Field(max_length=MAX_TAGS)


class ListTagsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resourceARN: str = _ARN


def _guardrail(resource: str) -> str:
    """The id of the guardrail an ARN names; ResourceNotFoundException for any other resource."""
    match = _GUARDRAIL_ARN.fullmatch(resource)
    if match is None:
        raise NotFound(f"Strata keeps tags for guardrails only; {shown(resource)!r} names no guardrail.")
    return match["id"]


async def _retag(state: AppState, resource: str, change: Any) -> str:
    gid = _guardrail(resource)
    if state.guardrails.is_configured(gid):
        raise _unchangeable(gid)
    if await state.guardrails.store.retag(gid, change) is None:
        raise NotFound(f"Could not find the guardrail {shown(resource)!r}.")
    return gid


@router.post("/tagResource", summary="TagResource")
async def tag_resource(request: Request, state: State, call: Call) -> dict[str, Any]:
    asked = parse_json(TagRequest, await _admin(state, call, request))
    given = {tag.key: tag.value for tag in asked.tags}

    def change(tags: list[Tags]) -> list[Tags]:
        merged = {tag["key"]: tag["value"] for tag in tags} | given
        if len(merged) > MAX_TAGS:
            raise InvalidRequest(f"A guardrail takes at most {MAX_TAGS} tags; this would give it {len(merged)}.")
        return [{"key": key, "value": value} for key, value in merged.items()]

    gid = await _retag(state, asked.resourceARN, change)
    await _audit(state, call, "tag", gid, {"keys": sorted(given)})
    return {}


@router.post("/untagResource", summary="UntagResource")
async def untag_resource(request: Request, state: State, call: Call) -> dict[str, Any]:
    asked = parse_json(UntagRequest, await _admin(state, call, request))
    dropped = set(asked.tagKeys)
    gid = await _retag(state, asked.resourceARN, lambda tags: [t for t in tags if t["key"] not in dropped])
    await _audit(state, call, "untag", gid, {"keys": sorted(dropped)})
    return {}


@router.post("/listTagsForResource", summary="ListTagsForResource")
async def list_tags_for_resource(request: Request, state: State, call: Call) -> dict[str, Any]:
    asked = parse_json(ListTagsRequest, await _admin(state, call, request))
    gid = _guardrail(asked.resourceARN)
    configured = state.guardrails.configured.get(gid)
    if configured is not None:
        return {"tags": [tag.model_dump() for tag in configured.tags or ()]}
    stored = await state.guardrails.store.load(gid, "DRAFT")
    if stored is None:
        raise NotFound(f"Could not find the guardrail {shown(asked.resourceARN)!r}.")
    definition = stored.definition if isinstance(stored.definition, dict) else {}
    return {"tags": list(definition.get("tags") or [])}
