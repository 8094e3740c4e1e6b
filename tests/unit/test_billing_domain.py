import pytest

from services.billing.domain import Money


@pytest.mark.parametrize("cents", [1.5, "100", True, None])
def test_money_is_whole_cents(cents):
    with pytest.raises(TypeError):
        Money(cents, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", ""])
def test_money_needs_an_iso_currency(currency):
    with pytest.raises(ValueError):
        Money(100, currency)
