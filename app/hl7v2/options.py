"""Settings of the HL7 v2 face that the service fills from `TR_HL7_*`."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app import catalog

Qualitative = Literal["negative", "positive", "borderline"]
QUALITATIVE_VALUES: frozenset[str] = frozenset({"negative", "positive", "borderline"})

# The `TR_HL7_TEXT_MAP` default: the words laboratories send for qualitative results.
DEFAULT_TEXT_MAP: Mapping[str, Qualitative] = MappingProxyType(
    {
        "NEG": "negative",
        "NEGATIVE": "negative",
        "NOT DETECTED": "negative",
        "POS": "positive",
        "POSITIVE": "positive",
        "DETECTED": "positive",
    }
)


@dataclass(frozen=True, slots=True)
class Hl7Options:
    """How ORU^R01 content maps onto our lab results.

    - `code_map` (`TR_HL7_CODE_MAP`): a sender's local OBX-3 code -> a catalogue test key or
      a catalogue LOINC code; checked against the catalogue here, so a wrong setting fails
      at start-up, not per message.
    - `text_map` (`TR_HL7_TEXT_MAP`): OBX-5 text -> negative / positive / borderline,
      compared case-insensitively; it replaces the default map when set.
    - `timezone` (`TR_HL7_TIMEZONE`): the zone of timestamps sent without an offset.
    - `mrn_authority` (`TR_HL7_MRN_AUTHORITY`): when set, the PID-3 identifier whose
      assigning authority (CX-4, namespace or universal id) is this one is the MRN.
    """

    code_map: Mapping[str, str] = field(default_factory=dict)
    text_map: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TEXT_MAP)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    mrn_authority: str | None = None

    def __post_init__(self) -> None:
        for local, target in self.code_map.items():
            if target not in catalog.lab_tests() and target not in catalog.lab_tests_by_loinc():
                raise ValueError(
                    f"TR_HL7_CODE_MAP: {local!r} maps to {target!r}, "
                    "which is neither a catalogue test key nor a catalogue LOINC code"
                )
        for text, value in self.text_map.items():
            if value not in QUALITATIVE_VALUES:
                raise ValueError(
                    f"TR_HL7_TEXT_MAP: {text!r} maps to {value!r}; "
                    f"accepted: {', '.join(sorted(QUALITATIVE_VALUES))}"
                )
        folded = {text.strip().casefold(): value for text, value in self.text_map.items()}
        # Frozen: the normalised copies are set once, here.
        object.__setattr__(self, "code_map", MappingProxyType(dict(self.code_map)))
        object.__setattr__(self, "text_map", MappingProxyType(folded))

    @classmethod
    def from_settings(
        cls,
        *,
        code_map: Mapping[str, str] | None = None,
        text_map: Mapping[str, str] | None = None,
        timezone: str = "UTC",
        mrn_authority: str | None = None,
    ) -> "Hl7Options":
        """Options from setting values; ValueError names the setting that is wrong."""
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"TR_HL7_TIMEZONE: {timezone!r} is not an IANA time zone") from exc
        return cls(
            code_map=code_map or {},
            text_map=DEFAULT_TEXT_MAP if text_map is None else text_map,
            timezone=zone,
            mrn_authority=mrn_authority or None,
        )

    def target(self, local_code: str) -> tuple[str, str] | None:
        """(`test` or `loinc`, value) for a local code, or None when it is not mapped."""
        mapped = self.code_map.get(local_code)
        if mapped is None:
            return None
        return ("test", mapped) if mapped in catalog.lab_tests() else ("loinc", mapped)

    def qualitative(self, text: str) -> str | None:
        return self.text_map.get(text.strip().casefold())
