"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from service_runtime.service import Service

service = Service(IngressSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
