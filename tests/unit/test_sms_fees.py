import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, strategies as st

from services.sms.domain.fees import (
    DEFAULT_FEE_TABLE, MICROS_PER_USD, FeeTableError, Fees, charge, fee_table, fees_for, micros,
    parse_fee_table, usd, usd_rounded,
)


def table_with(**countries):
    return {"currency": "USD", "countries": {"default": {"outbound": "0.08", "inbound": "0.01"}, **countries}}


# -- the shipped price list ---------------------------------------------------------------

def test_the_shipped_table_has_its_countries_and_a_default():
    table = fee_table()
    assert {"US", "CA", "GB", "AU", "NZ", "IE", "default"} <= set(table)
    assert table["US"] == Fees(7900, 7900)
    assert table["GB"] == Fees(46300, 7500)
    assert table["NZ"] == Fees(103000, 7500)
    assert table["default"] == Fees(80000, 10000)


def test_the_shipped_table_says_it_is_the_practices_own_price_list():
    data = json.loads(DEFAULT_FEE_TABLE.read_text(encoding="utf-8"))
    assert "price list" in data["about"] and "edit" in data["about"]


@pytest.mark.parametrize("country, expected", [
    ("US", Fees(7900, 7900)),
    ("us", Fees(7900, 7900)),          # any case
    ("IE", Fees(83400, 7500)),
    ("FR", Fees(80000, 10000)),        # not in the table: the default
    ("", Fees(80000, 10000)),
    (None, Fees(80000, 10000)),        # a number whose country is unknown
    ("default", Fees(80000, 10000)),
])
def test_fees_for_a_country_else_the_default(country, expected):
    assert fees_for(fee_table(), country) == expected


# -- validation of the table --------------------------------------------------------------

@pytest.mark.parametrize("data, words", [
    ([], "currency"),
    ({"countries": {}}, "currency"),
    ({"currency": "EUR", "countries": {}}, "currency"),
    ({"currency": "USD"}, "countries"),
    ({"currency": "USD", "countries": []}, "countries"),
    ({"currency": "USD", "countries": {"US": {"outbound": "0.0079", "inbound": "0.0079"}}}, "\"default\""),
    (table_with(US={"outbound": 0.0079, "inbound": "0.0079"}), "US outbound must be a decimal string"),
    (table_with(US={"outbound": "0.0079", "inbound": "-0.0079"}), "US inbound"),
    (table_with(US={"outbound": "0.00790001", "inbound": "0.0079"}), "at most 6 decimals"),
    (table_with(US={"outbound": "1e-3", "inbound": "0.0079"}), "US outbound"),
    (table_with(US={"outbound": "", "inbound": "0.0079"}), "US outbound"),
    (table_with(US={"outbound": "0.0079"}), "US needs exactly an \"outbound\" and an \"inbound\""),
    (table_with(US={"outbound": "0.0079", "inbound": "0.0079", "mms": "0.02"}), "US needs exactly"),
    (table_with(US="0.0079"), "US needs exactly"),
    (table_with(us={"outbound": "0.0079", "inbound": "0.0079"}), "'us' is not a country code"),
    (table_with(USA={"outbound": "0.0079", "inbound": "0.0079"}), "'USA' is not a country code"),
])
def test_a_bad_table_is_refused_naming_the_entry(data, words):
    with pytest.raises(FeeTableError) as refused:
        parse_fee_table(data, "fees.json")
    assert words in str(refused.value)
    assert str(refused.value).startswith("fees.json: ")


def test_a_table_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "fees.json"
    path.write_text("{\"currency\": \"USD\",", encoding="utf-8")
    with pytest.raises(FeeTableError, match="not valid JSON"):
        fee_table(path)


def test_a_table_file_is_read_from_its_path(tmp_path):
    path = tmp_path / "fees.json"
    path.write_text(json.dumps(table_with(NZ={"outbound": "0", "inbound": "0.000001"})), encoding="utf-8")
    assert fee_table(path) == {"default": Fees(80000, 10000), "NZ": Fees(0, 1)}


# -- charges ------------------------------------------------------------------------------

US, GB = Fees(7900, 7900), Fees(46300, 7500)


@pytest.mark.parametrize("fees, direction, segments, expected", [
    (US, "outbound", 1, 7900),
    (US, "outbound", 2, 15800),
    (US, "inbound", 3, 23700),
    (GB, "outbound", 10, 463000),
    (GB, "inbound", 1, 7500),
    (GB, "outbound", 0, 0),
])
def test_charge_is_the_fee_per_segment_times_the_segments(fees, direction, segments, expected):
    assert charge(fees, direction, segments) == expected


@pytest.mark.parametrize("direction, segments", [
    ("sent", 1), ("OUTBOUND", 1), ("outbound", -1), ("outbound", 1.0), ("outbound", True), ("inbound", "2"),
])
def test_charge_refuses_an_unknown_direction_or_a_bad_segment_count(direction, segments):
    with pytest.raises(ValueError):
        charge(US, direction, segments)


# -- USD text in and out ------------------------------------------------------------------

@pytest.mark.parametrize("micros_amount, exact, rounded", [
    (0, "0", "0.00"),
    (1, "0.000001", "0.00"),
    (7900, "0.0079", "0.01"),
    (15800, "0.0158", "0.02"),
    (4999, "0.004999", "0.00"),
    (5000, "0.005", "0.01"),        # half a cent rounds up
    (15000, "0.015", "0.02"),
    (25000, "0.025", "0.03"),       # half up, not half to even
    (994999, "0.994999", "0.99"),
    (995000, "0.995", "1.00"),
    (1_000_000, "1", "1.00"),
    (12_500_000, "12.5", "12.50"),
    (123_456_789, "123.456789", "123.46"),
    (-5000, "-0.005", "-0.01"),     # a refund: half away from zero
    (-4999, "-0.004999", "0.00"),
])
def test_usd_exact_and_rounded(micros_amount, exact, rounded):
    assert usd(micros_amount) == exact
    assert usd_rounded(micros_amount) == rounded


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("0.0079", 7900), ("12", 12_000_000), ("12.5", 12_500_000), ("12.50", 12_500_000),
    ("0.000001", 1), ("007.1", 7_100_000), ("1000000", 1_000_000_000_000),
])
def test_micros_reads_a_usd_amount(text, expected):
    assert micros(text) == expected


@pytest.mark.parametrize("text", [
    "", " 1", "1 ", "-1", "+1", "1.", ".5", "0.0000001", "1e3", "1,000", "1.000.0", "NaN", "Infinity",
    "١٢", "$1", 1, 1.5, None, Decimal("1"),
])
def test_micros_refuses_what_is_not_a_plain_amount(text):
    with pytest.raises(ValueError):
        micros(text)


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_usd_is_exact_and_reads_back(micros_amount):
    text = usd(micros_amount)
    assert Decimal(text) * MICROS_PER_USD == micros_amount
    if micros_amount >= 0:
        assert micros(text) == micros_amount


@given(st.integers(min_value=0, max_value=10**15))
def test_usd_rounded_is_decimal_half_up(micros_amount):
    expected = (Decimal(micros_amount) / MICROS_PER_USD).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert usd_rounded(micros_amount) == str(expected)
