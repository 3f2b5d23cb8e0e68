"""Emitter: `openapi/openapi.yaml`, the export with every API Gateway extension (what the
templates embed); `x-apigwc` is left out, as API Gateway would ignore it."""

from __future__ import annotations

from apigwc.emitters import EmitContext
from apigwc.emitters.cfn_yaml import dump_document
from apigwc.export import ExportOptions
from apigwc.ir.api import Api

OPTIONS = ExportOptions(
    "oas30", integrations=True, authorizers=True, apigateway=True, documentation=True
)


def emit(api: Api, ctx: EmitContext) -> dict[str, bytes]:
    return {"openapi/openapi.yaml": dump_document(ctx.export(api, OPTIONS)).encode()}
