from app import catalog
from app.api.deps import AnyCaller, api_router
from app.api.responses import errors
from app.schemas.catalog import DrugRead, LabTestRead

router = api_router(prefix="/v1/catalog", tags=["catalogue"])
_NO_422 = {k: v for k, v in errors().items() if k != 422}


@router.get("/drugs", response_model=list[DrugRead], operation_id="listDrugs", responses=_NO_422)
async def list_drugs(_: AnyCaller) -> list[DrugRead]:
    """The drugs regimens may name: class, mechanism group, ATC code, routes, limits."""
    return [DrugRead(**{**vars_of(d), "routes": list(d.routes)}) for d in catalog.drugs().values()]


@router.get(
    "/lab-tests", response_model=list[LabTestRead], operation_id="listLabTests", responses=_NO_422
)
async def list_lab_tests(_: AnyCaller) -> list[LabTestRead]:
    """The lab tests results may name, with every accepted LOINC code and their canonical
    and accepted units."""
    return [
        LabTestRead(
            key=t.key,
            loinc=t.loinc,
            codes=list(t.codes),
            titer_codes=list(t.titer_codes),
            name=t.name,
            canonical_unit=t.canonical_unit,
            units=list(t.units),
            qualitative=t.qualitative,
            qualitative_values=list(t.qualitative_values),
        )
        for t in catalog.lab_tests().values()
    ]


def vars_of(drug: catalog.Drug) -> dict[str, object]:
    return {name: getattr(drug, name) for name in drug.__slots__}
