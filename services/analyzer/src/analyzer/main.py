"""Entrypoint: the service registered with the runtime (`service_runtime.service`)."""

from analyzer.bootstrap import create_app
from analyzer.settings import AnalyzerSettings
from service_runtime.service import Service

service = Service(AnalyzerSettings, create_app)
main = service.run

if __name__ == "__main__":
    main()
