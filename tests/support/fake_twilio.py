"""A local fake of Twilio's REST API, for the Twilio provider's tests: nothing leaves the machine.

It answers what the provider uses, as Twilio does:

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form-encoded To, From, Body,
                                                            StatusCallback?; HTTP basic auth)

- wrong or missing credentials (or another account's path) -> 401 {"code": 20003, ...};
- To, From or Body missing -> 400 with Twilio's code (21604, 21603, 21602); To or From not
  a phone number -> 400 21211 / 21212; a body over 1,600 characters -> 400 21617;
- otherwise 201 and a Twilio-shaped message: sid "SM" + 32 hex digits, status "queued".
Every request it received is kept in `requests` (its path, the credentials it carried and
its form fields), and `fail_next(status)` makes the next request fail with that status.

    with FakeTwilio("AC...", "token") as twilio:
        TwilioProvider("AC...", "token", api_base=twilio.url).send(...)
"""
import base64
import binascii
import json
import re
import threading
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json")
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
MAX_BODY = 1600  # Twilio's limit on a message body
MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


@dataclass(frozen=True)
class Received:
    """One request as the fake got it."""
    method: str
    path: str
    username: str
    password: str
    form: dict  # field -> its (last) value


class FakeTwilio:
    def __init__(self, account_sid, auth_token):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests = []
        self.messages = []  # the Twilio-shaped messages it answered with 201
        self._failures = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status=500, code=20500, message="Internal Server Error"):
        """The next request answers `status` with a Twilio-shaped error, whatever it holds."""
        with self._lock:
            self._failures.append((status, code, message))

    def _answer(self, method, path, headers, raw):
        username, password = _basic_auth(headers.get("Authorization", ""))
        form = {name: values[-1] for name, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(Received(method, path, username, password, form))
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            return _error(*failure)
        match = MESSAGES.fullmatch(path)
        if match is None:
            return _error(404, 20404, "The requested resource was not found")
        if method != "POST":
            return _error(405, 20004, "Method not allowed")
        if (username, password) != (self.account_sid, self.auth_token) or match["account"] != self.account_sid:
            return _error(401, 20003, "Authenticate")
        refused = _refused(form)
        if refused:
            return _error(400, *refused)
        message = self._message(form)
        with self._lock:
            self.messages.append(message)
        return 201, message

    def _message(self, form):
        sid = "SM" + uuid.uuid4().hex
        now = formatdate(usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"],
            "body": form["Body"], "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
            "num_segments": "1", "num_media": "0", "price": None, "price_unit": "USD", "error_code": None,
            "error_message": None, "messaging_service_sid": None, "date_created": now, "date_updated": now,
            "date_sent": None, "uri": uri,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = fake._answer(self.command, self.path.split("?")[0], self.headers, raw)
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = do_PUT = do_DELETE = _serve

            def log_message(self, *args):  # quiet: pytest shows what matters
                pass

        return Handler


def _basic_auth(header):
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        username, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return username, password


def _refused(form):
    """Twilio's (code, message) for a message it would not create, else None."""
    if not form.get("To"):
        return 21604, "A 'To' phone number is required."
    if not form.get("From"):
        return 21603, "A 'From' phone number is required."
    if not form.get("Body"):
        return 21602, "Message body is required."
    if len(form["Body"]) > MAX_BODY:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    if not PHONE.fullmatch(form["To"]):
        return 21211, f"Invalid 'To' Phone Number: {form['To']}"
    if not PHONE.fullmatch(form["From"]):
        return 21212, f"Invalid From Number (caller ID): {form['From']}"
    return None


def _error(status, code, message):
    return status, {"code": code, "message": message, "more_info": MORE_INFO.format(code=code), "status": status}
