"""Which failures mean a dependency is away (wait it out) and which the event itself."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from service_runtime.failures import TransientError, is_transient
from service_runtime.publishing import PublishError

pytestmark = pytest.mark.unit


def client_error(code: str, status: int) -> ClientError:
    response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutItem")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://dynamodb"),
        ReadTimeoutError(endpoint_url="http://dynamodb"),
        client_error("ProvisionedThroughputExceededException", 400),
        client_error("ThrottlingException", 400),
        client_error("InternalServerError", 500),
        ConnectionResetError("reset by peer"),
        TimeoutError(),
        PublishError("kafka did not acknowledge"),
        TransientError("Twilio answered 503"),
    ],
)
def test_a_dependency_away_is_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        client_error("ConditionalCheckFailedException", 400),
        client_error("ValidationException", 400),
        ValueError("bad field"),
        KeyError("missing"),
    ],
)
def test_a_bad_event_is_not_transient(error: BaseException) -> None:
    assert not is_transient(error)


def test_the_cause_counts_and_services_add_their_own_kinds() -> None:
    try:
        try:
            raise ConnectionRefusedError("refused")
        except OSError as refused:
            raise RuntimeError("store call failed") from refused
    except RuntimeError as wrapped:
        assert is_transient(wrapped)

    class DatabaseGone(Exception):
        pass

    assert not is_transient(DatabaseGone())
    assert is_transient(DatabaseGone(), lambda error: isinstance(error, DatabaseGone))
