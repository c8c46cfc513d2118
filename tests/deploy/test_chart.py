"""The Helm chart, rendered by helm and checked against Kubernetes' own schemas."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from harness.tools import ensure_helm

pytestmark = pytest.mark.deploy
CHART = Path(__file__).resolve().parents[2] / "k8s" / "feedback-intelligence"
VALUE_FILES = [None, *sorted((CHART / "ci").glob("*.yaml"))]
# Custom resources Kubernetes' schemas do not know; checked by kind and apiVersion instead.
CUSTOM_RESOURCES = {"ScaledObject": "keda.sh/v1alpha1", "KafkaTopic": "kafka.strimzi.io/v1beta2"}
SECRET_ENV = {
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "INTELLIGENCE_API_SECRET",
    "OPENAI_API_KEY",
    "DATABASE_URL",
}
COMPONENTS = {"ingress", "analyzer", "messenger", "media", "persistence"}


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


def test_migration_runs_as_a_pre_install_and_pre_upgrade_hook() -> None:
    (job,) = [doc for doc in render(None) if doc["kind"] == "Job"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "persistence.migrate"]


def test_full_values_add_the_webhook_ingress_keda_and_strimzi_topics() -> None:
    docs = render(CHART / "ci" / "full-values.yaml")
    kinds = [doc["kind"] for doc in docs]
    (ingress,) = [doc for doc in docs if doc["kind"] == "Ingress"]
    assert ingress["spec"]["tls"][0]["secretName"] == "feedback-example-com-tls"
    assert kinds.count("ScaledObject") == 4 and kinds.count("KafkaTopic") == 12
    topics = {doc["spec"]["topicName"] for doc in docs if doc["kind"] == "KafkaTopic"}
    assert "whatsapp.inbound-messages.dlq" in topics


def test_an_enabled_ingress_without_a_host_is_refused() -> None:
    result = helm("template", "fi", str(CHART), "--set", "ingress.enabled=true")
    assert result.returncode != 0 and "ingress.host is required" in result.stderr
