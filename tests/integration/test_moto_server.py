"""The tests' moto server behaves as DynamoDB does where its per-request costs were cut:
an item's 400 KB limit, conditional puts and the actions of each request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration

KB = 1024


@pytest.fixture
def table(aws_endpoint: str) -> Iterator[Any]:
    dynamodb = boto3.resource("dynamodb", endpoint_url=aws_endpoint)
    name = f"limits-{uuid.uuid4().hex[:8]}"
    created = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield created
    created.delete()


def test_an_item_over_400_kb_is_refused_whichever_attribute_crosses_the_limit(table: Any) -> None:
    # Five attributes of 90 KB: no one is too large; together they are.
    parts = {f"part{index}": "x" * 90 * KB for index in range(5)}
    with pytest.raises(ClientError) as refused:
        table.put_item(Item={"key": "large", **parts})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "maximum allowed size" in refused.value.response["Error"]["Message"]
    assert "Item" not in table.get_item(Key={"key": "large"}, ConsistentRead=True)


def test_an_item_under_the_limit_is_stored_whole(table: Any) -> None:
    parts = {f"part{index}": "x" * 90 * KB for index in range(4)}
    table.put_item(Item={"key": "fits", **parts, "count": 3, "tags": ["a", "b"]})
    stored = table.get_item(Key={"key": "fits"}, ConsistentRead=True)["Item"]
    assert stored == {"key": "fits", **parts, "count": 3, "tags": ["a", "b"]}


def test_conditional_puts_and_updates_still_find_their_actions(table: Any) -> None:
    table.put_item(Item={"key": "claim", "state": "sending"})
    with pytest.raises(ClientError) as taken:
        table.put_item(
            Item={"key": "claim", "state": "sending"},
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": "key"},
        )
    assert taken.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    table.update_item(
        Key={"key": "claim"},
        UpdateExpression="SET #s = :sent",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":sent": "sent"},
    )
    assert table.get_item(Key={"key": "claim"})["Item"]["state"] == "sent"
