"""What an export includes, named as API Gateway's GetExport `extensions` parameter names it.

`integrations` adds `x-amazon-apigateway-integration`; `authorizers` the authorizer and authtype
extensions; `apigateway` every other API Gateway extension (and the integrations); `documentation`
the documentation parts (on by default, as in GetExport); `apigwc` the `x-apigwc` extension.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUPS = ("integrations", "authorizers", "apigateway", "documentation", "apigwc")


@dataclass(frozen=True)
class ExportOptions:
    format: str = "oas30"  # oas30 | swagger
    integrations: bool = False
    authorizers: bool = False
    apigateway: bool = False
    documentation: bool = True
    apigwc: bool = False
    # A CloudFormation body: CloudFormation resolves intrinsics before API Gateway reads the
    # document, so an intrinsic title stays one (elsewhere OpenAPI needs text there).
    cloudformation: bool = False

    @classmethod
    def parse(cls, fmt: str, extensions: str) -> ExportOptions:
        if fmt not in ("oas30", "swagger"):
            raise ValueError(f"unknown export format {fmt!r}: use oas30 or swagger")
        names = {n.strip() for n in extensions.split(",") if n.strip()}
        if "all" in names:
            names = set(GROUPS)
        unknown = names - set(GROUPS)
        if unknown:
            raise ValueError(f"unknown extension group(s): {', '.join(sorted(unknown))}")
        return cls(fmt, **{g: g in names for g in GROUPS})

    @classmethod
    def everything(cls, fmt: str = "oas30") -> ExportOptions:
        return cls(fmt, True, True, True, True, True)

    @property
    def with_integrations(self) -> bool:
        return self.integrations or self.apigateway
