"""Apache Kafka 4.x, single-node KRaft, from Maven Central jars on Java 17."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness.processes import InfrastructureError, free_port, port_open, stop, wait_until
from harness.settings import HARNESS

POM = Path(__file__).with_name("kafka") / "pom.xml"
CACHE = HARNESS.fi_cache_dir

SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{cport}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=1
num.io.threads=2
"""
# The thread pools sized for a test broker's two shared cores (3 network and 8 I/O threads by
# default): the broker's CPU a message in `make bench-pipeline`, against ingress's, went from
# 1.37-1.55 (five runs) to 1.28-1.29 (two).

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
"""


def broker_properties(*, port: int, cport: int, data: str) -> dict[str, str]:
    """The test broker's configuration, for a local process or a container alike."""
    text = SERVER_PROPERTIES.format(port=port, cport=cport, data=data)
    return dict(line.split("=", 1) for line in text.splitlines())


def kafka_version() -> str:
    """The broker version the POM pins."""
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    assert match is not None
    return match.group(1)


def ensure_jars() -> Path:
    """Download the broker and its runtime classpath once into the cache directory."""
    # Keyed by the POM's content, so that a changed dependency list fetches afresh.
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:8]
    target = CACHE / f"kafka-{kafka_version()}-{digest}"
    marker = target / ".complete"
    if marker.exists():
        return target
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise InfrastructureError(
            "Kafka needs `java` (17+) and `mvn` on PATH to run without Docker"
        )
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={target}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfrastructureError(f"fetching Kafka jars failed:\n{result.stdout}\n{result.stderr}")
    marker.touch()
    return target


@dataclass
class LocalKafka:
    """A running broker process and where to reach it."""

    bootstrap: str
    process: subprocess.Popen[bytes]
    workdir: Path
    version: str
    command: list[str]

    def restart(self, *, down_s: float) -> None:
        """Stop the broker, keep its data, and start it again after `down_s`."""
        stop(self.process, timeout_s=30)
        time.sleep(down_s)
        with open(self.workdir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=out)
        port = int(self.bootstrap.rsplit(":", 1)[1])
        wait_until(
            lambda: port_open(port), timeout_s=120, what="Kafka broker", process=self.process
        )

    def stop(self) -> None:
        """Stop the broker and delete its data."""
        stop(self.process, timeout_s=30)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_local_kafka(workdir: Path) -> LocalKafka:
    """Format storage and start a single-node KRaft broker on free loopback ports."""
    jars = ensure_jars()
    port, cport = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    props = workdir / "server.properties"
    properties = broker_properties(port=port, cport=cport, data=str(workdir / "data"))
    props.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
    log = workdir / "server.log"
    java = java_command(workdir, jars)
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    format_storage(java, props, cluster_id, "--standalone")
    command = [*java, "kafka.Kafka", str(props)]
    with open(workdir / "stdout.log", "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    wait_until(
        lambda: port_open(port) and started(log),
        timeout_s=120,
        what=f"Kafka {kafka_version()} broker",
        process=process,
        log=log,
    )
    return LocalKafka(f"127.0.0.1:{port}", process, workdir, kafka_version(), command)


def started(log: Path) -> bool:
    """Whether the broker's log says it serves."""
    return log.exists() and "Kafka Server started" in log.read_text(errors="replace")


def java_command(workdir: Path, jars: Path) -> list[str]:
    """The JVM a test broker runs in, logging to `workdir/server.log`."""
    log4j = workdir / "log4j2.properties"
    log4j.write_text(LOG4J2.format(log=workdir / "server.log"))
    return [
        "java",
        "-Xms256m",
        "-Xmx768m",
        # A test broker lives for minutes on two shared cores: C1 alone and the serial collector
        # spend far less CPU than C2 compiling and G1's threads (30 % -> 13 % of a core here).
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{jars}/*",
    ]


def format_storage(java: list[str], props: Path, cluster_id: str, *flags: str) -> None:
    """Format a node's log directories for the cluster `cluster_id`."""
    formatted = subprocess.run(
        [
            *java,
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",  # an id may start with "-"
            "--config",
            str(props),
            *flags,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if formatted.returncode != 0:
        raise InfrastructureError(f"kafka storage format failed: {formatted.stderr[-2000:]}")
