"""The offline tagger works from any taxonomy it is given, and the evaluation scores it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insights.evaluate import main as evaluate
from insights.offline import OfflineTagger
from insights.scoring import Labelled, score
from insights.tagging import Tags, one_line_summary
from insights.taxonomy import Topic, load_taxonomy

pytestmark = pytest.mark.unit

BIKE_SHOP = [
    Topic(label="delivery", description="Shipping, couriers, delivery times and parcels."),
    Topic(label="repairs", description="The workshop: repairs, servicing, mechanics and tune-ups."),
    Topic(label="price", description="Prices, value for money, discounts and the bill."),
    Topic(label="retired", description="Anything about the old loyalty card.", active=False),
]


@pytest.fixture
def tagger(offline_tagger: OfflineTagger) -> OfflineTagger:
    return offline_tagger


@pytest.fixture
def bike_shop(tmp_path: Path) -> Path:
    """BIKE_SHOP as a taxonomy file."""
    taxonomy = tmp_path / "t.json"
    taxonomy.write_text(json.dumps([t.model_dump() for t in BIKE_SHOP]))
    return taxonomy


def test_topics_come_from_the_taxonomy_given(tagger: OfflineTagger) -> None:
    texts = [
        "The courier lost my parcel and the shipping took three weeks.",
        "The mechanic fixed my brakes in an hour, great repair.",
        "Way too expensive for what you get.",
    ]
    tagged = tagger.tag(texts, taxonomy=BIKE_SHOP)
    assert [t.topics for t in tagged] == [("delivery",), ("repairs",), ("price",)]


def test_inactive_topics_are_never_tagged(tagger: OfflineTagger) -> None:
    (tagged,) = tagger.tag(["My old loyalty card stopped working."], taxonomy=BIKE_SHOP)
    assert "retired" not in tagged.topics


def test_text_about_no_topic_gets_none(tagger: OfflineTagger) -> None:
    (tagged,) = tagger.tag(["Thanks, have a nice day!"], taxonomy=BIKE_SHOP)
    assert tagged.topics == ()


def test_sentiment_positive_negative_and_mixed(tagger: OfflineTagger) -> None:
    tagged = tagger.tag(
        [
            "Fantastic shop, friendly people, I love it.",
            "Terrible, they broke my wheel and never apologised.",
            "The repair was excellent but the delivery was awful and very late.",
        ],
        taxonomy=BIKE_SHOP,
    )
    assert [t.sentiment for t in tagged] == ["positive", "negative", "mixed"]


def test_summary_is_one_line_and_bounded() -> None:
    text = "The saddle is comfortable.\nBut the bell rattles " + "and rattles " * 30
    summary = one_line_summary(text, limit=60)
    assert "\n" not in summary
    assert len(summary) <= 60
    assert one_line_summary("Short and sweet.") == "Short and sweet."


def test_score_counts_multi_label_f1_and_skips_mixed_sentiment() -> None:
    rows = [
        Labelled("a", frozenset({"x"}), "positive"),
        Labelled("b", frozenset({"x", "y"}), "negative"),
        Labelled("c", frozenset(), "mixed"),
    ]
    tags = [
        Tags(("x",), "positive", "a"),
        Tags(("y",), "positive", "b"),
        Tags(("y",), "mixed", "c"),
    ]
    result = score(rows, tags, ["x", "y"])
    # x: tp 1, fn 1 -> 2/3; y: tp 1, fp 1 -> 2/3; micro: tp 2, fp 1, fn 1 -> 2/3
    assert result["macro_f1"] == pytest.approx(0.6667, abs=1e-4)
    assert result["micro_f1"] == pytest.approx(0.6667, abs=1e-4)
    assert result["sentiment_accuracy"] == 0.5


def test_evaluate_prints_json_and_writes_predictions(
    tmp_path: Path, bike_shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(row)
            for row in (
                {"text": "Shipping was slow.", "topics": ["delivery"], "sentiment": "negative"},
                {"text": "Great value!", "topics": ["price"], "sentiment": "positive"},
            )
        )
    )
    out = tmp_path / "p.jsonl"
    evaluate(["--taxonomy", str(bike_shop), "--data", str(data), "--predictions", str(out)])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) >= {"macro_f1", "micro_f1", "sentiment_accuracy", "rows_per_s"}
    assert result["rows"] == 2 and result["tagged_by"] == {"offline": 2}
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(p) for p in predictions] == [{"text", "topics", "sentiment"}] * 2
    assert predictions[0]["topics"] == ["delivery"]


def test_a_label_that_is_a_common_word_is_still_found(tagger: OfflineTagger) -> None:
    hotel = [
        Topic(label="room", description="The bedroom: bed, bathroom, size and view."),
        Topic(label="order", description="Booking and payment."),
    ]
    tagged = tagger.tag(["Our room was tiny.", "My order never arrived."], taxonomy=hotel)
    assert [t.topics for t in tagged] == [("room",), ("order",)]


def test_the_words_joining_a_label_name_nothing(tagger: OfflineTagger) -> None:
    # "and" in "audio and ports", "for" in "value for money": were they label words, every
    # text with an "and" would be tagged with whichever topic sits nearest to it.
    shop = [
        Topic(label="audio and ports", description="Speakers, sound, USB and HDMI ports."),
        Topic(label="value for money", description="Prices and discounts."),
        Topic(label="battery", description="Battery life, charging and the charger."),
    ]
    tagged = tagger.tag(
        ["Light and thin, and it looks nice.", "The speakers crackle.", "Good value."],
        taxonomy=shop,
    )
    assert [t.topics for t in tagged] == [(), ("audio and ports",), ("value for money",)]


def test_the_whole_text_finds_a_topic_no_single_word_names(tagger: OfflineTagger) -> None:
    cafe = [
        Topic(label="food", description="The dishes: taste, portions and the menu."),
        Topic(label="service", description="Staff: friendliness, speed and mistakes."),
        Topic(label="price", description="Prices, value for money and the bill."),
    ]
    # None of these words is a topic's own word, nor close enough to one on its own.
    tagged = tagger.tag(["The pizza was soggy.", "Thanks, have a nice day!"], taxonomy=cafe)
    assert [t.topics for t in tagged] == [("food",), ()]


def test_a_text_with_nothing_to_read_is_neutral_and_about_nothing(tagger: OfflineTagger) -> None:
    tagged = tagger.tag(["", "   ", "!!!"], taxonomy=BIKE_SHOP)
    assert [(t.topics, t.sentiment) for t in tagged] == [((), "neutral")] * 3


def test_evaluate_reads_files_saved_with_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As Windows editors and spreadsheet exports save UTF-8.
    taxonomy = tmp_path / "t.json"
    taxonomy.write_text(json.dumps([t.model_dump() for t in BIKE_SHOP]), encoding="utf-8-sig")
    data = tmp_path / "d.jsonl"
    row = {"text": "Shipping was slow.", "topics": ["delivery"], "sentiment": "negative"}
    data.write_text(json.dumps(row) + "\n", encoding="utf-8-sig")
    evaluate(["--taxonomy", str(taxonomy), "--data", str(data)])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["rows"] == 1 and result["f1_per_label"]["delivery"] == 1.0


def test_a_taxonomy_file_may_be_what_the_topics_api_answers(tmp_path: Path) -> None:
    # `curl -H 'Authorization: Bearer ...' .../topics > t.json`: ids, versions, null descriptions.
    answered = {
        "version": 4,
        "topics": [
            {"id": 1, "label": "delivery", "description": None, "active": True},
            {"id": 2, "label": "price", "description": "Prices.", "active": False},
        ],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(answered))
    assert load_taxonomy(path) == [
        Topic(label="delivery", description=""),
        Topic(label="price", description="Prices.", active=False),
    ]


def test_portuguese_and_spanish_feedback_lean_the_right_way(tagger: OfflineTagger) -> None:
    # With one anchor sentence a side per language, these shared words with the other side
    # ("funciona" with "no funciona") and all came out negative.
    tagged = tagger.tag(
        [
            "Funciona bem, recomendo.",
            "Me encanta, funciona perfecto.",
            "Gracias, todo muy bien.",
            "Está tudo certo, obrigado.",
            "Não funciona, quero meu dinheiro de volta.",
            "No sirve, se rompió al segundo día.",
        ],
        taxonomy=BIKE_SHOP,
    )
    assert [t.sentiment for t in tagged] == ["positive"] * 4 + ["negative"] * 2


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"text": "Shipping was slow."', "d.jsonl:2: not a JSON object"),
        ('{"topics": ["delivery"]}', "d.jsonl:2: every line needs a string 'text'"),
        ('{"text": "Slow.", "topics": "delivery"}', "d.jsonl:2: 'topics' must be a list"),
        ('{"text": "Slow.", "sentiment": "bad"}', "d.jsonl:2: 'sentiment' must be one of"),
    ],
)
def test_evaluate_names_the_line_a_data_file_goes_wrong_on(
    tmp_path: Path, bike_shop: Path, line: str, error: str
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "Great value!", "sentiment": "Positive"}\n' + line + "\n")
    with pytest.raises(SystemExit, match=error):
        evaluate(["--taxonomy", str(bike_shop), "--data", str(data)])


def test_evaluate_says_what_is_wrong_with_a_taxonomy_file(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "Great value!"}\n')
    taxonomy = tmp_path / "t.json"
    with pytest.raises(SystemExit, match=r"t\.json: No such file"):
        evaluate(["--taxonomy", str(taxonomy), "--data", str(data)])
    taxonomy.write_text('[{"description": "no label"}]')
    with pytest.raises(SystemExit, match=r"(?s)t\.json: not a taxonomy: .*label"):
        evaluate(["--taxonomy", str(taxonomy), "--data", str(data)])


def test_evaluate_warns_of_labels_the_taxonomy_lacks(
    tmp_path: Path, bike_shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "Shipping was slow.", "topics": ["delivry"]}\n')
    evaluate(["--taxonomy", str(bike_shop), "--data", str(data)])
    assert (
        "labels not in the taxonomy, left out of the scores: ['delivry']" in capsys.readouterr().err
    )
