"""The API described for people and programs: /openapi.json, /asyncapi.json and the /docs page,
with the stylesheet the page uses. They describe the API; they are not part of it."""
import mimetypes
from pathlib import Path

from werkzeug.wrappers import Response

from chairside.events import asyncapi
from services.gateway import docs, errors, openapi
from services.gateway.http import JsonHttp, error_response, json_response

STATIC = Path(__file__).resolve().parent / "web" / "static"
# No script, no other origin, no framing: the page is plain HTML and our own stylesheet.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DOCUMENT_HEADERS = {"Access-Control-Allow-Origin": "*"}  # tools may load the documents from anywhere


class ApiDocs:
    @JsonHttp.decorator("GET", "/openapi.json")
    def openapi_document(self, request):
        return json_response(200, openapi.document(), DOCUMENT_HEADERS)

    @JsonHttp.decorator("GET", "/asyncapi.json")
    def asyncapi_document(self, request):
        return json_response(200, asyncapi.document(), DOCUMENT_HEADERS)

    @JsonHttp.decorator("GET", "/docs")
    def docs_page(self, request):
        html = docs.render(openapi.document(), asyncapi.document())
        return Response(html, status=200, mimetype="text/html", headers=PAGE_HEADERS)

    @JsonHttp.decorator("GET", "/static/<path:name>")
    def static_file(self, request, name):
        path = (STATIC / name).resolve()
        if STATIC not in path.parents or not path.is_file():
            return error_response(errors.NO_ROUTE())
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), status=200, mimetype=mimetype,
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
