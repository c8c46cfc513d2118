"""The Helm chart, rendered by helm and checked against Kubernetes' own schemas."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from feedback_contracts import topics as topic_names
from harness.registry import chart_values, provisioning, services
from harness.tools import ensure_helm

pytestmark = pytest.mark.deploy
CHART = Path(__file__).resolve().parents[2] / "k8s" / "feedback-intelligence"
VALUE_FILES: list[Path | None] = sorted((CHART / "ci").glob("*.yaml"))  # type: ignore[arg-type]
REQUIRED = CHART / "ci" / "required-values.yaml"
# Custom resources Kubernetes' schemas do not know; checked by kind and apiVersion instead.
CUSTOM_RESOURCES = {"ScaledObject": "keda.sh/v1alpha1", "KafkaTopic": "kafka.strimzi.io/v1beta2"}
SECRET_ENV = {
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "INTELLIGENCE_API_SECRET",
    "OPENAI_API_KEY",
    "DATABASE_URL",
}
COMPONENTS = set(services())


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ensure_helm()), *args], capture_output=True, text=True, check=False)


def render(values: Path | None, *extra: str) -> list[dict[str, Any]]:
    options = ["-f", str(values)] if values else []
    result = helm("template", "fi", str(CHART), "--namespace", "feedback", *options, *extra)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def name(values: Path | None) -> str:
    return values.name if values else "default values"


@pytest.mark.parametrize("values", VALUE_FILES, ids=name)
def test_helm_lint(values: Path | None) -> None:
    result = helm("lint", "--strict", str(CHART), *(["-f", str(values)] if values else []))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("values", VALUE_FILES, ids=name)
def test_every_manifest_passes_strict_kubernetes_validation(values: Path | None) -> None:
    version = latest_version()
    for doc in render(values):
        if doc["kind"] in CUSTOM_RESOURCES:
            assert doc["apiVersion"] == CUSTOM_RESOURCES[doc["kind"]]
            continue
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("values", VALUE_FILES, ids=name)
def test_deployments_are_locked_down_probed_and_sized(values: Path | None) -> None:
    docs = render(values)
    deployments = [doc for doc in docs if doc["kind"] == "Deployment"]
    components = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in deployments}
    assert components == COMPONENTS
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])


@pytest.mark.parametrize("values", VALUE_FILES, ids=name)
def test_no_literal_secret_values(values: Path | None) -> None:
    docs = render(values)
    assert not [doc for doc in docs if doc["kind"] == "Secret"]
    for doc in docs:
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []):
            for variable in container.get("env", []):
                if variable["name"] in SECRET_ENV:
                    assert "value" not in variable, variable
                    assert variable["valueFrom"]["secretKeyRef"]["name"]


def test_each_services_migrations_run_as_a_pre_install_and_pre_upgrade_hook() -> None:
    """A Job per component with a `<name>.migrate` module (`migrate: true`), and no other."""
    jobs = [doc for doc in render(REQUIRED) if doc["kind"] == "Job"]
    commands = set()
    for job in jobs:
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        (container,) = job["spec"]["template"]["spec"]["containers"]
        commands.add(tuple(container["command"]))
    migrating = [s for s in services() if f"{s}.migrate" in provisioning(s)]
    assert migrating == ["persistence", "alerts"]
    assert commands == {("python", "-m", f"{s}.migrate") for s in migrating}


@pytest.mark.parametrize("values", VALUE_FILES, ids=name)
def test_hook_pods_refer_only_to_what_exists_at_hook_time(values: Path | None) -> None:
    """A pre-install hook runs before the release's own objects exist: whatever its pod names
    must be a hook of lower weight, or exist before the chart (the Secret: README, step 2)."""
    docs = render(values)
    hooks = {
        (doc["kind"], doc["metadata"]["name"]): int(
            doc["metadata"]["annotations"].get("helm.sh/hook-weight", "0")
        )
        for doc in docs
        if "helm.sh/hook" in (doc["metadata"].get("annotations") or {})
    }
    pre_existing = {("Secret", "feedback-intelligence")}
    for doc in docs:
        if (doc["kind"], doc["metadata"]["name"]) not in hooks or doc["kind"] != "Job":
            continue
        weight, pod = hooks[(doc["kind"], doc["metadata"]["name"])], doc["spec"]["template"]["spec"]
        needed = set()
        if "serviceAccountName" in pod:
            needed.add(("ServiceAccount", pod["serviceAccountName"]))
        for container in pod["containers"]:
            for env in container.get("env", []):
                if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                    needed.add(("Secret", ref["name"]))
        for kind, needed_name in needed:
            assert (kind, needed_name) in pre_existing or hooks.get(
                (kind, needed_name), 1
            ) < weight, (
                f"{doc['metadata']['name']} needs {kind} {needed_name}, which a pre-install "
                "hook does not have yet"
            )


def test_default_values_fail_naming_what_every_deployment_must_set() -> None:
    result = helm("template", "fi", str(CHART))
    assert result.returncode != 0
    assert "config.TWILIO_WHATSAPP_FROM is required" in result.stderr


def test_the_openai_key_is_optional_in_the_secret() -> None:
    (analyzer,) = [
        doc
        for doc in render(REQUIRED)
        if doc["kind"] == "Deployment" and doc["metadata"]["name"].endswith("analyzer")
    ]
    (container,) = analyzer["spec"]["template"]["spec"]["containers"]
    (key,) = [env for env in container["env"] if env["name"] == "OPENAI_API_KEY"]
    assert key["valueFrom"]["secretKeyRef"]["optional"] is True


def test_full_values_add_the_webhook_ingress_keda_and_strimzi_topics() -> None:
    docs = render(CHART / "ci" / "full-values.yaml")
    kinds = [doc["kind"] for doc in docs]
    (ingress,) = [doc for doc in docs if doc["kind"] == "Ingress"]
    assert ingress["spec"]["tls"][0]["secretName"] == "feedback-example-com-tls"
    consumers = [c for c, spec in chart_values()["components"].items() if spec.get("consumes")]
    assert kinds.count("ScaledObject") == len(consumers)
    topics = [doc["spec"]["topicName"] for doc in docs if doc["kind"] == "KafkaTopic"]
    # The chart's topic list is checked against the contracts' (it cannot import them).
    expected = [*topic_names.ALL, *map(topic_names.dead_letter, topic_names.ALL)]
    assert sorted(topics) == sorted(expected)


def test_an_enabled_ingress_without_a_host_is_refused() -> None:
    result = helm(
        "template",
        "fi",
        str(CHART),
        "-f",
        str(REQUIRED),
        "--set",
        "ingress.host=",
    )
    assert result.returncode != 0 and "ingress.host is required" in result.stderr


def test_a_secret_placed_in_config_is_refused_by_name() -> None:
    result = helm(
        "template", "fi", str(CHART), "-f", str(REQUIRED), "--set", "config.TWILIO_AUTH_TOKEN=x"
    )
    assert result.returncode != 0
    assert "config.TWILIO_AUTH_TOKEN is a secret: put it in the Secret" in result.stderr


def test_insights_reaches_the_persistence_service_the_chart_renders() -> None:
    docs = render(REQUIRED)
    (insights,) = [
        doc
        for doc in docs
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "fi-insights"
    ]
    (container,) = insights["spec"]["template"]["spec"]["containers"]
    (url,) = [env["value"] for env in container["env"] if env["name"] == "PERSISTENCE_URL"]
    services = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Service"}
    assert url == "http://fi-persistence" and "fi-persistence" in services
