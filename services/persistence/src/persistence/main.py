"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from persistence.bootstrap import create_app
from persistence.settings import PersistenceSettings
from service_runtime.service import Service

service = Service(PersistenceSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
