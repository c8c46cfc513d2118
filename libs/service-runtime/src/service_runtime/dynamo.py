"""Idempotent DynamoDB table provisioning, shared by the services that own tables."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def ensure_table(
    client: Any,
    *,
    name: str,
    hash_key: str,
    range_key: str | None = None,
    ttl_attribute: str | None = None,
    indexes: list[dict[str, Any]] | None = None,
    extra_attributes: dict[str, str] | None = None,
) -> None:
    """Create an on-demand table with string keys unless it exists; enable TTL if asked."""
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    attributes = {hash_key: "S", **(extra_attributes or {})}
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attributes.setdefault(range_key, "S")
    arguments: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": k, "AttributeType": t} for k, t in attributes.items()
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        arguments["GlobalSecondaryIndexes"] = indexes
    try:
        client.create_table(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=name)
    if ttl_attribute:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
        )
