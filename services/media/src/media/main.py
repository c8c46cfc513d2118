"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from media.bootstrap import create_app
from media.settings import MediaSettings
from service_runtime.service import Service

service = Service(MediaSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
