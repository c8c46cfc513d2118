"""The consent table on a real DynamoDB API (moto): reads made together share BatchGetItem calls,
and each still sees what was written before it was asked for."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import boto3
import pytest

from messenger.provision import provision
from service_runtime.consent import Consent
from service_runtime.dynamo_consent import DynamoConsentStore

pytestmark = pytest.mark.integration


async def test_concurrent_reads_share_calls_and_see_every_earlier_write(aws_endpoint: str) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint)
    table_name = f"opt_outs_{uuid.uuid4().hex[:6]}"
    provision(client, f"outbound_{uuid.uuid4().hex[:6]}", table_name)
    table = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=aws_endpoint).Table(
        table_name
    )
    calls: list[str] = []

    def count(**kwargs: Any) -> None:
        calls.append(kwargs["event_name"])

    table.meta.client.meta.events.register("before-call.dynamodb.BatchGetItem", count)
    store = DynamoConsentStore(table)
    customers = [f"whatsapp:+1555{n:07d}" for n in range(150)]
    stopping = [f"whatsapp:+1556{n:07d}" for n in range(15)]
    for customer in customers[::10]:
        await store.set(customer, Consent(True, "keyword", "reply-1"))

    async def set_then_get(customer: str) -> Consent:
        await store.set(customer, Consent(True, "twilio-21610"))
        return await store.get(customer)  # asked after the write finished: it must see it

    answers = await asyncio.gather(
        *(store.get(customer) for customer in customers),
        *(set_then_get(customer) for customer in stopping),
    )
    read = dict(zip(customers, answers, strict=False))
    opted_out = [customer for customer, consent in read.items() if consent.opted_out]
    assert opted_out == customers[::10]
    assert all(a.opted_out and a.source == "twilio-21610" for a in answers[len(customers) :])
    assert answers[0].notice_reply_id == "reply-1" and answers[1] == Consent()
    assert 2 <= len(calls) < len(answers)  # 165 reads in fewer calls, 100 keys a call at most
