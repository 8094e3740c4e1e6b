"""After cards are typed (valid and not), charged, saved and refunded, no card number is
in the sandbox's database file (with its WAL) or its log."""
import pytest
import requests

from processor_sandbox import cards
from services.billing.processors.sandbox import SandboxProcessor
from tests.processor.conftest import SECRET, LiveSandbox

pytestmark = pytest.mark.e2e

OTHER_VALID = ["4111111111111111", "6011111111111117", "2223003122003222", "4000056655665556"]
NOT_VALID = ["4242424242424241", "1234567812345678"]


def test_the_sandbox_keeps_and_logs_no_card_number(tmp_path):
    sandbox = LiveSandbox(tmp_path, delay_seconds="0").start()
    typed = list(cards.TEST_CARDS) + OTHER_VALID
    try:
        processor = SandboxProcessor(sandbox.url, SECRET)
        for n, number in enumerate(typed):
            cvc = "4321" if cards.brand(number) == cards.AMEX else "321"
            for spaced, form in enumerate((number, cards.printed(number))):
                charge = processor.charge(amount_cents=500, currency="USD", idempotency_key=f"scan-{n}-{spaced}",
                                          token=sandbox.token(form, cvc=cvc))
                if charge.approved:
                    processor.refund(charge_id=charge.charge_id, amount_cents=100,
                                     idempotency_key=f"scan-refund-{n}-{spaced}")
            if number != "4000000000000069":
                saved = processor.save_card(sandbox.token(number, cvc=cvc))
                processor.charge(amount_cents=100, currency="USD", idempotency_key=f"scan-saved-{n}",
                                 card_id=saved.card_id)
        for number in NOT_VALID:
            refused = requests.post(f"{sandbox.url}/v1/tokens", json={"number": number, "exp_month": 12,
                                                                      "exp_year": 2030, "cvc": "321"}, timeout=10)
            assert refused.status_code == 400
            assert number not in refused.text
    finally:
        sandbox.stop()
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {"processor-sandbox.sqlite3", "processor.log"}
    for path in files:
        content = path.read_bytes()
        for number in typed + NOT_VALID:
            assert number.encode() not in content, f"{number} in {path.name}"
            assert cards.printed(number).encode() not in content, f"{cards.printed(number)} in {path.name}"
        assert b"cvc" not in content.lower(), f"a security code in {path.name}"
    log = (tmp_path / "logs" / "processor.log").read_text()
    assert "POST /v1/tokens" in log and "POST /v1/charges" in log   # the log was written, with paths only
