"""What the command-line tools (scripts/admin.py, services/sms/simulate.py) share: an
answer printed as JSON, a refusal printed as the API's error body."""
import json
import sys

from chairside.refusals import ChairsideError


def answer(call):
    """Run `call()`; print its JSON answer and return exit status 0, or print the refusal
    ({"error", "message", "fields"}) on stderr and return 1."""
    try:
        result = call()
    except ChairsideError as exc:
        print(json.dumps({"error": exc.code, "message": exc.message, "fields": exc.fields}), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0
