import pytest
from hypothesis import given, strategies as st

from services.sms.domain.segments import (
    GSM7_BASIC, GSM7_EXTENSION, Segmentation, is_gsm7, segment,
)

GSM, UCS = "GSM-7", "UCS-2"
EMOJI = "\U0001F600"  # outside the BMP: a surrogate pair, two UTF-16 units


def test_the_basic_table_is_gsm_03_38_without_the_escape():
    assert len(GSM7_BASIC) == 127
    for ch in "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ÄÖÑÜ§¿äöñüà":
        assert ch in GSM7_BASIC, ch
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") <= GSM7_BASIC
    assert "\x1b" not in GSM7_BASIC
    assert GSM7_EXTENSION == set("\f^{}\\[~]|€")
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize("body, expected", [
    ("", Segmentation(GSM, 1, 0)),                    # a carrier still sends one segment
    ("a", Segmentation(GSM, 1, 1)),
    ("a" * 160, Segmentation(GSM, 1, 160)),
    ("a" * 161, Segmentation(GSM, 2, 161)),
    ("a" * 306, Segmentation(GSM, 2, 306)),           # 153 * 2
    ("a" * 307, Segmentation(GSM, 3, 307)),
    ("a" * 459, Segmentation(GSM, 3, 459)),           # 153 * 3
    ("a" * 460, Segmentation(GSM, 4, 460)),
    ("a" * 1530, Segmentation(GSM, 10, 1530)),
    # extension characters: two septets each
    ("€", Segmentation(GSM, 1, 2)),
    ("a" * 158 + "€", Segmentation(GSM, 1, 160)),      # exactly fills one segment
    ("a" * 159 + "€", Segmentation(GSM, 2, 161)),
    ("a" * 152 + "€", Segmentation(GSM, 1, 154)),      # still one segment
    # 152 septets, then "€" does not fit the one septet left: it moves whole to segment 2
    ("a" * 152 + "€" + "a" * 8, Segmentation(GSM, 2, 162)),
    ("a" * 152 + "€" + "a" * 152, Segmentation(GSM, 3, 306)),  # 306 septets, yet 3 segments
    ("a" * 151 + "€" + "a" * 153, Segmentation(GSM, 2, 306)),  # the escape fits: 2 segments
    ("a" * 153 + "€" + "a" * 151, Segmentation(GSM, 2, 306)),  # "€" starts segment 2
    ("€" * 80, Segmentation(GSM, 1, 160)),
    ("€" * 81, Segmentation(GSM, 2, 162)),
    ("€" * 153, Segmentation(GSM, 3, 306)),            # 76 per segment: 153 odd septets pad
    ("^{}\\[~]|€\f", Segmentation(GSM, 1, 20)),
    # single characters
    ("é", Segmentation(GSM, 1, 1)),
    ("ê", Segmentation(UCS, 1, 1)),
    ("\n", Segmentation(GSM, 1, 1)),
    ("\r\n", Segmentation(GSM, 1, 2)),
    ("Ç", Segmentation(GSM, 1, 1)),
    ("ç", Segmentation(UCS, 1, 1)),                    # only the capital is in GSM 03.38
    ("`", Segmentation(UCS, 1, 1)),
    # UCS-2
    ("ê" * 70, Segmentation(UCS, 1, 70)),
    ("ê" * 71, Segmentation(UCS, 2, 71)),
    ("ê" * 134, Segmentation(UCS, 2, 134)),            # 67 * 2
    ("ê" * 135, Segmentation(UCS, 3, 135)),
    ("ê" * 201, Segmentation(UCS, 3, 201)),
    ("a" * 69 + "ê", Segmentation(UCS, 1, 70)),        # one non-GSM character turns it all UCS-2
    ("a" * 160 + "ê", Segmentation(UCS, 3, 161)),
    # outside the BMP: two units, a pair never split
    (EMOJI, Segmentation(UCS, 1, 2)),
    ("a" * 68 + EMOJI, Segmentation(UCS, 1, 70)),
    ("a" * 69 + EMOJI, Segmentation(UCS, 2, 71)),
    ("a" * 66 + EMOJI, Segmentation(UCS, 1, 68)),
    ("a" * 66 + EMOJI + "a" * 66, Segmentation(UCS, 3, 134)),  # the pair moves to segment 2
    ("a" * 65 + EMOJI + "a" * 67, Segmentation(UCS, 2, 134)),
    (EMOJI * 35, Segmentation(UCS, 1, 70)),
    (EMOJI * 36, Segmentation(UCS, 2, 72)),
    (EMOJI * 67, Segmentation(UCS, 3, 134)),           # 33 pairs per segment of 67 units
])
def test_segments_at_every_edge(body, expected):
    assert segment(body) == expected


def test_is_gsm7():
    assert is_gsm7("Hello, Zoë? £5 — no") is False  # the em dash is not GSM
    assert is_gsm7("Your appointment is at 10:30 {Dr Åse} €20") is True
    assert is_gsm7("") is True


gsm_chars = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))
ucs_chars = st.characters(codec="utf-16", exclude_categories=("Cs",)).filter(
    lambda ch: ch not in GSM7_BASIC and ch not in GSM7_EXTENSION)


@given(st.text(gsm_chars, max_size=500), st.text(gsm_chars, min_size=1, max_size=50))
def test_appending_gsm_characters_never_lowers_segments(body, more):
    before, after = segment(body), segment(body + more)
    assert after.encoding == before.encoding == GSM
    assert after.segments >= before.segments


@given(st.text(ucs_chars, min_size=1, max_size=300), st.text(ucs_chars, min_size=1, max_size=30))
def test_appending_ucs2_characters_never_lowers_segments(body, more):
    before, after = segment(body), segment(body + more)
    assert after.encoding == before.encoding == UCS
    assert after.segments >= before.segments


@given(st.text(gsm_chars, max_size=500))
def test_gsm_units_are_length_plus_extension_characters(body):
    result = segment(body)
    assert result.units == len(body) + sum(ch in GSM7_EXTENSION for ch in body)
    # and the segments are enough to hold them
    assert result.units <= (160 if result.segments == 1 else 153 * result.segments)


@given(st.text(ucs_chars, min_size=1, max_size=300))
def test_ucs2_units_are_utf16_units(body):
    result = segment(body)
    assert result.units == len(body.encode("utf-16-le")) // 2
    assert result.units <= (70 if result.segments == 1 else 67 * result.segments)
