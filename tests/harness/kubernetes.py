"""A real Kubernetes control plane as local processes, for installing the chart: etcd,
kube-apiserver, kube-controller-manager and kube-scheduler v1.37, with kwok faking one node and
the lifecycle of its pods (running, ready, a Job's pods completing). Every binary is built once
from the Go module proxy, pinned by the wrapper modules in tests/harness/kube."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from harness.kafka import CACHE
from harness.processes import InfrastructureError, free_port, port_open, stop, wait_until
from harness.tools import downloaded_module, go_build, go_output

KUBE = Path(__file__).with_name("kube")
VERSION = "v1.37.2"
_VERSIONED = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
# Without these the server reports v0.0.0-master and charts' kubeVersion constraints fail.
LDFLAGS = " ".join(
    f"-X {package}.{name}={value}"
    for package in _VERSIONED
    for name, value in (("gitVersion", VERSION), ("gitMajor", "1"), ("gitMinor", "37"))
)
KWOK_STAGES = ("node/fast", "node/heartbeat-with-lease", "pod/fast")
KEDA_MODULE = "github.com/kedacore/keda/v2@v2.18.0"
FAKE_NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, type: kwok}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "250"}
  capacity: {cpu: "64", memory: 256Gi, pods: "250"}
"""


def binary(name: str) -> Path:
    """One control-plane binary, built on first use."""
    if name == "etcd":
        return go_build(KUBE / "etcd", "go.etcd.io/etcd/server/v3", name="etcd")
    if name == "kwok":
        return go_build(KUBE / "kwok", "sigs.k8s.io/kwok/cmd/kwok")
    return go_build(KUBE / "kubernetes", f"k8s.io/kubernetes/cmd/{name}", ldflags=LDFLAGS)


def ensure_binaries() -> dict[str, Path]:
    """Every binary the control plane needs (`make setup` builds them ahead of the tests)."""
    names = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
    return {name: binary(name) for name in (*names, "kwok")}


def build_all() -> str:
    """Build every binary (`make setup`); where they are."""
    paths = ensure_binaries()
    return ", ".join(sorted({str(path.parent) for path in paths.values()}))


@dataclass
class ControlPlane:
    """The running processes and the admin kubeconfig."""

    kubeconfig: Path
    workdir: Path
    kubectl_binary: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kubectl(self, *args: str, check: bool = True) -> str:
        """kubectl against this control plane; its stdout."""
        result = subprocess.run(
            [str(self.kubectl_binary), f"--kubeconfig={self.kubeconfig}", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result.stdout

    def stop(self) -> None:
        """Stop every process, newest first, and delete the data."""
        for process in reversed(self.processes):
            stop(process, timeout_s=15)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_control_plane(workdir: Path) -> ControlPlane:
    """Certificates, etcd, the API server, the controllers, the scheduler and kwok's node."""
    paths = ensure_binaries()
    pki = workdir / "pki"
    _certificates(pki)
    plane = ControlPlane(workdir / "admin.kubeconfig", workdir, paths["kubectl"])
    try:
        etcd_port, api_port = free_port(), free_port()
        _spawn(plane, "etcd", [str(paths["etcd"]), *_etcd_flags(workdir, etcd_port)])
        wait_until(lambda: port_open(etcd_port), timeout_s=60, what="etcd", log=_log(plane, "etcd"))
        _spawn(
            plane,
            "kube-apiserver",
            [str(paths["kube-apiserver"]), *_api_flags(pki, etcd_port, api_port)],
        )
        _kubeconfig(plane.kubeconfig, pki, api_port)
        wait_until(
            lambda: _ready(plane),
            timeout_s=120,
            what="kube-apiserver",
            log=_log(plane, "kube-apiserver"),
        )
        common = [
            f"--kubeconfig={plane.kubeconfig}",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
        ]
        _spawn(
            plane,
            "kube-controller-manager",
            [
                str(paths["kube-controller-manager"]),
                *common,
                f"--secure-port={free_port()}",
                f"--service-account-private-key-file={pki / 'sa.key'}",
                f"--root-ca-file={pki / 'ca.crt'}",
                "--use-service-account-credentials=false",
            ],
        )
        _spawn(
            plane,
            "kube-scheduler",
            [str(paths["kube-scheduler"]), *common, f"--secure-port={free_port()}"],
        )
        stages = workdir / "kwok-stages.yaml"
        stages.write_text(_kwok_stages())
        _spawn(
            plane,
            "kwok",
            [
                str(paths["kwok"]),
                f"--kubeconfig={plane.kubeconfig}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                f"--config={stages}",
                f"--server-address=127.0.0.1:{free_port()}",
            ],
        )
        node = workdir / "node.yaml"
        node.write_text(FAKE_NODE)
        plane.kubectl("apply", "-f", str(node))
        wait_until(
            lambda: (
                "True"
                in plane.kubectl(
                    "get",
                    "node",
                    "kwok-node-0",
                    "-o",
                    "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
                    check=False,
                )
            ),
            timeout_s=60,
            what="kwok's node Ready",
            log=_log(plane, "kwok"),
        )
    except BaseException:
        plane.stop()
        raise
    return plane


def _spawn(plane: ControlPlane, name: str, command: list[str]) -> None:
    with open(_log(plane, name), "wb") as out:
        plane.processes.append(subprocess.Popen(command, stdout=out, stderr=out))


def _log(plane: ControlPlane, name: str) -> Path:
    return plane.workdir / f"{name}.log"


def _ready(plane: ControlPlane) -> bool:
    return plane.kubectl("get", "--raw", "/readyz", check=False).strip() == "ok"


def _etcd_flags(workdir: Path, port: int) -> list[str]:
    peer = f"http://127.0.0.1:{free_port()}"
    return [
        f"--data-dir={workdir / 'etcd'}",
        "--name=default",
        f"--listen-client-urls=http://127.0.0.1:{port}",
        f"--advertise-client-urls=http://127.0.0.1:{port}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=default={peer}",
        "--unsafe-no-fsync",
    ]


def _api_flags(pki: Path, etcd_port: int, port: int) -> list[str]:
    return [
        f"--etcd-servers=http://127.0.0.1:{etcd_port}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={port}",
        f"--tls-cert-file={pki / 'apiserver.crt'}",
        f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}",
        f"--service-account-signing-key-file={pki / 'sa.key'}",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=RBAC",
        # The kubernetes Service cannot point at loopback; nothing in the tests dials it.
        "--endpoint-reconciler-type=none",
    ]


def _certificates(pki: Path) -> None:
    """A CA, the API server's serving certificate, an admin client (system:masters), and the
    service-account signing key, with openssl."""
    pki.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        result = subprocess.run(
            ["openssl", *args], cwd=pki, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise InfrastructureError(f"openssl {args[0]} failed: {result.stderr}")

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=feedback-intelligence-test-ca")  # fmt: skip
    (pki / "apiserver.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n"
    )
    for name, subject, extra in (
        ("apiserver", "/CN=kube-apiserver", ["-extfile", "apiserver.ext"]),
        ("admin", "/O=system:masters/CN=admin", []),
    ):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", subject)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", *extra)  # fmt: skip
    openssl("genrsa", "-out", "sa.key", "2048")
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")


def _kubeconfig(path: Path, pki: Path, port: int) -> None:
    path.write_text(
        f"""\
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {{server: "https://127.0.0.1:{port}", certificate-authority: "{pki / "ca.crt"}"}}
users:
- name: admin
  user: {{client-certificate: "{pki / "admin.crt"}", client-key: "{pki / "admin.key"}"}}
contexts:
- name: local
  context: {{cluster: local, user: admin}}
current-context: local
"""
    )


def _kwok_stages() -> str:
    """kwok's own stage definitions, from its module: nodes ready with a lease heartbeat, pods
    running and ready at once, a Job's pods completing."""
    source = go_module_dir(KUBE / "kwok", "sigs.k8s.io/kwok")
    documents = [
        path.read_text()
        for stage in KWOK_STAGES
        for path in sorted((source / "kustomize" / "stage" / stage).glob("*.yaml"))
        if path.name != "kustomization.yaml"
    ]
    return "\n---\n".join(documents)


def go_module_dir(module: Path, path: str) -> Path:
    """Where the Go module cache holds `path` at the version the wrapper module pins."""
    listed = go_output("list", "-m", "-f", "{{.Dir}}", path, what=f"go list -m {path}", cwd=module)
    return Path(listed.strip())


def keda_crds() -> list[Path]:
    """KEDA's CustomResourceDefinitions, as its Go module ships them (config/crd/bases)."""
    source = downloaded_module(KEDA_MODULE) / "config" / "crd" / "bases"
    return sorted(source.glob("keda.sh_*.yaml"))


def strimzi_crds() -> Path:
    """The KafkaTopic CustomResourceDefinition that Strimzi's published API artifact defines
    (its Crds class, printed by PrintCrd.java). Its schema keeps unknown fields: it proves the
    kind and version exist, not that Strimzi's operator would validate every field."""
    module = KUBE / "strimzi"
    target = CACHE / "strimzi-crds"
    crd = target / "kafkatopics.yaml"
    if crd.exists():
        return crd
    jars = target / "jars"
    fetched = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(module / "pom.xml"), "dependency:copy-dependencies",
         f"-DoutputDirectory={jars}", "-DincludeScope=runtime"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    printed = subprocess.run(
        ["java", "-cp", f"{jars}/*", str(module / "PrintCrd.java"), "kafkaTopic"],
        capture_output=True,
        text=True,
        check=False,
    )
    if fetched.returncode != 0 or printed.returncode != 0:
        raise InfrastructureError(f"Strimzi's CRD: {fetched.stdout}{printed.stderr[-2000:]}")
    crd.write_text(printed.stdout)
    return crd
