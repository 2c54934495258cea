"""Guardrails: list, create and edit the DRAFT (its definition as Bedrock's CreateGuardrail takes
it, in JSON), publish a numbered version, and a test box that runs ApplyGuardrail on typed text and
shows the assessment with the matched spans highlighted.

The store and registry are the Bedrock control plane's (gateway/api/bedrock_guardrails.py):
each change is announced to the registry, which drops compiled copies here and, through Redis,
on every gateway. Guardrails declared in the config are shown and tested, never changed here.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep, audit_log
from gateway.console.forms import sentence
from gateway.console.highlight import highlighted
from gateway.errors import Conflict, InvalidRequest, NotFound, StrataError
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.identifiers import DRAFT
from gateway.guardrails.policies.base import TextUnit
from gateway.guardrails.request import GuardrailRef
from gateway.guardrails.store import NameTaken
from gateway.lifespan import AppState

router = APIRouter()
EXAMPLE = {
    "name": "my-guardrail",
    "description": "Blocks a word list and masks e-mail addresses",
    "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden phrase"}]},
    "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    "blockedInputMessaging": "Sorry, this prompt is not allowed here.",
    "blockedOutputsMessaging": "Sorry, the answer was withheld.",
}
TOO_DEEP = (
    "The definition is nested too deep to read (brackets inside brackets, hundreds of levels down); "
    "a guardrail's definition is a few levels deep."
)
TAGS_FIXED = (
    "Tags cannot be changed by saving the DRAFT (Bedrock's UpdateGuardrail takes none): change them with "
    'TagResource and UntagResource. Leave "tags" out of the definition, or as it is shown.'
)
DONE = {
    "created": "The guardrail was created. Its DRAFT is live for anyone who names it without a version.",
    "saved": "The DRAFT was saved.",
    "published": "A new numbered version was published from the DRAFT.",
}


def _definition(text: str) -> GuardrailDefinition:
    try:
        data = json.loads(text)
        definition = GuardrailDefinition.model_validate(data)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"The definition is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:  # json.loads recurses once per bracket: "[" * 2000 is past Python's limit
        raise InvalidRequest(TOO_DEEP) from None
    except ValidationError as exc:
        raise InvalidRequest(f"The definition is not one Strata can enforce: {sentence(exc)}") from None
    if definition.clientRequestToken is not None:
        raise InvalidRequest("Leave clientRequestToken out of the definition.")
    return definition


async def _listing(state: AppState) -> list[dict[str, Any]]:
    registry = state.guardrails
    found: list[dict[str, Any]] = [
        {"id": gid, "name": gid, "configured": True, "versions": "DRAFT, 1", "updated": None}
        for gid in registry.configured
    ]
    for draft in await registry.store.drafts():
        numbers = [int(v.version) for v in await registry.store.versions(draft.guardrail_id)]
        name = draft.definition.get("name", draft.guardrail_id) if isinstance(draft.definition, dict) else "?"
        found.append(
            {
                "id": draft.guardrail_id,
                "name": name,
                "configured": False,
                "versions": ", ".join(["DRAFT", *_runs(numbers)]),
                "updated": draft.updated_at,
            }
        )
    return found


def _runs(numbers: list[int]) -> list[str]:
    """Version numbers as the list shows them: runs of consecutive ones as a range (1, 3–5), so
    that a deleted version is never inside one."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return [str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]


@router.get("/guardrails", summary="Guardrails")
async def guardrails_page(request: Request, state: StateDep, console: ConsoleDep, session: SignedIn) -> Response:
    return console.pages.render(
        request,
        "guardrails.html",
        session=session,
        title="Guardrails",
        guardrails=await _listing(state),
        example=json.dumps(EXAMPLE, indent=2),
    )


@router.post("/guardrails", summary="Create a guardrail")
async def create_guardrail(request: Request, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    typed = submitted.form.get("definition")
    registry = state.guardrails
    try:
        definition = _definition(typed)
        if registry.is_configured(definition.name):
            raise Conflict(f"A guardrail named {definition.name!r} is declared in the gateway's config.")
        try:
            stored, _ = await registry.store.create(definition.stored(), None, set(registry.configured))
        except NameTaken:
            raise Conflict(f"A guardrail named {definition.name!r} exists already.") from None
    except StrataError as exc:  # the page again, with the reason and the definition as typed
        if exc.status >= 500:
            raise
        return console.pages.render(
            request,
            "guardrails.html",
            exc.status,
            session=submitted.session,
            title="Guardrails",
            guardrails=await _listing(state),
            example=typed,
            error=exc.message,
        )
    await registry.changed(stored.guardrail_id)
    await audit_log(state).record(
        submitted.session.key_id, "console", "create", "guardrail", stored.guardrail_id, {"name": definition.name}
    )
    return _to(request, stored.guardrail_id, "created")


def _to(request: Request, gid: str, done: str) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/guardrails/{gid}?done={done}", status_code=303)


@router.get("/guardrails/{gid}", summary="One guardrail")
async def guardrail_page(
    request: Request, gid: str, state: StateDep, console: ConsoleDep, session: SignedIn, done: str = ""
) -> Response:
    return await _guardrail_page(request, gid, state, console, session, done=DONE.get(done))


async def _guardrail_page(
    request: Request,
    gid: str,
    state: AppState,
    console: ConsoleDep,
    session: Any,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    typed: str | None = None,
) -> Response:
    """The guardrail's page; after a refused save, with the error and the definition as typed."""
    registry = state.guardrails
    configured = registry.configured.get(gid)
    if configured is not None:
        definition: Any = configured.stored()
        versions = ["1"]
        next_version = 2
    else:
        draft = await registry.store.load(gid, DRAFT)
        if draft is None:
            raise NotFound(f"There is no guardrail {gid!r}; it may have been deleted.")
        definition = draft.definition
        versions = [str(v.version) for v in await registry.store.versions(gid)]
        # the number the store gives next: one past the highest ever given, deleted ones included
        next_version = draft.latest_version + 1
    tags = definition.get("tags") if isinstance(definition, dict) else None
    if configured is None and isinstance(definition, dict):  # the editor shows what a save can change
        definition = {name: value for name, value in definition.items() if name != "tags"}
    return console.pages.render(
        request,
        "guardrail.html",
        status,
        session=session,
        title=f"Guardrail {gid}",
        gid=gid,
        configured=configured is not None,
        tags=tags if isinstance(tags, list) else [],
        definition=json.dumps(definition, indent=2),
        typed=typed,
        name=definition.get("name", gid) if isinstance(definition, dict) else gid,
        versions=versions,
        next_version=next_version,
        done=done,
        error=error,
    )


@router.post("/guardrails/{gid}", summary="Save the DRAFT")
async def save_draft(request: Request, gid: str, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    registry = state.guardrails
    typed = submitted.form.get("definition")
    try:
        if registry.is_configured(gid):
            raise Conflict(f"The guardrail {gid!r} is declared in the gateway's config; change it there.")
        definition = _definition(typed)
        if registry.is_configured(definition.name):
            raise Conflict(f"A guardrail named {definition.name!r} is declared in the gateway's config.")
        current = await registry.store.load(gid, DRAFT)
        if current is None:
            raise NotFound(f"There is no guardrail {gid!r}; it may have been deleted.")
        new = definition.stored()
        stored_tags = current.definition.get("tags") if isinstance(current.definition, dict) else None
        if "tags" in new and (new["tags"] or []) != (stored_tags or []):
            raise InvalidRequest(TAGS_FIXED)  # refused, not dropped while the page said "saved"
        new.pop("tags", None)
        if stored_tags:
            new["tags"] = stored_tags  # tags belong to the resource, not to the draft
        try:
            await registry.store.update(gid, new)
        except NameTaken:
            raise Conflict(f"A guardrail named {definition.name!r} exists already.") from None
    except StrataError as exc:  # the page again, with the reason and the definition as typed
        if exc.status >= 500:
            raise
        return await _guardrail_page(
            request, gid, state, console, submitted.session, exc.status, error=exc.message, typed=typed
        )
    await registry.changed(gid)
    await audit_log(state).record(submitted.session.key_id, "console", "update", "guardrail", gid)
    return _to(request, gid, "saved")


@router.post("/guardrails/{gid}/publish", summary="Publish a version")
async def publish(request: Request, gid: str, state: StateDep, submitted: Form) -> Response:
    if state.guardrails.is_configured(gid):
        raise Conflict(f"The guardrail {gid!r} is declared in the gateway's config; its versions are DRAFT and 1.")
    description = submitted.form.get("description").strip()[:200] or None
    try:
        number = await state.guardrails.store.create_version(gid, description, None)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    if number is None:
        raise NotFound(f"There is no guardrail {gid!r}; it may have been deleted.")
    await state.guardrails.changed(gid)
    await audit_log(state).record(
        submitted.session.key_id,
        "console",
        "publish",
        "guardrail",
        gid,
        {"version": number, "description": description},
    )
    return _to(request, gid, "published")


@router.post("/guardrails/{gid}/test", summary="Test text against the guardrail")
async def test(request: Request, gid: str, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    form = submitted.form
    text = form.get("text")
    if not text.strip():
        raise InvalidRequest("Type some text to test.")
    source = "OUTPUT" if form.get("source") == "output" else "INPUT"
    ref = GuardrailRef.parse(f"{gid}:{form.get('version') or DRAFT}", "version")
    guardrail = await state.invoker.guardrails.guardrail(ref)
    outcome = await apply(guardrail, Side(source), [TextUnit(text)])
    grounding = guardrail.definition.contextualGroundingPolicyConfig
    return console.pages.render(
        request,
        "guardrail_result.html",
        session=submitted.session,
        outcome=outcome,
        parts=highlighted(text, [d.span for d in outcome.detections if d.span is not None and d.span[0] == 0]),
        assessment=json.dumps(outcome.assessment(full=True), indent=2),
        found=[{"policy": d.section[0], "action": d.action, **d.entry} for d in outcome.detections],
        # scored only on answers that come with a grounding source or a query, which this box has not
        grounding_skipped=grounding is not None and any(f.enabled for f in grounding.filtersConfig),
    )
