"""Settings of the echo service."""

from service_runtime.settings import ServiceSettings


class EchoSettings(ServiceSettings):
    """Typed settings, loaded once at start-up."""

    service_name: str = "echo"
