"""A three-node Kafka cluster (KRaft, each node broker and controller) as local processes from
the same Maven jars as the single broker: replication factor 3 and `min.insync.replicas` 2 for
every topic, so one node may be lost without losing a write. For fault tests and benchmarks;
the single broker stays the default, for speed."""

from __future__ import annotations

import asyncio
import base64
import shutil
import signal
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from harness.kafka import ensure_jars, format_storage, java_command, kafka_version, started
from harness.processes import free_port, port_open, stop, wait_until

NODE_PROPERTIES = """\
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=6
default.replication.factor={replicas}
min.insync.replicas={min_insync}
unclean.leader.election.enable=false
offsets.topic.replication.factor={replicas}
offsets.topic.num.partitions=6
transaction.state.log.replication.factor={replicas}
transaction.state.log.min.isr={min_insync}
share.coordinator.state.topic.replication.factor={replicas}
share.coordinator.state.topic.min.isr={min_insync}
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.network.threads=1
num.io.threads=2
"""


@dataclass
class Node:
    """One node of the cluster: its id, its client port and its process."""

    node_id: int
    port: int
    workdir: Path
    command: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the node on its data (kept across restarts) and wait until it serves."""
        log = self.workdir / "server.log"
        log.unlink(missing_ok=True)  # so that "started" is this start's
        with open(self.workdir / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=out)
        wait_until(
            lambda: port_open(self.port) and started(log),
            timeout_s=120,
            what=f"Kafka node {self.node_id}",
            process=self.process,
            log=log,
        )


@dataclass
class LocalCluster:
    """The nodes, and the faults an operator meets: a node killed, a node stopped cleanly."""

    nodes: list[Node]
    version: str
    replicas: int
    min_insync: int

    @property
    def bootstrap(self) -> str:
        return ",".join(node.address for node in self.nodes)

    def node(self, node_id: int) -> Node:
        return next(node for node in self.nodes if node.node_id == node_id)

    def kill(self, node_id: int) -> None:
        """SIGKILL the node, as a lost machine or an OOM kill would."""
        process = self.node(node_id).process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_node(self, node_id: int) -> None:
        """SIGTERM the node: a clean shutdown hands its leaderships over first."""
        process = self.node(node_id).process
        assert process is not None
        stop(process, timeout_s=60)

    def start_node(self, node_id: int) -> None:
        self.node(node_id).start()

    def leaders(self) -> Counter[int]:
        """How many partitions each node leads (-1: a partition without a leader)."""
        return asyncio.run(_leaders(self.bootstrap))

    def stop(self) -> None:
        """Stop every node and delete the data."""
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                stop(node.process, timeout_s=60)
        for node in self.nodes:
            shutil.rmtree(node.workdir, ignore_errors=True)


async def _leaders(bootstrap: str) -> Counter[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if not t.startswith("__")]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return Counter(p["leader"] for topic in described for p in topic["partitions"])


def start_local_cluster(workdir: Path, *, size: int = 3, min_insync: int = 2) -> LocalCluster:
    """Format and start `size` nodes on free loopback ports; every topic is replicated to all."""
    jars = ensure_jars()
    ports = [(free_port(), free_port()) for _ in range(size)]
    voters = ",".join(f"{n}@127.0.0.1:{cport}" for n, (_, cport) in enumerate(ports, start=1))
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    nodes = []
    for node_id, (port, cport) in enumerate(ports, start=1):
        home = workdir / f"node-{node_id}"
        home.mkdir(parents=True, exist_ok=True)
        props = home / "server.properties"
        props.write_text(
            NODE_PROPERTIES.format(
                node_id=node_id,
                voters=voters,
                port=port,
                cport=cport,
                data=home / "data",
                replicas=size,
                min_insync=min_insync,
            )
        )
        java = java_command(home, jars)
        format_storage(java, props, cluster_id)
        nodes.append(Node(node_id, port, home, [*java, "kafka.Kafka", str(props)]))
    for node in nodes:  # a quorum of controllers must be up before any node serves
        with open(node.workdir / "stdout.log", "ab") as out:
            node.process = subprocess.Popen(node.command, stdout=out, stderr=out)
    for node in nodes:
        assert node.process is not None
        wait_until(
            lambda node=node: port_open(node.port) and started(node.workdir / "server.log"),  # type: ignore[misc]
            timeout_s=180,
            what=f"Kafka node {node.node_id}",
            process=node.process,
            log=node.workdir / "server.log",
        )
    return LocalCluster(nodes, kafka_version(), size, min_insync)
