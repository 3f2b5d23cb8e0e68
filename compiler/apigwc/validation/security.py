"""Security rules: requirements name defined schemes (reference §1.4, §6.2)."""

from __future__ import annotations

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Severity
from apigwc.ir.api import Api
from apigwc.validation.base import Report

W = Severity.WARNING

CODES = (
    Code(
        "AGW401",
        "undefined-security-scheme",
        W,
        "security requirement names {scheme!r}, which no security scheme defines; the method is not protected by it",
        "define it under {place}, or fix the name",
        "A requirement naming an undefined scheme protects nothing. Not an error: SAM-generated "
        "bodies name `api_key` before SAM adds its definition, and such documents deploy.",
    ),
)


def check(api: Api, report: Report) -> None:
    place = "components.securitySchemes" if api.source_format.value != "swagger2" else "securityDefinitions"
    defined = {s.name for s in api.security_schemes}
    for method in api.methods:
        for requirement in method.security or ():
            for scheme in requirement.schemes:
                if scheme not in defined:
                    report("AGW401", requirement.origin, scheme=scheme, place=place)
