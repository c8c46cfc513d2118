"""The 1-5 rating as customers write it, and the rule that a model's rating must be said."""

from __future__ import annotations

import pytest

from analyzer.control import is_control_turn
from analyzer.guard import enforce
from analyzer.rating import answered_rating, volunteered_rating
from analyzer.verdict import Conversation, Turn, Verdict

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4", 4),
        ("4!", 4),
        ("four", 4),
        ("Quatro", 4),
        ("cuatro", 4),
        ("⭐⭐⭐⭐", 4),
        ("★★", 2),
        ("4/5", 4),
        ("4 / 5", 4),
        ("4 out of 5", 4),
        ("cuatro de cinco", 4),
        ("4 stars", 4),
        ("3 ⭐", 3),
        ("cinco estrelas", 5),
        ("una estrella", 1),
        ("nota 5", 5),
        ("I'd give it a 3", 3),
        ("le doy un 2", 2),
        ("dou um quatro", 4),
        ("uma", 1),
    ],
)
def test_an_answered_rating_is_read_in_every_form(text: str, rating: int) -> None:
    assert answered_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "6",
        "-1",
        "4.5",
        "4,5",
        "five stars but",
        "4 or 5",
        "8/10",
        "10/10",
        "great",
        "",
        "⭐" * 6,
    ],
)
def test_anything_else_is_no_rating(text: str) -> None:
    assert answered_rating(text) is None


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5 stars, love it", 5),
        ("Adorei, 5 estrelas", 5),
        ("Muy bueno, le doy ⭐⭐⭐⭐", 4),
        ("Great kettle, 4/5", 4),
        ("I bought 2 kettles", None),  # a number is not a rating unless it says so
        ("The lid leaks", None),
    ],
)
def test_a_volunteered_rating_needs_an_explicit_form(text: str, rating: int | None) -> None:
    assert volunteered_rating(text) == rating


def _verdict(rating: int | None) -> Verdict:
    return Verdict(
        reply="Thanks!",
        is_feedback_session_complete=False,
        should_persist_reply=True,
        is_unsafe=False,
        is_irrelevant=False,
        product_name="Acme kettle",
        feedback="The lid leaks",
        media_urls=[],
        rating=rating,
        next_step="ask_photo",
    )


def test_a_model_rating_the_customer_never_said_is_dropped() -> None:
    asked = Conversation(
        product_name="Acme kettle",
        feedback="The lid leaks",
        step="ask_rating",
        history=(Turn(role="customer", text="The lid leaks, five stars otherwise"),),
        message=Turn(role="customer", text="hmm, hard to say"),
    )
    assert enforce(_verdict(2), asked).rating is None  # a guess from the tone
    assert enforce(_verdict(5), asked).rating == 5  # said earlier, in words
    assert enforce(_verdict(None), asked).rating is None


def test_a_bare_rating_at_the_rating_step_needs_no_model() -> None:
    def at(step: str, text: str) -> Conversation:
        return Conversation(step=step, message=Turn(role="customer", text=text))  # type: ignore[arg-type]

    assert is_control_turn(at("ask_rating", "4"))
    assert is_control_turn(at("ask_rating", "⭐⭐⭐"))
    assert is_control_turn(at("ask_rating", "no"))
    assert not is_control_turn(at("ask_rating", "four, but the lid leaks"))
    assert not is_control_turn(at("ask_feedback", "4"))


def test_the_schema_sent_to_the_model_requires_every_field() -> None:
    schema = Verdict.model_json_schema()
    assert set(schema["required"]) == set(schema["properties"]) and "rating" in schema["required"]
    assert Verdict.model_validate(_verdict(None).model_dump(exclude={"rating"})).rating is None
