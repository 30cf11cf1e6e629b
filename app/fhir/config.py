"""What the FHIR mapping needs from the deployment, and the canonical URLs built from it."""

from dataclasses import dataclass

# Canonical base of our own code systems, extensions and naming systems (`TR_FHIR_BASE_URL`).
# A fixed, deployment-independent URL: a code system's identity must not change with the
# host name a server happens to be reached at.
DEFAULT_BASE_URL = "https://treatment-records.example/fhir"
# The hospital's MRN namespace (`TR_FHIR_MRN_SYSTEM`); every real deployment sets its own.
DEFAULT_MRN_SYSTEM = "https://treatment-records.example/fhir/NamingSystem/mrn"


@dataclass(frozen=True, slots=True)
class FhirConfig:
    """Settings of the FHIR face: canonical base URL, MRN identifier system, tenancy."""

    base_url: str = DEFAULT_BASE_URL
    mrn_system: str = DEFAULT_MRN_SYSTEM
    tenancy: bool = False

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")) or self.base_url.endswith("/"):
            raise ValueError("base_url must be an http(s) URL without a trailing slash")
        if not self.mrn_system:
            raise ValueError("mrn_system must not be empty")

    def code_system(self, name: str) -> str:
        """`{base}/CodeSystem/{name}`: one of our own vocabularies."""
        return f"{self.base_url}/CodeSystem/{name}"

    def extension(self, name: str) -> str:
        """`{base}/StructureDefinition/{name}`: one of our own extensions."""
        return f"{self.base_url}/StructureDefinition/{name}"

    @property
    def identifier_system(self) -> str:
        """System of the identifiers we emit for `external_id` (the sender's id of a record)."""
        return f"{self.base_url}/NamingSystem/external-id"

    @property
    def organization_system(self) -> str:
        """System of organization codes (tenancy) in `Patient.managingOrganization`."""
        return f"{self.base_url}/NamingSystem/organization"
