"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from echo.bootstrap import create_app
from echo.settings import EchoSettings
from service_runtime.service import Service

service = Service(EchoSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
