"""The fee per segment of each country, and charges in an integer unit.

Money is counted in integer micro-dollars (1e-6 USD), never in floats: list prices such as
0.0079 USD per segment are exact in micro-dollars, so a month's charges add up exactly, and
rounding happens once, for display (`usd_rounded`).

The fee table is data (services/sms/fees.json, the practice's own price list): for each
ISO 3166 country code, and "default" for any other, the outbound and inbound fee per
segment in USD, as decimal strings.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

CURRENCY = "USD"
MICROS_PER_USD = 1_000_000
USD_DECIMALS = 6  # the decimals a micro-dollar amount has in USD
OUTBOUND, INBOUND = DIRECTIONS = ("outbound", "inbound")
DEFAULT_COUNTRY = "default"
DEFAULT_FEE_TABLE = Path(__file__).resolve().parents[1] / "fees.json"

# [0-9], not \d: \d also takes other scripts' digits, which no price list means
_USD_TEXT = re.compile(r"([0-9]+)(?:\.([0-9]{1,%d}))?" % USD_DECIMALS)
_COUNTRY = re.compile(r"[A-Z]{2}")


class FeeTableError(ValueError):
    """The fee table cannot be used: the message says which entry and why."""


@dataclass(frozen=True)
class Fees:
    """One country's fee per segment, in micro-dollars, for a text sent and one received."""
    outbound_micros: int
    inbound_micros: int


def micros(usd_text):
    """The micro-dollars in a USD amount typed as text: "0.0079" -> 7900, "12" -> 12000000.

    Only plain non-negative decimals with at most 6 decimals are taken ("12", "12.5",
    "0.000001"): a sign, an exponent, a seventh decimal (a fraction of a micro-dollar that
    would be lost), spaces or thousands separators are refused (ValueError)."""
    if not isinstance(usd_text, str):
        raise ValueError(f"A USD amount must be text such as \"12.50\", not {usd_text!r}.")
    match = _USD_TEXT.fullmatch(usd_text)
    if not match:
        raise ValueError(f"{usd_text!r} is not a USD amount: write a non-negative decimal with at most "
                         f"{USD_DECIMALS} decimals, such as \"12.50\" or \"0.0079\".")
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * MICROS_PER_USD + int(fraction.ljust(USD_DECIMALS, "0"))


def usd(micros_amount):
    """The exact USD amount of `micros_amount` as a decimal string, for APIs: no trailing
    zeros and no decimal point when whole (15800 -> "0.0158", 12500000 -> "12.5", 0 -> "0")."""
    sign = "-" if micros_amount < 0 else ""
    whole, fraction = divmod(abs(micros_amount), MICROS_PER_USD)
    decimals = f"{fraction:0{USD_DECIMALS}d}".rstrip("0")
    return f"{sign}{whole}.{decimals}" if decimals else f"{sign}{whole}"


def usd_rounded(micros_amount):
    """The USD amount to the cent, for display: two decimals, rounded half up (half a cent
    away from zero: 5000 -> "0.01", 15800 -> "0.02", 12500000 -> "12.50")."""
    per_cent = MICROS_PER_USD // 100
    cents = (abs(micros_amount) + per_cent // 2) // per_cent
    sign = "-" if micros_amount < 0 and cents else ""
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _fee(country, direction, value, path):
    if not isinstance(value, str):
        raise FeeTableError(f"{path}: {country} {direction} must be a decimal string such as \"0.0079\", "
                            f"not {value!r} (a JSON number could lose digits).")
    try:
        return micros(value)
    except ValueError as exc:
        raise FeeTableError(f"{path}: {country} {direction}: {exc}") from None


def parse_fee_table(data, path="fee table"):
    """The fee table from its parsed JSON: {"currency": "USD", "countries": {code: {"outbound": "0.0079",
    "inbound": "0.0079"}, ..., "default": {...}}} -> {code: Fees}.

    Every country code is two upper-case letters (ISO 3166) or "default", which must be
    there; every country has exactly an outbound and an inbound fee, each a non-negative
    decimal string with at most 6 decimals. Anything else is refused (FeeTableError naming
    the entry), so a typo in the price list stops the service rather than billing wrong."""
    if not isinstance(data, dict) or data.get("currency") != CURRENCY:
        raise FeeTableError(f"{path}: needs \"currency\": \"{CURRENCY}\"; fees in another currency are not counted.")
    countries = data.get("countries")
    if not isinstance(countries, dict):
        raise FeeTableError(f"{path}: needs a \"countries\" object of fees by country code.")
    if DEFAULT_COUNTRY not in countries:
        raise FeeTableError(f"{path}: needs a \"{DEFAULT_COUNTRY}\" entry, the fees for any other country.")
    table = {}
    for country, entry in countries.items():
        if country != DEFAULT_COUNTRY and not _COUNTRY.fullmatch(country):
            raise FeeTableError(f"{path}: {country!r} is not a country code: two upper-case letters "
                                f"(ISO 3166, such as \"US\") or \"{DEFAULT_COUNTRY}\".")
        if not isinstance(entry, dict) or set(entry) != set(DIRECTIONS):
            raise FeeTableError(f"{path}: {country} needs exactly an \"{OUTBOUND}\" and an \"{INBOUND}\" fee.")
        table[country] = Fees(outbound_micros=_fee(country, OUTBOUND, entry[OUTBOUND], path),
                              inbound_micros=_fee(country, INBOUND, entry[INBOUND], path))
    return table


def fee_table(path=DEFAULT_FEE_TABLE) -> Dict[str, Fees]:
    """The fee table read from `path` (the practice's price list, services/sms/fees.json),
    validated as `parse_fee_table` says. Read it once, at start-up."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FeeTableError(f"{path}: not valid JSON: {exc}") from None
    return parse_fee_table(data, path)


def fees_for(table, country):
    """The fees for a number in `country` (ISO 3166 code, any case): the country's own,
    else the table's "default" (an unknown or missing country is charged, not refused)."""
    # upper-cased, "default" itself (or "DEFAULT") is no country and gets the default too
    code = country.upper() if isinstance(country, str) else None
    return table.get(code, table[DEFAULT_COUNTRY])


def charge(fees, direction, segments):
    """The charge in micro-dollars of a text of `segments` segments sent ("outbound") or
    received ("inbound"): the fee per segment times the segments, exactly."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}.")
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 0:
        raise ValueError(f"segments must be a whole number of at least 0, not {segments!r}.")
    per_segment = fees.outbound_micros if direction == OUTBOUND else fees.inbound_micros
    return per_segment * segments
