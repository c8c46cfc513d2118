"""Create the messenger's DynamoDB table (idempotent): `python -m messenger.provision`."""

from __future__ import annotations

from typing import Any

import boto3

from messenger.settings import MessengerSettings
from service_runtime.dynamo import ensure_table
from service_runtime.settings import load_settings


def provision(dynamodb: Any, table: str, opt_outs_table: str = "opt_outs") -> None:
    """The send ledger (one item per reply part, expiring after two weeks) and the opt-outs
    the analyzer and the messenger share (one item per customer)."""
    ensure_table(dynamodb, name=table, hash_key="part_key", ttl_attribute="expires_at")
    ensure_table(dynamodb, name=opt_outs_table, hash_key="sender_id")


def main() -> None:
    """Provision with the service's settings."""
    settings = load_settings(MessengerSettings)
    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    provision(client, settings.outbound_table, settings.opt_outs_table)


if __name__ == "__main__":
    main()
