"""Which feedback a rule matches, what an alert says, and how a webhook's body is signed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from alerts.adapters.http_destinations import HttpDestinations, signed_headers
from alerts.deliveries import Claimed
from alerts.payloads import Alert, alert_for, slack_body, webhook_body
from alerts.rules import Rule, matches
from feedback_contracts import FeedbackTaggedV4
from service_runtime.logs import mask

pytestmark = pytest.mark.unit
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def tagged(text: str = "The kettle came late and leaks", **fields: object) -> FeedbackTaggedV4:
    values: dict[str, object] = {
        "session_id": "s-1",
        "sender_id": "whatsapp:+15550001",
        "topics": ["Delivery", "quality"],
        "sentiment": "negative",
        "summary": "late and leaking",
        "tagger": "offline",
        "taxonomy_version": 3,
        "product_name": "Kettle",
        "feedback_text": text,
        "rating": 2,
        **fields,
    }
    return FeedbackTaggedV4.model_validate(values)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (Rule(), True),
        (Rule(sentiments=["negative", "mixed"]), True),
        (Rule(sentiments=["positive"]), False),
        (Rule(topics=["delivery"]), True),  # labels compared without case
        (Rule(topics=["price"]), False),
        (Rule(products=["kettle"]), True),
        (Rule(products=["toaster"]), False),
        (Rule(words=["late"]), True),
        (Rule(words=["came  late"]), True),  # a phrase, whatever the spacing
        (Rule(words=["ate"]), False),  # whole words only: not in "late"
        (Rule(sentiments=["negative"], topics=["price"]), False),  # every condition holds
        (Rule(sentiments=["negative"], words=["refund", "leaks"]), True),  # any value of one
        (Rule(max_rating=2), True),  # rated 2
        (Rule(max_rating=1), False),
    ],
)
def test_a_rule_matches_when_each_condition_it_sets_holds(rule: Rule, expected: bool) -> None:
    assert matches(rule, tagged()) is expected


def test_a_rating_rule_never_matches_feedback_without_a_rating() -> None:
    assert not matches(Rule(max_rating=5), tagged(rating=None))


def test_words_match_in_any_script_and_case() -> None:
    assert matches(Rule(words=["λάθος"]), tagged("Ένα ΛΆΘΟΣ στην παράδοση"))
    assert matches(Rule(words=["não"]), tagged("Não chegou"))


def test_an_alert_carries_the_feedback_and_a_link_never_the_phone_number() -> None:
    alert = alert_for(tagged(), owner_page_url="https://owner.example/owner/", at=AT)
    body = json.loads(webhook_body(alert, sent_at=AT))
    assert body["type"] == "feedback.alert"
    assert body["data"]["product"] == "Kettle"
    assert body["data"]["text"] == "The kettle came late and leaks"
    assert body["data"]["topics"] == ["Delivery", "quality"]
    assert body["data"]["link"] == "https://owner.example/owner/#feedback=s-1"
    assert "15550001" not in json.dumps(body)
    assert body["data"]["rating"] == 2
    assert "15550001" not in slack_body(alert).decode()
    assert "★★☆☆☆" in slack_body(alert).decode()


def test_slack_gets_the_customers_words_escaped() -> None:
    alert = Alert(
        feedback_id="s-1",
        product=None,
        text="<!channel> call me <https://evil.example|here> & now",
        topics=[],
        sentiment="mixed",
        summary="",
        link="https://owner.example/owner/#feedback=s-1",
        received_at=AT,
    )
    message = json.loads(slack_body(alert))
    quoted = message["blocks"][1]["text"]["text"]
    assert "<!channel>" not in quoted and "&lt;!channel&gt;" in quoted
    assert "&amp; now" in quoted
    assert message["blocks"][-1]["elements"][0]["url"] == alert.link
    assert message["text"].startswith("🟠 mixed feedback on a product")


def test_the_signature_verifies_with_the_standard_webhooks_verifier() -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    delivery = Claimed(
        id="msg_1",
        destination_id="dst_1",
        kind="webhook",
        url="https://hooks.example/in",
        signing_secret=secret,
        alert={},
        attempts=0,
        retry_until=AT,
    )
    body = webhook_body(alert_for(tagged(), owner_page_url="https://o/", at=AT), sent_at=AT)
    now = datetime.now(UTC)
    headers = signed_headers(delivery, body, now)
    assert headers["webhook-id"] == "msg_1"
    assert Webhook(secret).verify(body, headers)["data"]["feedback_id"] == "s-1"
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(body.replace(b"Kettle", b"Kettlf"), headers)


async def test_a_destination_url_is_masked_in_logs_by_the_replica_that_sends_to_it() -> None:
    url = "http://127.0.0.1:9/services/T0/B0/secret-token-abc"
    delivery = Claimed(
        id="msg_2",
        destination_id="dst_2",
        kind="slack",
        url=url,
        signing_secret=None,
        alert=alert_for(tagged(), owner_page_url="https://o/", at=AT).model_dump(mode="json"),
        attempts=0,
        retry_until=AT,
    )
    destinations = HttpDestinations(timeout_s=2, trusted_private=["127.0.0.1"])
    answer = await destinations.send(delivery)  # nothing listens on port 9
    await destinations.close()
    assert answer.status is None and answer.error and "secret-token" not in answer.error
    assert "secret-token" not in mask(f"POST {url}")
    assert "secret-token" not in mask("POST http://10.0.0.1:443/services/T0/B0/secret-token-abc")
