"""The FHIR R4 face, pure part: mapping between our /v1 JSON and FHIR R4 resources.

Outbound (read JSON -> resource dicts): patient, medication, labs, assessment, flags;
everything (all of one patient). Inbound (posted resource -> our create body):
inbound_lab, inbound (administration, patient), transaction (If-None-Exist, Bundles).
Around them: outcome and errors (OperationOutcome), bundles, capability, bulk, search.
Only the standard library, fhir.resources (R4B models, to validate what is posted; and
pydantic's ValidationError, which they raise) and app.catalog are used: no database, no
HTTP, nothing from services or repositories.
"""
