"""The TR_HL7_* and TR_MLLP_* settings: wrong ones stop the start-up, not a message."""

import pytest

from app import __main__ as cli
from app.config import Settings
from app.security import ALL_ORGANIZATIONS
from app.services import hl7v2

MEMORY = "sqlite:///:memory:"


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("hl7_code_map", {"PCR": "c-reactive"}, "TR_HL7_CODE_MAP"),
        ("hl7_text_map", {"NEG": "nope"}, "TR_HL7_TEXT_MAP"),
        ("hl7_timezone", "Europe/Atlantis", "TR_HL7_TIMEZONE"),
    ],
)
def test_a_wrong_hl7_setting_is_refused(setting: str, value: object, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        hl7v2.options(Settings.model_validate({"database_url": MEMORY, setting: value}))


def test_without_an_hl7_timezone_the_clinical_one_applies() -> None:
    settings = Settings.model_validate(
        {"database_url": MEMORY, "rules": {"clinical_timezone": "Europe/Madrid"}}
    )
    assert hl7v2.options(settings).timezone.key == "Europe/Madrid"


def test_the_mllp_caller_needs_organizations_under_tenancy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    group = hl7v2.mllp_caller(Settings(database_url=MEMORY, tenancy=True, mllp_orgs=["*"]))
    assert (group.sub, group.scopes, group.organizations) == (
        "mllp",
        frozenset({"labs:write"}),
        frozenset({ALL_ORGANIZATIONS}),
    )
    monkeypatch.setenv("TR_DATABASE_URL", MEMORY)
    monkeypatch.setenv("TR_TENANCY", "true")

    assert cli.main(["mllp"]) == 2
    assert "TR_MLLP_ORGS" in capsys.readouterr().err
