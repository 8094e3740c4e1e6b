"""The sandbox processor's hosted card field in headless Chromium, embedded by a page at an
allowed origin: the message protocol (README "Card processor (sandbox)"), errors said
beside their field, axe-core, a phone's width, and no framing by another origin."""
import json
import subprocess
import sys

import pytest
import requests

from scripts.launcher import free_port
from tests.browser.conftest import BLOCKING
from tests.e2e.conftest import wait_until
from tests.processor.conftest import LiveSandbox

pytestmark = pytest.mark.e2e

# The embedding page: records every message from the field and sends it "chairside:tokenize".
EMBEDDING = """<!doctype html><html lang="en"><head><title>Pay</title></head><body>
<iframe id="card" title="Card details" src="{src}" style="width: 100%; border: 0"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (event) {{
  if (event.origin === "{origin}" && event.source === document.getElementById("card").contentWindow) {{
    window.received.push(event.data);
  }}
}});
window.tokenize = function () {{
  document.getElementById("card").contentWindow.postMessage({{type: "chairside:tokenize"}}, "{origin}");
}};
</script></body></html>"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The sandbox, and the embedding page served from a loopback origin of its own (Chromium
    lets no page outside the local network frame one inside it): (sandbox, page origin)."""
    base = tmp_path_factory.mktemp("field")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    sandbox = LiveSandbox(base, frame_ancestors=(origin,))
    site = base / "site"
    site.mkdir()
    (site / "index.html").write_text(EMBEDDING.format(src=f"{sandbox.url}/hosted-field", origin=sandbox.url))
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sandbox.start()
        wait_until(lambda: answers(f"{origin}/index.html"), timeout=20, message="the embedding page")
        yield sandbox, origin
    finally:
        server.terminate()
        server.wait(10)
        sandbox.stop()


def answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def embedded(pages, world, width=360, origin=None):
    sandbox, allowed = world
    page = pages.new()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{origin or allowed}/index.html")
    return page


def field_of(page):
    return page.frame_locator("#card")


def messages(page, kind, count=1):
    page.wait_for_function(f"window.received.filter(m => m.type === '{kind}').length >= {count}")
    return [message for message in page.evaluate("window.received") if message["type"] == kind]


def type_card(field, number, expiry, cvc):
    field.get_by_label("Card number").fill(number)
    field.get_by_label("Expiry date").fill(expiry)
    field.get_by_label("Security code").fill(cvc)


def test_a_card_becomes_a_token_for_the_page(pages, world):
    sandbox, _ = world
    page = embedded(pages, world)
    [ready] = messages(page, "chairside:ready")
    assert ready["height"] > 0
    field = field_of(page)
    type_card(field, "4242424242424242", "12/30", "123")
    assert field.get_by_label("Card number").input_value() == "4242 4242 4242 4242"
    page.evaluate("window.tokenize()")
    [token] = messages(page, "chairside:token")
    assert token["token"].startswith("tok_")
    assert {k: token[k] for k in ("brand", "last4", "exp_month", "exp_year")} == {
        "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}
    received = json.dumps(page.evaluate("window.received"))
    assert "4242424242424242" not in received and "4242 4242" not in received and "123" not in received.replace(
        token["token"], "")
    assert token["token"] not in [charge.get("id") for charge in sandbox.charges()]


@pytest.mark.parametrize("number, expiry, cvc, label, words", [
    ("4242424242424241", "12/30", "123", "Card number", "The card number is not valid."),
    ("4242424242424242", "12/20", "123", "Expiry date", "The card has expired."),
    ("4242424242424242", "13/30", "123", "Expiry date", "The expiry date is not valid"),
    ("4242424242424242", "12/30", "12", "Security code", "Enter the card's security code."),
    ("", "12/30", "123", "Card number", "Enter the card number."),
])
def test_a_card_that_is_not_valid_is_said_beside_its_field(pages, world, number, expiry, cvc, label, words):
    page = embedded(pages, world)
    messages(page, "chairside:ready")
    field = field_of(page)
    type_card(field, number, expiry, cvc)
    page.evaluate("window.tokenize()")
    [error] = messages(page, "chairside:card-error")
    assert error["message"].startswith(words)
    assert messages(page, "chairside:token", 0) == []
    input_ = field.get_by_label(label)
    assert input_.get_attribute("aria-invalid") == "true"
    described = field.locator(f"#{input_.get_attribute('aria-describedby')}")
    assert described.is_visible() and described.inner_text().startswith(words)
    assert field.get_by_role("alert").inner_text().startswith(words)


def test_the_field_passes_axe_and_fits_a_phone(pages, world, axe_source):
    sandbox, _ = world
    page = embedded(pages, world, width=320)
    messages(page, "chairside:ready")
    frame = next(frame for frame in page.frames if frame.url.startswith(sandbox.url))
    frame.evaluate(axe_source)
    results = frame.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert not [(v["id"], v["impact"]) for v in results["violations"] if v["impact"] in BLOCKING]
    assert frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # and after an error is shown
    type_card(field_of(page), "1", "1", "1")
    page.evaluate("window.tokenize()")
    messages(page, "chairside:card-error")
    results = frame.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert not [(v["id"], v["impact"]) for v in results["violations"] if v["impact"] in BLOCKING]


def test_another_origin_cannot_frame_the_field(pages, world):
    sandbox, allowed = world
    # the same page at another origin (localhost, not 127.0.0.1): the field refuses to be framed
    page = embedded(pages, world, origin=allowed.replace("127.0.0.1", "localhost"))
    page.wait_for_timeout(1000)   # time for a message that must not come
    assert page.evaluate("window.received") == []
    frame = next((frame for frame in page.frames if frame.url.startswith(sandbox.url)), None)
    assert frame is None or frame.query_selector("#number") is None
