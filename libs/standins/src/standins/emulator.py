"""The WhatsApp emulator: a chat page where a person plays the customer.

It is the Twilio the system talks to: it signs and posts webhooks to ingress, hosts the customer's
media behind Basic auth, and serves Twilio's Messages API that the messenger sends through
(the same stand-in the tests use). Beside the chat it shows the session and the stored feedback.
"""

from __future__ import annotations

import html
from importlib import resources

import boto3
from fastapi import FastAPI

from standins.emulator_routes import router
from standins.emulator_state import Emulator, EmulatorConfig
from standins.twilio_api import create_app
from standins.twilio_state import TwilioState

PAGE = resources.files("standins").joinpath("emulator.html").read_text()


def create_emulator(state: TwilioState, config: EmulatorConfig) -> FastAPI:
    """Twilio's API stand-in plus the page and its small JSON API."""
    app = create_app(state)
    region, endpoint = config.aws_region, config.aws_endpoint_url
    dynamodb = boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint)
    owner = config.owner_url or f"{config.persistence_url}/owner/"
    app.state.emulator = Emulator(
        state=state,
        config=config,
        sessions=dynamodb.Table(config.sessions_table),
        opt_outs=dynamodb.Table(config.opt_outs_table),
        s3=boto3.client("s3", region_name=region, endpoint_url=endpoint),
        page=PAGE.replace("{{OWNER_URL}}", html.escape(f"{owner}#token={config.api_secret}")),
    )
    app.include_router(router)
    return app


def main() -> None:
    """Run the emulator on its own (docker-compose): `python -m standins.emulator --help`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--public-url", required=True, help="how the services reach this server")
    parser.add_argument("--ingress-url", required=True)
    parser.add_argument("--persistence-url", required=True)
    parser.add_argument("--api-secret", required=True)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--business-number", default="whatsapp:+14155238886")
    parser.add_argument("--aws-endpoint-url")
    parser.add_argument("--aws-region", default="us-east-1")
    parser.add_argument("--sessions-table", default="sessions")
    parser.add_argument("--owner-url", help="the owner's page as a browser reaches it")
    args = parser.parse_args()
    state = TwilioState(args.account_sid, args.auth_token, cdn_base_url=args.public_url)
    config = EmulatorConfig(
        public_url=args.public_url,
        ingress_url=args.ingress_url,
        persistence_url=args.persistence_url,
        api_secret=args.api_secret,
        business_number=args.business_number,
        aws_endpoint_url=args.aws_endpoint_url,
        aws_region=args.aws_region,
        sessions_table=args.sessions_table,
        owner_url=args.owner_url,
    )
    uvicorn.run(create_emulator(state, config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
