"""Bedrock's guardrail resources: CreateGuardrail, GetGuardrail, ListGuardrails, UpdateGuardrail,
DeleteGuardrail and CreateGuardrailVersion, at botocore's paths and in its shapes.

Admin keys only (AccessDeniedException otherwise), authenticated like the runtime surface (SigV4
or a bearer key). A guardrail is named by its id or its ARN (in the caller's signing region,
account 000000000000). Guardrails declared in the config are listed and readable, never changed
here (ConflictException). Every change is announced to the registry, which drops its compiled
copy here and, through Redis, on every other gateway.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.asgi_routes import AsgiRequest
from gateway.api.bedrock_auth import admit
from gateway.api.bedrock_control import _region as signing_region
from gateway.api.body import parse_json
from gateway.deps import Call, State
from gateway.errors import Conflict, InvalidRequest, NotFound, PermissionDenied, ResourceInUse
from gateway.guardrails import shapes
from gateway.guardrails.definition import CLIENT_REQUEST_TOKEN_PATTERN, GuardrailDefinition
from gateway.guardrails.errors import GuardrailNotFound
from gateway.guardrails.identifiers import DRAFT, arn, guardrail_id, is_version
from gateway.guardrails.request import GuardrailRef
from gateway.guardrails.store import NameTaken, TokenReused
from gateway.lifespan import AppState
from gateway.services.audit import AuditLog
from gateway.services.context import CallContext

Json = dict[str, Any]
router = APIRouter(tags=["Bedrock-compatible"])

# First path segments of Bedrock's control-plane and runtime operations that Strata does not serve:
# an unknown operation there answers in Bedrock's error shape, as botocore parses it.
BEDROCK_SEGMENTS = (
    "/advanced-prompt-optimization-job",
    "/advanced-prompt-optimization-jobs",
    "/async-invoke",
    "/automated-reasoning-policies",
    "/create-foundation-model-agreement",
    "/custom-models",
    "/data-retention",
    "/delete-foundation-model-agreement",
    "/enforcedGuardrailsConfiguration",
    "/evaluation-job",
    "/evaluation-jobs",
    "/foundation-model-availability",
    "/guardrail",
    "/guardrail-checks",
    "/imported-models",
    "/inference-profiles",
    "/list-foundation-model-agreement-offers",
    "/listTagsForResource",
    "/logging",
    "/marketplace-model",
    "/model-copy-jobs",
    "/model-customization",
    "/model-customization-jobs",
    "/model-import-jobs",
    "/model-invocation-job",
    "/model-invocation-jobs",
    "/projects",
    "/prompt-routers",
    "/provisioned-model-throughput",
    "/provisioned-model-throughputs",
    "/resource-policy",
    "/trusted-access-programs",
    "/use-case-for-model-access",
)
MAX_RESULTS = 1000
_TOKEN = "guardrails:"  # what every nextToken this API gives starts with (once decoded)


class VersionRequest(BaseModel):
    """CreateGuardrailVersion's body."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, min_length=1, max_length=200)
    clientRequestToken: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=CLIENT_REQUEST_TOKEN_PATTERN
    )


async def _admin(state: AppState, call: CallContext, request: Request) -> bytes:
    """The body of a request from an admin key; AccessDeniedException for any other key."""
    principal, body = await admit(state, call, AsgiRequest(request.scope, request.receive))
    if not principal.is_admin:
        raise PermissionDenied("Guardrails are managed with an admin key; this key is not one.")
    return body


async def _audit(state: AppState, call: CallContext, action: str, gid: str, details: Json | None = None) -> None:
    """The audit log's entry for a change made here (after it succeeded), as the admin API's are."""
    actor = call.principal.key_id if call.principal is not None else "master"
    await AuditLog(state.db.sessions).record(actor, "api", action, "guardrail", gid, details)


def _not_found(identifier: str, version: str | None = None) -> NotFound:
    which = f"version {version} of the guardrail" if version and version != DRAFT else "the guardrail"
    return NotFound(f"Could not find {which} {identifier!r}.")


def _unchangeable(gid: str) -> Conflict:
    return Conflict(f"The guardrail {gid!r} is declared in the gateway's config; change it there.")


def _definition(body: bytes) -> GuardrailDefinition:
    if not body:
        raise InvalidRequest("The request body is empty; send the guardrail's definition.")
    return parse_json(GuardrailDefinition, body)


def _check_name(state: AppState, name: str, gid: str | None = None) -> None:
    """Names are unique, the config's included (their name is their id)."""
    if state.guardrails.is_configured(name) and name != gid:
        raise Conflict(f"A guardrail named {name!r} is declared in the gateway's config.")


@router.post("/guardrails", status_code=202, summary="CreateGuardrail")
async def create_guardrail(request: Request, state: State, call: Call) -> dict[str, Any]:
    definition = _definition(await _admin(state, call, request))
    _check_name(state, definition.name)
    registry = state.guardrails
    try:
        stored, _ = await registry.store.create(
            definition.stored(), definition.clientRequestToken, set(registry.configured)
        )
    except NameTaken:
        raise Conflict(f"A guardrail named {definition.name!r} exists already.") from None
    except TokenReused as exc:
        raise Conflict(f"This clientRequestToken created another guardrail ({exc}); send a new one.") from None
    await registry.changed(stored.guardrail_id)  # an unknown id remembered elsewhere is known now
    await _audit(state, call, "create", stored.guardrail_id, {"name": definition.name})
    return {
        "guardrailId": stored.guardrail_id,
        "guardrailArn": arn(signing_region(request), stored.guardrail_id),
        "version": DRAFT,
        "createdAt": shapes.timestamp(stored.created_at),
    }


async def _get_shape(state: AppState, request: Request, gid: str, version: str) -> dict[str, Any]:
    """One version in GetGuardrail's shape; ResourceNotFoundException when there is no such version."""
    registry = state.guardrails
    definition = registry.configured.get(gid)
    if definition is not None:
        if version not in (DRAFT, "1"):
            raise _not_found(gid, version)
        stored: Any = definition.stored()
        created = updated = registry.configured_at
    else:
        found = await registry.store.load(gid, version)
        if found is None:
            raise _not_found(gid, version)
        stored, created, updated = found.definition, found.created_at, found.updated_at
    try:
        status = await registry.status(gid, version)
    except GuardrailNotFound:  # deleted since
        raise _not_found(gid, version) from None
    return shapes.get_guardrail(gid, arn(signing_region(request), gid), version, stored, status, created, updated)


@router.get("/guardrails/{guardrailIdentifier:path}", summary="GetGuardrail")
async def get_guardrail(
    guardrailIdentifier: str, request: Request, state: State, call: Call, guardrailVersion: str | None = None
) -> dict[str, Any]:
    await _admin(state, call, request)
    version = guardrailVersion or DRAFT
    if not is_version(version):
        raise InvalidRequest("guardrailVersion must be DRAFT or a version number.", param="guardrailVersion")
    return await _get_shape(state, request, guardrail_id(guardrailIdentifier), version)


@router.get("/guardrails", summary="ListGuardrails")
async def list_guardrails(
    request: Request,
    state: State,
    call: Call,
    guardrailIdentifier: str | None = None,
    maxResults: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 100,
    nextToken: str | None = None,
) -> dict[str, Any]:
    """Every guardrail's DRAFT; or, given ``guardrailIdentifier``, every version of that one."""
    await _admin(state, call, request)
    after = _token_key(nextToken) if nextToken is not None else ""
    listed = await (_versions(state, guardrail_id(guardrailIdentifier)) if guardrailIdentifier else _drafts(state))
    page = [(key, gid, version) for key, gid, version in sorted(listed) if key > after][: maxResults + 1]
    found = []
    for _, gid, version in page[:maxResults]:
        try:
            found.append(shapes.summary(await _get_shape(state, request, gid, version)))
        except NotFound:
            continue  # deleted since it was listed
    body: dict[str, Any] = {"guardrails": found}
    if len(page) > maxResults:
        body["nextToken"] = base64.urlsafe_b64encode(f"{_TOKEN}{page[maxResults - 1][0]}".encode()).decode()
    return body


def _token_key(token: str) -> str:
    """The sort key of the last item a page showed: the next page starts after it."""
    try:
        key = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = ""
    if not key.startswith(_TOKEN):
        raise InvalidRequest("nextToken is not one this API gave.", param="nextToken")
    return key.removeprefix(_TOKEN)


async def _drafts(state: AppState) -> list[tuple[str, str, str]]:
    """(sort key, id, DRAFT): the config's first, by name, then the stored ones, oldest first."""
    listed = [(f"0|{name}", name, DRAFT) for name in state.guardrails.configured]
    for stored in await state.guardrails.store.drafts():
        listed.append((f"1|{stored.created_at:%Y%m%d%H%M%S%f}|{stored.guardrail_id}", stored.guardrail_id, DRAFT))
    return listed


async def _versions(state: AppState, gid: str) -> list[tuple[str, str, str]]:
    """(sort key, id, version): DRAFT first, then the numbered versions in order."""
    if state.guardrails.is_configured(gid):
        return [("00000000", gid, DRAFT), ("00000001", gid, "1")]
    if await state.guardrails.store.load(gid, DRAFT) is None:
        raise _not_found(gid)
    numbered = await state.guardrails.store.versions(gid)
    return [("00000000", gid, DRAFT)] + [(f"{int(v.version):08d}", gid, v.version) for v in numbered]


@router.put("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="UpdateGuardrail")
async def update_guardrail(guardrailIdentifier: str, request: Request, state: State, call: Call) -> dict[str, Any]:
    body = await _admin(state, call, request)
    gid = guardrail_id(guardrailIdentifier)
    registry = state.guardrails
    if registry.is_configured(gid):
        raise _unchangeable(gid)
    definition = _definition(body)
    for field in ("tags", "clientRequestToken"):
        if getattr(definition, field) is not None:
            raise InvalidRequest(f"UpdateGuardrail takes no {field}.", param=field)
    current = await registry.store.load(gid, DRAFT)
    if current is None:
        raise _not_found(guardrailIdentifier)
    _check_name(state, definition.name, gid)
    new = definition.stored()
    if isinstance(current.definition, dict) and current.definition.get("tags"):
        new["tags"] = current.definition["tags"]  # tags belong to the resource, not to the draft
    try:
        stored = await registry.store.update(gid, new)
    except NameTaken:
        raise Conflict(f"A guardrail named {definition.name!r} exists already.") from None
    if stored is None:
        raise _not_found(guardrailIdentifier)
    await registry.changed(gid)
    await _audit(state, call, "update", gid, {"name": definition.name})
    region = signing_region(request)
    return {
        "guardrailId": gid,
        "guardrailArn": arn(region, gid),
        "version": DRAFT,
        "updatedAt": shapes.timestamp(stored.updated_at),
    }


@router.post("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="CreateGuardrailVersion")
async def create_guardrail_version(
    guardrailIdentifier: str, request: Request, state: State, call: Call
) -> dict[str, Any]:
    body = await _admin(state, call, request)
    gid = guardrail_id(guardrailIdentifier)
    if state.guardrails.is_configured(gid):
        raise Conflict(f"The guardrail {gid!r} is declared in the gateway's config; its versions are DRAFT and 1.")
    asked = parse_json(VersionRequest, body) if body else VersionRequest()
    try:
        number = await state.guardrails.store.create_version(gid, asked.description, asked.clientRequestToken)
    except TokenReused as exc:
        raise Conflict(f"This clientRequestToken created another version ({exc}); send a new one.") from None
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    if number is None:
        raise _not_found(guardrailIdentifier)
    await state.guardrails.changed(gid)  # a number remembered as unknown elsewhere exists now
    await _audit(state, call, "publish", gid, {"version": number})
    return {"guardrailId": gid, "version": str(number)}


@router.delete("/guardrails/{guardrailIdentifier:path}", status_code=202, summary="DeleteGuardrail")
async def delete_guardrail(
    guardrailIdentifier: str, request: Request, state: State, call: Call, guardrailVersion: str | None = None
) -> dict[str, Any]:
    """The whole guardrail, or one numbered version; ResourceInUseException while a key, a team or
    a model names what would go."""
    await _admin(state, call, request)
    gid = guardrail_id(guardrailIdentifier)
    store = state.guardrails.store
    if state.guardrails.is_configured(gid):
        raise _unchangeable(gid)
    if guardrailVersion is not None and not (guardrailVersion.isdigit() and is_version(guardrailVersion)):
        raise InvalidRequest("guardrailVersion must be a version number (1, 2, ...).", param="guardrailVersion")
    if await store.load(gid, guardrailVersion or DRAFT) is None:
        raise _not_found(guardrailIdentifier, guardrailVersion)
    users = await _users(state, gid, guardrailVersion)
    if users:
        what = f"Version {guardrailVersion} of the guardrail" if guardrailVersion else "The guardrail"
        shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        raise ResourceInUse(f"{what} {gid!r} is in use by {shown}; remove it from them first.")
    if guardrailVersion is None:
        deleted = await store.delete(gid)
    else:
        deleted = await store.delete_version(gid, int(guardrailVersion))
    if not deleted:
        raise _not_found(guardrailIdentifier, guardrailVersion)
    await state.guardrails.changed(gid)
    await _audit(state, call, "delete", gid, {"version": guardrailVersion} if guardrailVersion else None)
    return {}


async def _users(state: AppState, gid: str, version: str | None) -> list[str]:
    """Who names the guardrail (any version, or exactly ``version``): active keys, teams, models."""
    named: list[tuple[str, Any]] = await state.guardrails.store.users()
    named += [(f"model {m.name}", list(m.guardrails)) for m in state.catalog]
    users = []
    for who, entries in named:
        if isinstance(entries, list) and any(_names(entry, gid, version) for entry in entries):
            users.append(who)
    return users


def _names(entry: Any, gid: str, version: str | None) -> bool:
    if not isinstance(entry, str):
        return False
    try:
        ref = GuardrailRef.parse(entry, "guardrails")
    except InvalidRequest:
        return False
    return guardrail_id(ref.identifier) == gid and (version is None or ref.version == version)
