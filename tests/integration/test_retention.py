"""Retention from provisioning: Kafka topics, DynamoDB TTL, and an S3 lifecycle rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import boto3
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from analyzer.adapters.dynamo_sessions import DynamoSessionStore
from analyzer.provision import provision as provision_analyzer
from analyzer.sessions import new_session
from feedback_contracts import topics
from media.provision import provision as provision_media
from service_runtime.admin import DAY_MS, ensure_topics

pytestmark = pytest.mark.integration


async def test_every_topic_keeps_events_a_bounded_time(kafka_bootstrap: str) -> None:
    await ensure_topics(kafka_bootstrap, retention_days=7)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        names = [topics.INBOUND_MESSAGES, topics.dead_letter(topics.FEEDBACK_COMPLETED)]
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    retention = {
        resource[3]: value
        for response in described
        for resource in response.resources
        for key, value, *_ in resource[4]
        if key == "retention.ms"
    }
    assert retention == {name: str(7 * DAY_MS) for name in names}


async def test_sessions_and_chats_expire_through_dynamodbs_ttl(aws_endpoint: str) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint)
    sessions, chats = f"sessions-{uuid.uuid4().hex[:6]}", f"chats-{uuid.uuid4().hex[:6]}"
    provision_analyzer(client, sessions_table=sessions, chats_table=chats)
    for table in (sessions, chats):
        ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint)
    store = DynamoSessionStore(resource, sessions_table=sessions, chats_table=chats)
    now = datetime.now(UTC)
    session = new_session("whatsapp:+15550007777", after=None, now=now).next()
    await store.commit_turn(session=session, chats=[])
    item = resource.Table(sessions).get_item(Key={"sender_id": session.sender_id, "seq": 1})
    assert int(item["Item"]["expires_at"]) == int(now.timestamp()) + 90 * 86400


def test_media_expire_through_an_s3_lifecycle_rule(aws_endpoint: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=aws_endpoint)
    bucket = f"media-{uuid.uuid4().hex[:8]}"
    provision_media(s3, bucket, retention_days=30)
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (rule["Status"], rule["Expiration"]["Days"]) == ("Enabled", 30)
    assert rule["Filter"]["Prefix"] == "feedback-media/"
