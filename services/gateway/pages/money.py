"""Money as a patient reads it: integer cents and a currency, in words and figures."""
SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "\u20ac", "GBP": "\u00a3"}


def format_cents(cents, currency):
    """1250, "USD" -> "$12.50"; -500 -> "-$5.00"; a currency without a symbol -> "12.50 CHF"."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    figure = f"{units:,}.{rest:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{figure} {currency}"


def describe(balance):
    """billing's Balance as words: what is owed, nothing, or a credit."""
    cents, currency = balance["balance_cents"], balance["currency"]
    if cents > 0:
        return {"figure": format_cents(cents, currency), "words": "owed"}
    if cents < 0:
        return {"figure": format_cents(-cents, currency), "words": "in credit"}
    return {"figure": format_cents(0, currency), "words": "nothing owed"}
