"""Spanish and Portuguese read through Apertium's lexicons, and the glossary without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from insights import apertium
from insights.apertium import Apertium, _units
from insights.glossary import Glossary

pytestmark = pytest.mark.unit
INSTALL = "install Debian's apertium-eng-spa, apertium-es-pt and lttoolbox (make setup does)"


@pytest.fixture(scope="module")
def spanish() -> Apertium:
    lexicon = apertium.spanish()
    assert lexicon.available, INSTALL
    return lexicon


def test_inflected_spanish_words_become_english_lemmas(spanish: Apertium) -> None:
    found = spanish.translations(["ruidosa", "camareros", "ubicación", "zzqx"])
    assert "noisy" in found["ruidosa"]
    assert "waiter" in found["camareros"]
    assert found["ubicación"][0] == "location"
    assert found["zzqx"] == []


def test_portuguese_reaches_english_through_spanish() -> None:
    portuguese = apertium.portuguese()
    assert portuguese.available, INSTALL
    found = portuguese.translations(["comida", "localização", "preços"])
    assert "food" in found["comida"]
    assert "location" in found["localização"]
    assert "price" in found["preços"]


def test_a_failing_lt_proc_leaves_freedicts_senses(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """lt-proc failing to run is a warning, not a failed batch; the words are asked again."""
    (tmp_path / "a.bin").write_bytes(b"")
    broken = Apertium(tmp_path / "a.bin", [tmp_path / "a.bin"], program=str(tmp_path / "gone"))
    assert broken.available
    assert broken.translations(["precio"]) == {"precio": []}
    assert "apertium_unavailable" in caplog.messages
    glossary = Glossary(lexicons={"es": broken})
    assert "es" in glossary.languages  # FreeDict's Spanish still reads it
    assert any("price" in senses for senses in glossary.read(["el precio"], "es")[0])


def test_without_the_pairs_the_glossary_reads_through_freedict_alone(tmp_path: Path) -> None:
    missing = {"es": apertium.spanish(tmp_path), "pt": apertium.portuguese(tmp_path)}
    assert not any(lexicon.available for lexicon in missing.values())
    glossary = Glossary(lexicons=missing)
    assert glossary.languages == {"pt", "es"}
    assert any("price" in senses for senses in glossary.read(["o preço"], "pt")[0])


def test_the_pairs_senses_come_before_freedicts(spanish: Apertium) -> None:
    """FreeDict gives "tapa" as "slap"; Apertium's lexicon reads it first."""
    ((senses,),) = Glossary(lexicons={"es": spanish}).read(["tapa"], "es")
    assert senses[0] == spanish.translations(["tapa"])["tapa"][0]


def test_lt_procs_units_are_read_with_their_escapes() -> None:
    output = r"^a\/b/x<n>/*c/@d<n>$ ^tapa/tapar<vblex><pri>$"
    assert _units(output) == {"a/b": ["x<n>"], "tapa": ["tapar<vblex><pri>"]}
