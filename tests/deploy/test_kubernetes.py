"""deploy/k8s: plain manifests composed by kustomize (Helm is in none of the package registries the
project can reach, so a chart could not be rendered offline). Each resource is validated against
Kubernetes' own OpenAPI schemas (kubernetes-validate, strict), and against the app: the probes ask
real routes of a running gateway on the port it listens on, the environment names real settings,
the arguments are real `strata` commands, and the pod has time to drain before it is killed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest

from gateway.config.catalog import load_catalog
from gateway.config.settings import Settings
from gateway.lifespan import DRAIN_S
from tests.deploy.files import (
    K8S,
    container_env,
    dockerfile,
    kustomization_resources,
    kustomize,
    one,
    parse_cli,
    strata_env_names,
    yaml_documents,
)
from tests.support.gateway import RunningGateway
from tests.support.require import require_tool

MIGRATE = K8S / "migrate"
KUBERNETES_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())  # the oldest still common, the newest
APP = kustomization_resources(K8S)
JOB = one(kustomization_resources(MIGRATE), "Job")
DEPLOYMENT = one(APP, "Deployment")
POD = DEPLOYMENT["spec"]["template"]
CONTAINER = POD["spec"]["containers"][0]
ENV = container_env(CONTAINER)
SECRET_SETTINGS = ("STRATA_MASTER_KEY", "STRATA_SECRET_KEY", "STRATA_DATABASE_URL", "STRATA_REDIS_URL")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_is_valid_kubernetes(version: str) -> None:
    for doc in [*APP, JOB]:
        kubernetes_validate.validate(doc, version, strict=True)


def test_every_manifest_in_the_folder_is_part_of_the_kustomization() -> None:
    for folder in (K8S, MIGRATE):
        listed = set(yaml_documents(folder / "kustomization.yaml")[0]["resources"])
        present = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml", "strata.yaml"}
        assert listed == present, folder


def test_kustomize_composes_both_and_the_pods_mount_the_generated_catalog() -> None:
    require_tool("kubectl", "`kubectl kustomize` (offline) composes the manifests")
    app = kustomize(K8S)
    configmap = one(app, "ConfigMap")
    assert configmap["metadata"]["name"].startswith("strata-catalog-")  # hashed: a new catalog rolls the pods
    volumes = one(app, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "catalog", "configMap": {"name": configmap["metadata"]["name"]}} in volumes
    job = one(kustomize(MIGRATE), "Job")
    for doc in [*app, job]:
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "strata"
    images = {c["image"] for c in [*one(app, "Deployment")["spec"]["template"]["spec"]["containers"]]}
    assert images == {c["image"] for c in job["spec"]["template"]["spec"]["containers"]}


def test_the_probes_ask_real_routes_on_the_port_the_gateway_listens_on(running_gateway: RunningGateway) -> None:
    (port,) = CONTAINER["ports"]
    assert str(port["containerPort"]) == ENV["STRATA_PORT"]["value"]
    probes = {kind: CONTAINER[f"{kind}Probe"]["httpGet"] for kind in ("startup", "liveness", "readiness")}
    assert {kind: probe["path"] for kind, probe in probes.items()} == {
        "startup": "/health/live",
        "liveness": "/health/live",
        "readiness": "/health/ready",
    }
    for probe in probes.values():
        assert probe["port"] == port["name"]
        assert httpx.get(running_gateway.base_url + probe["path"]).status_code == 200


def test_the_service_and_the_autoscaling_find_the_pods() -> None:
    labels = POD["metadata"]["labels"]
    service = one(APP, "Service")
    assert service["spec"]["selector"] == labels == DEPLOYMENT["spec"]["selector"]["matchLabels"]
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [CONTAINER["ports"][0]["name"]]
    hpa = one(APP, "HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", DEPLOYMENT["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] >= 2 and "cpu" in CONTAINER["resources"]["requests"]
    pdb = one(APP, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == labels and pdb["spec"]["maxUnavailable"] == 1


def test_the_environment_is_real_settings_and_the_arguments_real_commands() -> None:
    for container, command in ((CONTAINER, ("serve",)), (JOB["spec"]["template"]["spec"]["containers"][0], ("db",))):
        env = container_env(container)
        strata = {name for name in env if name.startswith("STRATA_")}
        assert strata <= strata_env_names(), sorted(strata - strata_env_names())
        assert parse_cli(container["args"]).command == command[0]
    assert parse_cli(JOB["spec"]["template"]["spec"]["containers"][0]["args"]).db_command == "upgrade"
    settings = _settings(ENV)
    assert settings.host == "0.0.0.0" and settings.max_connections_per_client == 0


def test_secrets_come_from_secret_references_only() -> None:
    for name in SECRET_SETTINGS:
        assert "value" not in ENV[name] and ENV[name]["valueFrom"]["secretKeyRef"]["name"] == "strata-secrets"
    job_env = container_env(JOB["spec"]["template"]["spec"]["containers"][0])
    assert job_env["STRATA_DATABASE_URL"]["valueFrom"] == ENV["STRATA_DATABASE_URL"]["valueFrom"]
    assert CONTAINER["envFrom"] == [{"secretRef": {"name": "strata-upstream-keys", "optional": True}}]


def test_the_catalog_config_map_is_a_valid_catalog_where_strata_config_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = Path(ENV["STRATA_CONFIG"]["value"])
    mount = next(m for m in CONTAINER["volumeMounts"] if m["name"] == "catalog")
    assert Path(mount["mountPath"]) == config.parent and mount["readOnly"] is True
    generator = yaml_documents(K8S / "kustomization.yaml")[0]["configMapGenerator"][0]
    assert generator["files"] == [config.name]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-secret")
    assert load_catalog(K8S / config.name).models


def test_the_pod_runs_unprivileged_on_a_read_only_root_with_writable_tmp_and_data() -> None:
    image_user = next(ins.value for ins in dockerfile() if ins.keyword == "USER")
    for pod in (POD["spec"], JOB["spec"]["template"]["spec"]):
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True and f"{context['runAsUser']}:{context['runAsGroup']}" == image_user
        assert pod["automountServiceAccountToken"] is False
        container = pod["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        empty = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        data_dir = container_env(container)["STRATA_DATA_DIR"]["value"]
        assert mounts["/tmp"] in empty and mounts[data_dir] in empty


def test_the_pod_is_given_time_to_drain_before_it_is_killed() -> None:
    """SIGTERM: the delay (readiness fails, calls still served), the grace period (calls in flight
    finish), the records of calls cut at its end, and the usage flush must all fit."""
    settings = _settings(ENV)
    assert settings.shutdown_delay_s >= 2, "endpoints and proxies need a moment to stop sending"
    needed = settings.shutdown_delay_s + settings.shutdown_grace_s + DRAIN_S + settings.usage_shutdown_timeout_s
    assert POD["spec"]["terminationGracePeriodSeconds"] >= needed + 1


def _settings(env: dict[str, dict[str, Any]]) -> Settings:
    """The settings of the literal STRATA_* values (secrets come from Secrets at run time)."""
    values = {k.removeprefix("STRATA_").lower(): v["value"] for k, v in env.items() if "value" in v}
    return Settings(**{k: v for k, v in values.items() if f"STRATA_{k.upper()}" in strata_env_names()})
