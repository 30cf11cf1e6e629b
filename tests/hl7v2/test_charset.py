"""MSH-18: the character set a message's bytes are read in, found before decoding them."""

import pytest

from app.hl7v2.charset import declared_encoding
from tests.hl7v2.messages import GESTLAB, LABWIN, SYNLAB, er7


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        (er7(GESTLAB).encode("latin-1"), "ISO-8859-1"),  # 8859/1
        (er7(SYNLAB, "\n").encode(), "UTF-8"),  # UNICODE UTF-8
        (er7(LABWIN).encode(), "UTF-8"),  # none declared
        (b"MSH|^~\\&|L|F|||||ORU^R01|1|P|2.3||||||8859/15~UNICODE UTF-8", "ISO-8859-15"),
        (b"MSH#$%@!#L#F#####ORU$R01#1#P#2.3######ASCII$x", "US-ASCII"),  # other separators
        (b"MSH|^~\\&|L|F|||||ORU^R01|1|P|2.3||||||KLINGON", "UTF-8"),
        (b"\r\nMSH|^~\\&|L|F|||||ORU^R01|1|P|2.3||||||8859/2\r", "ISO-8859-2"),
        (b"PID|||8859/1", "UTF-8"),
        (b"MSH|", "UTF-8"),
        (b"", "UTF-8"),
    ],
)
def test_the_declared_set_or_utf8(data: bytes, charset: str) -> None:
    assert declared_encoding(data) == charset
