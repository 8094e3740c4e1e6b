"""Money as a patient (and the office) reads it: integer cents and a currency, in words and
figures; an amount typed in dollars as cents; a new idempotency key for a form that moves money."""
import secrets
from decimal import Decimal, InvalidOperation

SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "\u20ac", "GBP": "\u00a3"}


def format_cents(cents, currency):
    """1250, "USD" -> "$12.50"; -500 -> "-$5.00"; a currency without a symbol -> "12.50 CHF"."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    figure = f"{units:,}.{rest:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{figure} {currency}"


def cents_of(text):
    """"25", "25.5", "$1,025.50" -> cents; None for anything else (no fractions of a cent)."""
    cleaned = text.strip().replace(",", "").removeprefix("$").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def new_key():
    """An idempotency key for one drawing of a form: a double click or a reload acts once."""
    return secrets.token_urlsafe(24)


def describe(balance):
    """billing's Balance as words: what is owed, nothing, or a credit."""
    cents, currency = balance["balance_cents"], balance["currency"]
    if cents > 0:
        return {"figure": format_cents(cents, currency), "words": "owed"}
    if cents < 0:
        return {"figure": format_cents(-cents, currency), "words": "in credit"}
    return {"figure": format_cents(0, currency), "words": "nothing owed"}


def family_figures(balance):
    """The portal's family balance (PatientFamilyBalance) as the page shows it: a line per
    member, the other patients the payer answers for as one line, payments not posted yet,
    and what is due."""
    currency = balance["currency"]
    lines = [{"name": f"{m['first_name']} {m['last_name']}", "you": m["you"],
              **describe({"balance_cents": m["balance_cents"], "currency": currency})} for m in balance["members"]]
    if balance["others_cents"]:
        lines.append({"name": "Other family members you pay for", "you": False,
                      **describe({"balance_cents": balance["others_cents"], "currency": currency})})
    return {
        "lines": lines,
        "pending": format_cents(balance["pending_cents"], currency) if balance["pending_cents"] else None,
        "pending_count": balance["pending_count"],
        "due": format_cents(balance["due_cents"], currency),
        "due_cents": balance["due_cents"],
    }
