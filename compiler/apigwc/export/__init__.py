"""The OpenAPI export: IR -> OAS 3.0 / Swagger 2.0 document -> YAML or JSON text.

Flows in: a validated `Api` and `ExportOptions`. Flows out: a plain dict (`export_document`) and
its serialization (`serialize`). The templates embed this same export.
"""

from __future__ import annotations

import json
from typing import Any

from apigwc.export.openapi import WRITERS
from apigwc.export.options import ExportOptions
from apigwc.ir.api import Api

__all__ = ["ExportOptions", "export_document", "serialize"]


def export_document(api: Api, options: ExportOptions) -> dict[str, Any]:
    return WRITERS[options.format](api, options).document()


def serialize(document: dict[str, Any], kind: str = "yaml") -> str:
    if kind == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))
