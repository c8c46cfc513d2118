"""A product named in a reply with the preposition and article its language wants: "of the
Acme kettle", "da chaleira Acme" (de + a), "del molinillo Krups" (de + el)."""

from __future__ import annotations

from analyzer.language import Language, words_of

# Endings of feminine nouns, and the common masculine nouns that end like them anyway.
_FEMININE_ENDINGS = {
    "pt": ("a", "ção", "são", "dade", "gem", "ie"),
    "es": ("a", "ción", "sión", "dad", "tud", "umbre"),
}
_MASCULINE = frozenset(
    [
        "sistema",
        "problema",
        "programa",
        "tema",
        "mapa",
        "clima",
        "dia",
        "día",
        "sofá",
        "pijama",
        "idioma",
        "planeta",
    ]
)
_OF = {"pt": ("do", "da"), "es": ("del", "de la")}


def is_feminine(product: str, language: Language) -> bool:
    """Whether the product's first word reads as a feminine noun (Portuguese, Spanish).
    A brand or a model name ("iPhone 15") reads as masculine, as both languages treat it."""
    words = words_of(product)
    if not words or language not in _FEMININE_ENDINGS:
        return False
    first = words[0]
    return first not in _MASCULINE and first.endswith(_FEMININE_ENDINGS[language])


def of_product(product: str, language: Language) -> str:
    """ "of <product>" in the language, contracted as it must be."""
    if language == "en":
        return f"of {product}"
    masculine, feminine = _OF[language]
    return f"{feminine if is_feminine(product, language) else masculine} {product}"
