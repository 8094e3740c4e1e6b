"""A text's encoding and segment count, as carriers count (and bill) them.

GSM-7 when every character is in the GSM 03.38 basic set or its extension table, else
UCS-2. A single segment holds 160 septets (GSM-7) or 70 UTF-16 units (UCS-2); a longer
text is sent concatenated, and each segment then loses room to its concatenation header:
153 septets or 67 units per segment.

Characters are never split across segments: an extension character is an escape septet
plus its own, and a character outside the Basic Multilingual Plane (an emoji) is a UTF-16
surrogate pair; when only one unit of room is left, encoders start the next segment with
the whole character, and the unit left over is padding that still counts as sent.
"""
from dataclasses import dataclass

from chairside.contracts.sms import ENCODINGS

ENCODING_GSM7, ENCODING_UCS2 = ENCODINGS

GSM7_SINGLE = 160    # septets in a text that fits one segment
GSM7_SEGMENT = 153   # septets per segment of a concatenated text (7 go to its header)
UCS2_SINGLE = 70     # UTF-16 units in a text that fits one segment
UCS2_SEGMENT = 67    # UTF-16 units per segment of a concatenated text (3 go to its header)

# The GSM 03.38 default alphabet in code order, 0x00 to 0x7F; 0x1B is the escape to the
# extension table, not a character, and is left out.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ" "ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The extension table: each is sent as the escape septet and its own, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION


@dataclass(frozen=True)
class Segmentation:
    """How a body goes out: its encoding (one of ENCODINGS in the contract), the segments
    billed, and its length in the encoding's units (septets, or UTF-16 units), without the
    padding a character moved to the next segment leaves behind."""
    encoding: str
    segments: int
    units: int


def is_gsm7(body):
    """Whether every character of `body` can be sent in GSM-7 (basic set or extension)."""
    return GSM7.issuperset(body)


def _width(ch, encoding):
    """A character's units: 2 for a GSM-7 extension character or a UCS-2 surrogate pair."""
    if encoding == ENCODING_GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def segment(body):
    """The encoding, segment count and units of a text `body`, as carriers count them.

    - GSM-7 if every character is in GSM 03.38 (basic or extension), else UCS-2.
    - One segment when the units fit a single segment (160 septets, 70 UTF-16 units);
      otherwise segments of 153 septets or 67 units, filled in order, a two-unit character
      (extension character, surrogate pair) moving whole to the next segment when only one
      unit is left.
    - An empty body is one segment: a carrier sends (and bills) one, empty, all the same.
    """
    encoding = ENCODING_GSM7 if is_gsm7(body) else ENCODING_UCS2
    single, per_segment = ((GSM7_SINGLE, GSM7_SEGMENT) if encoding == ENCODING_GSM7
                           else (UCS2_SINGLE, UCS2_SEGMENT))
    # the units counted over the distinct characters (a batch of thousands of texts is
    # counted on sms's own CPU); the character-by-character walk only for a long text
    units = len(body) + sum(body.count(ch) for ch in set(body) if _width(ch, encoding) == 2)
    if units <= single:
        return Segmentation(encoding=encoding, segments=1, units=units)
    widths = [_width(ch, encoding) for ch in body]
    segments, used = 1, 0
    for width in widths:
        if used + width > per_segment:
            segments, used = segments + 1, 0
        used += width
    return Segmentation(encoding=encoding, segments=segments, units=units)
