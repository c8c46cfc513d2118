"""The Helm chart installed on a real Kubernetes API server (etcd, kube-apiserver, controllers,
scheduler; kwok runs the pods): install with --wait --atomic into a namespace enforcing Pod
Security `restricted`, upgrade, rollback, uninstall, and everything switched on with KEDA's and
Strimzi's CRDs installed first."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harness.kubernetes import ControlPlane, keda_crds, start_control_plane, strimzi_crds
from harness.tools import ensure_helm

pytestmark = pytest.mark.kubernetes
CHART = Path(__file__).resolve().parents[2] / "k8s" / "feedback-intelligence"
REQUIRED, FULL = CHART / "ci" / "required-values.yaml", CHART / "ci" / "full-values.yaml"
RELEASE = "fi"
INSTANCE = f"app.kubernetes.io/instance={RELEASE}"
# Every namespaced kind the chart can render, and the hook's.
KINDS = (
    "deployments,replicasets,pods,services,serviceaccounts,configmaps,jobs,"
    "horizontalpodautoscalers,poddisruptionbudgets,networkpolicies,ingresses"
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = start_control_plane(tmp_path_factory.mktemp("kubernetes"))
    try:
        yield plane
    finally:
        plane.stop()


def helm(plane: ControlPlane, *args: str) -> str:
    result = subprocess.run(
        [str(ensure_helm()), f"--kubeconfig={plane.kubeconfig}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def restricted_namespace(plane: ControlPlane, name: str) -> str:
    """A namespace enforcing Pod Security `restricted`, holding the Secret the chart expects
    to exist before it (README, step 2)."""
    plane.kubectl("create", "namespace", name)
    plane.kubectl("label", "namespace", name, "pod-security.kubernetes.io/enforce=restricted")
    plane.kubectl(
        "-n", name, "create", "secret", "generic", "feedback-intelligence",
        "--from-literal=TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000",
        "--from-literal=TWILIO_AUTH_TOKEN=a-real-looking-auth-token",
        "--from-literal=INTELLIGENCE_API_SECRET=a-real-looking-api-secret",
        "--from-literal=DATABASE_URL=postgresql+psycopg2://u:p@db:5432/feedback",
    )  # fmt: skip
    return name


def objects(plane: ControlPlane, namespace: str, kinds: str = KINDS) -> list[dict[str, Any]]:
    listed = plane.kubectl("-n", namespace, "get", kinds, "-l", INSTANCE, "-o", "json")
    items: list[dict[str, Any]] = json.loads(listed)["items"]
    return items


def pods(plane: ControlPlane, namespace: str) -> dict[str, dict[str, Any]]:
    """The release's running Deployment pods (not the hook's), by uid."""
    return {
        pod["metadata"]["uid"]: pod
        for pod in objects(plane, namespace, "pods")
        if pod["metadata"].get("deletionTimestamp") is None
        and pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    }


def nothing_left(plane: ControlPlane, namespace: str, kinds: str) -> bool:
    """Whether every object of the release is gone: pods the garbage collector removes after
    their ReplicaSet are given their grace period (kwok then deletes them)."""
    deadline = time.monotonic() + 90
    while left := objects(plane, namespace, kinds):
        assert time.monotonic() < deadline, [(o["kind"], o["metadata"]["name"]) for o in left]
        time.sleep(1)
    return True


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def install(plane: ControlPlane, namespace: str, values: Path) -> str:
    return helm(
        plane, "install", RELEASE, str(CHART), "-n", namespace, "-f", str(values),
        "--wait", "--wait-for-jobs", "--atomic", "--timeout", "4m",
    )  # fmt: skip


def test_required_values_install_upgrade_rollback_and_uninstall(
    cluster: ControlPlane, report: Callable[[str], None]
) -> None:
    namespace = restricted_namespace(cluster, "feedback")
    started = time.monotonic()
    install(cluster, namespace, REQUIRED)
    server = json.loads(cluster.kubectl("version", "-o", "json"))["serverVersion"]["gitVersion"]
    report(
        f"helm install --wait --atomic, ci/required-values.yaml, Pod Security restricted, "
        f"Kubernetes {server}: deployed in {time.monotonic() - started:.0f} s"
    )
    deployments = objects(cluster, namespace, "deployments")
    assert deployments and all(
        d["status"].get("availableReplicas", 0) == d["spec"]["replicas"] for d in deployments
    )
    # Each migration hook finished before any Deployment's pod was created: a Job is deleted
    # once it succeeds, its Completed event stays.
    events = json.loads(cluster.kubectl("-n", namespace, "get", "events", "-o", "json"))["items"]
    completed = {
        e["involvedObject"]["name"]: e
        for e in events
        if e["involvedObject"]["kind"] == "Job" and e["reason"] == "Completed"
    }
    assert sorted(completed) == sorted(
        f"{RELEASE}-migrate-{name}" for name in ("persistence", "alerts")
    )
    first_pod = min(
        when(p["metadata"]["creationTimestamp"]) for p in pods(cluster, namespace).values()
    )
    for event in completed.values():
        assert when(event["lastTimestamp"] or event["eventTime"]) <= first_pod

    # An upgrade changing one config value rolls every pod: each template changes.
    before = pods(cluster, namespace)
    templates = {d["metadata"]["name"]: d["metadata"]["generation"] for d in deployments}
    helm(
        cluster, "upgrade", RELEASE, str(CHART), "-n", namespace, "-f", str(REQUIRED),
        "--set", "config.LOG_LEVEL=DEBUG", "--wait", "--atomic", "--timeout", "4m",
    )  # fmt: skip
    for deployment in objects(cluster, namespace, "deployments"):
        assert deployment["metadata"]["generation"] > templates[deployment["metadata"]["name"]]
    # helm's --wait sees the new pods ready; the old ones then go as their ReplicaSets scale down.
    deadline = time.monotonic() + 90
    while set(after := pods(cluster, namespace)) & set(before) or len(after) != len(before):
        assert time.monotonic() < deadline, f"{len(set(after) & set(before))} old pods still up"
        time.sleep(1)
    hashes = {p["metadata"]["labels"]["pod-template-hash"] for p in before.values()}
    assert not hashes & {p["metadata"]["labels"]["pod-template-hash"] for p in after.values()}

    helm(cluster, "rollback", RELEASE, "1", "-n", namespace, "--wait", "--timeout", "4m")
    history = json.loads(helm(cluster, "history", RELEASE, "-n", namespace, "-o", "json"))
    assert [h["status"] for h in history][-1] == "deployed" and len(history) == 3
    for deployment in objects(cluster, namespace, "deployments"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        levels = [e.get("value") for e in container["env"] if e["name"] == "LOG_LEVEL"]
        assert "DEBUG" not in levels

    helm(cluster, "uninstall", RELEASE, "-n", namespace, "--wait", "--timeout", "2m")
    assert nothing_left(cluster, namespace, KINDS)


def test_full_values_install_with_keda_and_strimzi_crds(cluster: ControlPlane) -> None:
    for crd in (*keda_crds(), strimzi_crds()):
        cluster.kubectl("apply", "--server-side", "-f", str(crd))
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
    namespace = restricted_namespace(cluster, "feedback-full")
    install(cluster, namespace, FULL)
    scaled = objects(cluster, namespace, "scaledobjects.keda.sh")
    topics = objects(cluster, namespace, "kafkatopics.kafka.strimzi.io")
    assert scaled and topics
    helm(cluster, "uninstall", RELEASE, "-n", namespace, "--wait", "--timeout", "2m")
    assert nothing_left(
        cluster, namespace, f"{KINDS},scaledobjects.keda.sh,kafkatopics.kafka.strimzi.io"
    )
