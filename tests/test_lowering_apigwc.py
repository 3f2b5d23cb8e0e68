"""`x-apigwc` -> IR `Deployment`, and `x-apigwc-ignore` silencing codes at the root and on one
operation. Markers as in tests/lowering_cases.py."""

from __future__ import annotations

import pytest

from tests.lowering_cases import check, document, intrinsic, operation

CASES = [
    # -- top-level settings ---------------------------------------------------------------------
    pytest.param(
        document("x-apigwc: {region: eu-west-1, account: '210987654321', endpointType: PRIVATE}"),
        {
            "deployment.region": "eu-west-1",
            "deployment.account": "210987654321",
            "deployment.endpoint_type": "PRIVATE",
        },
        id="region-account-endpointType",
    ),
    pytest.param(
        document("x-apigwc: {protocol: HTTP}"),
        {"protocol": "HTTP", "deployment.protocol": "HTTP"},
        id="protocol-forced",
    ),
    pytest.param(document(""), {"deployment.stage_names": ["dev"]}, id="default-stage-dev"),
    # -- stages ---------------------------------------------------------------------------------
    pytest.param(
        document("""
            x-apigwc:
              stages:
                prod:
                  description: production
                  variables: {backend: prod.example.com}
                  throttle: {rateLimit: 100.5, burstLimit: 200}
                  cache: {enabled: true, ttlInSeconds: 60, clusterSize: "0.5", dataEncrypted: true}
                  methodSettings:
                    /pets/GET:
                      throttle: {rateLimit: 10}
                      caching: {enabled: true, ttlInSeconds: 30, requireAuthorizationForCacheControl: true}
                      metrics: true
                      logging: INFO
                      dataTrace: false
                  accessLog: {format: "$context.requestId", destinationArn: !GetAtt Logs.Arn}
                  tracing: true
                  canary: {percentTraffic: 10, stageVariableOverrides: {backend: canary}, useStageCache: false}
                  tags: {team: core}
                beta: {}
            """),
        {
            "deployment.stage_names": ["prod", "beta"],
            "deployment.default_stage": "prod",
            "deployment.stages.prod.description": "production",
            "deployment.stages.prod.variables": {"backend": "prod.example.com"},
            "deployment.stages.prod.throttle.rate_limit": 100.5,
            "deployment.stages.prod.throttle.burst_limit": 200,
            "deployment.stages.prod.cache.enabled": True,
            "deployment.stages.prod.cache.ttl_in_seconds": 60,
            "deployment.stages.prod.cache.cluster_size": "0.5",
            'deployment.stages.prod.method_settings["/pets/GET"].throttle.rate_limit': 10,
            'deployment.stages.prod.method_settings["/pets/GET"].caching.require_authorization_for_cache_control': True,
            'deployment.stages.prod.method_settings["/pets/GET"].metrics': True,
            'deployment.stages.prod.method_settings["/pets/GET"].logging': "INFO",
            'deployment.stages.prod.method_settings["/pets/GET"].data_trace': False,
            "deployment.stages.prod.access_log.format": "$context.requestId",
            "deployment.stages.prod.access_log.destination_arn": intrinsic(
                "Fn::GetAtt", ["Logs", "Arn"]
            ),
            "deployment.stages.prod.tracing": True,
            "deployment.stages.prod.canary.percent_traffic": 10.0,
            "deployment.stages.prod.canary.stage_variable_overrides": {"backend": "canary"},
            "deployment.stages.prod.tags": {"team": "core"},
        },
        id="stages-every-property",
    ),
    # -- functions, API keys, usage plans -------------------------------------------------------
    pytest.param(
        document("""
            x-apigwc:
              functions:
                list:
                  handler: app:list_pets
                  codeUri: src
                  runtime: python3.11
                  timeout: 10
                  memorySize: 256
                  environment: {TABLE: pets}
                remote: {handler: x:y, endpoint: http://127.0.0.1:3001}
            """),
        {
            "deployment.functions.list.handler": "app:list_pets",
            "deployment.functions.list.code_uri": "src",
            "deployment.functions.list.runtime": "python3.11",
            "deployment.functions.list.timeout": 10,
            "deployment.functions.list.memory_size": 256,
            "deployment.functions.list.environment": {"TABLE": "pets"},
            "deployment.functions.remote.endpoint": "http://127.0.0.1:3001",
            "deployment.functions.remote.code_uri": ".",
        },
        id="functions",
    ),
    pytest.param(
        document("""
            x-apigwc:
              apiKeys:
                alice: {value: abcdefghijklmnopqrst, description: a, customerId: c-1}
                off: {enabled: false}
              usagePlans:
                basic:
                  description: b
                  stages: [prod]
                  apiKeys: [alice]
                  throttle: {rateLimit: 5, burstLimit: 10}
                  quota: {limit: 1000, period: MONTH, offset: 1}
                  methodThrottles:
                    /pets/GET: {rateLimit: 1, burstLimit: 2}
            """),
        {
            "deployment.api_keys.alice.value": "abcdefghijklmnopqrst",
            "deployment.api_keys.alice.enabled": True,
            "deployment.api_keys.alice.customer_id": "c-1",
            "deployment.api_keys.off.enabled": False,
            "deployment.usage_plans.basic.description": "b",
            "deployment.usage_plans.basic.stages": ["prod"],
            "deployment.usage_plans.basic.api_keys": ["alice"],
            "deployment.usage_plans.basic.throttle.burst_limit": 10,
            "deployment.usage_plans.basic.quota.limit": 1000,
            "deployment.usage_plans.basic.quota.period": "MONTH",
            "deployment.usage_plans.basic.quota.offset": 1,
            'deployment.usage_plans.basic.method_throttles["/pets/GET"].rate_limit': 1.0,
            'deployment.usage_plans.basic.method_throttles["/pets/GET"].burst_limit': 2,
        },
        id="apiKeys-and-usagePlans-with-methodThrottles",
    ),
    # -- domains, identities, AWS endpoint ------------------------------------------------------
    pytest.param(
        document("""
            x-apigwc:
              domains:
                - name: api.example.com
                  endpointType: EDGE
                  certificateArn: !Ref Cert
                  securityPolicy: TLS_1_2
                  endpointAccessMode: STRICT
                  basePaths: {"": prod, v2: beta}
                  hostedZoneName: example.com.
                  hostedZoneId: Z1
                  mutualTls: {truststoreUri: s3://b/t.pem, truststoreVersion: "1"}
                  ownershipVerificationCertificateArn: arn:aws:acm:us-east-1:1:certificate/o
            """),
        {
            "deployment.domains[0].name": "api.example.com",
            "deployment.domains[0].endpoint_type": "EDGE",
            "deployment.domains[0].certificate_arn": intrinsic("Ref", "Cert"),
            "deployment.domains[0].security_policy": "TLS_1_2",
            "deployment.domains[0].endpoint_access_mode": "STRICT",
            "deployment.domains[0].base_paths": {"": "prod", "v2": "beta"},
            "deployment.domains[0].hosted_zone_name": "example.com.",
            "deployment.domains[0].hosted_zone_id": "Z1",
            "deployment.domains[0].mutual_tls.truststore_uri": "s3://b/t.pem",
            "deployment.domains[0].mutual_tls.truststore_version": "1",
            "deployment.domains[0].ownership_verification_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/o",
        },
        id="domains",
    ),
    pytest.param(
        document("""
            x-apigwc:
              identities:
                cognitoUserPools:
                  pool: {issuer: https://idp, jwks: keys/jwks.json, audience: [client], arn: arn:aws:cognito-idp:us-east-1:1:userpool/p}
                iamCredentials:
                  alice: {accessKeyId: AKIDALICE, secretAccessKey: s3cret, arn: arn:aws:iam::1:user/alice, policy: {Version: "2012-10-17"}}
              awsEndpoint: {url: http://127.0.0.1:5000, accessKeyId: test, secretAccessKey: test, region: us-west-2}
            """),
        {
            "deployment.identities.cognito_user_pools.pool.issuer": "https://idp",
            "deployment.identities.cognito_user_pools.pool.jwks": "keys/jwks.json",
            "deployment.identities.cognito_user_pools.pool.audience": ["client"],
            "deployment.identities.cognito_user_pools.pool.arn": "arn:aws:cognito-idp:us-east-1:1:userpool/p",
            "deployment.identities.iam_credentials.alice.access_key_id": "AKIDALICE",
            "deployment.identities.iam_credentials.alice.secret_access_key": "s3cret",
            "deployment.identities.iam_credentials.alice.policy": {"Version": "2012-10-17"},
            "deployment.aws_endpoint.url": "http://127.0.0.1:5000",
            "deployment.aws_endpoint.region": "us-west-2",
        },
        id="identities-and-awsEndpoint",
    ),
    # -- websocket ------------------------------------------------------------------------------
    pytest.param(
        document("""
            x-apigwc:
              websocket:
                name: chat
                routeSelectionExpression: $request.body.type
                apiKeySelectionExpression: $request.header.x-api-key
                authorizers:
                  auth:
                    authorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/f"
                    identitySource: [route.request.header.Auth]
                    authorizerResultTtlInSeconds: 0
                routes:
                  $connect:
                    authorizer: auth
                    integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
                  sendMessage:
                    apiKeyRequired: true
                    routeResponseSelectionExpression: $default
                    integration:
                      type: AWS_PROXY
                      uri: arn:aws:apigateway:us-east-1:lambda:path/f
                      timeoutInMillis: "5000"
                  $default: {}
            """),
        {
            "deployment.websocket.name": "chat",
            "deployment.websocket.route_selection_expression": "$request.body.type",
            "deployment.websocket.api_key_selection_expression": "$request.header.x-api-key",
            "deployment.websocket.authorizers.auth.authorizer_uri": intrinsic(
                "Fn::Sub", "arn:aws:apigateway:${AWS::Region}:lambda:path/f"
            ),
            "deployment.websocket.authorizers.auth.identity_source": ["route.request.header.Auth"],
            'deployment.websocket.routes["$connect"].authorizer': "auth",
            'deployment.websocket.routes["$connect"].integration.type': "MOCK",
            'deployment.websocket.routes["$connect"].integration.request_templates': {
                "application/json": '{"statusCode": 200}'
            },
            "deployment.websocket.routes.sendMessage.api_key_required": True,
            "deployment.websocket.routes.sendMessage.integration.type": "AWS_PROXY",
            "deployment.websocket.routes.sendMessage.integration.timeout_in_millis": 5000,
            'deployment.websocket.routes["$default"].integration': None,
        },
        id="websocket-routes-with-integrations",
    ),
    pytest.param(
        document("""
            x-apigwc:
              websocket:
                routes:
                  http:
                    integration:
                      type: http
                      uri: http://backend.example/x
                      templateSelectionExpression: ${request.body.kind}
                      integrationResponseSelectionExpression: ${integration.response.statuscode}
                      requestTemplates: {greeting: '{"a": 1}', $default: '{}'}
            """),
        {
            "deployment.websocket.routes.http.integration.template_selection_expression": (
                "${request.body.kind}"
            ),
            "deployment.websocket.routes.http.integration"
            ".integration_response_selection_expression": "${integration.response.statuscode}",
        },
        id="websocket-selection-expressions",
    ),
    pytest.param(
        operation(
            "x-amazon-apigateway-integration:\n  type: mock\n"
            "  templateSelectionExpression: $default  # W: AGW301"
        ),
        {"method.integration.template_selection_expression": None},
        id="selection-expression-outside-websocket",
    ),
    # -- x-apigwc errors ------------------------------------------------------------------------
    pytest.param(
        document("x-apigwc: [stages]  # E: AGW201"),
        {"deployment.stage_names": ["dev"]},
        id="x-apigwc-not-an-object",
    ),
    pytest.param(
        document("x-apigwc:\n  region: eu-west-1\n  stage: {prod: {}}  # W: AGW209"),
        {"deployment.region": "eu-west-1", "deployment.stages": {}},
        id="unknown-key-at-root",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  stages:\n    prod:\n      variabls: {a: b}  # W: AGW209\n      tracing: true"
        ),
        {"deployment.stages.prod.tracing": True},
        id="unknown-key-nested",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  region: eu-west-1\n  stages:\n    prod: {tracing: maybe}  # E: AGW201"
        ),
        {"deployment.region": "eu-west-1", "deployment.stages.prod.tracing": None},
        id="wrong-type-costs-only-itself",
    ),
    pytest.param(
        document("x-apigwc:\n  stages:\n    prod:\n      variables: {n: 5}  # E: AGW201"),
        {"deployment.stages.prod.variables": {}},
        id="strict-dialect-no-number-coercion",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  usagePlans:\n    p:\n      stages: [prod]\n      quota: {limit: 5, period: YEAR}  # E: AGW202"
        ),
        {"deployment.usage_plans.p.stages": ["prod"], "deployment.usage_plans.p.quota": None},
        id="bad-enum",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  functions:\n    f: {codeUri: src}  # E: AGW203\n    g: {handler: a:b}"
        ),
        {"deployment.functions.g.handler": "a:b", "deployment.functions.g.code_uri": "."},
        id="missing-required",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  domains:\n    - name: a.example.com\n      certificateArn: 5  # E: AGW201"
        ),
        {
            "deployment.domains[0].name": "a.example.com",
            "deployment.domains[0].certificate_arn": None,
        },
        id="deployable-wrong-type-once",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  websocket:\n    routes:\n      $connect: {authorizer: 5}  # E: AGW201"
        ),
        {'deployment.websocket.routes["$connect"].authorizer': None},
        id="union-wrong-type-once",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  websocket:\n    authorizers:\n      a: {type: REQUEST, identitySorce: x}  # W: AGW209"
        ),
        {"deployment.websocket.authorizers.a.type": "REQUEST"},
        id="unknown-key-in-websocket-authorizer",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  websocket:\n    routes:\n      $connect:\n        integration:\n          uri: http://b  # E: AGW203"
        ),
        {'deployment.websocket.routes["$connect"].integration': None},
        id="websocket-integration-missing-type",
    ),
    pytest.param(
        document(
            "x-apigwc:\n  websocket:\n    routes:\n      $connect:\n        integration: {type: mock, timeout: 5}  # W: AGW204"
        ),
        {'deployment.websocket.routes["$connect"].integration.type': "MOCK"},
        id="websocket-integration-unknown-property",
    ),
    # -- x-apigwc-ignore ------------------------------------------------------------------------
    pytest.param(
        document("x-apigwc-ignore: [AGW204]\nx-amazon-apigateway-cors:\n  allowOrigin: ['*']"),
        {"ignored_codes": ["AGW204"]},
        id="ignore-at-root-silences-everywhere",
    ),
    pytest.param(
        document("x-apigwc-ignore: agw205 unknown extensions are ours\nx-amazon-apigateway-foo: 1"),
        {"ignored_codes": ["AGW205"]},
        id="ignore-string-with-reason-any-case",
    ),
    pytest.param(
        document("""
            paths:
              /a:
                get:
                  x-apigwc-ignore: [AGW204]
                  operationID: a
                post:
                  operationID: b  # W: AGW204
            """),
        {"ignored_codes": []},
        id="ignore-on-operation-only-there",
    ),
    pytest.param(
        document("""
            paths:
              /a:
                x-amazon-apigateway-any-method:
                  x-apigwc-ignore: [AGW204, AGW202]
                  x-amazon-apigateway-integration: {type: mock, passthroughBehavior: sometimes, bogus: 1}
            """),
        {"method.http_method": "ANY"},
        id="ignore-on-any-method",
    ),
    pytest.param(
        document(
            "x-apigwc-ignore: [AGW205]\nx-amazon-apigateway-foo: 1\nx-amazon-apigateway-binary-media-types: []  # W: AGW207",
            http=True,
        ),
        {},
        id="ignore-silences-only-listed-codes",
    ),
    pytest.param(
        document("x-apigwc-ignore: {AGW204: true}  # E: AGW201"),
        {"ignored_codes": []},
        id="ignore-wrong-type",
    ),
    pytest.param(
        operation("x-apigwc-ignore: 204  # E: AGW201\noperationID: a  # W: AGW204"),
        {},
        id="ignore-on-operation-wrong-type",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_apigwc(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
