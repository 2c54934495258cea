"""The model-listing part of Bedrock's control plane: ListFoundationModels, GetFoundationModel.

Ordinary FastAPI routes (not on the invoke path). Strata's catalog is shown in Bedrock's
``FoundationModelSummary`` fields: the public name is the model id, the ARN is a
foundation-model ARN in the caller's signing region, modalities come from capabilities.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request

from gateway.api import sigv4
from gateway.api.asgi_routes import AsgiRequest
from gateway.api.bedrock_auth import admit
from gateway.deps import Call, State
from gateway.errors import InvalidRequest
from gateway.schemas.bedrock import FoundationModelSummary, GetFoundationModelResponse, ListFoundationModelsResponse
from gateway.services.catalog import PublicModel

router = APIRouter(tags=["Bedrock-compatible"])

DEFAULT_REGION = "us-east-1"
_ARN = "arn:aws:bedrock:{region}::foundation-model/{name}"


def provider_name(model: PublicModel) -> str:
    """Who makes the model, as best the catalog can tell: ``org/`` in its name, else the upstream's vendor."""
    if "/" in model.name:
        return model.name.split("/", 1)[0]
    if not model.deployments:
        return "Strata"
    first = model.deployments[0]
    return first.spec.vendor(first.config)


def summary(model: PublicModel, region: str) -> FoundationModelSummary:
    caps = model.capabilities
    outputs = [kind for kind, able in (("TEXT", caps.chat), ("EMBEDDING", caps.embeddings)) if able]
    return FoundationModelSummary(
        modelArn=_ARN.format(region=region, name=model.name),
        modelId=model.name,
        modelName=model.name,
        providerName=provider_name(model),
        inputModalities=["TEXT", "IMAGE"] if caps.vision else ["TEXT"],
        outputModalities=outputs,
        responseStreamingSupported=caps.streaming,
        inferenceTypesSupported=["ON_DEMAND"],
    )


def _region(request: Request) -> str:
    """The region the caller signed for (models' ARNs are in it), or us-east-1 for bearer callers."""
    authorization = request.headers.get("authorization")
    if authorization is not None and sigv4.is_sigv4(authorization):
        credential = authorization.partition("Credential=")[2].split(",", 1)[0]
        parts = credential.rsplit("/", 4)
        if len(parts) == 5:
            return parts[2]
    return DEFAULT_REGION


@router.get("/foundation-models", response_model=ListFoundationModelsResponse, response_model_exclude_none=True)
async def list_foundation_models(
    request: Request,
    state: State,
    call: Call,
    byProvider: str | None = None,  # Bedrock's own query parameter names
    byOutputModality: Literal["TEXT", "IMAGE", "EMBEDDING"] | None = None,
    byInferenceType: Literal["ON_DEMAND", "PROVISIONED"] | None = None,
    byCustomizationType: str | None = None,
) -> ListFoundationModelsResponse:
    principal, _ = await admit(state, call, AsgiRequest(request.scope, request.receive))
    region = _region(request)
    found = []
    for model in state.catalog.visible_to(principal):
        item = summary(model, region)
        if byProvider is not None and item.providerName.lower() != byProvider.lower():
            continue
        if byOutputModality is not None and byOutputModality not in item.outputModalities:
            continue
        if byInferenceType is not None and byInferenceType not in item.inferenceTypesSupported:
            continue
        if byCustomizationType is not None:
            continue  # no model in Strata's catalog can be customised
        found.append(item)
    return ListFoundationModelsResponse(modelSummaries=found)


@router.get("/foundation-models/{model_identifier:path}", response_model=GetFoundationModelResponse)
async def get_foundation_model(
    model_identifier: str, request: Request, state: State, call: Call
) -> GetFoundationModelResponse:
    principal, _ = await admit(state, call, AsgiRequest(request.scope, request.receive))
    name = model_identifier.partition(":foundation-model/")[2] if model_identifier.startswith("arn:") else None
    if model_identifier.startswith("arn:") and not name:
        raise InvalidRequest(f"'{model_identifier}' is not a foundation-model ARN.", param="modelIdentifier")
    model = state.catalog.resolve(name or model_identifier, principal)
    return GetFoundationModelResponse(modelDetails=summary(model, _region(request)))
