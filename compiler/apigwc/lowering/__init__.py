"""Stage 2, lowering: a loaded `Document` -> the IR `Api`, with AGW2xx/AGW3xx diagnostics.

Passes run in this order (listed, not discovered):
 1. `x-apigwc-ignore` suppressions        (apigwc.apply_ignores)
 2. source format and API flavour          (protocol.detect_format / detect_protocol)
 3. extension placement and flavour        (extensions.check_extension_sites)
 4. `x-apigwc` deployment settings         (apigwc.lower_deployment)
 5. models                                 (models.ModelTable)
 6. security schemes and authorizers       (security.lower_security_schemes)
 7. root settings and root extensions      (root.*)
 8. validators, gateway responses, documentation, CORS   (api_settings.*)
 9. HTTP integration components            (integration.lower_integration_components)
10. paths and operations                   (paths.PathLowering)
The document is never mutated; each pass reads it and returns IR values.
"""

from __future__ import annotations

from apigwc.diagnostics.sink import Sink
from apigwc.ir.api import Api
from apigwc.loader.document import Document
from apigwc.lowering import api_settings, apigwc, extensions, protocol, root, security
from apigwc.lowering.access_log_presets import expand_presets
from apigwc.lowering.context import Context
from apigwc.lowering.integration import lower_integration_components
from apigwc.lowering.models import ModelTable
from apigwc.lowering.paths import PathLowering

__all__ = ["lower"]


def lower(doc: Document, sink: Sink) -> Api | None:
    """The IR of a loaded document; None when its format cannot be told (AGW120 reported)."""
    ctx = Context(doc, sink)
    ignored = apigwc.apply_ignores(ctx)
    source_format = protocol.detect_format(ctx)
    if source_format is None:
        return None
    ctx.source_format = source_format
    ctx.protocol = protocol.detect_protocol(ctx)
    extensions.check_extension_sites(ctx)
    data = doc.data
    _check_root_fields(ctx, data)
    # A stage's `accessLog.format: JSON` (a console preset's name) becomes the preset's text.
    deployment = expand_presets(apigwc.lower_deployment(ctx), ctx.protocol)
    models = ModelTable(ctx)
    models.read_models()
    schemes = security.lower_security_schemes(ctx)
    title, version, description, info = root.lower_info(ctx, data)
    host, base_path = root.lower_host_and_base_path(ctx, data)
    integrations = lower_integration_components(ctx)
    paths = PathLowering(ctx, models, integrations).lower()
    return Api(
        protocol=ctx.protocol,
        source_format=source_format,
        title=title,
        version=version,
        description=description,
        info=info,
        host=host,
        base_path=base_path,
        paths=paths,
        models=models.ordered(),
        security_schemes=schemes,
        security=security.lower_security_requirements(
            ctx, data.get("security"), ctx.root.child("security")
        ),
        tags=root.lower_tags(ctx, data),
        external_docs=data.get("externalDocs"),
        **root.lower_root_extensions(ctx, data),
        documentation=api_settings.lower_documentation(ctx, data),
        gateway_responses=api_settings.lower_gateway_responses(ctx, data),
        request_validators=api_settings.lower_request_validators(ctx, data),
        cors=api_settings.lower_cors(ctx, data),
        integrations=integrations,
        deployment=deployment,
        ignored_codes=ignored,
        origin=ctx.root,
    )


_REQUIRED_ROOT = ("paths", "info")


def _check_root_fields(ctx: Context, data: dict[str, object]) -> None:
    import difflib

    for field in _REQUIRED_ROOT:
        if field in data:
            continue
        typo = difflib.get_close_matches(
            field, [k for k in data if not k.startswith("x-")], n=1, cutoff=0.7
        )
        if typo:
            ctx.sink.report(
                "AGW124", ctx.root.child(typo[0]), at_key=True, key=typo[0], field=field
            )
        elif field == "paths":
            ctx.report("AGW122", ctx.root)
