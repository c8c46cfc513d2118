"""Every image the container tests run, built here with no image registry: a Debian base made
with mmdebstrap from the machine's apt mirror, the infrastructure stand-ins on it (tests/images),
and each service's image from services/Dockerfile. `python -m harness.docker_images` builds them
all and prints their sizes."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.kafka import ensure_jars, kafka_version
from harness.processes import InfrastructureError
from harness.registry import ROOT, services
from harness.tools import go_build

LOCAL = ROOT / "tests" / "images"
BASE = "feedback-intelligence/debian:bookworm"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Where the base keeps the host's bundle: apart from Debian's own, which installing
# ca-certificates (pip pulls it in) regenerates.
IMAGE_CA_BUNDLE = "/etc/ssl/host-ca-certificates.crt"
CA_ENV = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")
APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
SERVICE_TAG = "local"


@dataclass(frozen=True)
class InfrastructureImages:
    """Local images standing in for the registry images compose and testcontainers name."""

    python: str
    kafka: str
    postgres: str
    moto: str
    jaeger: str  # also the OpenTelemetry Collector: Jaeger v2 is a distribution of it


def docker(*args: str) -> str:
    """Run the docker CLI; its stdout stripped, or InfrastructureError with its stderr."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InfrastructureError(f"docker {' '.join(args[:3])} failed:\n{result.stderr[-4000:]}")
    return result.stdout.strip()


def exists(image: str) -> bool:
    """Whether the engine holds the image."""
    found = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False)
    return found.returncode == 0


def size_mb(image: str) -> float:
    """The image's size as `docker images` reports it, in MB."""
    return int(docker("image", "inspect", "--format", "{{.Size}}", image)) / 1e6


def ensure_base() -> str:
    """A minimal Debian bookworm from the machine's apt mirror, trusting the host's CA bundle."""
    if exists(BASE):
        return BASE
    if shutil.which("mmdebstrap") is None:
        raise InfrastructureError("building the local base image needs Debian's `mmdebstrap`")
    tarball = subprocess.Popen(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=minbase",
            '--customize-hook=mkdir -p "$1/etc/ssl"',
            f"--customize-hook=upload {HOST_CA_BUNDLE} {IMAGE_CA_BUNDLE}",
            '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
            "bookworm",
            "-",
            # The machine's own Debian mirror; elsewhere (Ubuntu, say) mmdebstrap's default.
            *([str(APT_SOURCES)] if APT_SOURCES.exists() else []),
        ],
        stdout=subprocess.PIPE,
    )
    imported = subprocess.run(
        [
            "docker",
            "import",
            *(f"--change=ENV {name}={IMAGE_CA_BUNDLE}" for name in CA_ENV),
            '--change=CMD ["bash"]',
            "-",
            BASE,
        ],
        stdin=tarball.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    if tarball.wait() != 0 or imported.returncode != 0:
        raise InfrastructureError(f"making the base image failed: {imported.stderr[-2000:]}")
    return BASE


def build(tag: str, context: Path, *, dockerfile: Path | None = None, **args: str) -> str:
    """`docker build` (BuildKit) of one image; its tag."""
    options = [f"--build-arg={key}={value}" for key, value in args.items()]
    if dockerfile is not None:
        options.append(f"--file={dockerfile}")
    docker("build", "--progress=plain", f"--tag={tag}", *options, str(context))
    return tag


def moto_version() -> str:
    """The moto the lock file pins: the stand-in serves what the tests were written against."""
    from importlib.metadata import version

    return version("moto")


def python_image() -> str:
    """Debian's Python 3.11 on the local base: the services' PYTHON_IMAGE."""
    return build(
        "feedback-intelligence/python:3.11-local", LOCAL / "python", BASE_IMAGE=ensure_base()
    )


def kafka_image() -> str:
    """The broker's jars on Debian's Java, configured as apache/kafka is."""
    with _context(LOCAL / "kafka", jars=ensure_jars()) as context:
        tag = f"feedback-intelligence/kafka:{kafka_version()}-local"
        return build(tag, context, BASE_IMAGE=ensure_base())


def postgres_image() -> str:
    """Debian's PostgreSQL, configured as the official image is."""
    return build(
        "feedback-intelligence/postgres:local", LOCAL / "postgres", BASE_IMAGE=ensure_base()
    )


def infrastructure_images() -> InfrastructureImages:
    """Build (or reuse, through the build cache) every infrastructure stand-in compose needs."""
    python = python_image()
    jaeger_binary = go_build(LOCAL / "jaeger", "github.com/jaegertracing/jaeger/cmd/jaeger")
    with _context(LOCAL / "jaeger", jaeger=jaeger_binary) as context:
        jaeger = build("feedback-intelligence/jaeger:local", context, BASE_IMAGE=ensure_base())
    version = moto_version()
    moto = build(
        f"feedback-intelligence/moto:{version}-local",
        LOCAL / "moto",
        PYTHON_IMAGE=python,
        MOTO_VERSION=version,
    )
    return InfrastructureImages(
        python=python, kafka=kafka_image(), postgres=postgres_image(), moto=moto, jaeger=jaeger
    )


def compose_environment(images: InfrastructureImages) -> dict[str, str]:
    """docker-compose.yml's image variables, naming the local equivalents built here."""
    return {
        "PYTHON_IMAGE": images.python,
        "KAFKA_IMAGE": images.kafka,
        "POSTGRES_IMAGE": images.postgres,
        "MOTO_IMAGE": images.moto,
        "JAEGER_IMAGE": images.jaeger,
        "OTEL_COLLECTOR_IMAGE": images.jaeger,
    }


@contextmanager
def _context(folder: Path, **extra: Path) -> Iterator[Path]:
    """A build context: the image's folder with built artefacts beside it (a file or a folder
    each, under the given names), in a temporary directory."""
    path = Path(tempfile.mkdtemp(prefix=f"fi-{folder.name}-image-"))
    try:
        shutil.copytree(folder, path, dirs_exist_ok=True)
        for name, source in extra.items():
            if source.is_dir():
                shutil.copytree(source, path / name, ignore=shutil.ignore_patterns(".*"))
            else:
                shutil.copy2(source, path / name)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def service_image(service: str) -> str:
    """The tag of a service's locally built image."""
    return f"feedback-intelligence/{service}:{SERVICE_TAG}"


def service_images(python_image: str) -> list[str]:
    """Every component's image and the Twilio stand-in's, from services/Dockerfile."""
    return [
        build(
            service_image(name),
            ROOT,
            dockerfile=ROOT / "services" / "Dockerfile",
            SERVICE=name,
            PYTHON_IMAGE=python_image,
        )
        for name in (*services(), "standins")
    ]


def main() -> None:
    """Build every image and print each one's size and how long the whole build took."""
    started = time.monotonic()
    infrastructure = infrastructure_images()
    built = [BASE, *vars(infrastructure).values(), *service_images(infrastructure.python)]
    for image in built:
        print(f"  {image:<48} {size_mb(image):7.0f} MB")
    print(f"images: {len(built)} ready in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
