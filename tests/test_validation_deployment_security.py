"""Security, deployment and limits rules beyond their catalogue examples: the edges of each rule,
the leniency the corpus taught (AWS accepts it, so apigwc must), and the repository's own specs.

Each case is a small document run through the real loader, lowering and validation; a case lists
the codes (of these three rule modules) that must and must not be reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apigwc.diagnostics import Sink
from apigwc.diagnostics.model import Severity
from apigwc.ir.base import GetAtt, Sub
from apigwc.ir.integration import lambda_function
from apigwc.loader import load_text
from apigwc.lowering import lower
from apigwc.pipeline import compile_spec
from apigwc.validation import deployment, domains, limits, security, validate

ROOT = Path(__file__).resolve().parent.parent
OURS = {c.code for m in (security, deployment, domains, limits) for c in m.CODES}

HEAD = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
HTTP = "x-amazon-apigateway-importexport-version: '1.0'\n"
URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations"
)
PATHS = """paths:
  /pets:
    get: {responses: {"200": {description: ok}}}
    x-amazon-apigateway-any-method: {responses: {"200": {description: ok}}}
  /vets/{proxy+}:
    get: {responses: {"200": {description: ok}}}
  /:
    get: {responses: {"200": {description: ok}}}
"""


def codes(body: str) -> set[str]:
    sink = Sink()
    doc = load_text(HEAD + body, "case.yaml", sink)
    assert doc is not None, sink.sorted()
    api = lower(doc, sink)
    assert api is not None, sink.sorted()
    validate(api, sink)
    return {d.code for d in sink.diagnostics if d.code in OURS}


def secured(authorizer: str, head: str = "", security: str = "[{auth: []}]") -> str:
    return (
        head
        + f"paths:\n  /pets:\n    get:\n      security: {security}\n"
        + '      responses: {"200": {description: ok}}\n'
        + "components:\n  securitySchemes:\n    auth:\n"
        + "      {type: apiKey, name: Authorization, in: header, "
        + f"x-amazon-apigateway-authorizer: {{{authorizer}}}}}\n"
    )


CASES = {
    # -- method settings keys: wildcards, ANY covering every verb, greedy paths, root
    "method-settings-wildcards": (
        PATHS
        + "x-apigwc:\n  stages:\n    prod:\n      methodSettings:\n"
        + "        /*/*: {metrics: true}\n        /pets/*: {metrics: true}\n"
        + "        /pets/DELETE: {metrics: true}\n        /vets/{proxy+}/GET: {metrics: true}\n"
        + "        //GET: {metrics: true}\n",
        set(),
        {"AGW483"},
    ),
    "method-settings-unknown-resource": (
        PATHS + "x-apigwc:\n  stages:\n    prod:\n      methodSettings:\n        /cats/GET: {}\n",
        {"AGW483"},
        set(),
    ),
    "method-settings-not-a-verb": (
        PATHS + "x-apigwc:\n  stages:\n    prod:\n      methodSettings:\n        /pets/FETCH: {}\n",
        {"AGW483"},
        set(),
    ),
    "usage-plan-unknown-key": (
        "paths: {}\nx-apigwc:\n  usagePlans:\n    basic: {apiKeys: [nobody]}\n",
        {"AGW488"},
        set(),
    ),
    "usage-plan-default-stage-dev": (
        "paths: {}\nx-apigwc:\n  usagePlans:\n    basic: {stages: [dev]}\n",
        set(),
        {"AGW488"},
    ),
    "stage-variable-value-with-url": (
        "paths: {}\nx-apigwc:\n  stages:\n    prod:\n"
        "      variables: {url: 'https://example.com:8443/a?b=c&d=e#f'}\n",
        set(),
        {"AGW482"},
    ),
    "access-log-extended-request-id": (
        "paths: {}\nx-apigwc:\n  stages:\n    prod:\n"
        "      accessLog: {format: '$context.extendedRequestId $context.status'}\n",
        set(),
        {"AGW498"},
    ),
    "access-log-multiline": (
        "paths: {}\nx-apigwc:\n  stages:\n    prod:\n"
        '      accessLog: {format: "$context.requestId\\n$context.status"}\n',
        {"AGW498"},
        set(),
    ),
    "regional-certificate-in-api-region": (
        "paths: {}\nx-apigwc:\n  region: eu-west-1\n  domains:\n"
        "    - {name: a.example.com, certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x'}\n",
        {"AGW492"},
        set(),
    ),
    "certificate-intrinsic-not-checked": (
        "paths: {}\nx-apigwc:\n  domains:\n"
        "    - {name: a.example.com, certificateArn: {Ref: Certificate}}\n",
        set(),
        {"AGW492"},
    ),
    "base-path-unknown-stage": (
        "paths: {}\nx-apigwc:\n  domains:\n"
        "    - {name: a.example.com, certificateArn: 'arn:aws:acm:us-east-1:1:certificate/x', "
        "basePaths: {v1: prod}}\n",
        {"AGW494"},
        set(),
    ),
    # -- the corpus: AWS's own HTTP API example writes a REST-style identity source
    "http-request-authorizer-rest-style-source": (
        secured(
            f"type: request, authorizerUri: '{URI}', authorizerPayloadFormatVersion: '2.0', "
            "identitySource: method.request.header.Authorization",
            head=HTTP,
        ),
        set(),
        {"AGW404"},
    ),
    "authorizer-uri-with-placeholders": (
        secured(
            "type: token, authorizerUri: 'arn:aws:apigateway:${AWS::Region}:lambda:path/"
            "2015-03-31/functions/${AuthFunction.Arn}/invocations'"
        ),
        set(),
        {"AGW406"},
    ),
    "authorizer-uri-placeholder-account": (
        secured(f"type: token, authorizerUri: '{URI.replace('123456789012', 'account-id')}'"),
        set(),
        {"AGW406"},
    ),
    "token-authorizer-several-sources": (
        secured(
            f"type: token, authorizerUri: '{URI}', "
            "identitySource: 'method.request.header.A, method.request.header.B'"
        ),
        {"AGW404"},
        set(),
    ),
    "rest-request-authorizer-sources": (
        secured(
            f"type: request, authorizerUri: '{URI}', identitySource: 'method.request.header.A, "
            "method.request.querystring.b, stageVariables.c, context.d'"
        ),
        set(),
        {"AGW404", "AGW477"},
    ),
    "http-request-authorizer-no-cache-no-source": (
        secured(
            f"type: request, authorizerUri: '{URI}', authorizerPayloadFormatVersion: '2.0'", HTTP
        ),
        set(),
        {"AGW477"},
    ),
    "http-authorizer-missing-payload-version-warns": (
        secured(f"type: request, authorizerUri: '{URI}', identitySource: $request.header.A", HTTP),
        {"AGW472"},
        set(),
    ),
    "jwt-issuer-from-openid-connect-url": (
        HTTP
        + "paths:\n  /pets:\n    get:\n      security: [{oidc: []}]\n"
        + '      responses: {"200": {description: ok}}\n'
        + "components:\n  securitySchemes:\n    oidc:\n      type: openIdConnect\n"
        + "      openIdConnectUrl: https://issuer.example.com/.well-known/openid-configuration\n"
        + "      x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.A}\n",
        set(),
        {"AGW408"},
    ),
    "cognito-scopes-allowed": (
        secured(
            "type: cognito_user_pools, providerARNs: "
            "['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab1']",
            security="[{auth: [pets/read]}]",
        ),
        set(),
        {"AGW471"},
    ),
    "rest-several-requirements-allowed": (
        secured(f"type: token, authorizerUri: '{URI}'", security="[{auth: []}, {}]"),
        set(),
        {"AGW470"},
    ),
    "rest-request-authorizer-query-scheme": (
        "paths:\n  /pets:\n    get:\n      security: [{auth: []}]\n"
        '      responses: {"200": {description: ok}}\n'
        "components:\n  securitySchemes:\n    auth:\n"
        "      {type: apiKey, name: token, in: query, x-amazon-apigateway-authorizer: "
        f"{{type: request, authorizerUri: '{URI}', identitySource: method.request.querystring.token}}}}\n",
        set(),
        {"AGW402"},
    ),
    "api-key-source-authorizer-with-lambda": (
        secured(
            f"type: token, authorizerUri: '{URI}'",
            head="x-amazon-apigateway-api-key-source: AUTHORIZER\n",
        ),
        set(),
        {"AGW473"},
    ),
    "iam-needs-local-credentials": (
        "paths:\n  /pets:\n    get:\n      security: [{sigv4: []}]\n"
        '      responses: {"200": {description: ok}}\n'
        "components:\n  securitySchemes:\n    sigv4:\n"
        "      {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}\n",
        {"AGW466"},
        set(),
    ),
    # -- TLS security policy: the endpoint type is checked only when x-apigwc states it
    "regional-policy-endpoint-unstated": (
        "paths: {}\nx-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_2_2021_06\n"
        "x-amazon-apigateway-endpoint-access-mode: BASIC\n",
        set(),
        {"AGW496"},
    ),
    "regional-policy-on-edge": (
        "paths: {}\nx-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_2_2021_06\n"
        "x-amazon-apigateway-endpoint-access-mode: STRICT\nx-apigwc: {endpointType: EDGE}\n",
        {"AGW496"},
        set(),
    ),
    "legacy-policy-with-access-mode": (
        "paths: {}\nx-amazon-apigateway-security-policy: TLS_1_2\n"
        "x-amazon-apigateway-endpoint-access-mode: BASIC\n",
        {"AGW496"},
        set(),
    ),
    "policy-single-statement-object": (
        "paths: {}\nx-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
        "    {Effect: Deny, NotPrincipal: {AWS: x}, Action: '*', NotResource: 'x'}\n",
        set(),
        {"AGW497"},
    ),
    "policy-too-long": (
        "paths: {}\nx-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
        + "    - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: ["
        + ", ".join(f"'execute-api:/*/GET/p{i}'" for i in range(500))
        + "]}\n",
        {"AGW497"},
        set(),
    ),
    # -- limits and feature gates
    "binary-media-wildcards": (
        "paths: {}\nx-amazon-apigateway-binary-media-types: ['*/*', 'image/*', 'application/vnd.a+json']\n",
        set(),
        {"AGW523"},
    ),
    "rest-openapi-tags-are-not-aws-tags": (
        "paths: {}\ntags:\n  - {name: 'aws:anything'}\n",
        set(),
        {"AGW525"},
    ),
    "http-api-stage-cache-ignored": (
        HTTP
        + "paths: {}\nx-apigwc:\n  stages:\n    prod: {cache: {enabled: true}, tracing: true}\n",
        {"AGW529"},
        set(),
    ),
    "cors-max-age-minus-one": (
        HTTP + "paths: {}\nx-amazon-apigateway-cors: {allowOrigins: ['*'], maxAge: -1}\n",
        set(),
        {"AGW527", "AGW528"},
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_case(name: str) -> None:
    body, must, must_not = CASES[name]
    found = codes(body)
    assert must <= found, (name, found)
    assert not (must_not & found), (name, found)


def test_payload_version_missing_is_a_warning_wrong_is_an_error() -> None:
    def severity(version: str) -> Severity:
        body = secured(
            f"type: request, authorizerUri: '{URI}', identitySource: $request.header.A{version}",
            HTTP,
        )
        sink = Sink()
        api = lower(load_text(HEAD + body, "case.yaml", sink), sink)  # type: ignore[arg-type]
        assert api is not None
        validate(api, sink)
        return next(d.severity for d in sink.diagnostics if d.code == "AGW472")

    assert severity("") is Severity.WARNING
    assert severity(", authorizerPayloadFormatVersion: '3.0'") is Severity.ERROR


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        (URI, "Auth"),
        # The alias stays: the runtime invokes `Auth:live`, found by its name `Auth`.
        (URI.replace("function:Auth/", "function:Auth:live/"), "Auth:live"),
        (
            Sub(
                template="arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${GetPet.Arn}/invocations"
            ),
            "GetPet",
        ),
        (
            Sub(
                template="arn:aws:apigateway:r:lambda:path/2015-03-31/functions/arn:aws:lambda:r:1:function:${Fn}/invocations"
            ),
            "Fn",
        ),
        (
            Sub(
                template="arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:list-pets/invocations"
            ),
            "list-pets",
        ),
        # The build and the runtime follow `Fn::GetAtt`, so `validate` reads it too.
        (GetAtt(resource="GetPet", attribute="Arn"), "GetPet"),
        (URI.replace("function:Auth/", "function:${stageVariables.fn}/"), "${stageVariables.fn}"),
        (None, None),
    ],
)
def test_lambda_function(uri: object, name: str | None) -> None:
    """One reading of the function a Lambda URI names, for the build, the runtime and AGW490."""
    assert lambda_function(uri) == name  # type: ignore[arg-type]


def test_function_warning_reads_the_uri_as_the_runtime_does() -> None:
    """AGW490 follows `Fn::GetAtt` and `${Name}` as the build does, skips a stage variable (known
    only per request) and finds `Name:alias` under `Name`."""
    template = (
        "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: URI}\n"
    )
    get_att = template.replace("URI", "{'Fn::GetAtt': [ListPets, Arn]}")
    staged = template.replace(
        "URI", "'" + URI.replace("function:Auth", "function:${stageVariables.fn}") + "'"
    )
    aliased = template.replace(
        "URI", "'" + URI.replace("function:Auth", "function:ListPets:live") + "'"
    )
    defined = "x-apigwc:\n  functions:\n    ListPets: {handler: pets:list_pets}\n"
    assert "AGW490" in codes(get_att)
    assert "AGW490" not in codes(get_att + defined)
    assert "AGW490" not in codes(staged)
    assert "AGW490" not in codes(aliased + defined)


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("team", "pets", True),
        ("cost-center", "a b:c/d=e+f-g@h_i.j", True),
        ("AWS:team", "x", False),
        ("k" * 129, "x", False),
        ("team", "v" * 257, False),
        ("team", "a;b", False),
    ],
)
def test_tag_problem(key: str, value: str, ok: bool) -> None:
    assert (limits.tag_problem(key, value) == "") is ok


def test_functions_defined_silence_the_serve_warning() -> None:
    uri = URI.replace("function:Auth", "function:ListPets")
    integration = (
        "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, "
        f"uri: '{uri}'}}\n"
    )
    assert "AGW490" in codes(integration)
    defined = integration + "x-apigwc:\n  functions:\n    ListPets: {handler: pets:list_pets}\n"
    assert "AGW490" not in codes(defined)


SPECS = sorted(
    p
    for p in (ROOT / "specs").rglob("*")
    if p.suffix in (".yaml", ".json") and {"handlers", "keys", "components"}.isdisjoint(p.parts)
)


@pytest.mark.parametrize("spec", SPECS, ids=[str(p.relative_to(ROOT)) for p in SPECS])
def test_repository_specs_have_no_errors_from_these_rules(spec: Path) -> None:
    result = compile_spec(spec)
    errors = [
        f"{d.line}:{d.column} {d.code} {d.message}"
        for d in result.sink.diagnostics
        if d.code in OURS and d.severity is Severity.ERROR
    ]
    assert not errors
