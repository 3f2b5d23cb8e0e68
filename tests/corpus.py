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
        return self.expected.startswith("valid")

    @property
    def invalid(self) -> bool:
        return self.expected.startswith("invalid")


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
            operation = {"responses": {"200": {"description": "ok"}}, key: value}
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
