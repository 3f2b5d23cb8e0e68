"""Every `x-amazon-apigateway-*` key: known (AGW205), in its place (AGW206), for this API flavour
(AGW207) — and every property of every extension lowered into the IR.

The last table is the "no extension property left unlowered" check: for each extension of the
master list (reference §1.0) and each property of each extension's table (§1.1, §1.4, §1.7, §1.8,
§1.11, §1.14, §1.15), setting it must change the IR dump. `test_table_covers_the_reference`
reads the reference's property tables (when ../shared is there) so a property added to the
reference without a row here fails.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from apigwc.ir import dump

from tests.lowering_cases import (
    check,
    document,
    expected_findings,
    integration,
    lower_text,
    lowered,
    operation,
)

CASES = [
    # -- unknown extensions (AGW205) ------------------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-integraton: {}  # W: AGW205"),
        {},
        id="unknown-misspelt-at-root",
    ),
    pytest.param(
        operation("x-amazon-apigateway-integrations: {type: mock}  # E: AGW206"),
        {},
        id="known-but-misplaced-not-unknown",
    ),
    pytest.param(
        operation("x-amazon-apigateway-request-validators-x: a  # W: AGW205"),
        {},
        id="unknown-on-operation",
    ),
    pytest.param(
        document("""
            x-amazon-apigateway-documentation:
              documentationParts:
                - location: {type: API}
                  properties: {x-amazon-apigateway-example: 1}
            """),
        {},
        id="extension-keys-inside-an-extension-value-not-checked",
    ),
    pytest.param(document("x-amazon-custom: 1\nx-other: 2"), {}, id="other-x-keys-ignored"),
    # -- misplaced (AGW206) ---------------------------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-integration: {type: mock}  # E: AGW206"),
        {},
        id="integration-at-root",
    ),
    pytest.param(
        document(
            "paths:\n  /a:\n    x-amazon-apigateway-integration: {type: mock}  # E: AGW206\n    get: {}"
        ),
        {},
        id="integration-on-path-item",
    ),
    pytest.param(
        operation("x-amazon-apigateway-authorizer: {type: token}  # E: AGW206"),
        {},
        id="authorizer-on-operation",
    ),
    pytest.param(
        operation("x-amazon-apigateway-authtype: custom  # E: AGW206"),
        {},
        id="authtype-on-operation",
    ),
    pytest.param(
        document("x-amazon-apigateway-any-method: {}  # E: AGW206"), {}, id="any-method-at-root"
    ),
    pytest.param(
        operation("x-amazon-apigateway-binary-media-types: []  # E: AGW206"),
        {},
        id="binary-media-types-on-operation",
    ),
    pytest.param(
        operation("x-amazon-apigateway-policy: {}  # E: AGW206"), {}, id="policy-on-operation"
    ),
    pytest.param(
        document(
            "paths:\n  /a:\n    x-amazon-apigateway-request-validator: all  # E: AGW206\n    get: {}"
        ),
        {},
        id="request-validator-on-path-item",
    ),
    pytest.param(
        document("x-amazon-apigateway-tag-value: v  # E: AGW206", http=True),
        {},
        id="tag-value-at-root",
    ),
    pytest.param(
        document("x-amazon-apigateway-integrations: {}  # E: AGW206", http=True),
        {},
        id="integrations-at-root",
    ),
    pytest.param(
        operation("x-amazon-apigateway-endpoint-configuration: {}  # E: AGW206", swagger=True),
        {},
        id="endpoint-configuration-on-swagger-operation",
    ),
    pytest.param(
        document(
            "components:\n  schemas:\n    Pet:\n      x-amazon-apigateway-integration: {}  # E: AGW206"
        ),
        {},
        id="integration-inside-a-schema",
    ),
    pytest.param(
        "openapi: 3.0.1\ninfo:\n  title: t\n  version: '1'\n  x-amazon-apigateway-policy: {}  # E: AGW206\npaths: {}\n",
        {},
        id="policy-inside-info",
    ),
    # -- wrong flavour (AGW207) -----------------------------------------------------------------
    *(
        pytest.param(
            document(f"{key}: {value}  # W: AGW207", http=True),
            {},
            id=f"{key.removeprefix('x-amazon-apigateway-')}-in-http-api",
        )
        for key, value in (
            ("x-amazon-apigateway-api-key-source", "HEADER"),
            ("x-amazon-apigateway-binary-media-types", "[image/png]"),
            ("x-amazon-apigateway-documentation", "{}"),
            ("x-amazon-apigateway-endpoint-access-mode", "BASIC"),
            ("x-amazon-apigateway-gateway-responses", "{}"),
            ("x-amazon-apigateway-minimum-compression-size", "0"),
            ("x-amazon-apigateway-policy", "{}"),
            ("x-amazon-apigateway-request-validator", "all"),
            ("x-amazon-apigateway-request-validators", "{}"),
            ("x-amazon-apigateway-security-policy", "TLS_1_2"),
        )
    ),
    pytest.param(
        operation("x-amazon-apigateway-request-validator: all  # W: AGW207", http=True),
        {},
        id="operation-request-validator-in-http-api",
    ),
    pytest.param(
        document(
            "x-apigwc: {protocol: REST}  # W: AGW303\nx-amazon-apigateway-cors: {}  # W: AGW207"
        ),
        {"protocol": "REST"},
        id="cors-in-forced-rest-api",
    ),
    pytest.param(
        document(
            "x-apigwc: {protocol: REST}  # W: AGW303\ntags:\n  - {name: a, x-amazon-apigateway-tag-value: b}  # W: AGW207"
        ),
        {"protocol": "REST"},
        id="tag-value-in-forced-rest-api",
    ),
    pytest.param(
        document(
            "x-apigwc: {protocol: REST}  # W: AGW303\nx-amazon-apigateway-importexport-version: '1.0'  # W: AGW207"
        ),
        {},
        id="importexport-version-in-forced-rest-api",
    ),
    # -- in place and flavour: no finding -------------------------------------------------------
    pytest.param(
        document(
            "servers:\n  - url: https://a\n    x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true}"
        ),
        {"endpoint_configuration.disable_execute_api_endpoint": True},
        id="endpoint-configuration-in-server",
    ),
    pytest.param(
        document(
            "paths:\n  /a:\n    x-amazon-apigateway-any-method:\n      x-amazon-apigateway-integration: {type: mock}"
        ),
        {"integration.type": "MOCK"},
        id="integration-in-any-method",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_extension_sites(source: str, expected: dict[str, object]) -> None:
    check(source, expected)


@pytest.mark.parametrize(
    ("key", "suggested"),
    [
        pytest.param(
            "x-amazon-apigateway-integraton", "x-amazon-apigateway-integration", id="integration"
        ),
        pytest.param(
            "x-amazon-apigateway-request-validater",
            "x-amazon-apigateway-request-validator",
            id="request-validator",
        ),
        pytest.param(
            "x-amazon-apigateway-binary-media-type",
            "x-amazon-apigateway-binary-media-types",
            id="binary-media-types",
        ),
        pytest.param(
            "x-amazon-apigateway-endpoint-config",
            "x-amazon-apigateway-endpoint-configuration",
            id="endpoint-configuration",
        ),
    ],
)
def test_unknown_extension_suggests_the_known_one(key: str, suggested: str) -> None:
    _, diagnostics = lower_text(document(f"{key}: 1"))
    (finding,) = [d for d in diagnostics if d.code == "AGW205"]
    assert f"did you mean {suggested!r}" in finding.message + finding.hint


# -- the helper itself ------------------------------------------------------------------------
def test_markers_are_read_from_their_lines() -> None:
    text = "a: 1  # E: AGW201\nb: 2\nc: 3  # W: AGW204, E: AGW202\n"
    assert expected_findings(text) == [(1, "E", "AGW201"), (3, "E", "AGW202"), (3, "W", "AGW204")]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(integration("type: mock\nbogus: 1"), id="unmarked-finding"),
        pytest.param(integration("type: mock  # W: AGW204\nbogus: 1"), id="marker-on-wrong-line"),
        pytest.param(
            integration("type: mock\nbogus: 1  # E: AGW204"), id="marker-with-wrong-severity"
        ),
        pytest.param(integration("type: mock  # E: AGW201"), id="marker-without-finding"),
    ],
)
def test_a_wrong_marker_fails(source: str) -> None:
    with pytest.raises(AssertionError):
        lowered(source)


# -- no extension property left unlowered -----------------------------------------------------
def _scheme(body: str, *, http: bool = False) -> str:
    inner = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 6)
    return document(f"components:\n  securitySchemes:\n    s:\n{inner}", http=http)


def _authorizer(extra: str, *, base: str = "type: request", http: bool = False) -> tuple[str, str]:
    def build(body: str) -> str:
        inner = textwrap.indent(body, "  ")
        return _scheme(
            "type: apiKey\nname: A\nin: header\nx-amazon-apigateway-authorizer:\n" + inner,
            http=http,
        )

    return build(base), build(base + "\n" + extra)


def _integration(extra: str, *, base: str = "type: mock", http: bool = False) -> tuple[str, str]:
    return integration(base, http=http), integration(base + "\n" + extra, http=http)


def _root(
    extra: str, *, base: str = "", http: bool = False, swagger: bool = False
) -> tuple[str, str]:
    joined = f"{base}\n{extra}" if base else extra
    return document(base, http=http, swagger=swagger), document(joined, http=http, swagger=swagger)


HTTP_INTEGRATION = "type: HTTP_PROXY\nuri: http://b\npayloadFormatVersion: '1.0'"
JWT = "type: jwt\njwtConfiguration:"
GATEWAY_RESPONSE = "x-amazon-apigateway-gateway-responses:\n  DEFAULT_4XX:"
DOC_PART = "x-amazon-apigateway-documentation:\n  documentationParts:\n    - location:\n        type: RESPONSE_HEADER"
ENDPOINT = "x-amazon-apigateway-endpoint-configuration:"
CORS = "x-amazon-apigateway-cors:"
RESPONSE = "responses:\n  default:\n    statusCode: 200"

# (section, extension, property) -> (document without it, document with it)
LOWERED: dict[tuple[str, str, str], tuple[str, str]] = {
    # §1.0: every extension of the master list, and the related non-x properties
    ("1.0", "", "x-amazon-apigateway-any-method"): (
        operation("summary: s"),
        document("paths:\n  /a:\n    get: {summary: s}\n    x-amazon-apigateway-any-method: {}"),
    ),
    ("1.0", "", "x-amazon-apigateway-api-key-source"): _root(
        "x-amazon-apigateway-api-key-source: AUTHORIZER"
    ),
    ("1.0", "", "x-amazon-apigateway-auth"): (
        operation("summary: s"),
        operation("x-amazon-apigateway-auth: {type: NONE}"),
    ),
    ("1.0", "", "x-amazon-apigateway-authorizer"): (
        _scheme("type: apiKey\nname: A\nin: header"),
        _scheme("type: apiKey\nname: A\nin: header\nx-amazon-apigateway-authorizer: {type: token}"),
    ),
    ("1.0", "", "x-amazon-apigateway-authtype"): (
        _scheme("type: apiKey\nname: A\nin: header"),
        _scheme("type: apiKey\nname: A\nin: header\nx-amazon-apigateway-authtype: awsSigv4"),
    ),
    ("1.0", "", "x-amazon-apigateway-binary-media-types"): _root(
        "x-amazon-apigateway-binary-media-types: [image/png]"
    ),
    ("1.0", "", "x-amazon-apigateway-cors"): _root(CORS + " {}", http=True),
    ("1.0", "", "x-amazon-apigateway-documentation"): _root(
        "x-amazon-apigateway-documentation: {version: '1'}"
    ),
    ("1.0", "", "x-amazon-apigateway-endpoint-access-mode"): _root(
        "x-amazon-apigateway-endpoint-access-mode: STRICT"
    ),
    ("1.0", "", "x-amazon-apigateway-endpoint-configuration"): _root(
        ENDPOINT + " {}", swagger=True
    ),
    ("1.0", "", "x-amazon-apigateway-gateway-responses"): _root(GATEWAY_RESPONSE + " {}"),
    # the only value is "1.0": lowering it means validating it and reading it as HTTP evidence
    ("1.0", "", "x-amazon-apigateway-importexport-version"): _root(
        "x-amazon-apigateway-importexport-version: '1.0'"
    ),
    ("1.0", "", "x-amazon-apigateway-integration"): (
        operation("summary: s"),
        integration("type: mock"),
    ),
    ("1.0", "", "x-amazon-apigateway-integrations"): _root(
        "components:\n  x-amazon-apigateway-integrations:\n    b: {type: HTTP_PROXY, uri: http://b}",
        http=True,
    ),
    ("1.0", "", "x-amazon-apigateway-minimum-compression-size"): _root(
        "x-amazon-apigateway-minimum-compression-size: 0"
    ),
    ("1.0", "", "x-amazon-apigateway-policy"): _root(
        "x-amazon-apigateway-policy: {Version: '2012-10-17'}"
    ),
    ("1.0", "", "x-amazon-apigateway-request-validator"): _root(
        "x-amazon-apigateway-request-validator: all"
    ),
    ("1.0", "operation", "x-amazon-apigateway-request-validator"): (
        operation("summary: s"),
        operation("x-amazon-apigateway-request-validator: all"),
    ),
    ("1.0", "", "x-amazon-apigateway-request-validators"): _root(
        "x-amazon-apigateway-request-validators: {all: {}}"
    ),
    ("1.0", "", "x-amazon-apigateway-security-policy"): _root(
        "x-amazon-apigateway-security-policy: TLS_1_2"
    ),
    ("1.0", "", "x-amazon-apigateway-tag-value"): (
        document("tags:\n  - {name: a}", http=True),
        document("tags:\n  - {name: a, x-amazon-apigateway-tag-value: b}", http=True),
    ),
    ("1.0", "", "isDefaultRoute"): (
        document(
            "paths:\n  /$default:\n    x-amazon-apigateway-any-method: {summary: s}", http=True
        ),
        document(
            "paths:\n  /$default:\n    x-amazon-apigateway-any-method: {summary: s, isDefaultRoute: true}",
            http=True,
        ),
    ),
    ("1.0", "", "basePath"): (
        document("servers:\n  - url: https://a/{basePath}"),
        document(
            "servers:\n  - url: https://a/{basePath}\n    variables: {basePath: {default: /v1}}"
        ),
    ),
    ("1.0", "swagger", "basePath"): _root("basePath: /v1", swagger=True),
    ("1.0", "", "openIdConnectUrl"): (
        _scheme("type: openIdConnect"),
        _scheme(
            "type: openIdConnect\nopenIdConnectUrl: https://idp/.well-known/openid-configuration"
        ),
    ),
    # §1.1 x-amazon-apigateway-integration (and §1.1.3 integration responses)
    ("1.1", "integration", "type"): (
        integration("uri: http://b"),
        integration("uri: http://b\ntype: http"),
    ),
    ("1.1", "integration", "uri"): _integration("uri: http://b"),
    ("1.1", "integration", "httpMethod"): _integration("httpMethod: POST"),
    ("1.1", "integration", "timeoutInMillis"): _integration("timeoutInMillis: 1000"),
    ("1.1", "integration", "passthroughBehavior"): _integration("passthroughBehavior: NEVER"),
    ("1.1", "integration", "contentHandling"): _integration("contentHandling: CONVERT_TO_TEXT"),
    ("1.1", "integration", "requestTemplates"): _integration(
        "requestTemplates: {application/json: '{}'}"
    ),
    ("1.1", "integration", "requestParameters"): _integration(
        "requestParameters: {integration.request.header.a: \"'b'\"}"
    ),
    ("1.1", "integration", "responses"): _integration(RESPONSE),
    ("1.1", "integration", "cacheKeyParameters"): _integration(
        "cacheKeyParameters: [method.request.path.id]"
    ),
    ("1.1", "integration", "cacheNamespace"): _integration("cacheNamespace: ns"),
    ("1.1", "integration", "connectionType"): _integration("connectionType: VPC_LINK"),
    ("1.1", "integration", "connectionId"): _integration("connectionId: abc"),
    ("1.1", "integration", "credentials"): _integration("credentials: arn:aws:iam::1:role/r"),
    ("1.1", "integration", "tlsConfig"): _integration("tlsConfig: {}"),
    ("1.1", "integration", "tlsConfig.insecureSkipVerification"): _integration(
        "  insecureSkipVerification: true",
        base="type: http\nuri: http://b\ntlsConfig:\n  serverNameToVerify: b",
    ),
    ("1.1", "integration", "tlsConfig.serverNameToVerify"): _integration(
        "  serverNameToVerify: b.example.com",
        base=HTTP_INTEGRATION + "\ntlsConfig:\n  insecureSkipVerification: false",
        http=True,
    ),
    ("1.1", "integration", "payloadFormatVersion"): _integration(
        "payloadFormatVersion: '2.0'", base="type: AWS_PROXY\nuri: arn:x", http=True
    ),
    ("1.1", "integration", "integrationSubtype"): _integration(
        "integrationSubtype: SQS-SendMessage",
        base="type: AWS_PROXY\npayloadFormatVersion: '1.0'",
        http=True,
    ),
    ("1.1", "integration", "responseParameters"): _integration(
        "responseParameters: {'200': {overwrite:statuscode: '204'}}",
        base=HTTP_INTEGRATION,
        http=True,
    ),
    ("1.1", "integration", "integrationTarget"): _integration("integrationTarget: arn:listener"),
    ("1.1", "integration", "responseTransferMode"): _integration("responseTransferMode: STREAM"),
    ("1.1", "integration", "description"): _integration("description: d"),
    ("1.1", "integration", "$ref"): (
        document(
            "components:\n  x-amazon-apigateway-integrations:\n    b: {type: HTTP_PROXY, uri: http://b}\npaths:\n  /a:\n    get: {}"
        ),
        document(
            "components:\n  x-amazon-apigateway-integrations:\n    b: {type: HTTP_PROXY, uri: http://b}\n"
            "paths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/b'}"
        ),
    ),
    ("1.1", "response", "statusCode"): _integration(
        "    statusCode: 200", base="type: mock\nresponses:\n  default:"
    ),
    ("1.1", "response", "responseTemplates"): _integration(
        "    responseTemplates: {application/json: '{}'}", base="type: mock\n" + RESPONSE
    ),
    ("1.1", "response", "responseParameters"): _integration(
        "    responseParameters: {method.response.header.a: \"'b'\"}",
        base="type: mock\n" + RESPONSE,
    ),
    ("1.1", "response", "contentHandling"): _integration(
        "    contentHandling: CONVERT_TO_BINARY", base="type: mock\n" + RESPONSE
    ),
    # §1.4 x-amazon-apigateway-authorizer
    ("1.4", "authorizer", "type"): _authorizer("type: token", base="identitySource: x"),
    ("1.4", "authorizer", "authorizerUri"): _authorizer("authorizerUri: arn:x"),
    ("1.4", "authorizer", "authorizerCredentials"): _authorizer("authorizerCredentials: arn:role"),
    ("1.4", "authorizer", "identitySource"): _authorizer("identitySource: method.request.header.A"),
    ("1.4", "authorizer", "identityValidationExpression"): _authorizer(
        "identityValidationExpression: '^x$'", base="type: token"
    ),
    ("1.4", "authorizer", "authorizerResultTtlInSeconds"): _authorizer(
        "authorizerResultTtlInSeconds: 0"
    ),
    ("1.4", "authorizer", "providerARNs"): _authorizer(
        "providerARNs: [arn:pool]", base="type: cognito_user_pools"
    ),
    ("1.4", "authorizer", "authorizerPayloadFormatVersion"): _authorizer(
        "authorizerPayloadFormatVersion: '2.0'", http=True
    ),
    ("1.4", "authorizer", "enableSimpleResponses"): _authorizer(
        "enableSimpleResponses: true", http=True
    ),
    ("1.4", "authorizer", "jwtConfiguration"): _authorizer(
        "jwtConfiguration: {}", base="type: jwt"
    ),
    ("1.4", "authorizer", "jwtConfiguration.issuer"): _authorizer(
        "  issuer: https://i", base=JWT + "\n  audience: [a]"
    ),
    ("1.4", "authorizer", "jwtConfiguration.audience"): _authorizer(
        "  audience: [a]", base=JWT + "\n  issuer: https://i"
    ),
    # §1.7 request validators
    ("1.7", "request-validators", "validateRequestBody"): _root(
        "    validateRequestBody: true",
        base="x-amazon-apigateway-request-validators:\n  v:\n    validateRequestParameters: false",
    ),
    ("1.7", "request-validators", "validateRequestParameters"): _root(
        "    validateRequestParameters: true",
        base="x-amazon-apigateway-request-validators:\n  v:\n    validateRequestBody: false",
    ),
    # §1.8 gateway responses
    ("1.8", "gateway-responses", "statusCode"): _root(
        "    statusCode: 400", base=GATEWAY_RESPONSE + "\n    responseTemplates: {}"
    ),
    ("1.8", "gateway-responses", "responseParameters"): _root(
        "    responseParameters: {gatewayresponse.header.a: \"'b'\"}",
        base=GATEWAY_RESPONSE + "\n    statusCode: 400",
    ),
    ("1.8", "gateway-responses", "responseTemplates"): _root(
        "    responseTemplates: {application/json: '{}'}",
        base=GATEWAY_RESPONSE + "\n    statusCode: 400",
    ),
    # §1.11 endpoint configuration
    ("1.11", "endpoint-configuration", "disableExecuteApiEndpoint"): _root(
        "  disableExecuteApiEndpoint: true", base=ENDPOINT + "\n  vpcEndpointIds: []", swagger=True
    ),
    ("1.11", "endpoint-configuration", "vpcEndpointIds"): _root(
        "  vpcEndpointIds: [vpce-1]", base=ENDPOINT + "\n  ipAddressType: ipv4", swagger=True
    ),
    ("1.11", "endpoint-configuration", "ipAddressType"): _root(
        "  ipAddressType: dualstack", base=ENDPOINT + "\n  vpcEndpointIds: []", http=True
    ),
    # §1.14 documentation
    ("1.14", "documentation", "version"): _root(
        "  version: '2'", base="x-amazon-apigateway-documentation:\n  documentationParts: []"
    ),
    ("1.14", "documentation", "documentationParts"): _root(
        "  documentationParts: [{location: {type: API}, properties: {}}]",
        base="x-amazon-apigateway-documentation:\n  version: '1'",
    ),
    ("1.14", "documentation", "location.type"): (
        document(DOC_PART.replace("RESPONSE_HEADER", "API")),
        document(DOC_PART),
    ),
    ("1.14", "documentation", "location.path"): _root("        path: /a", base=DOC_PART),
    ("1.14", "documentation", "location.method"): _root("        method: GET", base=DOC_PART),
    ("1.14", "documentation", "location.statusCode"): _root(
        "        statusCode: '200'", base=DOC_PART
    ),
    ("1.14", "documentation", "location.name"): _root("        name: X-Id", base=DOC_PART),
    ("1.14", "documentation", "properties"): _root(
        "      properties: {description: d}", base=DOC_PART
    ),
    # §1.15 HTTP-only root extensions: CORS (the other two are in §1.0)
    ("1.15", "cors", "allowOrigins"): _root("  allowOrigins: ['*']", base=CORS + "\n  maxAge: 1"),
    ("1.15", "cors", "allowCredentials"): _root(
        "  allowCredentials: true", base=CORS + "\n  maxAge: 1"
    ),
    ("1.15", "cors", "exposeHeaders"): _root("  exposeHeaders: [a]", base=CORS + "\n  maxAge: 1"),
    ("1.15", "cors", "maxAge"): _root("  maxAge: 1", base=CORS + "\n  allowCredentials: true"),
    ("1.15", "cors", "allowMethods"): _root("  allowMethods: [GET]", base=CORS + "\n  maxAge: 1"),
    ("1.15", "cors", "allowHeaders"): _root("  allowHeaders: [a]", base=CORS + "\n  maxAge: 1"),
}


def _dump(text: str) -> object:
    api, diagnostics = lower_text(text)
    assert api is not None, [d.message for d in diagnostics]
    return dump(api)


@pytest.mark.parametrize(
    ("without", "with_"),
    [pytest.param(*docs, id=".".join(p for p in key[1:] if p)) for key, docs in LOWERED.items()],
)
def test_every_extension_property_is_lowered(without: str, with_: str) -> None:
    assert _dump(without) != _dump(with_)


# -- the table against the reference ------------------------------------------------------------
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "api-gateway-spec.md"
TABLE_SECTIONS = ("1.0", "1.1", "1.4", "1.11")  # sections whose properties are in a table
_ROW = re.compile(r"^\| `([^`]+)` \|", re.M)


def _reference_names(section: str) -> set[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    start = text.index(f"### {section} ")
    end = text.find("\n### ", start + 1)
    body = text[start:end]
    names = set()
    for table in re.split(r"\n\n", body):
        head = table.strip().splitlines()[0] if table.strip() else ""
        if head.startswith(("| Property", "| Extension")):
            names.update(_ROW.findall(table))
    return names


@pytest.mark.parametrize("section", TABLE_SECTIONS)
def test_table_covers_the_reference(section: str) -> None:
    covered = {prop.split(".")[0] for (sec, _, prop) in LOWERED if sec == section}
    if section == "1.1":  # §1.1.3's response properties are listed with §1.1's
        covered |= {prop for (sec, ext, prop) in LOWERED if sec == section and ext == "response"}
    missing = _reference_names(section) - covered
    assert not missing, f"§{section} properties with no row in LOWERED: {sorted(missing)}"
