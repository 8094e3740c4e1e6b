"""The /docs page: the OpenAPI and AsyncAPI documents, rendered for people on the server.

The page is built from the two documents the gateway serves, never from the code behind
them, so what a reader sees is what /openapi.json and /asyncapi.json promise. Python turns
the documents into plain rows (references resolved, allOf merged); the templates only lay
them out.
"""
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

WEB = Path(__file__).parent / "web"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
LONG_PATTERN = 80   # longer patterns are summarised: a reader cannot use 2,000 characters of regex
# What a long pattern refuses, found by trying it (the patterns are portable to Python's re).
PATTERN_PROBES = (
    ("a\x07b", "control characters"),
    ("a\u200bb", "invisible characters"),
    ("a\nb", "line breaks"),
)


@dataclass
class Constraint:
    label: str
    codes: list = field(default_factory=list)   # shown as code
    text: str = ""                              # shown as words


@dataclass
class Row:
    name: str
    type: str
    required: bool
    constraints: list
    description: str


@functools.cache
def environment():
    # auto_reload off: the templates ship with the code and do not change under a running
    # process; checking each one's file at every page cost a stat per template per page
    env = Environment(loader=FileSystemLoader(WEB / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["prose"] = prose
    env.filters["inline"] = _inline   # one line of CommonMark-ish text: `code` spans only
    return env


def render(openapi, asyncapi):
    return environment().get_template("docs.html").render(http=_http(openapi), events=_events(asyncapi))


def prose(text):
    """Description text as paragraphs, `code` spans as <code>; everything else escaped."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(_inline(part)) for part in paragraphs)


def _inline(text):
    parts = (text or "").split("`")
    if len(parts) % 2 == 0:   # an unpaired backtick: no code spans
        return escape(text)
    return Markup("").join(Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


# -- schemas -------------------------------------------------------------------------------

class Schemas:
    """Reads JSON Schemas inside one document: local $refs resolved, allOf merged."""

    def __init__(self, doc):
        self.doc = doc

    def deref(self, node):
        """(the node behind any chain of local $refs, the name of the last one or None)."""
        name = None
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            name = ref.rsplit("/", 1)[-1]
            node = self.doc
            for part in ref.removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, name

    def merged(self, node):
        node, _ = self.deref(node)
        if "allOf" not in node:
            return node
        merged = {key: value for key, value in node.items() if key != "allOf"}
        for part in node["allOf"]:
            part = self.merged(part)
            for key, value in part.items():
                if key == "properties":
                    properties = merged.setdefault("properties", {})
                    for name, prop in value.items():
                        # a later part narrows a property (an error code enum): keep both
                        properties[name] = {"allOf": [properties[name], prop]} if name in properties else prop
                elif key == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(value))
                else:
                    merged.setdefault(key, value)
        return merged

    def kind(self, node):
        """(readable type, the object schema whose fields to list or None, the $ref name of that schema)."""
        _, name = self.deref(node)
        node = self.merged(node)
        nullable = bool(node.get("nullable"))   # OpenAPI 3.0's way
        types = node.get("type")
        if isinstance(types, list):
            nullable = nullable or ("null" in types and len(types) > 1)
            types = " or ".join(t for t in types if t != "null" or not nullable)
        choices = node.get("anyOf") or node.get("oneOf")
        if types is None and choices:   # X or null, or one of several, written as a choice
            options = [option for option in choices if self.merged(option).get("type") != "null"]
            nullable = nullable or len(options) < len(choices)
            kinds = [self.kind(option) for option in options]
            if len(kinds) == 1:
                text, nested, name = kinds[0]
            else:
                text, nested, name = " or ".join(text for text, _, _ in kinds), None, None
            return text + (" or null" if nullable else ""), nested, name
        if types is None:
            types = "object" if "properties" in node else "any"
        nested = None
        if types == "array":
            item, nested, name = self.kind(node.get("items", {}))
            text = f"array of {item}"
        elif types == "object":
            text = f"object {name}" if name else "object"
            nested = node if node.get("properties") else None
        else:
            text = types
        return text + (" or null" if nullable else ""), nested, name

    def rows(self, node, prefix="", chain=(), expand=True):
        """The fields of an object schema, nested objects as `parent.child`, arrays as `list[].child`."""
        _, name = self.deref(node)
        chain += (name,) if name else ()
        node = self.merged(node)
        required = set(node.get("required", ()))
        rows = []
        for prop_name, prop in node.get("properties", {}).items():
            text, nested, ref = self.kind(prop)
            merged = self.merged(prop)
            # OpenAPI 3.1 lets a description sit beside a $ref: it says more than the target's own
            description = prop.get("description") or merged.get("description") or merged.get("title") or ""
            rows.append(Row(prefix + prop_name, text, prop_name in required, constraints(merged), description))
            if expand and nested is not None and ref not in chain:   # a schema inside itself is not expanded again
                inner = f"{prefix}{prop_name}{'[]' if text.startswith('array') else ''}."
                rows += self.rows(nested, inner, chain + ((ref,) if ref else ()))
        return rows

    def body(self, node):
        """(the type of a body, its field rows)."""
        text, nested, _ = self.kind(node)
        if nested is None:
            return text, []
        prefix = "[]." if text.startswith("array") else ""
        return text, self.rows(nested, prefix)

    def error_codes(self, node):
        """The `error` codes an error body allows: an enum (or const) on its `error` property."""
        prop = self.merged(node).get("properties", {}).get("error")
        if prop is None:
            return []
        codes = []
        for part in self.parts(prop):
            codes += part.get("enum", []) + ([part["const"]] if "const" in part else [])
        return list(dict.fromkeys(codes))

    def parts(self, node):
        """A schema and, depth first, every schema of its allOf."""
        node, _ = self.deref(node)
        yield node
        for part in node.get("allOf", ()):
            yield from self.parts(part)


def constraints(schema):
    found = []
    for key, label in (("format", "format"), ("minLength", "min length"), ("maxLength", "max length"),
                       ("minimum", "minimum"), ("maximum", "maximum"), ("exclusiveMinimum", "more than"),
                       ("exclusiveMaximum", "less than"), ("minItems", "min items"), ("maxItems", "max items")):
        if key in schema:
            found.append(Constraint(label, [_literal(schema[key])]))
    if "pattern" in schema:
        pattern = schema["pattern"]
        if len(pattern) <= LONG_PATTERN:
            found.append(Constraint("pattern", [pattern]))
        else:
            found.append(Constraint("pattern", text=pattern_summary(pattern)))
    if "enum" in schema:
        found.append(Constraint("one of", [_literal(value) for value in schema["enum"]]))
    if "const" in schema:
        found.append(Constraint("always", [_literal(schema["const"])]))
    if "default" in schema:
        found.append(Constraint("default", [json.dumps(schema["default"])]))
    return found


def pattern_summary(pattern):
    """A long pattern in words, found by trying what it refuses."""
    fallback = f"a pattern of {len(pattern):,} characters (in full in /openapi.json)"
    try:
        regex = re.compile(pattern)
    except re.error:   # an ECMA-262 feature Python lacks: say no more than we know
        return fallback
    if not regex.search("Ann"):
        return fallback
    refused = [words for sample, words in PATTERN_PROBES if not regex.search(sample)]
    kinds = [words.split()[0] for words in refused if words.endswith("characters")]
    said = [f"no {' or '.join(kinds)} characters"] if kinds else []
    said += [f"no {words}" for words in refused if not words.endswith("characters")]
    if not regex.search(" "):
        said.append("not blank")
    if not said:
        return fallback
    return f"{', '.join(said)} (the full pattern is in /openapi.json)"


def _literal(value):
    return value if isinstance(value, str) else json.dumps(value)


# -- OpenAPI ---------------------------------------------------------------------------------

def _http(doc):
    schemas = Schemas(doc)
    tags = {tag["name"]: {"name": tag["name"], "description": tag.get("description", ""), "operations": []}
            for tag in doc.get("tags", ())}
    ids = Ids()
    for path, item in doc.get("paths", {}).items():
        item, _ = schemas.deref(item)
        for method in METHODS:
            if method in item:
                operation = _operation(doc, schemas, path, method, item)
                name = item[method].get("operationId") or method + path
                for tag in item[method].get("tags") or ["Other"]:
                    tags.setdefault(tag, {"name": tag, "description": "", "operations": []})
                    # an operation under two tags is shown twice: each copy needs its own id
                    tags[tag]["operations"].append(dict(operation, id=ids.make(f"op-{name}")))
    info = doc.get("info", {})
    return {
        "title": info.get("title", "HTTP API"),
        "version": info.get("version", ""),
        "description": info.get("description", ""),
        "tags": [dict(tag, id=ids.make(f"tag-{tag['name']}")) for tag in tags.values() if tag["operations"]],
    }


def _operation(doc, schemas, path, method, item):
    operation = item[method]
    parameters = {}
    for parameter in list(item.get("parameters", ())) + list(operation.get("parameters", ())):
        parameter, _ = schemas.deref(parameter)
        parameters[(parameter["name"], parameter["in"])] = parameter   # the operation's own wins
    body = None
    if "requestBody" in operation:
        request, _ = schemas.deref(operation["requestBody"])
        content_type, schema = _json_content(request)
        body_type, rows = schemas.body(schema) if schema is not None else ("", [])
        body = {"required": request.get("required", False), "content_type": content_type, "type": body_type,
                "rows": rows, "description": request.get("description", "")}
    responses = []
    for status, response in operation.get("responses", {}).items():
        response, _ = schemas.deref(response)
        content_type, schema = _json_content(response)
        body_type, rows = schemas.body(schema) if schema is not None else ("", [])
        is_error = not str(status).startswith(("1", "2", "3"))
        responses.append({
            "status": str(status), "description": response.get("description", ""), "content_type": content_type,
            "type": body_type, "rows": rows,
            "errors": schemas.error_codes(schema) if is_error and schema is not None else [],
        })
    return {
        "method": method.upper(), "path": path,
        "summary": operation.get("summary", ""), "description": operation.get("description", ""),
        "deprecated": operation.get("deprecated", False),
        "security": _security(doc, operation.get("security", doc.get("security", []))),
        "parameters": [_parameter(schemas, parameter) for parameter in parameters.values()],
        "body": body, "responses": responses,
    }


def _parameter(schemas, parameter):
    schema = parameter.get("schema", {})
    text, _, _ = schemas.kind(schema)
    return {"name": parameter["name"], "in": parameter["in"], "required": parameter.get("required", False),
            "type": text, "constraints": constraints(schemas.merged(schema)),
            "description": parameter.get("description", "")}


def _security(doc, requirements):
    """The ways to authenticate (any one will do), each the schemes it needs together; [] when none is needed."""
    schemes = doc.get("components", {}).get("securitySchemes", {})
    ways = []
    for requirement in requirements:
        way = []
        for name in requirement:   # an empty requirement: credentials are optional
            scheme = schemes.get(name, {})
            kind = scheme.get("type", "")
            if kind == "http":
                kind = f"HTTP {scheme.get('scheme', '')}".strip()
            elif kind == "apiKey":
                kind = f"API key in {scheme.get('in', '')} {scheme.get('name', '')}".strip()
            way.append({"name": name, "kind": kind, "description": scheme.get("description", "")})
        ways.append(way)
    return ways


def _json_content(node):
    content = node.get("content") or {}
    if not content:
        return "", None
    content_type = next((kind for kind in content if "json" in kind), next(iter(content)))
    return content_type, content[content_type].get("schema", {})


class Ids:
    """Unique, valid HTML ids."""

    def __init__(self):
        self.used = set()

    def make(self, text):
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "section"
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        return candidate


# -- AsyncAPI --------------------------------------------------------------------------------

def _events(doc):
    schemas = Schemas(doc)
    ids = Ids()
    messages, envelope = [], []
    for channel_id, channel in doc.get("channels", {}).items():
        channel, _ = schemas.deref(channel)
        exchange = channel.get("bindings", {}).get("amqp", {}).get("exchange", {})
        for message_id, message in channel.get("messages", {}).items():
            message, _ = schemas.deref(message)
            payload = schemas.merged(message.get("payload", {}))
            properties = payload.get("properties", {})
            envelope = envelope or _envelope(schemas, payload)
            messages.append({
                "id": ids.make(f"event-{message_id}"),
                "title": message.get("title") or message.get("name") or message_id,
                "summary": message.get("summary", ""),
                "details": _details(message.get("summary", ""), message.get("description", "")),
                "channel": channel_id, "routing_key": channel.get("address") or "",
                "exchange": exchange.get("name", ""), "exchange_type": exchange.get("type", ""),
                "content_type": message.get("contentType") or doc.get("defaultContentType", ""),
                # the envelope's values fixed for this event (type, source, schema_version)
                "fixed": [(name, _literal(schemas.merged(prop)["const"])) for name, prop in properties.items()
                          if "const" in schemas.merged(prop)],
                "rows": schemas.rows(properties["data"]) if "data" in properties else schemas.rows(payload),
            })
    info = doc.get("info", {})
    return {
        "title": info.get("title", "Events"), "version": info.get("version", ""),
        "description": info.get("description", ""),
        "servers": list(doc.get("servers", {}).values()),
        "envelope": envelope, "messages": messages,
    }


def _details(summary, description):
    """What a description adds to the summary: a description whose first line restates it loses that line."""
    first, _, rest = description.strip().partition("\n")
    said = summary.strip().rstrip(".").lower()
    return rest.strip() if said and said in first.lower() else description


def _envelope(schemas, payload):
    """The envelope's fields, from one event's payload without what is that event's own."""
    rows = schemas.rows(payload, expand=False)
    for row in rows:
        row.constraints = [constraint for constraint in row.constraints if constraint.label != "always"]
        if row.name == "data":
            row.type, row.description = "object", "The event's own fields: see each event."
    return rows
