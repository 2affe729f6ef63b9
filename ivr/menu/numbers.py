"""Phone numbers as staff write them: checked, dialled as E.164, read out slowly."""

from __future__ import annotations

import phonenumbers

# Ofcom's ranges kept for drama (national numbers without the leading 0): never real lines
DRAMA = (
    "7700900",
    "1632960",
    "2079460",
    "1134960",
    "1144960",
    "1154960",
    "1164960",
    "1174960",
    "1184960",
    "1214960",
    "1314960",
    "1414960",
    "1514960",
    "1614960",
    "1914980",
    "2896496",
    "2920180",
    "3069990",
    "8081570",
    "9098790",
)


def number_problem(number: str) -> str | None:
    """Why a number cannot be a real, free-to-reach UK line, or None if it can."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return f"'{number}' is not a valid UK phone number"
    if parsed.country_code == 44 and str(parsed.national_number).startswith(DRAMA):
        return f"'{number}' is in Ofcom's drama range: a placeholder, not a real line"
    if not phonenumbers.is_valid_number(parsed):
        return f"'{number}' is not a valid UK phone number"
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.PREMIUM_RATE:
        return f"'{number}' is a premium-rate number (callers must never pay for help)"
    return None


def is_uk(number: str) -> bool:
    """Whether a valid number (number_problem found none) is a UK one: '+1 212 736 5000'
    is a valid number, in New York."""
    return bool(phonenumbers.parse(number, "GB").country_code == 44)


def e164(number: str) -> str:
    """'0808 2000 247' -> '+448082000247', the form Twilio dials."""
    parsed = phonenumbers.parse(number, "GB")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def spoken_number(number: str) -> str:
    """Digits spaced for slow reading, grouped as written: '0808 2000 247' -> '0 8 0 8, ...'."""
    groups = number.split()
    if len(groups) == 1:
        parsed = phonenumbers.parse(number, "GB")
        groups = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.NATIONAL
        ).split()
    return ", ".join(" ".join(g) for g in groups)
