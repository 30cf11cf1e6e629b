"""Which character set a message's bytes are in: the one MSH-18 declares (HL7 table 0211),
read before decoding: the MSH's own text is ASCII in every set HL7 v2 lists."""

import re

DEFAULT = "UTF-8"
# HL7 table 0211 -> the IANA charset name (which Python's codecs know too), for the sets a
# laboratory sends in ER7 over a byte stream.
_CODECS = {
    "ASCII": "US-ASCII",
    "UNICODE UTF-8": "UTF-8",
    **{f"8859/{n}": f"ISO-8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 15)},
}
_FIRST_LINE = re.compile(rb"MSH(?P<sep>[^\w\s])[^\r\n]*")


def declared_encoding(data: bytes, default: str = DEFAULT) -> str:
    """The charset MSH-18's first repetition names; `default` when the MSH is unreadable,
    MSH-18 is empty or names a set not listed here (UTF-16 and UTF-32 cannot be told
    before decoding, and no laboratory sends them in ER7)."""
    line = _FIRST_LINE.search(data[:4096].lstrip())
    if line is None or line.start() != 0:
        return default
    text = line.group(0).decode("latin-1")  # one byte, one character: nothing fails
    fields = text.split(text[3])
    if len(fields) < 18 or len(fields[1]) < 2:
        return default
    repetition, component = fields[1][1], fields[1][0]
    value = fields[17].split(repetition)[0].split(component)[0].strip().upper()
    return _CODECS.get(value, default)
