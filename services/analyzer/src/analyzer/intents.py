"""The wish to give feedback, in English, Portuguese and Spanish: said before a product's name,
or instead of one, it is never part of it (`understanding.product_name`)."""

from __future__ import annotations

import re

# The wish to give feedback, with what may follow it ("on", "sobre", "del"...): "I want to give
# feedback", "quiero dejar mi opinión", "tengo un comentario sobre", "queria avaliar", a bare
# "feedback". Never part of a product.
_WANT = (
    r"i'?d like to|i would like to|i want to|i wanna|i wish to|can i|could i|may i|let me|"
    r"i'?m here to|i am here to|quero|queria|gostaria de|posso|vim|quiero|quería|queria|"
    r"quisiera|me gustaría|me gustaria|puedo|vengo a"
)
_GIVE = (
    r"give|leave|share|send|make|write|submit|dar|deixar|fazer|compartilhar|enviar|mandar|"
    r"registrar|dejar|hacer|compartir|poner"
)
_HAVE = r"i have|i've got|i got|tenho|tengo"
_DETERMINER = r"some|a|an|my|uma|um|minha|meu|minhas|meus|una|un|mi|mis|algún|algum"
_NOUN = (
    r"feedback|review|opinion|comment|complaint|suggestion|rating|opinião|opiniao|avaliação|"
    r"avaliacao|comentário|comentario|reclamação|reclamacao|sugestão|sugestao|opinión|reseña|"
    r"resena|queja|sugerencia|valoración|valoracion"
)
# Verbs that are the wish on their own: "quería opinar sobre", "I want to rate".
_VERB = (
    r"rate|review|complain about|complain|talk about|opinar|avaliar|reclamar|comentar|"
    r"falar sobre|falar do|falar da|hablar de|hablar del|hablar sobre|valorar|calificar"
)
_PREPOSITION = r"about|on|for|of|with|regarding|sobre|do|da|dos|das|de|del|con|acerca de"
_ABOUT = rf"[\s,.!:;]*(({_PREPOSITION})\s+)?"
INTENT = re.compile(
    "|".join(
        [
            rf"^(({_WANT})\s+)?({_GIVE})\s+(({_DETERMINER})\s+)?({_NOUN})s?{_ABOUT}",
            rf"^({_HAVE})\s+(({_DETERMINER})\s+)?({_NOUN})s?{_ABOUT}",
            # a bare "feedback", or "my feedback is about": not a brand called "Review Pro"
            rf"^((my|minha|mi)\s+)?({_NOUN})s?(\s+(is|é|es))?"
            rf"([\s,.!:;]*({_PREPOSITION})\s+|[\s,.!:;]*$)",
            rf"^({_WANT})\s+({_VERB})\b{_ABOUT}",
            rf"^({_VERB})[\s,.!:;]+({_PREPOSITION})\s+",
        ]
    ),
    re.IGNORECASE,
)
