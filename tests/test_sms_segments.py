"""SMS segments counted on the encoding the network uses: GSM-7 or UCS-2."""

from __future__ import annotations

import pytest

from ivr.menu.segments import GSM_BASIC, GSM_EXTENSION, Segments, is_gsm, plain, segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Segments("GSM-7", 0, 0)),
        ("a" * 160, Segments("GSM-7", 160, 1)),
        ("a" * 161, Segments("GSM-7", 161, 2)),
        ("a" * 306, Segments("GSM-7", 306, 2)),
        ("a" * 307, Segments("GSM-7", 307, 3)),
        ("a" * 459, Segments("GSM-7", 459, 3)),
        ("a" * 460, Segments("GSM-7", 460, 4)),
        # The extension table's characters are two septets each
        ("€" * 80, Segments("GSM-7", 160, 1)),
        ("€" * 81, Segments("GSM-7", 162, 2)),
        ("[" + "a" * 159, Segments("GSM-7", 161, 2)),
        # Accents GSM-7 has stay GSM-7; one it lacks makes the whole text UCS-2
        ("é à ñ ü Ç Øø ß £ ¥ § ¿ ¡ Δ Ω", Segments("GSM-7", 28, 1)),
        ("a" * 159 + "ą", Segments("UCS-2", 160, 3)),
        ("ą" * 70, Segments("UCS-2", 70, 1)),
        ("ą" * 71, Segments("UCS-2", 71, 2)),
        ("ą" * 134, Segments("UCS-2", 134, 2)),
        ("ą" * 201, Segments("UCS-2", 201, 3)),
        ("ą" * 202, Segments("UCS-2", 202, 4)),
        ("ਪੰਜਾਬੀ", Segments("UCS-2", 6, 1)),
        ("اردو", Segments("UCS-2", 4, 1)),
        # An emoji outside the Basic Multilingual Plane is two UTF-16 code units
        ("😀" * 35, Segments("UCS-2", 70, 1)),
        ("😀" * 36, Segments("UCS-2", 72, 2)),
        ("’", Segments("UCS-2", 1, 1)),  # a curly apostrophe is not GSM-7's '
    ],
)
def test_segments_on_the_real_encoding(text: str, expected: Segments) -> None:
    assert segments(text) == expected


def test_a_two_unit_character_is_never_split_between_parts() -> None:
    # 152 septets, then an escape and its septet: it does not fit in the first part's 153
    assert segments("a" * 152 + "€" + "a" * 10).count == 2
    # 306 septets would fill two parts exactly, but the split escape takes a third
    assert segments("a" * 152 + "€" + "a" * 152) == Segments("GSM-7", 306, 3)
    assert segments("a" * 153 + "a" * 153 + "a" * 152 + "€").count == 4
    # UCS-2: 66 units, then a surrogate pair, which starts the second part
    assert segments("ą" * 66 + "😀" + "ą" * 65).count == 2
    assert segments("ą" * 66 + "😀" + "ą" * 66).count == 3
    assert segments("ą" * 68 + "😀") == Segments("UCS-2", 70, 1)  # one SMS holds 70
    assert segments("ą" * 69 + "😀") == Segments("UCS-2", 71, 2)


def test_the_tables_are_gsm_03_38s() -> None:
    assert len(GSM_BASIC) == 127  # 128 less the escape
    assert GSM_EXTENSION == frozenset("\f^{}\\[~]|€")
    assert not GSM_BASIC & GSM_EXTENSION
    assert is_gsm("Reply 21. 0: the 24/7 helpline. *: back. #: Urdu. MENU: start again.")
    assert not is_gsm("Română")


def test_segments_read_plainly() -> None:
    assert str(segments("a" * 200)) == "2 SMS segment(s) (GSM-7, 200 characters)"
    assert segments("a").most == 459 and segments("ą").most == 201


def test_plain_writes_polish_and_romanian_without_accents() -> None:
    assert plain("Zażółć gęślą jaźń, ŁÓDŹ") == "Zazolc gesla jazn, LODZ"
    assert plain("Română: ș ț ă â î Ș Ț ş ţ") == "Romana: s t a a i S T s t"
    assert plain("„cudzysłów” ‘x’ “y” – — … «z»\u00a0đ") == '"cudzyslow" \'x\' "y" - - ... "z" d'
    # GSM-7's own accented letters are kept; a script with no plain form is left alone
    assert plain("é à ñ ü ਪੰਜਾਬੀ اردو 😀") == "é à ñ ü ਪੰਜਾਬੀ اردو 😀"
    assert is_gsm(plain("Jeśli grozi Ci niebezpieczeństwo, dzwoń pod 999."))
