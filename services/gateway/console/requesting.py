"""The "Request a payment" form of a patient's page: its fields, and a new one to draw. The
page (patients.py) draws it; payment_requests_pages.py sends what it posts."""
from chairside.contracts.payment_requests import MAX_MESSAGE
from services.gateway.pages.money import new_key
from services.gateway.pages.web import Form

AMOUNT, MESSAGE, KEY = "request_amount", "request_message", "idempotency_key"
FIELDS = (AMOUNT, MESSAGE, KEY)
MESSAGE_HINT = f"Optional, at most {MAX_MESSAGE} characters: it goes before the link, shortened to fit."


def request_box(values=None):
    """The form as posted (`values`), or a blank one, with a key for this drawing: a double
    click or a reload asks the patient once."""
    form = Form(values or {}, FIELDS)
    if not form.values[KEY]:
        form.values[KEY] = new_key()
    return form
