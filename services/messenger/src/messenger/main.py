"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from messenger.bootstrap import create_app
from messenger.settings import MessengerSettings
from service_runtime.service import Service

service = Service(MessengerSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
