"""Create the analyzer's DynamoDB tables (idempotent): `python -m analyzer.provision`."""

from __future__ import annotations

from typing import Any

import boto3

from analyzer.settings import AnalyzerSettings
from service_runtime.dynamo import ensure_table
from service_runtime.settings import load_settings


def provision(
    dynamodb: Any, *, sessions_table: str, chats_table: str, opt_outs_table: str = "opt_outs"
) -> None:
    """`sessions` keyed (sender_id, seq); `chats` keyed (session_id, sort_key); the opt-outs it
    shares with the messenger, keyed by sender_id (either service may create it first)."""
    ensure_table(
        dynamodb,
        name=sessions_table,
        hash_key="sender_id",
        range_key="seq",
        extra_attributes={"seq": "N"},
        ttl_attribute="expires_at",  # sessions and chats expire (RETENTION_DAYS after)
    )
    ensure_table(
        dynamodb,
        name=chats_table,
        hash_key="session_id",
        range_key="sort_key",
        ttl_attribute="expires_at",
    )
    ensure_table(dynamodb, name=opt_outs_table, hash_key="sender_id")


def main() -> None:
    """Provision with the service's settings."""
    settings = load_settings(AnalyzerSettings)
    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    provision(
        client,
        sessions_table=settings.sessions_table,
        chats_table=settings.chats_table,
        opt_outs_table=settings.opt_outs_table,
    )


if __name__ == "__main__":
    main()
