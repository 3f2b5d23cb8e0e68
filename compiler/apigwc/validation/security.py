"""Security rules: schemes, authorizers and requirements (reference §1.4 to §1.6, §6.2, §6.3).

Flows in: the IR `Api` (security schemes with their `Authorizer`, each method's requirements,
the root `security` and `x-apigwc.identities`). Flows out: AGW401 to AGW409, AGW466 and AGW470 to AGW479.
Values that are CloudFormation intrinsics or hold `${...}` placeholders are resolved only at
deploy time, so their form is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apigwc.diagnostics.catalogue import Code
from apigwc.diagnostics.model import Origin, Severity
from apigwc.ir.api import Api
from apigwc.ir.auth import Authorizer, SecurityScheme
from apigwc.ir.base import Deployable
from apigwc.ir.enums import ApiKeySource, AuthorizerType, Protocol
from apigwc.ir.integration import lambda_function
from apigwc.ir.method import Method
from apigwc.lowering.effective import effective_security, uses_iam_auth
from apigwc.validation.base import Report
from apigwc.validation.examples import document

E, W = Severity.ERROR, Severity.WARNING
T, R, C, J = (
    AuthorizerType.TOKEN,
    AuthorizerType.REQUEST,
    AuthorizerType.COGNITO_USER_POOLS,
    AuthorizerType.JWT,
)

_OP = """paths:
  /pets:
    get:
      {security}responses: {{"200": {{description: ok}}}}
"""


def _scheme(body: str, security: str = "security: [{auth: []}]\n      ", head: str = "") -> str:
    """A one-operation document whose operation names scheme `auth`, defined by `body`."""
    return document(
        head + _OP.format(security=security) + "components:\n  securitySchemes:\n    auth:\n" + body
    )


_LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations"
)
_HTTP = "x-apigwc: {protocol: HTTP}\n"
_POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123"


def _authorizer(lines: str, scheme: str = "type: apiKey, name: Authorization, in: header") -> str:
    """The body of scheme `auth`: `scheme` fields plus an authorizer made of `lines`."""
    fields = "".join(f"      {part.strip()}\n" for part in scheme.split(","))
    extension = "".join(f"        {line}\n" for line in lines.strip().splitlines())
    return fields + "      x-amazon-apigateway-authorizer:\n" + extension


_TOKEN = f"type: token\nauthorizerUri: {_LAMBDA_URI}\n"
_HTTP_REQUEST = (
    f"type: request\nauthorizerUri: {_LAMBDA_URI}\nauthorizerPayloadFormatVersion: '2.0'\n"
    "identitySource: $request.header.Authorization\n"
)
_JWT = "type: jwt\nidentitySource: $request.header.Authorization\njwtConfiguration:\n"


CODES = (
    Code(
        "AGW401",
        "undefined-security-scheme",
        W,
        "security requirement names {scheme!r}, which no security scheme defines; the method is not protected by it",
        "define it under {place}, or fix the name",
        "A requirement naming an undefined scheme protects nothing. Not an error: SAM-generated "
        "bodies name `api_key` before SAM adds its definition, and such documents deploy.",
        bad=_scheme(
            "      {type: apiKey, name: x-api-key, in: header}\n", "security: [{key: []}]\n      "
        ),
        good=_scheme("      {type: apiKey, name: x-api-key, in: header}\n"),
    ),
    Code(
        "AGW402",
        "rest-scheme-form",
        W,
        "security scheme {scheme!r} is {form}; a REST API honours only `type: apiKey` with `in: header`{extra}",
        "write it as {{type: apiKey, name: Authorization, in: header}} and put the logic in a Lambda or Cognito authorizer",
        "API Gateway's REST importer reads only apiKey schemes in a header (the guide's known issues: OAuth2 and "
        "Basic work only through Lambda authorizers); a method naming another kind of scheme is not "
        "protected as the spec says. A `request` authorizer may read a query parameter instead.",
        bad=_scheme("      {type: http, scheme: bearer}\n"),
        good=_scheme(_authorizer(_TOKEN)),
    ),
    Code(
        "AGW403",
        "authorizer-type-flavour",
        E,
        "authorizer type {type!r} is not available to {api} APIs (they take {allowed})",
        "use one of {allowed}, or change the API flavour",
        "REST APIs have `token`, `request` and `cognito_user_pools` authorizers; HTTP APIs have "
        "`request` (Lambda) and `jwt`. The importer refuses the other ones.",
        bad=_scheme(_authorizer(_TOKEN), head=_HTTP),
        good=_scheme(_authorizer(_HTTP_REQUEST), head=_HTTP),
    ),
    Code(
        "AGW404",
        "identity-source-syntax",
        E,
        "identity source {source!r} is not valid for a {api} {type} authorizer: {reason}",
        "write {expected}",
        "Each authorizer type reads its identity from a fixed set of mapping expressions "
        "(the authorizer pages of the API Gateway guide): REST uses `method.request.header.X`, HTTP uses `$request.header.X`. "
        "An error: a TOKEN (and Cognito) authorizer reads its token from one header only — the "
        "x-amazon-apigateway-authorizer page gives `method.request.header.<name>` as its only "
        "form, and no AWS record shows another source accepted.",
        bad=_scheme(_authorizer(_TOKEN + "identitySource: $request.header.Authorization\n")),
        good=_scheme(_authorizer(_TOKEN + "identitySource: method.request.header.Authorization\n")),
    ),
    Code(
        "AGW405",
        "authorizer-ttl-range",
        E,
        "authorizerResultTtlInSeconds is {ttl}; API Gateway accepts 0 to 3600",
        "use a value from 0 (no caching) to 3600",
        "The authorizer result cache lives at most one hour (API Gateway quotas).",
        bad=_scheme(_authorizer(_TOKEN + "authorizerResultTtlInSeconds: 7200\n")),
        good=_scheme(_authorizer(_TOKEN + "authorizerResultTtlInSeconds: 3600\n")),
    ),
    Code(
        "AGW406",
        "authorizer-uri-form",
        E,
        "authorizerUri of {scheme!r} {problem}",
        "write arn:aws:apigateway:{{region}}:lambda:path/2015-03-31/functions/{{function ARN}}/invocations",
        "A Lambda authorizer is invoked through its API Gateway Lambda invocation URI.",
        bad=_scheme(
            _authorizer(
                "type: token\nauthorizerUri: arn:aws:lambda:us-east-1:123456789012:function:Auth\n"
            )
        ),
        good=_scheme(_authorizer(_TOKEN)),
    ),
    Code(
        "AGW407",
        "cognito-provider-arns",
        E,
        "Cognito authorizer {scheme!r} {problem}",
        "list the user pools as arn:aws:cognito-idp:{{region}}:{{account}}:userpool/{{pool id}}",
        "A `cognito_user_pools` authorizer needs `providerARNs`, each a Cognito user pool ARN.",
        bad=_scheme(
            _authorizer("type: cognito_user_pools\nproviderARNs: [userpool/us-east-1_AbC123]\n")
        ),
        good=_scheme(_authorizer(f"type: cognito_user_pools\nproviderARNs: ['{_POOL}']\n")),
    ),
    Code(
        "AGW408",
        "jwt-issuer",
        E,
        "JWT authorizer {scheme!r} {problem}",
        "set jwtConfiguration.issuer to the token issuer's URL (for Cognito https://cognito-idp.{{region}}.amazonaws.com/{{pool id}})",
        "A JWT authorizer needs an issuer URI of at most 2048 characters, from `jwtConfiguration.issuer` "
        "or the scheme's `openIdConnectUrl`.",
        bad=_scheme(
            _authorizer(_JWT + "  audience: [client1]\n", "type: oauth2, flows: {}"), head=_HTTP
        ),
        good=_scheme(
            _authorizer(
                _JWT + "  issuer: https://issuer.example.com\n  audience: [client1]\n",
                "type: oauth2, flows: {}",
            ),
            head=_HTTP,
        ),
    ),
    Code(
        "AGW409",
        "jwt-audience",
        E,
        "JWT authorizer {scheme!r} lists {count} audiences; API Gateway accepts at most 50",
        "keep at most 50 client ids (the limit is not raisable)",
        "Audiences per JWT authorizer: 50 (HTTP API quotas).",
        bad=_scheme(
            _authorizer(
                _JWT
                + "  issuer: https://issuer.example.com\n  audience: ["
                + ", ".join(f"c{i}" for i in range(51))
                + "]\n",
                "type: oauth2, flows: {}",
            ),
            head=_HTTP,
        ),
        good=_scheme(
            _authorizer(
                _JWT + "  issuer: https://issuer.example.com\n  audience: [c1]\n",
                "type: oauth2, flows: {}",
            ),
            head=_HTTP,
        ),
    ),
    Code(
        "AGW470",
        "http-one-security-requirement",
        E,
        "this route names {count} security schemes; an HTTP API route takes exactly one of IAM, Lambda or JWT",
        "keep one requirement with one scheme",
        "The HTTP API importer refuses an operation with several security requirements (the guide page on OpenAPI for HTTP APIs).",
        bad=_scheme(_authorizer(_HTTP_REQUEST), "security: [{auth: []}, {}]\n      ", head=_HTTP),
        good=_scheme(_authorizer(_HTTP_REQUEST), head=_HTTP),
    ),
    Code(
        "AGW471",
        "scopes-not-allowed",
        W,
        "scopes {scopes} on {scheme!r} are ignored: {reason}",
        "remove the scopes, or use {allowed}",
        "Authorization scopes apply to Cognito user pool authorizers (REST) and JWT authorizers (HTTP) only.",
        bad=_scheme(_authorizer(_TOKEN), "security: [{auth: [pets/read]}]\n      "),
        good=_scheme(_authorizer(_TOKEN)),
    ),
    Code(
        "AGW472",
        "authorizer-payload-format",
        E,
        "Lambda authorizer {scheme!r} {problem}",
        "set authorizerPayloadFormatVersion to '2.0' (or '1.0' without enableSimpleResponses)",
        "An HTTP API Lambda authorizer needs `authorizerPayloadFormatVersion` 1.0 or 2.0; "
        "`enableSimpleResponses` works only with 2.0.",
        bad=_scheme(
            _authorizer(_HTTP_REQUEST.replace("'2.0'", "'1.0'") + "enableSimpleResponses: true\n"),
            head=_HTTP,
        ),
        good=_scheme(_authorizer(_HTTP_REQUEST + "enableSimpleResponses: true\n"), head=_HTTP),
    ),
    Code(
        "AGW473",
        "api-key-source-authorizer",
        W,
        "x-amazon-apigateway-api-key-source is AUTHORIZER but no Lambda authorizer {where}; key-required methods will answer 403",
        "add a token or request authorizer that returns usageIdentifierKey, or use HEADER",
        "With source AUTHORIZER the API key is the `usageIdentifierKey` a Lambda authorizer returns; "
        "without one every API key check fails at run time.",
        bad=_scheme(
            "      {type: apiKey, name: x-api-key, in: header}\n",
            head="x-amazon-apigateway-api-key-source: AUTHORIZER\n",
        ),
        good=_scheme(
            "      {type: apiKey, name: x-api-key, in: header}\n",
            head="x-amazon-apigateway-api-key-source: HEADER\n",
        ),
    ),
    Code(
        "AGW474",
        "root-security-ignored",
        W,
        "REST APIs ignore root-level `security`; methods without their own `security` are not protected",
        "put `security` on each operation",
        "API Gateway's REST importer does not apply a document-level security requirement (the guide's known issues).",
        bad=_scheme(_authorizer(_TOKEN), "", head="security: [{auth: []}]\n"),
        good=_scheme(_authorizer(_TOKEN)),
    ),
    Code(
        "AGW475",
        "local-identities-missing",
        W,
        "{kind} {scheme!r} is used, but x-apigwc.identities.{key} is empty; `apigwc serve` cannot check these callers locally",
        "add x-apigwc.identities.{key} (see the README's spec dialect section)",
        "Cognito and JWT tokens and IAM signatures cannot be checked offline as in the cloud: `serve` "
        "needs local user pools (issuer + JWKS) or IAM credentials.",
        bad=_scheme(_authorizer(f"type: cognito_user_pools\nproviderARNs: ['{_POOL}']\n")),
        good=_scheme(
            _authorizer(f"type: cognito_user_pools\nproviderARNs: ['{_POOL}']\n"),
            head=(
                "x-apigwc:\n  identities:\n    cognitoUserPools:\n      pool:\n"
                "        issuer: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123\n"
                "        jwks: jwks.json\n"
            ),
        ),
    ),
    # Issue 4 item 9: where the local runtime does not run an authorizer, `validate` says so.
    # REST Lambda authorizers (TOKEN, REQUEST) and HTTP API Lambda authorizers with a local
    # function run, API keys and IAM signatures are checked (issue 12); when everything does, retire this code (`retired=True`, codes are never reused).
    Code(
        "AGW476",
        "serve-cannot-enforce",
        W,
        "`apigwc serve` does not enforce {what}: locally the {count} route(s) using {scheme!r} answer {status}",
        "give the authorizer's function a local handler in x-apigwc.functions if it has none; "
        "otherwise test these routes against a deployed stage",
        "The local runtime runs REST Lambda authorizers (TOKEN and REQUEST) and HTTP API Lambda "
        "authorizers (REQUEST, payload 1.0 and 2.0) whose function has a "
        "local handler in `x-apigwc.functions`, and checks the API keys of REST methods that "
        "require one (`x-apigwc.apiKeys` in a usage plan for the stage), and verifies IAM "
        "(SigV4) signatures (AGW466 when it has no identity to check them against). It does not "
        "yet run Cognito or JWT authorizers: such routes answer as API Gateway does for a "
        "misconfigured authorizer (500) instead of serving open. A Lambda authorizer whose "
        "function has no local handler answers 500 AUTHORIZER_CONFIGURATION_ERROR.",
        bad=_scheme(_authorizer(_TOKEN)),
        good=_scheme(
            _authorizer(_TOKEN),
            head="x-apigwc:\n  functions:\n    Auth: {handler: auth:handler}\n",
        ),
    ),
    # Issue 12 point 6: `apigwc serve` checks API keys; a route requiring one in a stage where no
    # key can be presented answers 403 to every request there.
    Code(
        "AGW479",
        "api-key-unusable-locally",
        W,
        "the {count} route(s) using {scheme!r} require an API key, but no enabled key of "
        "x-apigwc.apiKeys with a value is in a usage plan for stage(s) {stages}: locally they "
        "answer 403 Forbidden there",
        "give x-apigwc.apiKeys a key with a value (20-128 letters and digits) and list it with "
        "these stages in a usage plan of x-apigwc.usagePlans",
        "`apigwc serve` accepts an API key (the `X-API-Key` header, or a Lambda authorizer's "
        "`usageIdentifierKey`) when it is the `value` of an enabled key of `x-apigwc.apiKeys` in a "
        "usage plan listing the stage, as API Gateway does. A key without a `value` gets one "
        "generated in AWS, which a local run cannot know.",
        bad=_scheme("      {type: apiKey, name: x-api-key, in: header}\n"),
        good=_scheme(
            "      {type: apiKey, name: x-api-key, in: header}\n",
            head=(
                "x-apigwc:\n  apiKeys:\n    partner: {value: partnerKey0123456789abc}\n"
                "  usagePlans:\n    basic: {stages: [dev], apiKeys: [partner]}\n"
            ),
        ),
    ),
    # Issue 12 points 5 and 7: `apigwc serve` verifies SigV4 signatures against local IAM
    # credentials; without any, an IAM route refuses every caller.
    Code(
        "AGW466",
        "iam-unusable-locally",
        W,
        "the {count} route(s) using {scheme!r} require a SigV4 signature (AWS_IAM), but "
        "x-apigwc.identities.iamCredentials is empty: locally they answer {answer}",
        "add an identity to x-apigwc.identities.iamCredentials (accessKeyId, secretAccessKey, "
        "and a policy allowing execute-api:Invoke on these routes)",
        "`apigwc serve` verifies a SigV4 signature for service `execute-api` against the "
        "credentials of `x-apigwc.identities.iamCredentials`, then judges the identity's policy "
        "(and the API's resource policy) for `execute-api:Invoke` on the method ARN, as API "
        "Gateway does. A signature can only be checked against a secret it knows: with no local "
        "identity every caller is refused.",
        bad=_scheme(
            "      {type: apiKey, name: Authorization, in: header, "
            "x-amazon-apigateway-authtype: awsSigv4}\n"
        ),
        good=_scheme(
            "      {type: apiKey, name: Authorization, in: header, "
            "x-amazon-apigateway-authtype: awsSigv4}\n",
            head=(
                "x-apigwc:\n  identities:\n    iamCredentials:\n      ci:\n"
                "        {accessKeyId: AKIDLOCAL, secretAccessKey: local-secret, policy: "
                "{Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}}\n"
            ),
        ),
    ),
    Code(
        "AGW477",
        "identity-source-required",
        E,
        "{type} authorizer {scheme!r} caches results (TTL {ttl}) but has no identity source",
        "add identitySource, or set authorizerResultTtlInSeconds to 0",
        "A request authorizer's identity sources are its cache key: API Gateway requires them when "
        "caching is on (TTL > 0; REST's default TTL is 300).",
        bad=_scheme(
            _authorizer(
                f"type: request\nauthorizerUri: {_LAMBDA_URI}\n",
                "type: apiKey, name: Unused, in: header",
            )
        ),
        good=_scheme(
            _authorizer(
                f"type: request\nauthorizerUri: {_LAMBDA_URI}\nauthorizerResultTtlInSeconds: 0\n",
                "type: apiKey, name: Unused, in: header",
            )
        ),
    ),
)

# -- identity sources (reference §1.4 table) ------------------------------------------------
_NAME = r"[^\s,.][^\s,]*"
_SOURCES: dict[tuple[Protocol, AuthorizerType], tuple[str, bool, str]] = {
    # (flavour, type) -> (pattern of one expression, several allowed, what to write)
    (Protocol.REST, T): (
        rf"method\.request\.header\.{_NAME}",
        False,
        "method.request.header.<name>",
    ),
    (Protocol.REST, C): (
        rf"method\.request\.header\.{_NAME}",
        False,
        "method.request.header.<name>",
    ),
    (Protocol.REST, R): (
        rf"(method\.request\.(header|querystring|multivalueheader|multivaluequerystring|path)\.{_NAME}"
        rf"|stageVariables\.{_NAME}|context\.{_NAME})",
        True,
        "method.request.header|querystring.<name>, stageVariables.<name> or context.<name>, comma separated",
    ),
    # The HTTP importer also takes REST-style header/query expressions: AWS's own authtype example
    # for HTTP APIs writes `method.request.header.Authorization`.
    (Protocol.HTTP, R): (
        rf"(\$(request\.(header|querystring)\.{_NAME}|context\.{_NAME}|stageVariables\.{_NAME})"
        rf"|method\.request\.(header|querystring)\.{_NAME})",
        True,
        "$request.header|querystring.<name>, $context.<name> or $stageVariables.<name>, comma separated",
    ),
    (Protocol.HTTP, J): (
        rf"\$request\.(header|querystring)\.{_NAME}",
        False,
        "exactly one $request.header.<name> or $request.querystring.<name>",
    ),
}
_ALLOWED_TYPES = {
    Protocol.REST: (T, R, C),
    Protocol.HTTP: (R, J),
}
_LAMBDA_URI_RE = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/\d{4}-\d{2}-\d{2}/functions/"
    r"arn:aws[a-z-]*:lambda:[^:/]+:[^:/]+:function:[^:/]+(:[^:/]+)?/invocations"
)
_POOL_RE = re.compile(
    r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+"
)
_URL_RE = re.compile(r"https?://[^\s]+")


def check(api: Api, report: Report) -> None:
    _check_requirements(api, report)
    for scheme in api.security_schemes:
        if scheme.authorizer is not None:
            _check_authorizer(api, scheme, scheme.authorizer, report)
    _check_rest_scheme_forms(api, report)
    _check_api_key_source(api, report)
    if api.protocol is Protocol.REST and api.security:
        report("AGW474", api.origin.child("security") if api.origin else None, at_key=True)
    _check_local_enforcement(api, report)
    _check_local_keys(api, report)


def _place(api: Api) -> str:
    swagger = api.source_format.value == "swagger2"
    return "securityDefinitions" if swagger else "components.securitySchemes"


def _check_requirements(api: Api, report: Report) -> None:
    defined = {s.name: s for s in api.security_schemes}
    for method in api.methods:
        requirements = method.security or ()  # the root requirement is checked on its own
        if api.protocol is Protocol.HTTP:
            count = sum(max(len(r.schemes), 1) for r in requirements)
            if count > 1:
                report("AGW470", requirements[0].origin, count=count)
        for requirement in requirements:
            for name, scopes in requirement.schemes.items():
                scheme = defined.get(name)
                if scheme is None:
                    report("AGW401", requirement.origin, scheme=name, place=_place(api))
                elif scopes:
                    _check_scopes(api, scheme, scopes, report, requirement.origin)


def _check_scopes(
    api: Api, scheme: SecurityScheme, scopes: tuple[str, ...], report: Report, origin: Origin | None
) -> None:
    kind = scheme.authorizer.type if scheme.authorizer else None
    allowed = C if api.protocol is Protocol.REST else J
    if kind is allowed:
        return
    what = {C: "a Cognito user pool authorizer", J: "a JWT authorizer"}[allowed]
    reason = f"{scheme.name!r} is {_describe(scheme)}, not {what}"
    report(
        "AGW471",
        origin,
        scopes=list(scopes),
        scheme=scheme.name,
        reason=reason,
        allowed=what,
    )


def _describe(scheme: SecurityScheme) -> str:
    if scheme.authorizer is not None:
        return f"a {scheme.authorizer.type.value.lower()} authorizer"
    if scheme.is_iam:
        return "IAM (awsSigv4)"
    return f"a scheme of type {scheme.type!r}"


# -- authorizers -----------------------------------------------------------------------------
def _check_authorizer(api: Api, scheme: SecurityScheme, auth: Authorizer, report: Report) -> None:
    allowed = _ALLOWED_TYPES[api.protocol]
    if auth.type not in allowed:
        names = ", ".join(t.value.lower() for t in allowed)
        report(
            "AGW403",
            auth.origin.child("type") if auth.origin else None,
            type=auth.type.value.lower(),
            api=api.protocol.value,
            allowed=names,
        )
        return
    _check_identity_source(api, scheme, auth, report)
    ttl = auth.result_ttl_in_seconds
    if ttl is not None and not 0 <= ttl <= 3600:
        report("AGW405", _at(auth, "authorizerResultTtlInSeconds"), ttl=ttl)
    if auth.type in (T, R):
        _check_authorizer_uri(scheme, auth, report)
    if auth.type is C:
        _check_provider_arns(scheme, auth, report)
    if auth.type is J:
        _check_jwt(scheme, auth, report)
    if api.protocol is Protocol.HTTP and auth.type is R:
        _check_payload_format(scheme, auth, report)


def _at(auth: Authorizer, key: str) -> Origin | None:
    return auth.origin.child(key) if auth.origin else None


def _check_identity_source(
    api: Api, scheme: SecurityScheme, auth: Authorizer, report: Report
) -> None:
    source = auth.identity_source
    if not source:
        _check_source_required(api, scheme, auth, report)
        return
    pattern, several, expected = _SOURCES[(api.protocol, auth.type)]
    parts = [p.strip() for p in source.split(",")]
    reason = ""
    if not several and len(parts) > 1:
        reason = "it takes a single expression"
    else:
        bad = [p for p in parts if not re.fullmatch(pattern, p)]
        reason = f"{bad[0]!r} is not one of its expressions" if bad else ""
    if reason:
        report(
            "AGW404",
            _at(auth, "identitySource"),
            source=source,
            api=api.protocol.value,
            type=auth.type.value.lower(),
            reason=reason,
            expected=expected,
        )


def _check_source_required(
    api: Api, scheme: SecurityScheme, auth: Authorizer, report: Report
) -> None:
    if auth.type is not R:
        return
    default_ttl = 300 if api.protocol is Protocol.REST else 0
    ttl = auth.result_ttl_in_seconds if auth.result_ttl_in_seconds is not None else default_ttl
    if ttl > 0:
        report("AGW477", auth.origin, type="request", scheme=scheme.name, ttl=ttl)


def _deploy_time(value: Deployable | None) -> bool:
    """Intrinsics and `${...}` placeholders take their value at deploy time."""
    return value is not None and (not isinstance(value, str) or "${" in value)


def _check_authorizer_uri(scheme: SecurityScheme, auth: Authorizer, report: Report) -> None:
    uri = auth.authorizer_uri
    if uri is None:
        report("AGW406", auth.origin, scheme=scheme.name, problem="is missing")
    elif not _deploy_time(uri) and not _LAMBDA_URI_RE.fullmatch(str(uri)):
        report(
            "AGW406",
            _at(auth, "authorizerUri"),
            scheme=scheme.name,
            problem=f"is {uri!r}, not a Lambda invocation URI",
        )


def _check_provider_arns(scheme: SecurityScheme, auth: Authorizer, report: Report) -> None:
    if not auth.provider_arns:
        report("AGW407", auth.origin, scheme=scheme.name, problem="has no providerARNs")
        return
    for i, arn in enumerate(auth.provider_arns):
        if not _deploy_time(arn) and not _POOL_RE.fullmatch(str(arn)):
            origin = auth.origin.child("providerARNs", i) if auth.origin else None
            report(
                "AGW407", origin, scheme=scheme.name, problem=f"names {arn!r}, not a user pool ARN"
            )


def _check_jwt(scheme: SecurityScheme, auth: Authorizer, report: Report) -> None:
    jwt = auth.jwt_configuration
    issuer = jwt.issuer if jwt else None
    if issuer is None:
        issuer = scheme.open_id_connect_url
    if issuer is None:
        where = jwt.origin if jwt and jwt.origin else auth.origin  # where the issuer belongs
        report("AGW408", where, at_key=True, scheme=scheme.name, problem="has no issuer")
    elif not _deploy_time(issuer):
        text = str(issuer)
        if not _URL_RE.fullmatch(text) or len(text) > 2048:
            where = jwt.origin.child("issuer") if jwt and jwt.origin and jwt.issuer else auth.origin
            report(
                "AGW408",
                where,
                scheme=scheme.name,
                problem=f"has issuer {text[:80]!r}, not a URL of at most 2048 characters",
            )
    if jwt is not None and len(jwt.audience) > 50:
        where = jwt.origin.child("audience") if jwt.origin else None
        report("AGW409", where, scheme=scheme.name, count=len(jwt.audience))


def _check_payload_format(scheme: SecurityScheme, auth: Authorizer, report: Report) -> None:
    version = auth.payload_format_version
    if version not in ("1.0", "2.0"):
        problem = (
            "needs authorizerPayloadFormatVersion"
            if version is None
            else f"has authorizerPayloadFormatVersion {version!r}; expected '1.0' or '2.0'"
        )
        # AWS's own HTTP API authtype example omits it and is documented as importable: a
        # missing version warns; a wrong one is refused.
        severity = Severity.WARNING if version is None else None
        report("AGW472", auth.origin, severity=severity, scheme=scheme.name, problem=problem)
    elif auth.enable_simple_responses and version != "2.0":
        problem = "sets enableSimpleResponses, which needs authorizerPayloadFormatVersion '2.0'"
        report("AGW472", _at(auth, "enableSimpleResponses"), scheme=scheme.name, problem=problem)


# -- schemes and key source -------------------------------------------------------------------
def _used_schemes(api: Api) -> dict[str, list[Method]]:
    used: dict[str, list[Method]] = {}
    for method in api.methods:
        for requirement in effective_security(api, method):
            for name in requirement.schemes:
                used.setdefault(name, []).append(method)
    return used


def _check_rest_scheme_forms(api: Api, report: Report) -> None:
    if api.protocol is not Protocol.REST:
        return
    used = _used_schemes(api)
    for scheme in api.security_schemes:
        if scheme.name not in used:
            continue
        problem = _rest_form_problem(scheme)
        if problem:
            form, extra = problem
            report("AGW402", scheme.origin, scheme=scheme.name, form=form, extra=extra)


def _rest_form_problem(scheme: SecurityScheme) -> tuple[str, str] | None:
    if (scheme.auth_type or "").lower().startswith("aws"):
        return None  # awsSigv4 means AWS_IAM whatever the scheme's other fields say
    if scheme.type != "apiKey":
        kind = scheme.type + (f"/{scheme.scheme}" if scheme.scheme else "")
        return f"of type {kind!r}", ""
    location = scheme.location or "header"
    auth = scheme.authorizer
    if location == "header" or (auth is not None and auth.type is R and location == "query"):
        return None
    extra = " (a request authorizer may also read a query parameter)"
    return f"an apiKey in {location!r}", extra


def _check_api_key_source(api: Api, report: Report) -> None:
    if api.api_key_source is not ApiKeySource.AUTHORIZER:
        return
    lambdas = [s for s in api.security_schemes if s.authorizer and s.authorizer.type in (T, R)]
    if not lambdas:
        origin = api.origin.child("x-amazon-apigateway-api-key-source") if api.origin else None
        report("AGW473", origin, where="is defined")


# -- what `apigwc serve` can run locally -----------------------------------------------------
def _check_local_enforcement(api: Api, report: Report) -> None:
    identities = api.deployment.identities
    pools = identities.cognito_user_pools if identities else {}
    iam = identities.iam_credentials if identities else {}
    _check_auth_extension(api, bool(iam), report)
    for scheme, methods in _scheme_uses(api):
        kind = scheme.authorizer.type if scheme.authorizer else None
        if kind in (C, J) and not pools:
            name = "Cognito authorizer" if kind is C else "JWT authorizer"
            report("AGW475", scheme.origin, kind=name, scheme=scheme.name, key="cognitoUserPools")
        if scheme.is_iam and not iam:
            count, answer = len(methods), _iam_answer(api)
            report("AGW466", scheme.origin, count=count, scheme=scheme.name, answer=answer)
        what, status = _enforcement(scheme, api)
        if what:
            report(
                "AGW476",
                scheme.origin,
                what=what,
                count=len(methods),
                scheme=scheme.name,
                status=status,
            )


def _check_auth_extension(api: Api, has_iam_identities: bool, report: Report) -> None:
    """`x-amazon-apigateway-auth: {type: AWS_IAM}` protects methods without naming a scheme."""
    methods = [m for m in api.methods if uses_iam_auth(m)]
    if not methods:
        return
    first = methods[0].origin
    at = first.child("x-amazon-apigateway-auth") if first else None
    name = "x-amazon-apigateway-auth"
    if not has_iam_identities:
        report("AGW466", at, count=len(methods), scheme=name, answer=_iam_answer(api))


def _iam_answer(api: Api) -> str:
    """What an IAM route answers locally when no identity can sign for it (iam_authorizer.py)."""
    if api.protocol is Protocol.HTTP:
        return '403 {"message":"Forbidden"}'
    return (
        "403 Missing Authentication Token when unsigned, 403 `The security token included in "
        "the request is invalid.` when signed"
    )


def _check_local_keys(api: Api, report: Report) -> None:
    """REST routes requiring an API key in stages where no key can be presented locally."""
    if api.protocol is not Protocol.REST:
        return
    deployment = api.deployment
    usable = {
        stage
        for name, key in deployment.api_keys.items()
        if key.enabled and isinstance(key.value, str) and key.value
        for plan in deployment.usage_plans.values()
        if name in plan.api_keys
        for stage in plan.stages
    }
    stages = [s for s in deployment.stage_names if s not in usable]
    for scheme, methods in _scheme_uses(api):
        if scheme.is_api_key and stages:
            where = ", ".join(repr(s) for s in stages)
            report("AGW479", scheme.origin, count=len(methods), scheme=scheme.name, stages=where)


def _scheme_uses(api: Api) -> Iterator[tuple[SecurityScheme, list[Method]]]:
    used = _used_schemes(api)
    for scheme in api.security_schemes:
        if scheme.name in used:
            yield scheme, used[scheme.name]


def _enforcement(scheme: SecurityScheme, api: Api) -> tuple[str, str]:
    """What `serve` does not enforce for a scheme and what its routes answer ("": it does)."""
    auth, rest = scheme.authorizer, api.protocol is Protocol.REST
    # REST TOKEN and REQUEST authorizers run, and HTTP API REQUEST (payload 1.0 and 2.0) ones.
    http_lambda = api.protocol is Protocol.HTTP and auth is not None and auth.type is R
    if auth is not None and ((auth.type in (T, R) and rest) or http_lambda):
        if _has_local_function(api, auth.authorizer_uri):
            return "", ""
        kind = auth.type.value.lower()
        what = f"the {kind} authorizer, whose function has no local handler in x-apigwc.functions"
        return what, "500 AUTHORIZER_CONFIGURATION_ERROR"
    if auth is not None:
        return f"{auth.type.value.lower()} authorizers yet", "500"
    # IAM signatures are verified (runtime/security/iam_authorizer.py; AGW466 without identities).
    # API keys of REST methods are checked (runtime/security/api_key.py).
    return "", ""


def _has_local_function(api: Api, uri: Deployable | None) -> bool:
    """Does a Lambda ARN name a function of `x-apigwc.functions` (an alias or version dropped)?"""
    name = lambda_function(uri)
    functions = api.deployment.functions
    return name is not None and (name in functions or name.split(":")[0] in functions)
