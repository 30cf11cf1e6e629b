"""External code systems and the fixed vocabularies both directions of the mapping share."""

from collections.abc import Mapping

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
BODY_WEIGHT_PROFILE = "http://hl7.org/fhir/StructureDefinition/bodyweight"
BODY_HEIGHT_PROFILE = "http://hl7.org/fhir/StructureDefinition/bodyheight"

# Our diagnosis `system` values with a published FHIR system URI; others travel as text only.
DIAGNOSIS_SYSTEMS: Mapping[str, str] = {
    "icd10": ICD10,
    "icd-10": ICD10,
    "icd10cm": ICD10_CM,
    "icd-10-cm": ICD10_CM,
    "snomed": SNOMED,
    "sct": SNOMED,
}

# Qualitative results: SNOMED CT qualifier values; `borderline` has none, so it is ours.
SNOMED_QUALITATIVE: Mapping[str, tuple[str, str]] = {
    "negative": ("260385009", "Negative"),
    "positive": ("10828004", "Positive"),
}
QUALITATIVE_BY_SNOMED = {code: value for value, (code, _) in SNOMED_QUALITATIVE.items()}

# Routes of administration (SNOMED CT, the FHIR route-codes value set), by our route code.
ROUTES: Mapping[str, tuple[str, str]] = {
    "iv": ("47625008", "Intravenous route"),
    "sc": ("34206005", "Subcutaneous route"),
    "oral": ("26643006", "Oral route"),
    "im": ("78421000", "Intramuscular route"),
    "intra_articular": ("12130007", "Intra-articular route"),
    "topical": ("6064005", "Topical route"),
}

# Our dose units as UCUM codes ("mg/day" is not UCUM; "mg/d" is).
DOSE_UNITS: Mapping[str, str] = {"mg": "mg", "mg/kg": "mg/kg", "mg/day": "mg/d", "mg/m2": "mg/m2"}

# Unit spellings the lab catalogue accepts that are not UCUM, and their UCUM codes.
UCUM_SPELLINGS: Mapping[str, str] = {"IU/mL": "[iU]/mL", "IU/L": "[iU]/L"}

# Infusion status <-> MedicationAdministration.status.
ADMINISTRATION_STATUS: Mapping[str, str] = {
    "completed": "completed",
    "interrupted": "stopped",
    "cancelled": "not-done",
}
INFUSION_STATUS = {fhir: ours for ours, fhir in ADMINISTRATION_STATUS.items()}

# Patient sex <-> administrative gender: the same four codes.
GENDERS = frozenset({"female", "male", "other", "unknown"})

COMPARATORS = frozenset({"<", "<=", ">", ">="})

BODY_WEIGHT = ("29463-7", "Body weight")
BODY_HEIGHT = ("8302-2", "Body height")
