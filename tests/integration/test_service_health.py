"""Every service starts, answers its probes, and is ready only while Kafka is reachable."""

from __future__ import annotations

import importlib

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration

SERVICES = ["ingress", "analyzer", "messenger", "media", "persistence"]


@pytest.mark.parametrize("service", SERVICES)
def test_probes(service: str, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ENV", "local")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    settings_module = importlib.import_module(f"{service}.settings")
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    settings_cls = next(
        value
        for name, value in vars(settings_module).items()
        if name.endswith("Settings") and name != "ServiceSettings"
    )
    app = bootstrap.create_app(settings_cls())
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "live"}
        assert client.get("/readyz").status_code == 200


def test_not_ready_without_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingress.bootstrap import create_app
    from ingress.settings import IngressSettings

    settings = IngressSettings(environment="local", kafka_bootstrap_servers="127.0.0.1:1")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
