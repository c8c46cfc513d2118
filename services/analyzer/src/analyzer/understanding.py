"""What a customer's message is, offline: its kind, a product it names, whether it is an opinion.

Its language is `language.py`'s, whether it is abuse `abuse.py`'s.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from analyzer.abuse import is_abusive
from analyzer.language import has_letters, words_of
from service_runtime.consent import HELP, OPT_IN, OPT_OUT

Kind = Literal[
    "abuse", "keyword", "greeting", "thanks", "small_talk", "emoji", "question", "yes", "no", "text"
]

# The channel's keywords (STOP, START, HELP...) are never a product or feedback.
CHANNEL_WORDS = OPT_OUT | OPT_IN | HELP
_WORDS = {
    "greeting": "hi hello hey hiya howdy yo there all everyone morning evening afternoon good "
    "olá ola oi opa pessoal bom boa dia tarde noite hola buenas buenos días dias saludos",
    "thanks": "thanks thank you thx ty cheers appreciated obrigado obrigada valeu brigado "
    "agradeço gracias muchas mil",
    "yes": "yes y yeah yep yup sure ok okay correct confirm right exactly sim claro isso pode "
    "certo exato si sí vale correcto dale perfecto",
    "no": "no n nope nah não nao nop skip none nothing negative pular nada ninguno ninguna",
}
_SMALL_TALK = re.compile(
    r"^(how are (you|u)|how's it going|what's up|sup|tudo bem|tudo bom|como (vai|está|estas|"
    r"estás)|qué tal|que tal|cómo estás|como estas)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(what|who|where|when|why|which|how|can you|could you|would you|will you|do you|are you|"
    r"tell me|write|explain|give me|show me|o que|quem|onde|quando|por que|porque|qual|como|"
    r"você pode|voce pode|pode me|me diga|escreva|qué|que|quién|dónde|cuándo|por qué|cuál|"
    r"puedes|podrías|dime|escribe)\b",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(
    r"^((ok|okay|well|so|um|hmm|sure|right|bem|então|pues|bueno)[,.!]?\s+)*"
    r"((it'?s|it is|this is|that'?s|i'?m talking|i want to talk|i'd like to talk|feedback|"
    r"é|e|sobre|é sobre|e sobre|quero falar|es|es sobre|quiero hablar)\s+)*"
    r"((about|on|of|sobre|do|da|de|del)\s+)?"
    r"((the|a|an|my|our|your|o|a|os|as|um|uma|meu|minha|el|la|los|las|un|una|mi)\s+)?",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"^(no|não|nao|nope)?[,.!\s]*(i meant|i mean|it was|it'?s actually|actually|"
    r"eu quis dizer|quis dizer|na verdade|era|quise decir|en realidad)\s+",
    re.IGNORECASE,
)
_FRAGMENT_WORDS = frozenset(
    [
        "the",
        "other",
        "one",
        "that",
        "one",
        "this",
        "one",
        "it",
        "that",
        "this",
        "them",
        "those",
        "ones",
        "one",
        "outro",
        "outra",
        "esse",
        "essa",
        "aquele",
        "aquela",
        "otro",
        "otra",
        "ese",
        "esa",
        "aquel",
    ]
)


_SUBJECTS = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'll",
        "we",
        "we're",
        "you",
        "he",
        "she",
        "they",
        "eu",
        "nós",
        "nos",
        "você",
        "voce",
        "ele",
        "ela",
        "eles",
        "yo",
        "nosotros",
        "tú",
        "usted",
        "él",
        "ellos",
    ]
)


def _only(text: str, kind: str) -> bool:
    words = words_of(text)
    vocabulary = set(_WORDS[kind].split())
    return bool(words) and all(word in vocabulary for word in words)


@functools.lru_cache(maxsize=1024)
def kind_of(text: str) -> Kind:
    """What the message is, before what it says about a product. Cached: one turn asks it of
    the same text up to three times (the flow, `product_mention`, `is_opinion`), and for a
    message addressed to someone the toxicity model runs each time (a feedback turn: 6.2 ms
    uncached, 2.6 ms cached)."""
    words = words_of(text)
    if not has_letters(text):
        return "emoji"
    if len(words) == 1 and words[0] in CHANNEL_WORDS:
        return "keyword"
    if is_abusive(text):
        return "abuse"
    plain: tuple[Kind, ...] = ("yes", "no", "thanks", "greeting")
    for kind in plain:
        if _only(text, kind):
            return kind
    if _SMALL_TALK.match(_without_greeting(text)):
        return "small_talk"
    if text.rstrip().endswith("?") or _QUESTION_START.match(text.strip()):
        return "question"
    return "text"


def _without_greeting(text: str) -> str:
    words = words_of(text)
    greetings = set(_WORDS["greeting"].split())
    while words and words[0] in greetings:
        words.pop(0)
    return " ".join(words)


def starts_with(text: str, kind: Literal["yes", "no"]) -> bool:
    """Whether the first word is a yes (or a no) in any of the languages."""
    words = words_of(text)
    return bool(words) and words[0] in set(_WORDS[kind].split())


def correction(text: str) -> str | None:
    """What follows "no, I meant ...", if the message corrects something."""
    match = _CORRECTION.match(text.strip())
    return text.strip()[match.end() :] if match else None


def product_mention(text: str) -> str | None:
    """The product a message names: without a leading article or "it's about", and plausible
    (letters, a few words, not a greeting, a channel keyword or a vague "the other one")."""
    if not has_letters(text) or kind_of(text) != "text":
        return None
    name = _LEAD_IN.sub("", text.strip()).strip(" .,!;:\"'")
    words = words_of(name)
    if not words or len(name) < 2 or len(name) > 80 or len(words) > 8:
        return None
    if all(word in _FRAGMENT_WORDS for word in words) or words[0] in CHANNEL_WORDS:
        return None
    if words[0] in _SUBJECTS:  # "I will ...", "we bought ...": a sentence, not a name
        return None
    return name


def is_opinion(text: str) -> bool:
    """Something said about the product: a few words that are not a greeting, a yes or a no."""
    return kind_of(text) == "text" and len(words_of(text)) >= 2
