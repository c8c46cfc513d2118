"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from alerts.bootstrap import create_app
from alerts.settings import AlertsSettings
from service_runtime.service import Service

service = Service(AlertsSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
