"""Whatever arrives, the answer is a message or Unparseable, and an ACK that reads back."""

import hl7
from hypothesis import given, settings
from hypothesis import strategies as st

from app.hl7v2 import OruMessage, Unparseable, parse_oru, reject_ack, result_ack
from tests.hl7v2.messages import GESTLAB, LABWIN, SYNLAB, er7, options

REAL = [er7(GESTLAB), er7(SYNLAB, "\n"), er7(LABWIN, "\r\n")]
HL7_CHARS = st.sampled_from(list("|^~\\&\r\n MSHPIDOBXR0123456789.-+<>=FCPNEG\x0b\x1c\u00e9"))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real message with a few characters replaced, inserted or deleted."""
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["replace", "insert", "delete"]))
        char = draw(HL7_CHARS)
        if change == "insert":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + (char if change == "replace" else "") + text[at + 1 :]
    return text


def answer(text: str) -> tuple[OruMessage | None, str]:
    try:
        message = parse_oru(text, options())
    except Unparseable as exc:
        return None, reject_ack(exc)
    return message, result_ack(message, len(message.results), message.errors)


@settings(max_examples=400, deadline=None, database=None)
@given(st.one_of(mutated(), st.text(HL7_CHARS, max_size=200), st.text(max_size=200)))
def test_any_text_gets_an_ack_that_reads_back(text: str) -> None:
    message, ack = answer(text)

    parsed = hl7.parse(ack)
    code = str(parsed.extract_field("MSA", 1, 1))
    assert code == ("AR" if message is None else "AE" if message.errors else "AA")
    if message is not None:
        assert str(parsed.segment("MSA")(2)) == message.header.control_id  # echoed as sent
