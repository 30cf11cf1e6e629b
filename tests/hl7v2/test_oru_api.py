"""`POST /hl7v2/oru` end to end: the three senders' messages stored through the lab-result
service, and the ACK each gets (interop.md, "HL7 v2 lab results (ORU^R01)")."""

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.hl7v2.messages import GESTLAB, GESTLAB_MSH, LABWIN, SYNLAB, er7, obx_message
from tests.hl7v2.support import ER7, err_segments, essentials, labs, msa, send
from tests.support import factories
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio
CRP_LOCAL = "OBX|1|NM|PCR^Proteina C reactiva^L||{value}|mg/dL|0-0.5|H|||{status}|||201601150812"


def gestlab(control_id: str, *obx: str) -> str:
    """A GESTLAB message (v2.3) with its own control id and these OBX."""
    msh = GESTLAB_MSH.replace("GL20160115000123", control_id)
    return er7([msh, *GESTLAB[1:5], *obx])


async def test_a_v23_message_with_local_codes_and_times_is_stored(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    """GESTLAB declares ISO 8859-1 in MSH-18 and writes names with accents in it."""
    patient = await factories.patient(clinic, mrn="NHC0042137")
    latin1 = er7(GESTLAB).replace("MARIA", "MAR\u00cdA").encode("latin-1")

    response = await send(engine, latin1)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{ER7}; charset=ISO-8859-1"
    assert msa(response) == ["AA", "GL20160115000123", "2 results stored"]
    # 08:12 and 08:10 in Madrid in January (UTC+1), sent without an offset.
    assert [essentials(lab) for lab in await labs(clinic, patient["id"])] == [
        ("GL160115-0042-1", "crp", 1.2, "mg/dL", None, {"low": 0.0, "high": 0.5}, _jan("07:12")),
        ("GL160115-0042-2", "anti_dsdna", None, None, "negative", None, _jan("07:10")),
    ]
    events = (await clinic.get("/v1/audit-events", params={"patient_id": patient["id"]})).json()
    posted = [e for e in events["items"] if e["path"] == "/hl7v2/oru"]
    assert [(e["actor"], e["method"], e["status"]) for e in posted] == [("engine", "POST", 200)]


async def test_a_v251_message_with_newlines_finds_the_mrn_of_the_configured_authority(
    hl7_settings: Settings, clinic: httpx.AsyncClient
) -> None:
    """PID-3 repeats (the laboratory's own id first); TR_HL7_MRN_AUTHORITY picks the
    hospital's by its universal id. A preliminary OBX is acknowledged, not stored; a
    correction of a result never received is stored."""
    patient = await factories.patient(clinic, mrn="NHC0042137")
    settings = hl7_settings.model_copy(update={"hl7_mrn_authority": "2.16.724.4.9.10.1"})
    app = create_app(settings)
    without_sn = [s for s in SYNLAB if not s.startswith("OBX|1|")]
    try:
        async with client_with(app, token(settings, "labs:write", sub="synlab")) as synlab:
            response = await send(synlab, er7(without_sn, "\n"))
    finally:
        await app.state.engine.dispose()

    assert response.status_code == 200
    assert msa(response) == ["AA", "SYN-7781920", "2 results stored; 1 preliminary not stored"]
    assert [essentials(lab) for lab in await labs(clinic, patient["id"])] == [
        # OBR-7 07:45+02:00
        ("S16-0710-5521-2", "c3", 92.0, "mg/dL", None, {"low": 90.0, "high": 180.0}, _at("05:45")),
        ("S16-0710-5521-4", "anti_dsdna", None, None, "negative", None, _at("05:45")),
    ]


def _at(hhmm: str) -> str:
    return f"2016-07-10T{hhmm}:00Z"


async def test_an_ae_names_each_failed_obx_and_the_good_ones_are_stored(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    """LABWIN (v2.4): CRP in mmol/L (a unit the test does not accept), a code nobody mapped;
    ERR-1 is the form up to v2.4."""
    patient = await factories.patient(clinic, mrn="77123")

    response = await send(engine, er7(LABWIN))

    assert response.status_code == 200
    assert msa(response) == ["AE", "LW000981", "2 results stored; 2 errors"]
    first, second = err_segments(response)
    assert (
        first
        == "ERR|OBX^2^6^103&OBX-6: this unit is not accepted for crp; accepted: mg/L, mg/dL&HL70357"
    )
    assert second.startswith("ERR|OBX^3^3^103&OBX-3 local code 'FERR' is not LOINC")
    stored = {lab["external_id"]: lab for lab in await labs(clinic, patient["id"])}
    assert set(stored) == {"LW-16-9981-1", "LW-16-9981-4"}
    assert (
        stored["LW-16-9981-4"]["canonical_value"],
        stored["LW-16-9981-4"]["canonical_unit"],
    ) == (
        110.0,
        "mg/dL",
    )
    assert stored["LW-16-9981-1"]["collected_at"] == "2016-04-12T06:30:00Z"  # CEST, UTC+2


async def test_values_ranges_and_offsets(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    message = obx_message(
        "OBX|1|NM|1988-5^CRP^LN||3.5|mg/L|<5||||F|||201601150812-0500",
        "OBX|2|ST|ADNA^Ac. anti-DNA^L||POSITIVE||||||F",
        "OBX|3|NM|PCR^PCR^L||0.4|mg/dL|<=0.5||||F",
    )

    response = await send(engine, message, f"{ER7}; charset=utf-8")

    assert msa(response) == ["AA", "GL20160115000123", "3 results stored"]
    assert [essentials(lab) for lab in await labs(clinic, patient["id"])] == [
        ("GL160115-0042-1", "crp", 3.5, "mg/L", None, {"low": None, "high": 5.0}, _jan("13:12")),
        ("GL160115-0042-2", "anti_dsdna", None, None, "positive", None, _jan("07:10")),
        ("GL160115-0042-3", "crp", 0.4, "mg/dL", None, {"low": None, "high": 0.5}, _jan("07:10")),
    ]


def _jan(hhmm: str) -> str:
    return f"2016-01-15T{hhmm}:00Z"


async def test_an_unknown_patient_is_an_ae_and_never_a_new_patient(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    response = await send(engine, er7(GESTLAB))

    assert response.status_code == 200
    assert msa(response) == ["AE", "GL20160115000123", "0 results stored; 1 error"]
    assert err_segments(response) == [
        "ERR|PID^1^3^204&PID-3: no patient with this identifier in the caller's "
        "organizations&HL70357"
    ]
    assert (await clinic.get("/v1/patients")).json()["items"] == []


async def test_what_cannot_be_read_gets_an_ar_and_stores_nothing(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    adt = er7(["MSH|^~\\&|ADT|H|TR|H|20160101||ADT^A01|X1|P|2.5.1", GESTLAB[1]])

    # SYNLAB declares UTF-8 in MSH-18; these bytes are ISO 8859-1.
    latin1 = er7(SYNLAB).replace("MARIA", "MAR\u00cdA").encode("latin-1")
    unreadable: list[tuple[str | bytes, str, str]] = [
        (b"hello, this is not HL7", "", "100"),
        (adt, "X1", "200"),
        (latin1, "", "102"),
    ]
    for text, control_id, code in unreadable:
        response = await send(engine, text)
        assert response.status_code == 400
        assert msa(response)[:2] == ["AR", control_id]
        assert err_segments(response)[0].split("|")[3].startswith(code)
    for content_type in ("application/json", f"{ER7}; charset=nonsense", f"{ER7}; charset=hex"):
        refused = await send(engine, er7(GESTLAB), content_type)
        assert refused.status_code == 415
        assert refused.headers["content-type"] == "application/problem+json"
    assert await labs(clinic, patient["id"]) == []
    events = (await clinic.get("/v1/audit-events", params={"actor": "engine"})).json()["items"]
    assert [e["status"] for e in events] == [400] * 3 + [415] * 3  # each refusal audited


async def test_a_resent_message_id_answers_its_first_ack_and_stores_nothing_new(
    hl7_app: FastAPI, hl7_settings: Settings, clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    first = await send(engine, er7(GESTLAB))
    stored = await labs(clinic, patient["id"])

    again = await send(engine, er7(GESTLAB, "\n"))
    changed = await send(engine, gestlab("GL20160115000123", CRP_LOCAL.format(value=9, status="F")))

    assert again.text == first.text  # the ACK's own control id and time too
    assert changed.text == first.text
    assert await labs(clinic, patient["id"]) == stored
    # Another caller's key is its own: processed, and the external_ids keep it single.
    async with client_with(hl7_app, token(hl7_settings, "labs:write", sub="engine-2")) as other:
        elsewhere = await send(other, er7(GESTLAB))
    assert msa(elsewhere) == ["AA", "GL20160115000123", "0 results stored"]
    assert await labs(clinic, patient["id"]) == stored


async def test_a_correction_is_a_new_version_of_the_same_record(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    await send(engine, er7(GESTLAB))
    (crp,) = [lab for lab in await labs(clinic, patient["id"]) if lab["test"] == "crp"]

    corrected = await send(engine, gestlab("GL-C1", CRP_LOCAL.format(value=0.9, status="C")))
    resent = await send(engine, gestlab("GL-C2", CRP_LOCAL.format(value=0.9, status="C")))
    not_said = await send(engine, gestlab("GL-F3", CRP_LOCAL.format(value=2, status="F")))

    assert msa(corrected) == ["AA", "GL-C1", "1 result stored"]
    assert msa(resent) == ["AA", "GL-C2", "0 results stored"]
    assert msa(not_said)[0] == "AE"
    assert err_segments(not_said)[0].startswith("ERR|OBX^1^1^205&")
    now = (await clinic.get(f"/v1/lab-results/{crp['id']}")).json()
    assert (now["version"], now["value"], now["canonical_value"]) == (2, 0.9, 9.0)
    history = (await clinic.get(f"/v1/lab-results/{crp['id']}/history")).json()["items"]
    assert [(v["version"], v["data"]["value"]) for v in history] == [(1, 1.2), (2, 0.9)]


async def test_scopes_and_organizations(database_url: str, hl7_settings: Settings) -> None:
    settings = hl7_settings.model_copy(update={"tenancy": True})
    app = create_app(settings)

    def as_(sub: str, scope: str, orgs: list[str]) -> httpx.AsyncClient:
        return client_with(app, token(settings, scope, sub=sub, orgs=orgs))

    try:
        async with (
            as_("a", "records:read records:write", ["A"]) as a,
            as_("b", "records:write", ["B"]) as b,
            as_("group", "labs:write", ["*"]) as group,
            as_("reader", "records:read", ["A"]) as reader,
            as_("engine-a", "labs:write", ["A"]) as engine_a,
        ):
            mine = await factories.patient(a, mrn="NHC0042137", organization="A")
            await factories.patient(b, mrn="NHC0042137", organization="B")

            refused = await send(reader, er7(GESTLAB))
            both = await send(group, er7(GESTLAB))
            only_a = await send(engine_a, er7(GESTLAB))

            assert refused.status_code == 403
            assert err_segments(both)[0].startswith("ERR|PID^1^3^205&")
            assert msa(only_a) == ["AA", "GL20160115000123", "2 results stored"]
            assert len(await labs(a, mine["id"])) == 2
    finally:
        await app.state.engine.dispose()


async def test_an_sn_value_with_a_comparator_is_stored_with_it(
    clinic: httpx.AsyncClient, engine: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    message = obx_message("OBX|1|SN|1988-5^CRP^LN||<^0.5|mg/L|<5||||F")

    response = await send(engine, message)

    assert msa(response)[0] == "AA", err_segments(response)
    (lab,) = await labs(clinic, patient["id"])
    assert (lab["comparator"], lab["value"], lab["unit"]) == ("<", 0.5, "mg/L")
