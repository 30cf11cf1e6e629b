"""Realistic ORU^R01 messages of three senders (names and numbers are invented).

- GESTLAB, a hospital laboratory system: v2.3, local codes, local times (Europe/Madrid),
  PID-3 with the hospital MRN and a national id.
- SYNLAB, a reference laboratory: v2.5.1, LOINC codes, timestamps with offsets, SN values,
  preliminary results and corrections, PID-3 authority as an OID.
- LABWIN, a small private laboratory: v2.4, local codes, a unit no test accepts, a code
  nobody mapped.
"""

from app.hl7v2 import Hl7Options

CODE_MAP = {"PCR": "crp", "ADNA": "anti_dsdna", "VSG": "esr", "C3C": "4485-9"}


def options(
    *, text_map: dict[str, str] | None = None, mrn_authority: str | None = None
) -> Hl7Options:
    """The settings of a Madrid hospital that receives from these senders."""
    return Hl7Options.from_settings(
        code_map=CODE_MAP,
        text_map=text_map,
        timezone="Europe/Madrid",
        mrn_authority=mrn_authority,
    )


def er7(segments: list[str], separator: str = "\r") -> str:
    return separator.join(segments) + separator


GESTLAB_MSH = (
    "MSH|^~\\&|GESTLAB|HUVH-LAB|TREATREC|HUVH-REUMA|201601150930||ORU^R01|GL20160115000123"
    "|P|2.3|||AL|NE|ESP|8859/1"
)
GESTLAB = [
    GESTLAB_MSH,
    "PID|1||NHC0042137^^^HUVH^MR~12345678Z^^^MI^NNESP||GARCIA LOPEZ^MARIA^^^^^L||19570301|F",
    "PV1|1|O|REU^^^HUVH||||12345^MEDICO^ANA",
    "ORC|RE|PET556677|GL160115-0042||CM",
    "OBR|1|PET556677|GL160115-0042^GESTLAB|PERFIL^Perfil reumatologico^L|||201601150810"
    "|||||||201601150815||12345^MEDICO^ANA||||||201601150925|||F",
    "OBX|1|NM|PCR^Proteina C reactiva^L||1.2|mg/dL|0-0.5|H|||F|||201601150812",
    "OBX|2|CE|ADNA^Ac. anti-DNA nativo^L||NEG^Negativo^L||||||F",
    "NTE|1|L|Resultado validado por el facultativo",
]

SYNLAB_MSH = (
    "MSH|^~\\&|SYNLAB^2.16.840.1.113883.2.19.20^ISO|SYNLAB-ES|TREATREC|HUVH"
    "|20160710143000+0200||ORU^R01^ORU_R01|SYN-7781920|P|2.5.1|||NE|AL|ESP|UNICODE UTF-8"
)
SYNLAB = [
    SYNLAB_MSH,
    "PID|1||A99887766^^^SYNLAB^PI~NHC0042137^^^HUVH&2.16.724.4.9.10.1&ISO^MR"
    "||GARCIA LOPEZ^MARIA||19570301|F",
    "ORC|RE||S16-0710-5521",
    "OBR|1||S16-0710-5521^SYNLAB|24356-8^Lab panel^LN|||201607100745+0200",
    "OBX|1|SN|1988-5^C reactive protein [Mass/volume] in Serum or Plasma^LN||<^0.5|mg/L|<5"
    "||||F|||201607100745+0200",
    "OBX|2|NM|4485-9^Complement C3 [Mass/volume] in Serum or Plasma^LN||92|mg/dL|90-180|N|||F",
    "OBX|3|NM|4498-2^Complement C4 [Mass/volume] in Serum or Plasma^LN||14|mg/dL|10-40|N|||P",
    "OBX|4|CWE|5130-0^DNA double strand Ab [Units/volume] in Serum^LN"
    "||260385009^Negative^SCT||||||C",
]

LABWIN = [
    "MSH|^~\\&|LABWIN|CLINICA-SUR|TREATREC|HUVH|20160412101500||ORU^R01|LW000981|P|2.4",
    "PID|||77123^^^CLINSUR^MR||RUIZ^PEDRO||19700101|M",
    "OBR|1|ORD-9981|LW-16-9981|HEMO^Hemograma^L|||201604120830",
    "OBX|1|NM|VSG^Velocidad de sedimentacion^L||22|mm/h|0-20|H|||F",
    "OBX|2|NM|PCR^Proteina C reactiva^L||8|mmol/L|0-5||||F",
    "OBX|3|NM|FERR^Ferritina^L||120|ng/mL|20-200||||F",
    "OBX|4|NM|C3C^Complemento C3^L||1.1|g/L|0.9-1.8||||F",
]


def obx_message(*obx: str, obr_time: str = "201601150810", version: str = "2.5.1") -> str:
    """A GESTLAB message around the given OBX segments (for one-field variations)."""
    return er7(
        [
            GESTLAB_MSH.replace("|2.3|", f"|{version}|"),
            GESTLAB[1],
            f"OBR|1|PET556677|GL160115-0042^GESTLAB|PERFIL^Perfil^L|||{obr_time}",
            *obx,
        ]
    )
