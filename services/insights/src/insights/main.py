"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from insights.bootstrap import create_app
from insights.settings import InsightsSettings
from service_runtime.service import Service

service = Service(InsightsSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
