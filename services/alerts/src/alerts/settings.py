"""Settings of the alerts service."""

from __future__ import annotations

from pydantic import Field, SecretStr

from service_runtime.settings import ServiceSettings


class AlertsSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "alerts"
    http_port: int = 8006
    database_url: str
    intelligence_api_secret: SecretStr
    database_pool_size: int = 5
    # The owner's page as the people alerted reach it: an alert links to the feedback there.
    owner_page_url: str = "http://localhost:8004/owner/"
    # Destinations that may be plain http on a private address (a receiver inside the cluster);
    # every other one must be https on a public address.
    alert_trusted_private_hosts: list[str] = Field(default_factory=list)
    alert_timeout_s: float = Field(default=10.0, gt=0)  # one attempt, connect to last byte
    alert_retry_base_s: float = Field(default=5.0, gt=0)  # the first retry's wait; doubling
    alert_retry_max_s: float = Field(default=900.0, gt=0)  # the longest wait between tries
    alert_give_up_s: float = Field(default=86400.0, gt=0)  # retried for this long, then failed
    alert_per_destination: int = Field(default=4, ge=1)  # in flight to one destination
    alert_max_in_flight: int = Field(default=64, ge=1)  # in flight in all, per replica
    alert_poll_s: float = Field(default=1.0, gt=0)  # how often due deliveries are looked for
    # A delivery a replica claimed and did not finish (it died) is tried again after this.
    alert_lease_s: float = Field(default=120.0, gt=0)
    # Settled deliveries hold a copy of the customer's words: deleted after this many days.
    alert_retention_days: float = Field(default=30.0, gt=0)
