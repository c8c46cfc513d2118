"""The words and phrasings the offline analyzer knows, in English, Portuguese and Spanish."""

from __future__ import annotations

import re

from service_runtime.consent import HELP, OPT_IN, OPT_OUT

# The channel's keywords (STOP, START, HELP...) are never a product or feedback.
CHANNEL_WORDS = OPT_OUT | OPT_IN | HELP
WORDS = {
    "greeting": "hi hello hey hiya howdy yo there all everyone morning evening afternoon good "
    "olá ola oi opa pessoal bom boa dia tarde noite hola buenas buenos días dias saludos",
    "thanks": "thanks thank you thx ty cheers appreciated obrigado obrigada valeu brigado "
    "agradeço gracias muchas mil",
    "yes": "yes y yeah yep yup sure ok okay correct confirm right exactly sim claro isso pode "
    "certo exato si sí vale correcto dale perfecto",
    "no": "no n nope nah não nao nop skip none nothing negative pular nada ninguno ninguna",
}
# What a customer may say they have that is not a product: "I have a question".
NOT_PRODUCTS = frozenset(
    [
        "question",
        "questions",
        "doubt",
        "problem",
        "issue",
        "pergunta",
        "dúvida",
        "duvida",
        "problema",
        "pregunta",
        "duda",
    ]
)
# A name starting with one of these is not one yet: "I bought something".
VAGUE = frozenset(
    [
        "something",
        "anything",
        "stuff",
        "thing",
        "things",
        "algo",
        "alguma",
        "algum",
        "coisa",
        "coisas",
        "cosa",
        "cosas",
        "product",
        "products",
        "produto",
        "produtos",
        "producto",
        "productos",
        "item",
        "items",
        "artigo",
        "artículo",
    ]
)
# When it was bought, after the name: "the Acme kettle (I bought) last week", "(que comprei)
# ontem", "(que compré) la semana pasada".
WHEN = re.compile(
    r"[\s,]+((that |which )?i (bought|got|ordered) |(que )?(comprei|compré) )?"
    r"(last (week|month|year)|this (week|month)|yesterday|today|recently|a while ago|"
    r"ontem|hoje|semana passada|mês passado|mes passado|recentemente|ayer|hoy|la semana pasada|"
    r"el mes pasado|recientemente)[\s.!]*$",
    re.IGNORECASE,
)
# Words that name no product on their own: "the other one", "esse", "aquel".
FRAGMENT_WORDS = frozenset(
    [
        "the",
        "other",
        "one",
        "that",
        "this",
        "it",
        "them",
        "those",
        "ones",
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
# A name starting with one of these is a sentence ("I will ...", "we bought ..."), not a name.
SUBJECTS = frozenset(
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

SMALL_TALK = re.compile(
    r"^(how are (you|u)|how's it going|what's up|sup|tudo bem|tudo bom|como (vai|está|estas|"
    r"estás)|qué tal|que tal|cómo estás|como estas)\b",
    re.IGNORECASE,
)
QUESTION_START = re.compile(
    r"^(what|who|where|when|why|which|how|can you|could you|would you|will you|do you|are you|"
    r"tell me|write|explain|give me|show me|o que|quem|onde|quando|por que|porque|qual|como|"
    r"você pode|voce pode|pode me|me diga|escreva|qué|que|quién|dónde|cuándo|por qué|cuál|"
    r"puedes|podrías|dime|escribe)\b",
    re.IGNORECASE,
)
# "Hi," / "Olá!" / "Buenos días." before the message proper (a greeting word alone, like the
# "Good" of "Good Grips peeler", stays: only one set off by punctuation goes).
GREETING_PREFIX = re.compile(
    r"^((hi|hello|hey|hiya|good (morning|afternoon|evening)|olá|ola|oi|opa|bom dia|boa tarde|"
    r"boa noite|hola|buenas|buenos días|buenos dias|buenas tardes|buenas noches|saludos)"
    r"( there| all| everyone| pessoal)?\s*[,.!;:]+\s*)+",
    re.IGNORECASE,
)
# "I bought", "comprei", "compré": how the product came to them, not its name.
PURCHASE = re.compile(
    r"^(((i|we)\s+)?(just\s+)?(bought|purchased|got|ordered)"
    r"|(i|we)\s+(just\s+)?(have|own|tried)"
    r"|(eu\s+|yo\s+)?(comprei|compramos|adquiri|encomendei|pedi|ganhei|tenho|compré|adquirí|"
    r"pedí|tengo|probé))\s+",
    re.IGNORECASE,
)
LEAD_IN = re.compile(
    r"^((ok|okay|well|so|um|hmm|sure|right|bem|então|pues|bueno)[,.!]?\s+)*"
    r"((it'?s|it is|this is|that'?s|i'?m talking|i want to talk|i'd like to talk|feedback|"
    r"é|e|sobre|é sobre|e sobre|quero falar|es|es sobre|quiero hablar)\s+)*"
    r"((about|on|of|sobre|do|da|de|del)\s+)?"
    r"((the|a|an|my|our|your|o|a|os|as|um|uma|meu|minha|el|la|los|las|un|una|mi)\s+)?",
    re.IGNORECASE,
)
CORRECTION = re.compile(
    r"^(no|não|nao|nope)?[,.!\s]*(i meant|i mean|it was|it'?s actually|actually|"
    r"eu quis dizer|quis dizer|na verdade|era|quise decir|en realidad)\s+",
    re.IGNORECASE,
)
