"""Limits of paths, routes, integrations and mappings (AGW500-AGW519), reference §5.2 and §5.3.

Flows in: the IR `Api`. Flows out: diagnostics only. Counts are of what API Gateway creates
(resources include the intermediate ones an import creates); sizes are UTF-8 bytes; patterns
are the ones the API reference documents. Counts bound by a raisable quota are warnings (the
import fails only for accounts still at the default, which an offline check cannot know); fixed
limits are errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.base import Deployable
from apigwc.ir.enums import ParameterLocation, Protocol
from apigwc.validation.base import Report
from apigwc.validation.mapping_expressions import PARAMETER_NAME, text_of

E, W = Severity.ERROR, Severity.WARNING

_DOC = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
_HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
_MOCK = "{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}"
_PROXY = (
    "{type: HTTP_PROXY, httpMethod: ANY, uri: 'https://example.com', payloadFormatVersion: '1.0'}"
)


def _paths(count: int, integration: str, prefix: str = "") -> str:
    return (
        _DOC
        + prefix
        + "paths:\n"
        + "".join(
            f"  /r{n}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
            f"      x-amazon-apigateway-integration: {integration}\n"
            for n in range(count)
        )
    )


def _op(
    op: str = "", integration: str = _MOCK, responses: str = "{'200': {description: ok}}"
) -> str:
    return (
        _DOC
        + "paths:\n  /pets:\n    get:\n"
        + op
        + f"      responses: {responses}\n"
        + f"      x-amazon-apigateway-integration: {integration}\n"
    )


CODES = (
    Code(
        "AGW500",
        "too-many-resources",
        W,
        "the API has {count} resources, over API Gateway's default quota of {limit} per REST API; the import fails unless the account's quota was raised",
        "split the API, or silence this code with x-apigwc-ignore once the account's quota is raised",
        "REST APIs may have 300 resources (paths and the intermediate resources an import "
        "creates), raisable through Service Quotas (reference §5.2): a warning, since the account's "
        "quota is not known offline.",
        bad=_paths(300, _MOCK),
        good=_paths(299, _MOCK),
    ),
    Code(
        "AGW501",
        "too-many-routes",
        W,
        "the HTTP API has {count} routes, over API Gateway's default quota of {limit}; the import fails unless the account's quota was raised",
        "split the API, or silence this code with x-apigwc-ignore once the account's quota is raised",
        "HTTP APIs may have 300 routes, raisable through Service Quotas (reference §5.3): a "
        "warning, since the account's quota is not known offline.",
        bad=_paths(301, _PROXY, _HTTP),
        good=_paths(300, _PROXY, _HTTP),
    ),
    Code(
        "AGW502",
        "too-many-integrations",
        E,
        "the HTTP API has {count} integrations, over API Gateway's limit of {limit}",
        "share integrations between routes through components.x-amazon-apigateway-integrations",
        "HTTP APIs may have at most 300 integrations; the limit cannot be raised (reference §5.3).",
        bad=_paths(301, _PROXY, _HTTP),
        good=_paths(300, _PROXY, _HTTP),
    ),
    Code(
        "AGW503",
        "mapping-template-too-large",
        E,
        "the {what} is {size:,} bytes, over API Gateway's limit of 307,200 bytes (300 KB)",
        "move logic out of the template into the back end, or split it",
        "A mapping template may be at most 300 KB (reference §5.2).",
        bad=_op(
            integration="{type: mock, responses: {default: {statusCode: '200', "
            + "responseTemplates: {application/json: '"
            + "y" * 307_201
            + "'}}}}"
        ),
        good=_op(),
    ),
    Code(
        "AGW504",
        "status-code-pattern",
        E,
        "{what} status code {status!r} does not match [1-5]\\d\\d",
        "use a three-digit HTTP status from 100 to 599",
        "Method response and integration response status codes are three digits ([API1] StatusCode); "
        "an OpenAPI 'default' response is not imported as a method response.",
        bad=_op(
            integration="{type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '2XX'}}}"
        ),
        good=_op(),
    ),
    Code(
        "AGW505",
        "parameter-name",
        E,
        "{location} parameter name {name!r} of {route} has characters API Gateway does not accept (^[a-zA-Z0-9._$-]+$)",
        "rename the parameter to letters, digits and . _ $ -",
        "Method request parameter names must match ^[a-zA-Z0-9._$-]+$ (reference §5.2).",
        bad=_op("      parameters: [{name: 'filter[name]', in: query, schema: {type: string}}]\n"),
        good=_op("      parameters: [{name: filter.name, in: query, schema: {type: string}}]\n"),
    ),
)

RESOURCE_LIMIT = 300
ROUTE_LIMIT = 300
INTEGRATION_LIMIT = 300
TEMPLATE_LIMIT = 300 * 1024
_STATUS = re.compile(r"^[1-5]\d\d$")


def check(api: Api, report: Report) -> None:
    if api.protocol is Protocol.REST:
        _check_resources(api, report)
        _check_parameters(api, report)
        _check_templates(api, report)
        _check_statuses(api, report)
    else:
        _check_routes(api, report)


def _check_resources(api: Api, report: Report) -> None:
    resources = {"/"}
    for item in api.paths:
        parts = [p for p in item.path.strip("/").split("/") if p]
        resources.update("/" + "/".join(parts[: n + 1]) for n in range(len(parts)))
    if len(resources) > RESOURCE_LIMIT:
        origin = api.origin.child("paths") if api.origin else None
        report("AGW500", origin, at_key=True, count=len(resources), limit=RESOURCE_LIMIT)


def _check_routes(api: Api, report: Report) -> None:
    origin = api.origin.child("paths") if api.origin else None
    methods = api.methods
    if len(methods) > ROUTE_LIMIT:
        report("AGW501", origin, at_key=True, count=len(methods), limit=ROUTE_LIMIT)
    # An HTTP API creates one integration per operation that writes its own, and one per
    # integration component however many routes share it.
    inline = sum(1 for m in methods if m.integration is not None and m.integration_ref is None)
    count = inline + len(api.integrations)
    if count > INTEGRATION_LIMIT:
        report("AGW502", origin, at_key=True, count=count, limit=INTEGRATION_LIMIT)


def _check_parameters(api: Api, report: Report) -> None:
    for method in api.methods:
        for p in method.parameters:
            ignored = p.location in (ParameterLocation.COOKIE, ParameterLocation.FORM_DATA)
            if ignored or PARAMETER_NAME.match(p.name):
                continue  # REST method requests have no cookie or form parameters
            route = f"{method.http_method} {method.path}"
            at = p.origin.child("name") if p.origin else None
            report("AGW505", at, location=p.location.value, name=p.name, route=route)


def _check_templates(api: Api, report: Report) -> None:
    for what, template, origin in _templates(api):
        text = text_of(template)
        if text is None:
            continue
        size = len(text.encode())
        if size > TEMPLATE_LIMIT:
            report("AGW503", origin, what=what, size=size)


def _templates(api: Api) -> Iterator[tuple[str, Deployable, Origin | None]]:
    for method in api.methods:
        i = method.integration
        if i is None:
            continue
        route = f"{method.http_method} {method.path}"
        base = i.origin.child("requestTemplates") if i.origin else None
        for media, template in i.request_templates.items():
            yield f"{media} request template of {route}", template, (
                base.child(media) if base else None
            )
        for r in i.responses:
            at = r.origin.child("responseTemplates") if r.origin else None
            for media, template in r.response_templates.items():
                what = f"{media} response template ({r.selection_pattern!r}) of {route}"
                yield what, template, at.child(media) if at else None
    for g in api.gateway_responses:
        at = g.origin.child("responseTemplates") if g.origin else None
        for media, template in g.response_templates.items():
            yield f"{media} template of gateway response {g.response_type.value}", template, (
                at.child(media) if at else None
            )


def _check_statuses(api: Api, report: Report) -> None:
    for method in api.methods:
        route = f"{method.http_method} {method.path}"
        for response in method.responses:
            if response.status_code != "default" and not _STATUS.match(response.status_code):
                what = f"the response of {route}"
                report(
                    "AGW504", response.origin, at_key=True, what=what, status=response.status_code
                )
        i = method.integration
        for r in i.responses if i is not None else ():
            if not _STATUS.match(r.status_code):
                at = r.origin.child("statusCode") if r.origin else None
                what = f"the integration response {r.selection_pattern!r} of {route}"
                report("AGW504", at, what=what, status=r.status_code)
