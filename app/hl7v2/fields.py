"""Reading values out of python-hl7 segments: absent parts are empty strings, values are
unescaped (python-hl7 does it with the message's own encoding characters)."""

import re

import hl7


def component(segment: hl7.Segment, field: int, comp: int = 1, rep: int = 1) -> str:
    """Field `field`, repetition `rep`, component `comp` (subcomponent 1), or "" when absent."""
    try:
        return str(segment.extract_field(field_num=field, repeat_num=rep, component_num=comp))
    except IndexError:
        # python-hl7 raises when the path goes below a plain value or past the end; for a
        # reader that is simply an empty optional component.
        return ""


def subcomponent(segment: hl7.Segment, field: int, comp: int, sub: int, rep: int = 1) -> str:
    try:
        return str(
            segment.extract_field(
                field_num=field, repeat_num=rep, component_num=comp, subcomponent_num=sub
            )
        )
    except IndexError:
        return ""


def components(segment: hl7.Segment, field: int, rep: int = 1) -> list[str]:
    """The components of one repetition (at least one, possibly empty)."""
    count = len(segment(field)(rep)) if isinstance(_repetition(segment, field, rep), list) else 1
    return [component(segment, field, c, rep) for c in range(1, count + 1)]


def repetitions(segment: hl7.Segment, field: int) -> int:
    """How many repetitions field `field` has (0 when it is absent or empty)."""
    if field >= len(segment) or not str(segment(field)):
        return 0
    return len(segment(field))


def raw(segment: hl7.Segment, field: int) -> str:
    """The field's ER7 text as sent (escapes and separators kept)."""
    return str(segment(field)) if field < len(segment) else ""


def _repetition(segment: hl7.Segment, field: int, rep: int) -> object:
    if field >= len(segment) or rep > len(segment(field)):
        return ""
    return segment(field)(rep)


# The escape sequences python-hl7 unescapes quietly. For any other it logs the whole field
# (patient data) or drops characters; `\C..\` and `\M..\` (character set switches) it skips.
_KNOWN_ESCAPE = re.compile(r"[FSTREHN]|X(?:[0-9A-Fa-f]{2})+|\.(?:br|sp|fi|nf|in|ti|sk|ce)\d*")


def unreadable_escape(message: hl7.Message) -> tuple[str, int, int] | None:
    """(segment id, its occurrence, field) of the first field with an escape sequence that
    cannot be read faithfully, or None."""
    seen: dict[str, int] = {}
    for segment in message:
        name = str(segment(0))
        seen[name] = seen.get(name, 0) + 1
        first = 3 if name == "MSH" else 1  # MSH-1 and MSH-2 are the separators themselves
        for n in range(first, len(segment)):
            if not _escapes_readable(str(segment(n)), str(message.esc)):
                return name, seen[name], n
    return None


def _escapes_readable(text: str, esc: str) -> bool:
    parts = text.split(esc)
    if len(parts) % 2 == 0:  # an escape sequence that is never closed
        return False
    return all(_KNOWN_ESCAPE.fullmatch(sequence) for sequence in parts[1::2])
