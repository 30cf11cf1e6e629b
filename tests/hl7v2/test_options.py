"""The options the service builds from TR_HL7_* settings."""

from zoneinfo import ZoneInfo

import pytest

from app.hl7v2 import DEFAULT_TEXT_MAP, Hl7Options


def test_defaults() -> None:
    options = Hl7Options()

    assert options.code_map == {}
    assert options.timezone == ZoneInfo("UTC")
    assert options.mrn_authority is None
    assert options.qualitative("not detected") == "negative"
    assert options.qualitative(" Positive ") == "positive"
    assert options.qualitative("borderline") is None
    assert set(DEFAULT_TEXT_MAP) == {
        "NEG",
        "NEGATIVE",
        "NOT DETECTED",
        "POS",
        "POSITIVE",
        "DETECTED",
    }


def test_from_settings() -> None:
    options = Hl7Options.from_settings(
        code_map={"PCR": "crp", "C3C": "4485-9"},
        text_map={"Dudoso": "borderline"},
        timezone="Europe/Madrid",
        mrn_authority="HUVH",
    )

    assert options.target("PCR") == ("test", "crp")
    assert options.target("C3C") == ("loinc", "4485-9")
    assert options.target("pcr") is None
    assert options.qualitative("DUDOSO") == "borderline"
    assert options.qualitative("NEG") is None  # a text map replaces the default one
    assert options.timezone == ZoneInfo("Europe/Madrid")
    assert options.mrn_authority == "HUVH"


def test_an_empty_authority_setting_means_none() -> None:
    assert Hl7Options.from_settings(mrn_authority="").mrn_authority is None


def test_the_maps_cannot_be_changed_afterwards() -> None:
    code_map = {"PCR": "crp"}
    options = Hl7Options.from_settings(code_map=code_map)
    code_map["PCR"] = "esr"

    assert options.target("PCR") == ("test", "crp")
    with pytest.raises(TypeError):
        options.code_map["X"] = "esr"  # type: ignore[index]


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"code_map": {"FERR": "ferritin"}}, "TR_HL7_CODE_MAP"),
        ({"code_map": {"FERR": "2276-4"}}, "TR_HL7_CODE_MAP"),  # a LOINC outside the catalogue
        ({"text_map": {"Dudoso": "equivocal"}}, "TR_HL7_TEXT_MAP"),
        ({"timezone": "Europe/Atlantis"}, "TR_HL7_TIMEZONE"),
        ({"timezone": ""}, "TR_HL7_TIMEZONE"),
        ({"timezone": "../../etc/passwd"}, "TR_HL7_TIMEZONE"),
    ],
)
def test_wrong_settings_are_refused_naming_the_setting(
    settings: dict[str, object], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        Hl7Options.from_settings(**settings)  # type: ignore[arg-type]
