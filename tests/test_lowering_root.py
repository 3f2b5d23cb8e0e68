"""Root settings -> IR `Api` fields: info, host and base path (§2.4), tags with
`x-amazon-apigateway-tag-value`, and the root scalar extensions (reference §1.6, §1.9-§1.13,
§1.15). Markers as in tests/lowering_cases.py."""

from __future__ import annotations

import pytest

from tests.lowering_cases import check, document, intrinsic

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        }
    ],
}

CASES = [
    # -- info, host, base path ------------------------------------------------------------------
    pytest.param(
        'openapi: 3.0.1\ninfo:\n  title: Pets\n  version: "2"\n  description: d\n  contact: {name: me}\npaths: {}\n',
        {"title": "Pets", "version": "2", "description": "d", "info": {"contact": {"name": "me"}}},
        id="info-fields",
    ),
    pytest.param(
        "openapi: 3.0.1\ninfo: {title: 2024, version: 1.0}\npaths: {}\n",
        {"title": "2024", "version": "1.0"},
        id="info-numbers-coerced",
    ),
    pytest.param(
        'openapi: 3.0.1\ninfo: {title: !Sub "${AWS::StackName}-api", version: "1"}\npaths: {}\n',
        {"title": intrinsic("Fn::Sub", "${AWS::StackName}-api")},
        id="info-title-intrinsic",
    ),
    pytest.param(
        document("host: api.example.com\nbasePath: /v1/", swagger=True),
        {"host": "api.example.com", "base_path": "/v1"},
        id="swagger-host-basePath",
    ),
    pytest.param(
        document("basePath: /", swagger=True),
        {"base_path": None},
        id="swagger-basePath-slash-is-none",
    ),
    pytest.param(
        document("servers:\n  - url: https://api.example.com/v2"),
        {"host": "api.example.com", "base_path": "/v2"},
        id="oas3-server-url-path",
    ),
    pytest.param(
        document(
            "servers:\n  - url: https://{host}/{basePath}\n    variables:\n      basePath: {default: /prod}"
        ),
        {"base_path": "/prod"},
        id="oas3-basePath-variable",
    ),
    pytest.param(
        document("servers:\n  - url: /stage"),
        {"host": None, "base_path": "/stage"},
        id="oas3-relative-server-url",
    ),
    pytest.param(
        document("externalDocs: {url: https://docs}"),
        {"external_docs": {"url": "https://docs"}},
        id="root-externalDocs",
    ),
    # -- tags -----------------------------------------------------------------------------------
    pytest.param(
        document("tags:\n  - name: pets\n    description: d\n    externalDocs: {url: https://d}"),
        {
            "tags[0].name": "pets",
            "tags[0].description": "d",
            "tags[0].external_docs": {"url": "https://d"},
            "tags[0].value": None,
        },
        id="tag-fields",
    ),
    pytest.param(
        document("tags:\n  - name: team\n    x-amazon-apigateway-tag-value: core"),
        {"protocol": "HTTP", "tags[0].value": "core"},
        id="tag-value-means-http",
    ),
    pytest.param(
        document("tags:\n  - {name: cost, x-amazon-apigateway-tag-value: 42}"),
        {"tags[0].value": "42"},
        id="tag-value-number-coerced",
    ),
    # -- scalar root extensions -----------------------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-api-key-source: AUTHORIZER"),
        {"api_key_source": "AUTHORIZER"},
        id="api-key-source",
    ),
    pytest.param(
        document("x-amazon-apigateway-api-key-source: header"),
        {"api_key_source": "HEADER"},
        id="api-key-source-lower-case",
    ),
    pytest.param(
        document("x-amazon-apigateway-binary-media-types: [image/png, '*/*']"),
        {"binary_media_types": ["image/png", "*/*"]},
        id="binary-media-types",
    ),
    pytest.param(
        document("x-amazon-apigateway-binary-media-types: application/octet-stream  # E: AGW201"),
        {"binary_media_types": []},
        id="binary-media-types-single-string-is-not-a-list",
    ),
    pytest.param(
        document("x-amazon-apigateway-minimum-compression-size: 1024"),
        {"minimum_compression_size": 1024},
        id="minimum-compression-size",
    ),
    pytest.param(
        document("x-amazon-apigateway-minimum-compression-size: '0'"),
        {"minimum_compression_size": 0},
        id="minimum-compression-size-string-coerced",
    ),
    pytest.param(
        document("x-amazon-apigateway-minimum-compression-size: !Ref MinSize"),
        {"minimum_compression_size": intrinsic("Ref", "MinSize")},
        id="minimum-compression-size-intrinsic",
    ),
    pytest.param(
        document("""
            x-amazon-apigateway-policy:
              Version: "2012-10-17"
              Statement:
                - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
            """),
        {"policy": POLICY},
        id="policy-object",
    ),
    pytest.param(
        document('x-amazon-apigateway-policy: \'{"Version": "2012-10-17", "Statement": []}\''),
        {"policy": {"Version": "2012-10-17", "Statement": []}},
        id="policy-json-string",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_3_2025_09\nx-amazon-apigateway-endpoint-access-mode: STRICT"
        ),
        {"security_policy": "SecurityPolicy_TLS13_1_3_2025_09", "endpoint_access_mode": "STRICT"},
        id="security-policy-and-access-mode",
    ),
    pytest.param(
        document("x-amazon-apigateway-endpoint-access-mode: basic"),
        {"endpoint_access_mode": "BASIC"},
        id="access-mode-lower-case",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-security-policy: TLS_1_2\nx-amazon-apigateway-endpoint-access-mode: ''"
        ),
        {"security_policy": "TLS_1_2", "endpoint_access_mode": None},
        id="access-mode-empty-unsets",
    ),
    pytest.param(
        document(
            """
            x-amazon-apigateway-endpoint-configuration:
              disableExecuteApiEndpoint: true
              vpcEndpointIds: [vpce-1, !Ref Vpce2]
            """,
            swagger=True,
        ),
        {
            "endpoint_configuration.disable_execute_api_endpoint": True,
            "endpoint_configuration.vpc_endpoint_ids": ["vpce-1", intrinsic("Ref", "Vpce2")],
        },
        id="endpoint-configuration-swagger-root",
    ),
    pytest.param(
        document(
            """
            servers:
              - url: https://api.example.com
                x-amazon-apigateway-endpoint-configuration:
                  disableExecuteApiEndpoint: "true"
                  ipAddressType: dualstack
            """,
            http=True,
        ),
        {
            "endpoint_configuration.disable_execute_api_endpoint": True,
            "endpoint_configuration.ip_address_type": "dualstack",
        },
        id="endpoint-configuration-oas3-server",
    ),
    pytest.param(
        document("x-amazon-apigateway-endpoint-configuration: {vpcEndpointIds: vpce-1}"),
        {"endpoint_configuration.vpc_endpoint_ids": ["vpce-1"]},
        id="endpoint-configuration-oas3-root-lenient",
    ),
    pytest.param(
        document('x-amazon-apigateway-importexport-version: "1.0"'),
        {"protocol": "HTTP"},
        id="importexport-version",
    ),
    pytest.param(
        document("x-amazon-apigateway-importexport-version: 1.0"),
        {"protocol": "HTTP"},
        id="importexport-version-number",
    ),
    # -- errors ---------------------------------------------------------------------------------
    pytest.param(
        document("x-amazon-apigateway-api-key-source: QUERY  # E: AGW202"),
        {"api_key_source": None},
        id="api-key-source-bad-enum",
    ),
    pytest.param(
        document("x-amazon-apigateway-binary-media-types: [1, 2]  # E: AGW201"),
        {"binary_media_types": []},
        id="binary-media-types-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-minimum-compression-size: big  # E: AGW201"),
        {"minimum_compression_size": None},
        id="compression-size-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-policy: allow-all  # E: AGW201"),
        {"policy": None},
        id="policy-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-security-policy: [TLS_1_2]  # E: AGW201"),
        {"security_policy": None},
        id="security-policy-wrong-type",
    ),
    pytest.param(
        document("x-amazon-apigateway-endpoint-access-mode: LOOSE  # E: AGW202"),
        {"endpoint_access_mode": None},
        id="access-mode-bad-enum",
    ),
    pytest.param(
        document('x-amazon-apigateway-importexport-version: "2.0"  # E: AGW202'),
        {},
        id="importexport-version-bad",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-endpoint-configuration: [REGIONAL]  # E: AGW201", swagger=True
        ),
        {"endpoint_configuration": None},
        id="endpoint-configuration-wrong-type",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-endpoint-configuration:\n  disableExecuteApiEndpoints: true  # W: AGW204",
            swagger=True,
        ),
        {"endpoint_configuration.disable_execute_api_endpoint": None},
        id="endpoint-configuration-unknown-property",
    ),
    pytest.param(
        document(
            "x-amazon-apigateway-endpoint-configuration:\n  disableExecuteApiEndpoint: never  # E: AGW201",
            swagger=True,
        ),
        {},
        id="endpoint-configuration-bool-wrong-type",
    ),
    pytest.param(document("tags: pets  # E: AGW201"), {"tags": []}, id="tags-not-an-array"),
    pytest.param(
        document("tags:\n  - {description: d}  # E: AGW203"), {"tags": []}, id="tag-name-missing"
    ),
    pytest.param(
        document("tags:\n  - name: a\n    color: red  # W: AGW204"),
        {"tags[0].name": "a"},
        id="tag-unknown-property",
    ),
    pytest.param(
        document(
            "tags:\n  - {name: a, x-amazon-apigateway-tag-value: [x]}  # E: AGW201", http=True
        ),
        {"tags[0].value": None},
        id="tag-value-wrong-type",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_root(source: str, expected: dict[str, object]) -> None:
    check(source, expected)
