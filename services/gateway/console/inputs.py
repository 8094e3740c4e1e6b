"""What console forms send, and the services' refusals of it. A form sends text; the
services' contracts take numbers and decide what is valid: the pages only convert and
then say a refusal in the console's words."""
from services.gateway import errors


def figure(text):
    """"2" -> 2 for a contract's whole number; anything else goes as sent, so that the
    service refuses it (VALIDATION_ERROR) and the page says so beside the field."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def refused_in_words(form, refusal, words):
    """A service's refusal of a form, each field it names said in `words` (marshmallow's
    own messages speak of types and ranges, not of the form): beside the field when the
    form has it, at the top when not."""
    form.status = errors.status_of(type(refusal))
    for name in refusal.fields or {}:
        form.error(name, words.get(name, refusal.message))
    if not refusal.fields:
        form.error(None, refusal.message)
