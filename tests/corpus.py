"""The shared corpus (../shared/corpus): its manifest rows, and fragments wrapped as documents.

Every row of MANIFEST.tsv under specs/ is a case; a new file there is tested without new code.
Fragment rows are single-extension examples from the AWS developer guide: `wrap_fragment` puts
each one where API Gateway reads it, inside a minimal OpenAPI 3.0 document.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"


# Rows the manifest presumes valid without an AWS verdict, which AWS-recorded behaviour says API
# Gateway refuses: the code and message apigwc reports instead, and the evidence. Such a row is
# tested as invalid with that cause (and leaves the valid-only tests).
REFUSED_PRESUMPTIONS: dict[str, tuple[str, str, str]] = {
    "specs/moto/test_api_integration.yaml": (
        "AGW420",
        "which response 200 of GET / does not declare",
        "its integration response maps headers its method response does not declare (and reads "
        "undeclared request headers, AGW418): PutIntegrationResponse answers BadRequestException "
        "'Invalid mapping expression parameter specified: method.response.header.X' "
        "(aws-apigateway-importer#209), and so does an import; moto stores it unchecked",
    ),
}


@dataclass(frozen=True)
class Row:
    local_path: str
    format: str
    flavour: str
    expected: str

    @property
    def path(self) -> Path:
        return CORPUS / self.local_path

    @property
    def valid(self) -> bool:
        return self.expected.startswith("valid") and self.local_path not in REFUSED_PRESUMPTIONS

    @property
    def invalid(self) -> bool:
        return self.expected.startswith("invalid") or self.local_path in REFUSED_PRESUMPTIONS


def rows() -> list[Row]:
    with MANIFEST.open(encoding="utf-8") as fh:
        return [
            Row(r["local_path"], r["format"], r["api_flavour"], r["expected"])
            for r in csv.DictReader(fh, delimiter="\t")
        ]


def spec_rows() -> list[Row]:
    return [r for r in rows() if r.local_path.startswith("specs/")]


_PLACEHOLDER_INTEGRATION = {
    "type": "HTTP_PROXY",
    "httpMethod": "GET",
    "uri": "https://example.com",
    "payloadFormatVersion": "1.0",
}


_LOCATIONS = {"header": "header", "multivalueheader": "header", "querystring": "query"}
_LOCATIONS |= {"multivaluequerystring": "query", "path": "path"}


def _operation_around(integration: Any) -> dict[str, Any]:
    """The method a documentation example's integration implies: the request parameters its
    mappings read and the response headers they write are declared, as its method would."""
    operation: dict[str, Any] = {"x-amazon-apigateway-integration": integration}
    if not isinstance(integration, dict):
        return operation | {"responses": {"200": {"description": "ok"}}}
    read = [v for v in (integration.get("requestParameters") or {}).values() if isinstance(v, str)]
    parameters = {
        (_LOCATIONS[where], name)
        for where, name in (v.split(".", 3)[2:] for v in read if v.startswith("method.request."))
        if where in _LOCATIONS
    }
    operation["parameters"] = [
        {"name": name, "in": where, "required": where == "path", "schema": {"type": "string"}}
        for where, name in sorted(parameters)
        if where != "path"
    ]
    responses: dict[str, Any] = {"200": {"description": "ok"}}
    for answer in (integration.get("responses") or {}).values():
        if not isinstance(answer, dict):
            continue
        status = str(answer.get("statusCode", "200"))
        written = [k for k in answer.get("responseParameters") or {} if isinstance(k, str)]
        headers = {
            k.split(".", 3)[3]: {"schema": {"type": "string"}}
            for k in written
            if k.startswith("method.response.header.")
        }
        responses.setdefault(status, {"description": "ok"}).setdefault("headers", {}).update(
            headers
        )
    operation["responses"] = responses
    return operation


def wrap_fragment(row: Row) -> str:
    fragment: dict[str, Any] = json.loads(row.path.read_text(encoding="utf-8"))
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "fragment", "version": "1"},
        "paths": {},
    }
    for key, value in fragment.items():
        if key.startswith("/"):
            doc["paths"][key] = value
        elif key == "securitySchemes":
            doc.setdefault("components", {})["securitySchemes"] = value
        elif key == "x-amazon-apigateway-integration":
            operation = _operation_around(value)
            doc["paths"]["/fragment"] = {"get": operation}
            ref = value.get("$ref", "") if isinstance(value, dict) else ""
            if ref:
                name = ref.rsplit("/", 1)[-1]
                components = doc.setdefault("components", {})
                components["x-amazon-apigateway-integrations"] = {name: _PLACEHOLDER_INTEGRATION}
        else:
            doc[key] = value
    if row.flavour == "http":
        doc["x-apigwc"] = {"protocol": "HTTP"}
    return json.dumps(doc, indent=2)
