"""`apigwc import`: every template of the shared corpus, the SAM translator's error cases and its
recorded outputs, driven by MANIFEST.tsv.

- valid templates: the default API imports and the written spec compiles with no error and
  builds; a few upstream fixtures carry a definition API Gateway would reject (the SAM transform
  copies it through), or include a file that was not copied into the corpus: they import with
  that part degraded and the warning that says how, listed in `DEGRADED`;
- SAM error cases: every API of the template imported in turn gives an error (never a
  traceback), and the error names the recorded cause where `SAM_CAUSES` lists it;
- SAM translator oracles: for each API of each oracle, what apigwc derives from the SAM template
  equals what it derives from the CloudFormation SAM produced (routes, integrations, authorizers,
  stages, usage plans, domains); `tests/data/sam_oracle_differences.tsv` lists the known
  differences, each with the parts that differ and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from apigwc.cli import main
from click.testing import CliRunner

from tests.corpus import CORPUS, Row, rows
from tests.import_oracles import Outcome, api_ids, differences, import_and_compile, summary

TEMPLATES = [r for r in rows() if r.local_path.startswith("templates/")]
VALID = [r for r in TEMPLATES if r.valid]
SAM_ERRORS = [r for r in TEMPLATES if r.invalid]

# Valid templates whose default API does not import clean, with the code that says why. Empty:
# upstream fixtures that the SAM transform accepts but API Gateway would refuse import with the
# broken part degraded and a warning (AGW140-AGW142), see `DEGRADED` below.
EXPECTED_FINDINGS: dict[str, str] = {}

_HTTPS_AWS_PROXY = "AGW142"  # aws_proxy to an https URL: imported as http_proxy
# Valid templates that import with a part degraded, and the warning that says so.
DEGRADED = {
    # the included ./swagger.yaml was not copied into the corpus
    "aws-sam-cli/start_api__template-with-included-swagger.yaml": "AGW140",
    "aws-sam-cli/start_api__template-with-unresolved-intrinsic-in-cors.yaml": "AGW140",
    # path-level parameters written `- status: {in: path, ...}`: unwrapped
    "aws-sam-cli/start_api__lambda_authorizers__swagger-api.yaml": "AGW142",
    # a `sam local` fixture: credentials with origin '*', Lambda proxies with no uri
    "aws-sam-cli/start_api__swagger-template-http-api.yaml": "AGW142",
    "aws-sam-translator/api_http_paths_with_if_condition.yaml": _HTTPS_AWS_PROXY,
    "aws-sam-translator/api_http_paths_with_if_condition_no_value_then_case.yaml": _HTTPS_AWS_PROXY,
    "aws-sam-translator/api_rest_paths_with_if_condition_openapi.yaml": _HTTPS_AWS_PROXY,
    "aws-sam-translator/api_rest_paths_with_if_condition_openapi_no_value_then_case.yaml": (
        _HTTPS_AWS_PROXY
    ),
    "aws-sam-translator/api_rest_paths_with_if_condition_swagger.yaml": _HTTPS_AWS_PROXY,
    "aws-sam-translator/api_rest_paths_with_if_condition_swagger_no_value_then_case.yaml": (
        _HTTPS_AWS_PROXY
    ),
    "aws-sam-translator/definition_body_intrinsics_support.yaml": _HTTPS_AWS_PROXY,
    # the body's resource policy has a Version and no Statement: imported without it
    "aws-sam-translator/api_merge_definitions_with_any_method.yaml": "AGW142",
    "aws-sam-translator/api_with_merge_definitions_null_paths.yaml": "AGW142",
    # the body's own policy statement has no Resource
    "aws-sam-translator/api_with_resource_policy_global.yaml": "AGW142",
    # the body's `security` is an object, not a list: kept as one requirement
    "aws-sam-translator/api_merge_definitions_with_full_properties.yaml": "AGW142",
    # Cors values written unquoted ('headers'): quoted as SAM's add_cors expects
    "aws-sam-translator/api_with_cors_and_only_headers.yaml": "AGW142",
    "aws-sam-translator/api_with_cors_and_only_origins.yaml": "AGW142",
    # DefinitionBody is `{this: is, a: swagger}`: an API with no routes
    "aws-sam-translator/api_with_resource_refs.yaml": "AGW141",
    # an HTTP API Lambda proxy with no payloadFormatVersion: '2.0'
    "aws-sam-translator/http_api_openapi_with_propagate_tags.yaml": "AGW142",
    # securitySchemes written under `paths`; an integration with no type
    "cfn-lint/used_transform_removed.yaml": "AGW142",
}

# SAM error cases: the text the diagnostic must carry, taken from the recorded cause.
SAM_CAUSES = {
    "error_api_auth_invalid_path_item.yaml": "Value of '/' path must be a dictionary",
    "error_api_auth_null_path_item.yaml": "Value of '/' path must be a dictionary",
    "error_api_invalid_auth.yaml": "Property 'Auth' should be a map.",
    "error_api_invalid_definitionbody.yaml": "Property 'DefinitionBody' should be a map.",
    "error_api_invalid_definitionuri.yaml": "Specify either 'DefinitionUri' or 'DefinitionBody'",
    "error_api_invalid_endpoint_configuration.yaml": (
        "The value of 'x-amazon-apigateway-endpoint-configuration' should be a map."
    ),
    "error_api_invalid_endpoint_configuration_openapi_3.yaml": (
        "Invalid OpenAPI definition of 'servers[0]'"
    ),
    "error_api_invalid_openapi_path.yaml": "Value of '/foo' path must be a dictionary",
    "error_api_invalid_openapi_path_with_invalid_responses.yaml": (
        "Value of response's headers in options method for path /foo must be a dictionary"
    ),
    "error_api_invalid_openapi_path_with_string_responses.yaml": (
        "Invalid responses in options method for path /foo: It should be a map."
    ),
    "error_api_invalid_path.yaml": "Value of '/foo' path must be a dictionary",
    "error_api_invalid_request_model.yaml": "because it wasn't defined in the API's Models.",
    "error_api_invalid_security.yaml": "Type of security for path /test method get must be a list",
    "error_api_invalid_stagename.yaml": "StageName cannot be empty.",
    "error_api_no_cors_invalid_openapi_null_path.yaml": "Value of '/foo' path must be a dictionary",
    "error_api_no_cors_invalid_openapi_string_path.yaml": "Value of '/foo' path must be a",
    "error_api_override_api_auth_without_authorizer.yaml": (
        "Must define one of: Authorizer, ApiKeyRequired or ResourcePolicy"
    ),
    "error_api_securitydefinitions_not_dict.yaml": "securityDefinitions must be a dictionary.",
    "error_api_with_cors_and_empty_allow_origin.yaml": "Value for AllowedOrigins is required",
    "error_api_with_disable_api_endpoint_and_definition_body_with_swagger_definition_not_"
    "explicitly_in_template.yaml": "the Swagger document is not explicitly defined",
    "error_api_with_invalid_if_condition_swagger.yaml": "Value of Fn::If must be a list.",
    "error_api_with_invalid_open_api_version.yaml": "must be of the format '3.0.0'",
    "error_api_with_invalid_open_api_version_type.yaml": (
        "Property 'OpenApiVersion' should be a string."
    ),
    "error_cors_credentials_true_with_wildcard_origin.yaml": "'AllowCredentials' can not be true",
    "error_cors_credentials_true_without_explicit_origin.yaml": (
        "'AllowCredentials' can not be true"
    ),
    "error_http_api_def_body_uri.yaml": "Specify either 'DefinitionUri' or 'DefinitionBody'",
    "error_http_api_invalid_auth.yaml": "the related API does not define any Authorizers",
    "error_http_api_invalid_openapi.yaml": "Invalid values or missing keys for 'openapi'",
    "error_http_api_invalid_tags_format.yaml": "tags must be an array",
    "error_http_api_null_method.yaml": "Definition of method 'post' for path '/test' should",
    "error_http_api_tags.yaml": "Invalid values or missing keys for 'openapi' or 'paths'",
    "error_invalid_method_definition.yaml": "Definition of method 'tags' for path '/'",
    "error_null_method_definition.yaml": "Definition of method 'get' for path '/' should be",
    "error_swagger_security_definitions_not_dict.yaml": "securityDefinitions must be a dictionary.",
    "error_swagger_security_not_dict.yaml": "CustomAuthorizer in Security for path /path",
    "error_swagger_security_not_dict_with_api_key_required.yaml": "[] in Security for path /path",
}


DEGRADE_CODES = {"AGW140", "AGW141", "AGW142"}


def _id(row: Row) -> str:
    return row.local_path.removeprefix("templates/")


@pytest.fixture(scope="session")
def valid_imports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("imported")
    return {
        _id(row): import_and_compile(row.path, root / f"t{index}")
        for index, row in enumerate(VALID)
    }


def test_manifest_has_templates() -> None:
    assert len(VALID) >= 100 and len(SAM_ERRORS) >= 35
    assert set(EXPECTED_FINDINGS) <= {_id(r) for r in VALID}
    assert set(DEGRADED) <= {_id(r) for r in VALID}
    assert set(SAM_CAUSES) <= {r.path.name for r in SAM_ERRORS}


@pytest.mark.parametrize("row", VALID, ids=[_id(r) for r in VALID])
def test_valid_template_imports(row: Row, valid_imports: dict[str, Outcome]) -> None:
    outcome = valid_imports[_id(row)]
    expected = EXPECTED_FINDINGS.get(_id(row))
    if expected is not None:
        assert any(d.code == expected for d in outcome.errors), outcome.describe()
        return
    assert outcome.api is not None, outcome.describe()
    assert not outcome.errors, outcome.describe()
    warned = {d.code for d in outcome.imported.sink.diagnostics if d.code in DEGRADE_CODES}
    if _id(row) in DEGRADED:
        assert DEGRADED[_id(row)] in warned, warned
    else:
        assert not warned, [d.message for d in outcome.imported.sink.diagnostics]


def test_valid_templates_build(valid_imports: dict[str, Outcome], tmp_path: Path) -> None:
    """`apigwc build` on every spec that imported clean (in-process, one runner)."""
    runner = CliRunner()
    built = failed = 0
    failures = []
    for name, outcome in valid_imports.items():
        if outcome.spec_path is None or outcome.errors:
            continue
        out = tmp_path / f"b{built + failed}"
        code_root = str(Path(outcome.imported.path).parent)  # the template's folder
        args = ["build", str(outcome.spec_path), "-o", str(out), "--allow-root", code_root]
        result = runner.invoke(main, args)
        if result.exit_code == 0 and (out / "manifest.json").is_file():
            built += 1
        else:
            failed += 1
            failures.append(f"{name}: {result.output[-400:]}")
    assert not failures, failures
    assert built == len(VALID) - len(EXPECTED_FINDINGS)


@pytest.mark.parametrize("row", SAM_ERRORS, ids=[_id(r) for r in SAM_ERRORS])
def test_sam_error_case_is_diagnosed(row: Row, tmp_path: Path) -> None:
    outcomes = [
        import_and_compile(row.path, tmp_path / api_id, api_id) for api_id in api_ids(row.path)
    ]
    messages = [d.message for outcome in outcomes for d in outcome.errors]
    assert messages, f"{row.path.name}: no error diagnostic"
    cause = SAM_CAUSES.get(row.path.name)
    if cause is not None:
        assert any(cause in m for m in messages), messages


# -- SAM translator oracles -----------------------------------------------------------------------

ORACLES = CORPUS / "oracles" / "aws-sam-translator"
SAM_TEMPLATES = CORPUS / "templates" / "aws-sam-translator"
API_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")


def _oracle_cases() -> list[tuple[str, str]]:
    cases = []
    for oracle in sorted(ORACLES.glob("*.output.json")):
        resources = json.loads(oracle.read_text(encoding="utf-8"))["Resources"]
        name = oracle.name.removesuffix(".output.json")
        cases += [(name, api) for api, r in resources.items() if r["Type"] in API_TYPES]
    return cases


ORACLE_CASES = _oracle_cases()

# (oracle, API) pairs where apigwc's import of the SAM template differs from SAM's output: the
# parts of the summary that differ (`import_oracles.summary` keys, or "no API") and why. Every
# other pair must match; a listed pair must differ in exactly the listed parts.
DIFFERENCES_TABLE = Path(__file__).resolve().parent / "data" / "sam_oracle_differences.tsv"


@dataclass(frozen=True)
class KnownDifference:
    parts: tuple[str, ...]
    reason: str


def _known_differences() -> dict[tuple[str, str], KnownDifference]:
    lines = DIFFERENCES_TABLE.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["oracle", "api", "differs in", "reason"]
    found = {}
    for line in lines[1:]:
        oracle, api, parts, reason = line.split("\t")
        assert reason.strip() and (oracle, api) not in found, line
        found[(oracle, api)] = KnownDifference(tuple(sorted(parts.split(", "))), reason)
    return found


ORACLE_DIFFERENCES = _known_differences()


def _compare(name: str, api_id: str, tmp_path: Path) -> list[str]:
    ours = import_and_compile(SAM_TEMPLATES / f"{name}.yaml", tmp_path / "sam", api_id)
    theirs = import_and_compile(ORACLES / f"{name}.output.json", tmp_path / "cfn", api_id)
    if ours.api is None or theirs.api is None:
        return [f"no API: apigwc {ours.describe()} / SAM output {theirs.describe()}"]
    return differences(summary(ours.api), summary(theirs.api))


@pytest.mark.parametrize(
    ("name", "api_id"), ORACLE_CASES, ids=[f"{n}:{a}" for n, a in ORACLE_CASES]
)
def test_sam_translator_oracle(name: str, api_id: str, tmp_path: Path) -> None:
    diffs = _compare(name, api_id, tmp_path)
    parts = tuple(sorted({diff.split(":", 1)[0] for diff in diffs}))
    known = ORACLE_DIFFERENCES.get((name, api_id))
    expected = known.parts if known else ()
    assert parts == expected, (
        f"{name}:{api_id} differs in {parts or 'nothing'}, {DIFFERENCES_TABLE.name} says "
        f"{expected or 'nothing'}: {diffs}"
    )


def test_every_listed_difference_is_an_oracle_case() -> None:
    assert set(ORACLE_DIFFERENCES) <= set(ORACLE_CASES)
    assert {p for d in ORACLE_DIFFERENCES.values() for p in d.parts} <= {
        "routes",
        "authorizers",
        "stages",
        "usagePlans",
        "domains",
        "no API",
    }


# -- the command and the shapes it reads ---------------------------------------------------------

DEVGUIDE = CORPUS / "templates" / "awsdocs-apigw-devguide"


def test_cli_writes_a_spec_that_builds(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    runner = CliRunner()
    result = runner.invoke(
        main, ["import", str(DEVGUIDE / "REST__rest-with-auth.yaml"), "-o", str(spec)]
    )
    assert result.exit_code == 0, result.output
    built = runner.invoke(main, ["build", str(spec), "-o", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output


def test_cli_prints_the_spec_and_lists_other_apis() -> None:
    template = SAM_TEMPLATES / "explicit_api.yaml"
    result = CliRunner().invoke(main, ["import", str(template)])
    assert result.exit_code == 0
    assert result.stdout.startswith("swagger: '2.0'")
    assert "AGW132" in result.stderr and "ApiWithInlineSwagger" in result.stderr


def test_cli_error_is_a_located_diagnostic() -> None:
    template = SAM_TEMPLATES / "error_api_invalid_stagename.yaml"
    result = CliRunner().invoke(main, ["import", str(template)])
    assert result.exit_code == 2
    assert "error_api_invalid_stagename.yaml:" in result.stderr
    assert "error[AGW136 sam-invalid-resource]" in result.stderr
    assert "StageName cannot be empty." in result.stderr
    assert "Traceback" not in result.output


def test_cli_unknown_api_names_the_ones_there() -> None:
    template = SAM_TEMPLATES / "explicit_api.yaml"
    result = CliRunner().invoke(main, ["import", str(template), "--api", "Nope"])
    assert result.exit_code == 2
    assert "AGW131" in result.stderr and "GetHtmlApi, ApiWithInlineSwagger" in result.stderr


def test_explicit_resource_tree_becomes_paths(tmp_path: Path) -> None:
    outcome = import_and_compile(DEVGUIDE / "REST__rest-with-auth.yaml", tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    (method,) = outcome.api.methods
    assert (method.http_method, method.path) == ("GET", "/")
    assert method.integration is not None and method.integration.type.value == "AWS_PROXY"
    assert method.security is not None and "my-authorizer" in method.security[0].schemes
    scheme = outcome.api.security_scheme("my-authorizer")
    assert scheme is not None and scheme.authorizer is not None
    assert scheme.authorizer.type.value == "REQUEST"
    assert list(outcome.api.deployment.stages) == ["test"]


def test_http_routes_and_jwt_authorizer(tmp_path: Path) -> None:
    outcome = import_and_compile(DEVGUIDE / "HTTP__http-with-jwt-auth.yaml", tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    assert outcome.api.protocol.value == "HTTP"
    scheme = outcome.api.security_scheme("test-jwt-authorizer")
    assert scheme is not None and scheme.authorizer is not None
    assert scheme.authorizer.type.value == "JWT"
    secured = [m for m in outcome.api.methods if m.security]
    assert secured and all("test-jwt-authorizer" in m.security[0].schemes for m in secured)


def test_websocket_api_goes_to_x_apigwc(tmp_path: Path) -> None:
    outcome = import_and_compile(DEVGUIDE / "WebSocket__ws-api.yaml", tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    websocket = outcome.api.deployment.websocket
    assert websocket is not None and list(websocket.routes) == ["$connect"]
    integration = websocket.routes["$connect"].integration
    assert integration is not None and integration.type.value == "HTTP_PROXY"
    assert list(outcome.api.deployment.stages) == ["dev"]


HAND_WRITTEN = """
Parameters:
  Cert: {Type: String, Default: "arn:aws:acm:us-east-1:111122223333:certificate/abc"}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: Orders
      EndpointConfiguration: {Types: [REGIONAL]}
      Body:
        openapi: 3.0.1
        info: {title: Orders, version: "1"}
        paths:
          /orders:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      Variables: {backend: orders.internal}
      CacheClusterEnabled: true
      CacheClusterSize: "0.5"
      TracingEnabled: true
      AccessLogSetting: {DestinationArn: "arn:aws:logs:eu-west-1:111122223333:log-group:orders", Format: "$context.requestId"}
      CanarySetting: {PercentTraffic: 10, StageVariableOverrides: {backend: canary.internal}}
      MethodSettings:
        - {ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, MetricsEnabled: true}
        - {ResourcePath: "/~1orders", HttpMethod: GET, CachingEnabled: true, CacheTtlInSeconds: 60}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: partner, Enabled: true, Value: PartnerKey0123456789abcdef}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: basic
      ApiStages:
        - {ApiId: !Ref Api, Stage: !Ref Prod, Throttle: {"/orders/GET": {RateLimit: 5, BurstLimit: 10}}}
      Throttle: {RateLimit: 10, BurstLimit: 20}
      Quota: {Limit: 1000, Period: DAY}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: orders.example.com
      RegionalCertificateArn: !Ref Cert
      EndpointConfiguration: {Types: [REGIONAL]}
      SecurityPolicy: TLS_1_2
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: !Ref Domain, RestApiId: !Ref Api, Stage: prod, BasePath: v1}
  Record:
    Type: AWS::Route53::RecordSet
    Properties:
      HostedZoneName: example.com.
      Name: orders.example.com
      Type: A
      AliasTarget: {DNSName: !GetAtt Domain.RegionalDomainName, HostedZoneId: !GetAtt Domain.RegionalHostedZoneId}
"""


def test_hand_written_cloudformation_settings(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(HAND_WRITTEN, encoding="utf-8")
    outcome = import_and_compile(template, tmp_path / "out")
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    assert outcome.imported.spec is not None
    assert outcome.imported.spec["x-apigwc"] == {
        "endpointType": "REGIONAL",
        "stages": {
            "prod": {
                "variables": {"backend": "orders.internal"},
                "throttle": {"rateLimit": 100.0, "burstLimit": 200},
                "cache": {"enabled": True, "clusterSize": "0.5"},
                "methodSettings": {
                    "/*/*": {"metrics": True},
                    "/orders/GET": {"caching": {"enabled": True, "ttlInSeconds": 60}},
                },
                "accessLog": {
                    "format": "$context.requestId",
                    "destinationArn": "arn:aws:logs:eu-west-1:111122223333:log-group:orders",
                },
                "tracing": True,
                "canary": {
                    "percentTraffic": 10.0,
                    "stageVariableOverrides": {"backend": "canary.internal"},
                },
            }
        },
        "apiKeys": {"partner": {"value": "PartnerKey0123456789abcdef", "enabled": True}},
        "usagePlans": {
            "basic": {
                "stages": ["prod"],
                "throttle": {"rateLimit": 10.0, "burstLimit": 20},
                "quota": {"limit": 1000, "period": "DAY"},
                "methodThrottles": {"/orders/GET": {"rateLimit": 5.0, "burstLimit": 10}},
                "apiKeys": ["partner"],
            }
        },
        "domains": [
            {
                "name": "orders.example.com",
                "endpointType": "REGIONAL",
                "certificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/abc",
                "securityPolicy": "TLS_1_2",
                "hostedZoneName": "example.com.",
                "basePaths": {"v1": "prod"},
            }
        ],
    }


def test_definition_in_s3_only_is_a_warning(tmp_path: Path) -> None:
    outcome = import_and_compile(SAM_TEMPLATES / "explicit_api.yaml", tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    (warning,) = [d for d in outcome.diagnostics if d.code == "AGW134"]
    assert "webpage_swagger.json" in warning.message and warning.line == 35


def test_template_without_api(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n", encoding="utf-8")
    outcome = import_and_compile(template, tmp_path / "out")
    assert [d.code for d in outcome.errors] == ["AGW130"]


def test_include_of_a_local_file(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.1\ninfo: {title: Inc, version: '1'}\npaths:\n  /ping:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: mock}\n",
        encoding="utf-8",
    )
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n"
        "      Body:\n        Fn::Transform:\n          Name: AWS::Include\n"
        "          Parameters: {Location: ./api.yaml}\n",
        encoding="utf-8",
    )
    outcome = import_and_compile(tmp_path / "template.yaml", tmp_path / "out")
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    assert [f"{m.http_method} {m.path}" for m in outcome.api.methods] == ["GET /ping"]


# -- definitions API Gateway would refuse, degraded with a warning ---------------------------------

DEGRADED_REST = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Cors: {AllowHeaders: content-type}
      DefinitionBody:
        swagger: '2.0'
        info: {title: Degraded, version: '1'}
        x-amazon-apigateway-policy: {Version: '2012-10-17'}
        paths:
          securitySchemes: {Key: {type: apiKey}}
          /items/{id}:
            parameters:
              - id: {in: path, required: true, type: string}
            get:
              x-amazon-apigateway-integration:
                {type: aws_proxy, httpMethod: POST, uri: 'https://example.com/items'}
              responses: {}
            delete:
              x-amazon-apigateway-integration: {uri: 'https://example.com/items'}
              responses: {}
"""


def _degraded(outcome: Outcome) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in outcome.imported.sink.diagnostics if d.code == "AGW142"]


def test_rest_definition_parts_api_gateway_refuses_are_degraded(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(DEGRADED_REST, encoding="utf-8")
    outcome = import_and_compile(template, tmp_path / "out")
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    spec = outcome.imported.spec
    assert spec is not None and "x-amazon-apigateway-policy" not in spec
    item = spec["paths"]["/items/{id}"]
    assert list(spec["paths"]) == ["/items/{id}"]
    assert item["parameters"] == [{"name": "id", "in": "path", "required": True, "type": "string"}]
    assert item["get"]["x-amazon-apigateway-integration"]["type"] == "http_proxy"
    assert "x-amazon-apigateway-integration" not in item["delete"]
    preflight = item["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
    assert preflight["responseParameters"][
        "method.response.header.Access-Control-Allow-Headers"
    ] == ("'content-type'")
    assert preflight["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"
    ] == ("'*'")
    lines = sorted(line for line, _ in _degraded(outcome))
    assert lines == [8, 12, 14, 17, 20, 23], _degraded(outcome)


DEGRADED_HTTP = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: ['*'], AllowCredentials: true}
      DefinitionBody:
        openapi: 3.0.1
        info: {title: Degraded, version: '1'}
        paths:
          /a:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:A/invocations
          /b:
            post:
              x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST}
"""


def test_http_definition_parts_api_gateway_refuses_are_degraded(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(DEGRADED_HTTP, encoding="utf-8")
    outcome = import_and_compile(template, tmp_path / "out")
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    spec = outcome.imported.spec
    assert spec is not None
    assert spec["x-amazon-apigateway-cors"]["allowCredentials"] is False
    integration = spec["paths"]["/a"]["get"]["x-amazon-apigateway-integration"]
    assert integration["payloadFormatVersion"] == "2.0"
    assert "x-amazon-apigateway-integration" not in spec["paths"]["/b"]["post"]
    assert len(_degraded(outcome)) == 3, _degraded(outcome)


def test_missing_include_and_a_body_that_is_not_openapi(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Missing:\n    Type: AWS::Serverless::Api\n    Properties:\n"
        "      StageName: dev\n      DefinitionBody:\n        Fn::Transform:\n"
        "          Name: AWS::Include\n          Parameters: {Location: ./gone.yaml}\n"
        "  NotOpenApi:\n    Type: AWS::Serverless::Api\n    Properties:\n"
        "      StageName: dev\n      DefinitionBody: {this: is, a: swagger}\n",
        encoding="utf-8",
    )
    missing = import_and_compile(template, tmp_path / "m", "Missing")
    assert missing.api is not None and not missing.errors, missing.describe()
    assert [d.code for d in missing.imported.sink.diagnostics] == ["AGW140"]
    assert not missing.api.methods
    other = import_and_compile(template, tmp_path / "n", "NotOpenApi")
    assert other.api is not None and not other.errors, other.describe()
    (warning,) = [d for d in other.imported.sink.diagnostics if d.code == "AGW141"]
    assert "it has a, this" in warning.message and warning.line == 14
    assert other.imported.spec is not None and other.imported.spec["paths"] == {}
