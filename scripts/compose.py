"""Render docker-compose.yml's services from the one list of services (the chart's components).

Between the two marker lines, every component gets its container, built from the Dockerfile
with SERVICE=<name>, and its provisioning steps by the layout every service shares: a
`<name>.provision` module (tables, buckets: after the local AWS answers) and a `<name>.migrate`
module (schema: after PostgreSQL answers) each become a one-shot container the service waits
for. What a service needs beyond that (published ports, other dependencies) is in its own
`services/<name>/compose-extra.yaml` (its `environment` is added to the shared one).
`--check` fails when the file differs from what it renders.

    python scripts/compose.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
VALUES = ROOT / "k8s" / "feedback-intelligence" / "values.yaml"
BEGIN = (
    "  # --- components: rendered by `make compose` from the chart's components; do not edit ---\n"
)
END = "  # --- end of components ---\n"
# A provisioning module and what its container waits for.
STEPS = {"provision": "aws", "migrate": "postgres"}


def components(root: Path = ROOT) -> list[str]:
    """The chart's components, in order."""
    return list(yaml.safe_load((root / VALUES.relative_to(ROOT)).read_text())["components"])


def steps(service: str, root: Path) -> list[str]:
    """The provisioning modules the service has (`provision`, `migrate`)."""
    package = root / "services" / service / "src" / service
    return [step for step in STEPS if (package / f"{step}.py").exists()]


def block(service: str, root: Path) -> str:
    """The service's provisioning containers and its own."""
    extra_path = root / "services" / service / "compose-extra.yaml"
    extra: dict[str, Any] = yaml.safe_load(extra_path.read_text()) if extra_path.exists() else {}
    text = ""
    for step in steps(service, root):
        text += (
            f"\n  {step}-{service}:\n    <<: *service\n    build:\n      <<: *build\n"
            f'      args: {{<<: *build-args, SERVICE: {service}}}\n    restart: "no"\n'
            f'    entrypoint: ["python", "-m", "{service}.{step}"]\n'
            f"    depends_on:\n      {STEPS[step]}:\n        condition: service_healthy\n"
            "    healthcheck:\n      disable: true\n"
        )
    depends = {
        **{
            f"{step}-{service}": {"condition": "service_completed_successfully"}
            for step in steps(service, root)
        },
        **extra.pop("depends_on", {}),
    }
    text += (
        f"\n  {service}:\n    <<: *service\n    build:\n      <<: *build\n"
        f"      args: {{<<: *build-args, SERVICE: {service}}}\n"
    )
    text += "    depends_on:\n      <<: *ready\n" + _indent(depends, 6)
    environment = extra.pop("environment", {})
    if environment:  # the service's own settings, over the shared ones
        text += "    environment:\n      <<: *environment\n" + _indent(environment, 6, flow=False)
    return text + _indent(extra, 4)


def _indent(values: dict[str, Any], spaces: int, *, flow: bool | None = None) -> str:
    if not values:
        return ""
    dumped = yaml.safe_dump(values, sort_keys=False, default_flow_style=flow, width=100)
    return "".join(" " * spaces + line + "\n" for line in dumped.splitlines())


def render(current: str, root: Path = ROOT) -> str:
    """The compose file with its component block rendered anew."""
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"{COMPOSE.name}: the marker line is missing: {BEGIN.strip()}")
    body = "".join(block(service, root) for service in components(root))
    return head + BEGIN + body.lstrip("\n") + END + tail


def main() -> None:
    """Write the rendered file, or with --check fail when it differs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = COMPOSE.read_text()
    rendered = render(current)
    if args.check:
        if rendered != current:
            sys.exit(
                f"{COMPOSE.name} is out of date with the chart's components: run `make compose`"
            )
        return
    COMPOSE.write_text(rendered)


if __name__ == "__main__":
    main()
