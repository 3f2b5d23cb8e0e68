"""Security schemes, `x-amazon-apigateway-authorizer` / `-authtype` / `-auth` and `security`
requirements -> IR (reference §1.4, §1.5). Markers as in tests/lowering_cases.py."""

from __future__ import annotations

import textwrap

import pytest

from tests.lowering_cases import check, document, intrinsic, operation

AUTH_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:auth/invocations"


def scheme(body: str, *, name: str = "s", swagger: bool = False, http: bool = False) -> str:
    """A document with one security scheme `name` whose properties are `body`."""
    body = textwrap.dedent(body).strip("\n")
    if swagger:
        inner = textwrap.indent(body, " " * 4)
        return document(f"securityDefinitions:\n  {name}:\n{inner}", swagger=True, http=http)
    inner = textwrap.indent(body, " " * 6)
    return document(f"components:\n  securitySchemes:\n    {name}:\n{inner}", http=http)


def authorizer(body: str, *, http: bool = False) -> str:
    """An apiKey scheme carrying `x-amazon-apigateway-authorizer: <body>`."""
    inner = textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
    return scheme(
        "type: apiKey\nname: Authorization\nin: header\nx-amazon-apigateway-authorizer:\n" + inner,
        http=http,
    )


CASES = [
    # -- scheme objects -------------------------------------------------------------------------
    pytest.param(
        scheme("type: apiKey\nname: x-api-key\nin: header\ndescription: the key"),
        {
            "scheme.name": "s",
            "scheme.type": "apiKey",
            "scheme.param_name": "x-api-key",
            "scheme.location": "header",
            "scheme.description": "the key",
            "scheme.is_api_key": True,
            "scheme.authorizer": None,
        },
        id="apiKey-scheme",
    ),
    pytest.param(
        scheme(
            "type: apiKey\nname: Authorization\nin: header\nx-amazon-apigateway-authtype: awsSigv4"
        ),
        {"scheme.auth_type": "awsSigv4", "scheme.is_iam": True, "scheme.is_api_key": False},
        id="authtype-awsSigv4-is-iam",
    ),
    pytest.param(
        scheme(
            "type: apiKey\nname: Authorization\nin: header\n"
            "x-amazon-apigateway-authtype: cognito_user_pools  # W: AGW213"
        ),
        {"scheme.auth_type": "cognito_user_pools", "scheme.is_iam": False},
        id="authtype-free-text",
    ),
    pytest.param(
        scheme("type: http\nscheme: bearer\nbearerFormat: JWT"),
        {"scheme.type": "http", "scheme.scheme": "bearer", "scheme.bearer_format": "JWT"},
        id="http-bearer-scheme",
    ),
    pytest.param(
        scheme(
            "type: openIdConnect\nopenIdConnectUrl: https://idp/.well-known/openid-configuration"
        ),
        {"scheme.open_id_connect_url": "https://idp/.well-known/openid-configuration"},
        id="openIdConnectUrl",
    ),
    pytest.param(
        scheme(
            "type: oauth2\nflows:\n  clientCredentials:\n    tokenUrl: https://t\n    scopes: {read: r}"
        ),
        {"scheme.flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {"read": "r"}}}},
        id="oauth2-flows-oas3",
    ),
    pytest.param(
        document("securityDefinitions:\n  s: {type: basic}", swagger=True),
        {"scheme.type": "http", "scheme.scheme": "basic"},
        id="swagger-basic-is-http-basic",
    ),
    pytest.param(
        document(
            """
            securityDefinitions:
              s:
                type: oauth2
                flow: accessCode
                authorizationUrl: https://a
                tokenUrl: https://t
                scopes: {read: r}
            """,
            swagger=True,
        ),
        {
            "scheme.flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://a",
                    "tokenUrl": "https://t",
                    "scopes": {"read": "r"},
                }
            }
        },
        id="swagger-oauth2-flow-as-oas3-flows",
    ),
    pytest.param(
        document(
            "securityDefinitions:\n  s: {type: oauth2, flow: application, tokenUrl: https://t}",
            swagger=True,
        ),
        {"scheme.flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {}}}},
        id="swagger-oauth2-application-flow",
    ),
    pytest.param(
        document("""
            components:
              securitySchemes:
                s: {$ref: "#/components/securitySchemes/t"}
                t: {type: apiKey, name: k, in: query}
            """),
        {"security_schemes[0].param_name": "k", "security_schemes[0].location": "query"},
        id="scheme-by-ref",
    ),
    # -- authorizers ----------------------------------------------------------------------------
    pytest.param(
        authorizer(f"""
            type: token
            authorizerUri: {AUTH_URI}
            authorizerCredentials: arn:aws:iam::1:role/invoker
            identitySource: method.request.header.Authorization
            identityValidationExpression: "^Bearer [-0-9a-zA-Z._]*$"
            authorizerResultTtlInSeconds: 60
            """),
        {
            "authorizer.name": "s",
            "authorizer.type": "TOKEN",
            "authorizer.authorizer_uri": AUTH_URI,
            "authorizer.authorizer_credentials": "arn:aws:iam::1:role/invoker",
            "authorizer.identity_source": "method.request.header.Authorization",
            "authorizer.identity_validation_expression": "^Bearer [-0-9a-zA-Z._]*$",
            "authorizer.result_ttl_in_seconds": 60,
            "scheme.is_api_key": False,
        },
        id="token-authorizer-every-property",
    ),
    pytest.param(
        authorizer("""
            type: request
            authorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations"
            authorizerCredentials: !GetAtt Role.Arn
            identitySource: method.request.header.A, method.request.querystring.b
            authorizerResultTtlInSeconds: "300"
            """),
        {
            "authorizer.type": "REQUEST",
            "authorizer.authorizer_uri": intrinsic(
                "Fn::Sub",
                "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations",
            ),
            "authorizer.authorizer_credentials": intrinsic("Fn::GetAtt", ["Role", "Arn"]),
            "authorizer.identity_source": "method.request.header.A, method.request.querystring.b",
            "authorizer.result_ttl_in_seconds": 300,
        },
        id="request-authorizer-intrinsics-and-ttl-string",
    ),
    pytest.param(
        authorizer(
            "type: request\nidentitySource: [$request.header.A, $context.routeKey]\nauthorizerPayloadFormatVersion: '2.0'",
            http=True,
        ),
        {"authorizer.identity_source": "$request.header.A, $context.routeKey"},
        id="identitySource-array-joined",
    ),
    pytest.param(
        authorizer("""
            type: cognito_user_pools
            providerARNs:
              - arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_A
              - !GetAtt Pool.Arn
            """),
        {
            "authorizer.type": "COGNITO_USER_POOLS",
            "authorizer.provider_arns": [
                "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_A",
                intrinsic("Fn::GetAtt", ["Pool", "Arn"]),
            ],
        },
        id="cognito-providerARNs",
    ),
    pytest.param(
        authorizer(
            "type: COGNITO_USER_POOLS\nproviderARNs: arn:aws:cognito-idp:us-east-1:1:userpool/p"
        ),
        {"authorizer.provider_arns": ["arn:aws:cognito-idp:us-east-1:1:userpool/p"]},
        id="providerARNs-single-string",
    ),
    pytest.param(
        authorizer(f"""
            type: request
            authorizerUri: {AUTH_URI}
            identitySource: $request.header.Authorization
            authorizerPayloadFormatVersion: 2.0
            enableSimpleResponses: true
            """),
        {
            "protocol": "HTTP",
            "authorizer.payload_format_version": "2.0",
            "authorizer.enable_simple_responses": True,
        },
        id="http-lambda-authorizer-payload-number-coerced",
    ),
    pytest.param(
        authorizer(
            "type: request\nauthorizerPayloadFormatVersion: '1.0'\nenableSimpleResponses: 'false'",
            http=True,
        ),
        {"authorizer.payload_format_version": "1.0", "authorizer.enable_simple_responses": False},
        id="enableSimpleResponses-string-coerced",
    ),
    pytest.param(
        authorizer("""
            type: jwt
            identitySource: $request.header.Authorization
            jwtConfiguration:
              issuer: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A
              audience: [client-a, !Ref ClientB]
            """),
        {
            "protocol": "HTTP",
            "authorizer.type": "JWT",
            "authorizer.jwt_configuration.issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A",
            "authorizer.jwt_configuration.audience": ["client-a", intrinsic("Ref", "ClientB")],
        },
        id="jwt-authorizer",
    ),
    pytest.param(
        authorizer(
            'type: jwt\njwtConfiguration:\n  issuer: !Sub "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"\n  audience: one'
        ),
        {
            "authorizer.jwt_configuration.issuer": intrinsic(
                "Fn::Sub", "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"
            ),
            "authorizer.jwt_configuration.audience": ["one"],
        },
        id="jwt-issuer-intrinsic-audience-string",
    ),
    # -- security requirements and x-amazon-apigateway-auth -------------------------------------
    pytest.param(
        operation("security:\n  - s: [read, write]\n  - k: []\nresponses: {}"),
        {
            "method.security[0].schemes": {"s": ["read", "write"]},
            "method.security[1].schemes": {"k": []},
        },
        id="operation-security-alternatives",
    ),
    pytest.param(
        operation("security: []"),
        {"method.security": []},
        id="operation-security-empty-is-not-none",
    ),
    pytest.param(
        operation("summary: x"), {"method.security": None}, id="operation-security-absent"
    ),
    pytest.param(
        document("security:\n  - s: []"), {"security[0].schemes": {"s": []}}, id="root-security"
    ),
    pytest.param(
        operation("x-amazon-apigateway-auth:\n  type: none"),
        {"method.auth_type": "NONE"},
        id="auth-none-lower-case",
    ),
    pytest.param(
        operation("x-amazon-apigateway-auth: {type: AWS_IAM}"),
        {"method.auth_type": "AWS_IAM"},
        id="auth-aws-iam",
    ),
    pytest.param(
        operation("x-amazon-apigateway-auth: {type: aws_iam}", http=True),
        {"method.auth_type": "AWS_IAM"},
        id="auth-in-http-api",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(
        authorizer("identitySource: x  # E: AGW203"),
        {"authorizer": None},
        id="authorizer-type-missing",
    ),
    pytest.param(
        authorizer("type: lambda  # E: AGW202"), {"authorizer": None}, id="authorizer-type-bad-enum"
    ),
    pytest.param(
        authorizer("type: [token]  # E: AGW201"),
        {"authorizer": None},
        id="authorizer-type-wrong-type",
    ),
    pytest.param(
        scheme(
            "type: apiKey\nname: A\nin: header\nx-amazon-apigateway-authorizer: token  # E: AGW201"
        ),
        {"authorizer": None},
        id="authorizer-not-an-object",
    ),
    pytest.param(
        authorizer("type: token\nauthorizerURI: arn:x  # W: AGW204"),
        {"authorizer.authorizer_uri": None},
        id="authorizer-unknown-property",
    ),
    pytest.param(
        authorizer("type: token\nauthorizerResultTtlInSeconds: forever  # E: AGW201"),
        {"authorizer.result_ttl_in_seconds": None},
        id="ttl-wrong-type",
    ),
    pytest.param(
        authorizer("type: token\nauthorizerUri: 3  # E: AGW201"), {}, id="authorizerUri-wrong-type"
    ),
    pytest.param(
        authorizer("type: token\nidentitySource: {a: b}  # E: AGW201"),
        {},
        id="identitySource-wrong-type",
    ),
    pytest.param(
        authorizer("type: cognito_user_pools\nproviderARNs:\n  - 12  # E: AGW201"),
        {"authorizer.provider_arns": []},
        id="providerARNs-item-wrong-type",
    ),
    pytest.param(
        authorizer("type: request\nenableSimpleResponses: sometimes  # E: AGW201", http=True),
        {},
        id="enableSimpleResponses-wrong-type",
    ),
    pytest.param(
        authorizer("type: jwt\njwtConfiguration: https://issuer  # E: AGW201"),
        {"authorizer.jwt_configuration": None},
        id="jwtConfiguration-wrong-type",
    ),
    pytest.param(
        authorizer("type: jwt\njwtConfiguration:\n  issuers: https://i  # W: AGW204"),
        {},
        id="jwtConfiguration-unknown-property",
    ),
    pytest.param(
        authorizer("type: jwt\njwtConfiguration:\n  audience: [1]  # E: AGW201"),
        {"authorizer.jwt_configuration.audience": []},
        id="jwt-audience-wrong-type",
    ),
    pytest.param(
        scheme("type: apiKey\nname: A\nin: header\nx-amazon-apigateway-authtype: 4  # E: AGW201"),
        {"scheme.auth_type": None},
        id="authtype-wrong-type",
    ),
    pytest.param(
        scheme("type: apiKey\nname: A\nlocation: header  # W: AGW204"),
        {},
        id="scheme-unknown-property",
    ),
    pytest.param(
        document("components:\n  securitySchemes: [a]  # E: AGW201"),
        {"security_schemes": []},
        id="schemes-not-an-object",
    ),
    pytest.param(
        document("components:\n  securitySchemes:\n    s: apiKey  # E: AGW201"),
        {"security_schemes": []},
        id="scheme-not-an-object",
    ),
    pytest.param(
        operation("security: {s: []}  # E: AGW201"),
        {"method.security": None},
        id="security-not-an-array",
    ),
    pytest.param(
        operation("security:\n  - s  # E: AGW201"),
        {"method.security": []},
        id="security-requirement-not-an-object",
    ),
    pytest.param(
        operation("security:\n  - s: read  # E: AGW201"),
        {"method.security[0].schemes": {"s": []}},
        id="security-scopes-not-an-array",
    ),
    pytest.param(
        operation("x-amazon-apigateway-auth: NONE  # E: AGW201"),
        {"method.auth_type": None},
        id="auth-not-an-object",
    ),
    pytest.param(
        operation("x-amazon-apigateway-auth:\n  type: NONE\n  kind: x  # W: AGW204"),
        {"method.auth_type": "NONE"},
        id="auth-unknown-property",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_security(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
