import re
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from chairside.events.asyncapi import document
from chairside.events.catalogue import CATALOGUE
from services.gateway import docs

# A text field's pattern as the gateway writes them: no control or invisible formatting
# character, not blank; thousands of characters long.
REFUSED = "".join(f"\\u{code:04x}" for code in range(0x10000)
                  if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp"))
LONG_PATTERN = f"^[^{REFUSED}]*[^\\s{REFUSED}][^{REFUSED}]*(?![\\s\\S])"
EXTERNAL_ID = "^[A-Za-z0-9._:\\-]{1,64}(?![\\s\\S])"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_body(*codes):
    return json_body({"allOf": [ref("Error"), {"properties": {"error": {"enum": list(codes)}}}]}, "Refused")


OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Chairside HTTP API", "version": "1.4.0",
        "description": "For the PMS connector and the portal.\n\nSend the key as `Authorization: Bearer <key>`. "
                       "<script>alert('no')</script>",
    },
    "tags": [{"name": "patients", "description": "Patients synced from the PMS."}, {"name": "clinics"},
             {"name": "portal"}],
    "security": [{"officeKey": []}],
    "paths": {
        "/office/v1/patients/{external_id}": {
            "parameters": [{"name": "external_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": EXTERNAL_ID},
                            "description": "The PMS's id of the patient."}],
            "put": {
                "tags": ["patients"], "operationId": "putPatient", "summary": "Create or update a patient",
                "description": "Syncing the same record twice changes nothing.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("PatientIn")}}},
                "responses": {
                    "200": json_body(ref("Patient"), "The patient as stored."),
                    "401": error_body("UNAUTHENTICATED"),
                    "422": error_body("VALIDATION_FAILED", "CLINIC_NOT_FOUND"),
                },
            },
            "get": {
                "tags": ["patients"], "operationId": "getPatient", "summary": "Read a patient",
                "parameters": [{"name": "include", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": ["family", "balance"]}}],
                "responses": {"200": json_body(ref("Patient")), "404": error_body("PATIENT_NOT_FOUND")},
            },
        },
        "/office/v1/clinics": {
            "get": {
                "tags": ["clinics"], "operationId": "listClinics", "summary": "List the practice's clinics",
                "parameters": [{"name": "limit", "in": "query",
                                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}}],
                "responses": {"200": json_body({"type": "array", "items": ref("Clinic")})},
            },
        },
        "/api/v1/me": {
            "get": {
                "tags": ["portal"], "operationId": "me", "summary": "Who is signed in",
                "security": [{"patientSession": []}],
                "responses": {"200": json_body({"type": "object", "properties": {"patient_id": {"type": "string"}}}),
                              "401": error_body("SIGN_IN_REQUIRED")},
            },
        },
        "/health": {
            "get": {"operationId": "health", "summary": "Every service answers", "security": [],
                    "responses": {"200": {"description": "All reachable."},
                                  "503": error_body("SERVICE_UNAVAILABLE")}},
        },
    },
    "components": {
        "securitySchemes": {
            "officeKey": {"type": "http", "scheme": "bearer", "description": "The practice's office API key."},
            "patientSession": {"type": "http", "scheme": "bearer", "description": "A patient's session token."},
        },
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string", "description": "A machine code."},
                "message": {"type": "string", "description": "In words, for people."}}},
            "Address": {"type": "object", "required": ["line1"], "properties": {
                "line1": {"type": "string", "maxLength": 200},
                "postcode": {"type": ["string", "null"]}}},
            "FamilyLink": {"type": "object", "required": ["external_id", "relationship"], "properties": {
                "external_id": {"type": "string", "pattern": EXTERNAL_ID},
                "relationship": {"type": "string", "enum": ["self", "spouse", "child", "other"]}}},
            "PatientIn": {
                "type": "object", "additionalProperties": False, "required": ["first_name", "email", "family"],
                "properties": {
                    "first_name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": LONG_PATTERN,
                                   "description": "As written in the PMS."},
                    "email": {"type": ["string", "null"], "format": "email", "maxLength": 254},
                    "text_ok": {"type": "string", "enum": ["yes", "no", "unknown"], "default": "unknown"},
                    "birthdate": {"type": "string", "format": "date"},
                    "dependent": {"type": "boolean"},
                    "address": ref("Address"),
                    "family": {"type": "array", "items": ref("FamilyLink")},
                },
            },
            "Patient": {"allOf": [ref("PatientIn"), {"type": "object", "required": ["patient_id", "version"],
                                                     "properties": {"patient_id": {"type": "string", "format": "uuid"},
                                                                    "version": {"type": "integer", "minimum": 1}}}]},
            "Clinic": {"type": "object", "required": ["clinic_id", "name"], "properties": {
                "clinic_id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}}},
        },
    },
}


class Page(HTMLParser):
    """What the tests check on the markup: nesting, headings, ids, links, table headers."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.headings, self.ids, self.links = [], [], [], [], []
        self.heading = None
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag == "th" and attrs.get("scope") not in ("col", "row"):
            self.problems.append(f"<th> without scope at {self.getpos()}")
        if tag == "table":
            self.stack[-1] = ("table", [])   # collects its caption, if any
        if tag == "caption" and isinstance(self.stack[-2], tuple):
            self.stack[-2][1].append("caption")
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = [int(tag[1]), ""]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        top = self.stack.pop() if self.stack else None
        if isinstance(top, tuple):
            top, captions = top
            if not captions:
                self.problems.append(f"table without caption at {self.getpos()}")
        if top != tag:
            self.problems.append(f"</{tag}> closes <{top}> at {self.getpos()}")
        if self.heading and tag == f"h{self.heading[0]}":
            self.headings.append((self.heading[0], " ".join(self.heading[1].split())))
            self.heading = None

    def handle_data(self, data):
        if self.heading:
            self.heading[1] += data


@pytest.fixture(scope="module")
def html():
    return docs.render(OPENAPI, document())


@pytest.fixture(scope="module")
def page(html):
    return Page(html)


def section(html, element_id):
    start = html.index(f'aria-labelledby="{element_id}"')
    return html[start:html.index("</section>", start)]


def row(html, name):
    """The cells of the table row whose field is `name`."""
    match = re.search(rf'<th scope="row"><code>{re.escape(name)}</code></th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(1)


def test_the_page_is_well_formed_and_accessible_markup(page):
    assert not page.problems, "\n".join(page.problems)
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:])), page.headings
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    for link in page.links:
        assert link.startswith("/") or link[1:] in page.ids, f"link to nothing: {link}"


def test_the_base_layout(html):
    assert '<html lang="en">' in html and '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<link rel="stylesheet" href="/static/chairside.css">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and "<footer" in html and "<title>API documentation" in html


def test_nothing_inline_and_nothing_from_elsewhere(html):
    lowered = html.lower()
    assert "<script" not in lowered and "<style" not in lowered and "style=" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert 'href="/openapi.json"' in html and 'href="/asyncapi.json"' in html


def test_text_from_the_documents_is_escaped(html):
    assert "&lt;script&gt;alert(&#39;no&#39;)&lt;/script&gt;" in html
    assert "<code>Authorization: Bearer &lt;key&gt;</code>" in html


def test_every_operation_with_its_security_parameters_and_responses(html, page):
    headings = [text for _, text in page.headings]
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert f"{method.upper()} {path}" in headings
            assert escape(operation["summary"]) in html
    assert [text for level, text in page.headings if level == 3][:3] == ["patients", "clinics", "portal"]
    put = section(html, "op-putPatient")
    assert "<code>officeKey</code> (HTTP bearer): The practice&#39;s office API key." in put
    assert "<code>patientSession</code> (HTTP bearer)" in section(html, "op-me")
    assert "None: no credentials needed." in section(html, "op-health")
    assert "Syncing the same record twice changes nothing." in put
    get = section(html, "op-getPatient")
    assert "<code>external_id</code>" in get and "<code>include</code>" in get   # path item's and its own
    assert "<code>family</code>, <code>balance</code>" in row(get, "include")
    assert "<code>50</code>" in row(section(html, "op-listClinics"), "limit")


def test_every_body_field_with_its_type_and_constraints(html):
    put = section(html, "op-putPatient")
    for name in ("first_name", "email", "text_ok", "birthdate", "dependent", "address", "address.line1",
                 "address.postcode", "family", "family[].external_id", "family[].relationship"):
        assert f"<code>{name}</code>" in put, name
    assert "<td>string or null</td>" in row(put, "email")
    assert "<td>yes</td>" in row(put, "email") and "<td>no</td>" in row(put, "text_ok")
    assert "<code>email</code>" in row(put, "email") and "max length: <code>254</code>" in row(put, "email")
    assert "<code>yes</code>, <code>no</code>, <code>unknown</code>" in row(put, "text_ok")
    assert "default: <code>&#34;unknown&#34;</code>" in row(put, "text_ok")
    assert "<td>object Address</td>" in row(put, "address")
    assert "<td>array of object FamilyLink</td>" in row(put, "family")
    assert "As written in the PMS." in row(put, "first_name")
    # the response merges allOf: the input's fields and the stored ones
    response = put[put.index("Response 200"):]
    assert "<code>patient_id</code>" in response and "<code>family[].relationship</code>" in response
    clinics = section(html, "op-listClinics")
    assert "array of object Clinic" in clinics and "<code>[].clinic_id</code>" in clinics


def test_long_patterns_are_summarised_short_ones_shown(html):
    assert len(LONG_PATTERN) > 2000 and LONG_PATTERN[:100] not in html and REFUSED[:60] not in html
    first_name = row(section(html, "op-putPatient"), "first_name")
    assert "no control or invisible characters, no line breaks, not blank" in first_name
    assert f"<code>{EXTERNAL_ID}</code>" in section(html, "op-getPatient")


def test_every_error_code(html):
    codes = {response_status: re.findall(r"<code>([A-Z_]+)</code>", paragraph)
             for response_status, paragraph in re.findall(
                 r"<h6><code>(\d+)</code>[^<]*</h6>\s*<p>Error codes: (.*?)</p>", section(html, "op-putPatient"))}
    assert codes == {"401": ["UNAUTHENTICATED"], "422": ["VALIDATION_FAILED", "CLINIC_NOT_FOUND"]}
    for code in ("PATIENT_NOT_FOUND", "SIGN_IN_REQUIRED", "SERVICE_UNAVAILABLE"):
        assert f"<code>{code}</code>" in html


def test_every_event_with_its_exchange_routing_key_and_data_fields(html, page):
    headings = [text for _, text in page.headings]
    for (source, event_type, schema_version), schema in CATALOGUE.items():
        title = f"{source}.{event_type} v{schema_version}"
        assert title in headings
        event = section(html, f"event-{source}.{event_type}.v{schema_version}")
        assert f"<code>{source}.events</code> (topic)" in event
        assert f"<dt>Routing key</dt><dd><code>{event_type}</code></dd>" in event
        for name, field in schema().fields.items():
            assert f"<code>{field.data_key or name}</code>" in event, (title, name)
    envelope = html[html.index('id="envelope"'):]
    for name in ("id", "type", "source", "occurred_at", "practice_id", "schema_version", "data"):
        assert f"<code>{name}</code>" in envelope
    assert "at least once" in html


def test_pattern_summaries_say_only_what_they_know():
    free_text = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\u200b]*" + "(?:x)?" * 20 + "(?![\\s\\S])"
    assert docs.pattern_summary(free_text).startswith("no control or invisible characters (")   # lines allowed
    assert docs.pattern_summary("^\\p{L}+$" + "(?:x)?" * 20).startswith("a pattern of")   # not Python's syntax


def test_the_stylesheet_is_ours_and_careful():
    css = (Path(docs.__file__).parent / "web" / "static" / "chairside.css").read_text()
    assert "@import" not in css and "url(" not in css and "http" not in css
    for rule in ("prefers-reduced-motion", ":focus-visible", "overflow-x: auto", ".skip-link:focus"):
        assert rule in css


def test_rendering_is_quick_enough_to_do_per_request():
    start = time.perf_counter()
    docs.render(OPENAPI, document())
    assert time.perf_counter() - start < 0.5
