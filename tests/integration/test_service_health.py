"""Every service starts, answers its probes, and is ready only while Kafka is reachable."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from harness.registry import services
from service_runtime.service import entrypoint

pytestmark = pytest.mark.integration

SERVICES = services()
REQUIRED = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_WHATSAPP_FROM": "+14155238886",
    "INTELLIGENCE_API_SECRET": "secret-for-tests",
    "DATABASE_URL": "sqlite://",
}


@pytest.mark.parametrize("service", SERVICES)
def test_probes(service: str, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ENV", "local")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    registered = entrypoint(service)
    app = registered.create_app(registered.settings())
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "live"}
        assert client.get("/readyz").status_code == 200


def test_not_ready_without_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingress.bootstrap import create_app
    from ingress.settings import IngressSettings

    settings = IngressSettings(
        environment="local",
        kafka_bootstrap_servers="127.0.0.1:1",
        kafka_publish_timeout_s=1,
        twilio_auth_token="t" * 32,
        intelligence_api_secret="secret-for-tests",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
