"""The CloudFormation and SAM emitters, checked by the real tools.

Every spec in `specs/` and every valid spec of the shared corpus (fragments wrapped into whole
documents as `tests/corpus.py` does) is built into `cloudformation/template.yaml` and
`sam/template.yaml`. Each SAM template is transformed in-process by `aws-sam-translator` (after
the step `sam package` performs: local `CodeUri` folders become S3 locations), and cfn-lint runs
once, in-process, over every emitted and every translated template, expecting no error and no
warning. Shape tests pin what the reference (§4) asks of each resource.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from apigwc.emitters import EmitContext, cloudformation, sam
from apigwc.emitters.cfn_build import BODY_OPTIONS
from apigwc.emitters.cfn_refs import unbind
from apigwc.emitters.cfn_yaml import dump_template
from apigwc.export import export_document
from apigwc.pipeline import compile_spec

from tests.corpus import spec_rows, wrap_fragment

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(
    p
    for p in (ROOT / "specs").rglob("*")
    if p.suffix in (".yaml", ".json") and "components" not in p.parts and "keys" not in p.parts
)


# Settings no example spec combines, each built and linted with the rest.
LAMBDA = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
MOCK = '{type: mock, requestTemplates: {application/json: \'{"statusCode": 200}\'}, responses: {default: {statusCode: "200"}}}'
VARIANTS = {
    "private": f"""
openapi: 3.0.1
info: {{title: PrivateThings, version: "1"}}
paths:
  /things/{{id}}:
    get:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, uri: "{LAMBDA.format("GetThing")}"}}
x-amazon-apigateway-endpoint-configuration: {{vpcEndpointIds: [vpce-0123456789abcdef0]}}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {{Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*"}}
x-apigwc:
  endpointType: PRIVATE
  functions: {{GetThing: {{handler: echo:handler}}}}
  domains:
    - {{name: private.example.com, endpointType: PRIVATE, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", basePaths: {{"": dev}}}}
""",
    "sam-domain": f"""
openapi: 3.0.1
info: {{title: SamDomain, version: "1"}}
paths:
  /hello: {{get: {{responses: {{"200": {{description: ok}}}}, x-amazon-apigateway-integration: {MOCK}}}}}
x-apigwc:
  endpointType: REGIONAL
  stages: {{prod: {{throttle: {{rateLimit: 5, burstLimit: 10}}}}}}
  usagePlans:
    basic: {{stages: [prod], throttle: {{rateLimit: 1, burstLimit: 2}}, quota: {{limit: 100, period: DAY}}}}
  domains:
    - name: api.example.com
      endpointType: REGIONAL
      certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc
      hostedZoneId: Z123456789ABC
      basePaths: {{"": prod, "v1": prod}}
""",
    "multi-level-base-path": f"""
openapi: 3.0.1
info: {{title: MultiLevel, version: "1"}}
paths:
  /hello: {{get: {{responses: {{"200": {{description: ok}}}}, x-amazon-apigateway-integration: {MOCK}}}}}
x-apigwc:
  endpointType: REGIONAL
  domains:
    - {{name: api.example.com, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", securityPolicy: TLS_1_2, basePaths: {{"orders/v2": dev}}}}
""",
    "websocket-only": f"""
openapi: 3.0.1
info: {{title: Chat, version: "1"}}
paths: {{}}
x-apigwc:
  stages:
    dev:
      methodSettings: {{"/*/*": {{logging: INFO, dataTrace: true, throttle: {{rateLimit: 10, burstLimit: 20}}}}}}
  websocket:
    name: chat
    apiKeySelectionExpression: $request.header.x-api-key
    routes:
      $connect:
        authorizer: wsAuth
        integration: {{type: mock, requestTemplates: {{"$default": '{{"statusCode": 200}}'}}, responses: {{default: {{statusCode: "200", responseTemplates: {{"$default": '{{"ok": true}}'}}}}}}}}
      echo:
        apiKeyRequired: true
        integration: {{type: http, httpMethod: POST, uri: "http://127.0.0.1:9001/echo", timeoutInMillis: 2000, passthroughBehavior: when_no_match}}
        routeResponses: {{$default: {{}}}}
    authorizers:
      wsAuth: {{type: REQUEST, identitySource: [route.request.querystring.token], authorizerUri: "{LAMBDA.format("WsAuth")}"}}
""",
    "http-domain": f"""
openapi: 3.0.1
info: {{title: HttpDomain, version: "1"}}
paths:
  /items/{{proxy+}}:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0", uri: "{LAMBDA.format("Items")}"}}
x-apigwc:
  protocol: HTTP
  functions: {{Items: {{handler: echo:handler, memorySize: 256, timeout: 5, environment: {{TABLE: items}}}}}}
  stages:
    dev: {{}}
    prod:
      throttle: {{rateLimit: 5, burstLimit: 10}}
      methodSettings: {{"/items/{{proxy+}}/GET": {{throttle: {{rateLimit: 1, burstLimit: 1}}}}, "/*/*": {{metrics: true}}}}
      accessLog: {{format: "$context.requestId $context.status"}}
  domains:
    - {{name: http.example.com, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", hostedZoneName: example.com, basePaths: {{"": prod, "beta/v1": dev}}}}
""",
    "monitoring-rest": f"""
openapi: 3.0.1
info: {{title: "Monitored: pets # \\"quoted\\"", version: "1"}}
paths:
  /pets/{{id}}:
    get:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {MOCK}
x-apigwc:
  stages:
    dev: {{}}
    prod:
      throttle: {{rateLimit: 100, burstLimit: 200}}
      cache: {{enabled: true, ttlInSeconds: 300, clusterSize: "1.6"}}
      methodSettings:
        /pets/{{id}}/GET: {{throttle: {{rateLimit: 50, burstLimit: 100}}, caching: {{enabled: true, ttlInSeconds: 60}}}}
        /*/*: {{metrics: true, logging: ERROR}}
      accessLog: {{format: '{{"requestId":"$context.requestId","status":"$context.status"}}', destinationArn: "arn:aws:logs:us-east-1:123456789012:log-group:pets-access"}}
  apiKeys:
    partner: {{value: localPartnerKey0123456789}}
  usagePlans:
    gold:
      stages: [dev, prod]
      apiKeys: [partner]
      throttle: {{rateLimit: 10, burstLimit: 20}}
      quota: {{limit: 1000, period: WEEK}}
      methodThrottles: {{"/pets/{{id}}/GET": {{rateLimit: 5, burstLimit: 10}}}}
  monitoring:
    stages: [prod]
    alarmActions: ["arn:aws:sns:us-east-1:123456789012:oncall"]
    okActions: [{{"Fn::Sub": "arn:aws:sns:${{AWS::Region}}:${{AWS::AccountId}}:oncall"}}]
    serverErrorRate: {{threshold: 0.01}}
    latencyP99: {{threshold: 800, period: 300, evaluationPeriods: 3, datapointsToAlarm: 2}}
""",
    "monitoring-http": f"""
openapi: 3.0.1
info: {{title: MonitoredHttp, version: "1"}}
paths:
  /items:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0", uri: "{LAMBDA.format("Items")}"}}
x-apigwc:
  protocol: HTTP
  functions: {{Items: {{handler: echo:handler}}}}
  stages: {{dev: {{}}, prod: {{}}}}
  monitoring:
    latencyP99: {{enabled: false}}
""",
}


def _corpus_cases(folder: Path) -> dict[str, Path]:
    cases: dict[str, Path] = {}
    for row in spec_rows():
        if row.format == "fragment":
            target = folder / (row.local_path.replace("/", "__") + ".json")
            target.write_text(wrap_fragment(row), encoding="utf-8")
            cases[row.local_path] = target
        elif row.valid or row.expected.startswith("invalid with FailOnWarnings"):
            cases[row.local_path] = row.path
    return cases


def _emit(path: Path) -> dict[str, bytes]:
    result = compile_spec(path)
    assert result.api is not None and not result.sink.has_errors, path
    ctx = EmitContext(path.resolve(), hashlib.sha256(path.read_bytes()).hexdigest())
    body = json.dumps(export_document(result.api, BODY_OPTIONS)).encode()
    return cloudformation.emit(result.api, ctx) | sam.emit(result.api, ctx) | {"body.json": body}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Case id -> output folder holding cloudformation/ and sam/."""
    work = tmp_path_factory.mktemp("templates")
    (work / "wrapped").mkdir()
    cases = {f"specs/{p.relative_to(ROOT / 'specs')}": p for p in SPECS}
    cases |= _corpus_cases(work / "wrapped")
    for name, text in VARIANTS.items():
        cases[f"variant/{name}"] = work / "wrapped" / f"{name}.yaml"
        cases[f"variant/{name}"].write_text(text, encoding="utf-8")
    outputs: dict[str, Path] = {}
    for n, (case, path) in enumerate(sorted(cases.items())):
        out = work / f"case{n:03d}"
        for rel, data in _emit(path).items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
        outputs[case] = out
    return outputs


class _OfflinePolicies:
    """The managed-policy loader the translator's own tests use: no IAM call, names unused."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def translated(built: dict[str, Path]) -> dict[str, dict[str, Any] | str]:
    """Case id -> the SAM template transformed to CloudFormation (or the translator's error)."""
    import logging
    import os

    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # feature-toggle and metrics chatter

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from cfnlint.decode import cfn_yaml
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    results: dict[str, dict[str, Any] | str] = {}
    for case, out in built.items():
        template = cfn_yaml.loads((out / "sam/template.yaml").read_text(encoding="utf-8"))
        _package(template)
        try:
            results[case] = transform(template, {}, _OfflinePolicies())  # type: ignore[arg-type]
        except InvalidDocumentException as exc:
            results[case] = "; ".join(str(e) for e in exc.causes)
            continue
        (out / "sam/translated.json").write_text(json.dumps(results[case], indent=1))
    return results


def _package(template: dict[str, Any]) -> None:
    """What `sam package` does before the transform: code folders are uploaded to S3."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            uri = resource["Properties"]["CodeUri"]
            resource["Properties"]["CodeUri"] = f"s3://apigwc-artifacts/{uri}"


@pytest.fixture(scope="session")
def lint_findings(built: dict[str, Path], translated: dict[str, Any]) -> list[str]:
    """One cfn-lint run over every template: emitted CloudFormation, SAM, translated SAM."""
    from cfnlint.api import ManualArgs, lint_by_config

    files = [str(out / "cloudformation/template.yaml") for out in built.values()]
    files += [str(out / "sam/template.yaml") for out in built.values()]
    files += [
        str(out / "sam/translated.json")
        for out in built.values()
        if (out / "sam/translated.json").exists()
    ]
    matches = lint_by_config(ManualArgs(templates=files, regions=["us-east-1"]))
    cases = {str(out): case for case, out in built.items()}
    return [
        f"{cases.get(str(Path(m.filename).parents[1]), m.filename)}: {Path(m.filename).name}: "
        f"{m.rule.id} {m.message} (line {m.linenumber})"
        for m in matches
        if m.rule.id[0] in ("E", "W") and not _sam_generated(m)
    ]


def _sam_generated(match: Any) -> bool:
    """W3005 on what SAM itself writes for `Auth.UsagePlan`: its UsagePlan and UsagePlanKey carry a
    `DependsOn` that their own `Ref`s already imply (samtranslator api_generator)."""
    return match.filename.endswith("translated.json") and match.rule.id == "W3005"


def test_every_spec_gives_both_templates(built: dict[str, Path]) -> None:
    assert len(built) >= 110  # specs/, the valid corpus (fragments wrapped) and the variants
    for out in built.values():
        assert (
            (out / "cloudformation/template.yaml").read_bytes().startswith(b"# Generated by apigwc")
        )
        assert (out / "sam/template.yaml").stat().st_size > 0


def test_cfn_lint_finds_nothing(lint_findings: list[str]) -> None:
    assert lint_findings == [], "\n".join(lint_findings)


def test_every_sam_template_transforms(translated: dict[str, Any]) -> None:
    failures = {case: r for case, r in translated.items() if isinstance(r, str)}
    assert failures == {}


def test_sam_function_code_is_beside_the_template(built: dict[str, Path]) -> None:
    template = _load(built["specs/petstore.yaml"] / "sam/template.yaml")
    functions = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    ]
    assert functions
    for function in functions:
        module = function["Properties"]["Handler"].rsplit(".", 1)[0]
        code = built["specs/petstore.yaml"] / "sam" / function["Properties"]["CodeUri"]
        assert (code / f"{module}.py").is_file(), function


API_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api", "AWS::Serverless::Api")


@pytest.mark.parametrize("flavour", ["cloudformation", "sam"])
def test_bodies_unbind_to_the_export(built: dict[str, Path], flavour: str) -> None:
    """The body in each template, its bindings undone (`cfn_refs.unbind` with the template's
    Metadata), is the export byte for byte: what an importer needs to get the spec back."""
    mismatched = []
    for case, out in built.items():
        template = _load(out / f"{flavour}/template.yaml")
        bodies = [
            props.get("Body", props.get("DefinitionBody"))
            for kind in (*API_TYPES, "AWS::Serverless::HttpApi")
            for lid, props in _of_type(template, kind).items()
            if lid == "Api"
        ]
        if not bodies and case in ("variant/websocket-only", "specs/chat.yaml"):
            continue  # nothing but a WebSocket API
        (body,) = bodies
        exported = json.loads((out / "body.json").read_text(encoding="utf-8"))
        if json.loads(json.dumps(unbind(body, template.get("Metadata")))) != exported:
            mismatched.append(case)
    assert mismatched == []


def test_templates_are_deterministic() -> None:
    for name in ("petstore.yaml", "features/apigwc-deployment.yaml", "features/http-api.yaml"):
        assert _emit(ROOT / "specs" / name) == _emit(ROOT / "specs" / name)


# -- shapes the reference asks for ---------------------------------------------------------------
def _load(path: Path) -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    return dict(cfn_yaml.loads(path.read_text(encoding="utf-8")))


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


@pytest.fixture(scope="session")
def deployment_cfn(built: dict[str, Path]) -> dict[str, Any]:
    return _load(built["specs/features/apigwc-deployment.yaml"] / "cloudformation/template.yaml")


def test_rest_api_body_deployment_and_stages(deployment_cfn: dict[str, Any]) -> None:
    (api,) = _of_type(deployment_cfn, "AWS::ApiGateway::RestApi").values()
    assert "x-apigwc" not in api["Body"] and api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    (deployment,) = _of_type(deployment_cfn, "AWS::ApiGateway::Deployment")
    digest = hashlib.sha256(json.dumps(api["Body"], sort_keys=True).encode()).hexdigest()[:10]
    assert deployment == f"ApiDeployment{digest}"
    stages = {
        s["StageName"]: s for s in _of_type(deployment_cfn, "AWS::ApiGateway::Stage").values()
    }
    assert set(stages) == {"dev", "prod"}
    prod = stages["prod"]
    assert prod["CacheClusterEnabled"] is True and prod["CacheClusterSize"] == "1.6"
    assert prod["TracingEnabled"] is True and prod["CanarySetting"]["PercentTraffic"] == 10
    settings = {(m["ResourcePath"], m["HttpMethod"]): m for m in prod["MethodSettings"]}
    assert settings[("/~1pets", "GET")]["CacheTtlInSeconds"] == 120
    assert settings[("/~1vets~1{proxy+}", "*")]["CachingEnabled"] is False
    assert settings[("/*", "*")]["ThrottlingRateLimit"] == 1000
    assert "$context.requestId" in prod["AccessLogSetting"]["Format"]


def test_keys_and_usage_plans(deployment_cfn: dict[str, Any]) -> None:
    keys = _of_type(deployment_cfn, "AWS::ApiGateway::ApiKey")
    assert {k["Name"] for k in keys.values()} == {"partner", "internal", "retired"}
    for key in keys.values():
        parameter = key["Value"]["Fn::If"][1]["Ref"]
        assert deployment_cfn["Parameters"][parameter]["NoEcho"] is True
        assert "Default" in deployment_cfn["Parameters"][parameter]
    plans = {
        p["UsagePlanName"]: p
        for p in _of_type(deployment_cfn, "AWS::ApiGateway::UsagePlan").values()
    }
    partners = plans["partners"]
    assert partners["Quota"] == {"Limit": 50000, "Period": "MONTH", "Offset": 1}
    assert partners["ApiStages"][0]["Throttle"]["/pets/POST"] == {"RateLimit": 2, "BurstLimit": 5}
    assert len(_of_type(deployment_cfn, "AWS::ApiGateway::UsagePlanKey")) == 3


def test_domains_and_route53_aliases(deployment_cfn: dict[str, Any]) -> None:
    domains = {
        d["DomainName"]: d for d in _of_type(deployment_cfn, "AWS::ApiGateway::DomainName").values()
    }
    regional, edge = domains["pets.example.com"], domains["pets-edge.example.com"]
    assert "RegionalCertificateArn" in regional and "CertificateArn" not in regional
    assert "CertificateArn" in edge and edge["EndpointConfiguration"] == {"Types": ["EDGE"]}
    records = {r["Name"]: r for r in _of_type(deployment_cfn, "AWS::Route53::RecordSet").values()}
    assert records["pets-edge.example.com"]["AliasTarget"]["HostedZoneId"] == "Z2FDTNDATAQYW2"
    regional_zone = records["pets.example.com"]["AliasTarget"]["HostedZoneId"]
    assert regional_zone["Fn::GetAtt"][1] == "RegionalHostedZoneId"
    mappings = _of_type(deployment_cfn, "AWS::ApiGateway::BasePathMapping").values()
    assert sorted(m.get("BasePath", "") for m in mappings) == ["", "beta", "v1"]


def test_lambda_permissions_use_the_narrowest_source_arn(deployment_cfn: dict[str, Any]) -> None:
    sources = {
        json.dumps(p["FunctionName"]): p["SourceArn"]["Fn::Sub"]
        for p in _of_type(deployment_cfn, "AWS::Lambda::Permission").values()
    }
    assert sources['{"Ref": "ListPetsArn"}'].endswith(":${Api}/*/GET/pets")
    assert sources['{"Ref": "ChatAuthorizerArn"}'].endswith(":${WebSocketApi}/authorizers/*")
    assert sources['{"Ref": "ChatSendMessageArn"}'].endswith(":${WebSocketApi}/*/sendMessage")


def test_websocket_api(deployment_cfn: dict[str, Any]) -> None:
    routes = {
        r["RouteKey"]: r for r in _of_type(deployment_cfn, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$disconnect", "$default", "sendMessage"}
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert len(_of_type(deployment_cfn, "AWS::ApiGatewayV2::RouteResponse")) == 2
    stages = _of_type(deployment_cfn, "AWS::ApiGatewayV2::Stage").values()
    assert {s["StageName"] for s in stages} == {"dev", "prod"}


def test_sam_uses_its_own_resources(built: dict[str, Path]) -> None:
    template = _load(built["specs/features/intrinsics.yaml"] / "sam/template.yaml")
    (api,) = _of_type(template, "AWS::Serverless::Api").values()
    uri = api["DefinitionBody"]["paths"]["/widgets"]["get"]["x-amazon-apigateway-integration"][
        "uri"
    ]
    assert "${ListWidgetsFunction.Arn}" in uri["Fn::Sub"]
    http = _load(built["specs/features/http-api.yaml"] / "sam/template.yaml")
    assert _of_type(http, "AWS::Serverless::HttpApi")


def test_intrinsics_of_the_spec_resolve_inside_the_template(built: dict[str, Path]) -> None:
    """References to the spec's surrounding template become parameters and conditions."""
    template = _load(built["specs/features/intrinsics.yaml"] / "cloudformation/template.yaml")
    parameters = template["Parameters"]
    assert parameters["ListWidgetsFunctionArn"]["Default"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:ListWidgetsFunction"
    )
    assert "Default" not in parameters["ApiGatewayInvokeRoleArn"]  # unknown outside the stack
    assert "InvokeRoleArn" in parameters and "ListWidgetsFunction" in parameters
    assert template["Conditions"]["IsProduction"] == {
        "Fn::Equals": [{"Ref": "IsProductionValue"}, "true"]
    }
    assert template["Metadata"]["apigwc"]["substitutions"]["ApiGatewayInvokeRoleArn"] == (
        "ApiGatewayInvokeRole.Arn"
    )


def test_short_form_intrinsics() -> None:
    text = dump_template(
        {
            "A": {"Fn::GetAtt": ["Domain", "RegionalDomainName"]},
            "B": {"Fn::Sub": "${Api}/*"},
            "C": {"Fn::If": ["Cond", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]},
        }
    )
    assert text == (
        "A: !GetAtt Domain.RegionalDomainName\nB: !Sub ${Api}/*\n"
        "C: !If\n- Cond\n- !Ref X\n- !Ref AWS::NoValue\n"
    )


def test_variants(built: dict[str, Path]) -> None:
    private = _load(built["variant/private"] / "cloudformation/template.yaml")
    (api,) = _of_type(private, "AWS::ApiGateway::RestApi").values()
    assert api["EndpointConfiguration"] == {
        "Types": ["PRIVATE"],
        "VpcEndpointIds": ["vpce-0123456789abcdef0"],
    }
    assert _of_type(private, "AWS::ApiGateway::DomainNameV2")
    assert _of_type(private, "AWS::ApiGateway::BasePathMappingV2")
    (permission,) = _of_type(private, "AWS::Lambda::Permission").values()
    assert permission["SourceArn"]["Fn::Sub"].endswith("${Api}/*/GET/things/*")

    sam_domain = _load(built["variant/sam-domain"] / "sam/template.yaml")
    (sam_api,) = _of_type(sam_domain, "AWS::Serverless::Api").values()
    assert sam_api["Domain"]["BasePath"] == ["/", "v1"]
    assert sam_api["Auth"]["UsagePlan"]["CreateUsagePlan"] == "PER_API"
    assert not _of_type(sam_domain, "AWS::ApiGateway::DomainName")

    multi = _load(built["variant/multi-level-base-path"] / "cloudformation/template.yaml")
    (mapping,) = _of_type(multi, "AWS::ApiGatewayV2::ApiMapping").values()
    assert mapping["ApiMappingKey"] == "orders/v2"

    http = _load(built["variant/http-domain"] / "cloudformation/template.yaml")
    (domain,) = _of_type(http, "AWS::ApiGatewayV2::DomainName").values()
    assert domain["DomainNameConfigurations"][0]["SecurityPolicy"] == "TLS_1_2"
    prod = next(
        s for s in _of_type(http, "AWS::ApiGatewayV2::Stage").values() if s["StageName"] == "prod"
    )
    assert prod["RouteSettings"] == {
        "GET /items/{proxy+}": {"ThrottlingRateLimit": 1.0, "ThrottlingBurstLimit": 1}
    }
    assert prod["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True
    (record,) = _of_type(http, "AWS::Route53::RecordSet").values()
    assert record["HostedZoneName"] == "example.com."


def test_websocket_only_spec(built: dict[str, Path]) -> None:
    """No REST API without methods (API Gateway would refuse its deployment); the WebSocket API
    with a mock integration's response, a named authorizer and execution logging."""
    template = _load(built["variant/websocket-only"] / "cloudformation/template.yaml")
    assert not _of_type(template, "AWS::ApiGateway::RestApi")
    (response,) = _of_type(template, "AWS::ApiGatewayV2::IntegrationResponse").values()
    assert response["IntegrationResponseKey"] == "$default"
    routes = {r["RouteKey"]: r for r in _of_type(template, "AWS::ApiGatewayV2::Route").values()}
    assert routes["echo"]["ApiKeyRequired"] is True
    assert routes["$connect"]["AuthorizerId"] == {"Ref": "WebSocketApiAuthorizerWsAuth"}
    (stage,) = _of_type(template, "AWS::ApiGatewayV2::Stage").values()
    assert stage["DefaultRouteSettings"]["LoggingLevel"] == "INFO"
    assert template["Resources"]["WebSocketApiStageDev"]["DependsOn"] == "ApiGatewayAccount"


def _alarms(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(stage, metric) -> the alarm's properties."""
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    return {
        (next(d["Value"] for d in a["Dimensions"] if d["Name"] == "Stage"), a["MetricName"]): a
        for a in alarms
    }


@pytest.mark.parametrize("flavour", ["cloudformation", "sam"])
def test_monitoring_alarms_rest(built: dict[str, Path], flavour: str) -> None:
    """`x-apigwc.monitoring`: per monitored stage, 5XXError as a rate and Latency at p99, by
    ApiName (the body's title) and Stage, with the user's thresholds over the defaults."""
    template = _load(built["variant/monitoring-rest"] / f"{flavour}/template.yaml")
    alarms = _alarms(template)
    assert set(alarms) == {("prod", "5XXError"), ("prod", "Latency")}
    errors, latency = alarms[("prod", "5XXError")], alarms[("prod", "Latency")]
    assert errors["Dimensions"][0] == {"Name": "ApiName", "Value": 'Monitored: pets # "quoted"'}
    assert (errors["Namespace"], errors["Statistic"], errors["Threshold"]) == (
        "AWS/ApiGateway",
        "Average",
        0.01,
    )
    assert (errors["Period"], errors["EvaluationPeriods"], errors["DatapointsToAlarm"]) == (
        60,
        3,
        3,
    )
    assert latency["ExtendedStatistic"] == "p99" and "Statistic" not in latency
    assert (latency["Threshold"], latency["Period"], latency["DatapointsToAlarm"]) == (800, 300, 2)
    assert errors["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:oncall"]
    assert errors["OKActions"] == [
        {"Fn::Sub": "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:oncall"}
    ]
    assert errors["TreatMissingData"] == "notBreaching"


def test_monitoring_alarms_http(built: dict[str, Path]) -> None:
    """HTTP APIs: the metric `5xx` by ApiId; a disabled alarm is not emitted; every stage when
    `stages` is left out."""
    template = _load(built["variant/monitoring-http"] / "cloudformation/template.yaml")
    alarms = _alarms(template)
    assert set(alarms) == {("dev", "5xx"), ("prod", "5xx")}
    assert alarms[("dev", "5xx")]["Dimensions"][0] == {"Name": "ApiId", "Value": {"Ref": "Api"}}
    assert alarms[("dev", "5xx")]["Threshold"] == 0.05


@pytest.mark.parametrize("flavour", ["cloudformation", "sam"])
def test_stage_settings_reach_the_templates(built: dict[str, Path], flavour: str) -> None:
    """Throttling, the cache cluster, method settings, access-log destination, usage plan with a
    per-method throttle and its key, as the stage settings imply them (reference §4)."""
    template = _load(built["variant/monitoring-rest"] / f"{flavour}/template.yaml")
    stages = {
        **{s["StageName"]: s for s in _of_type(template, "AWS::ApiGateway::Stage").values()},
        **{s["StageName"]: s for s in _of_type(template, "AWS::Serverless::Api").values()},
    }
    prod = stages["prod"]
    assert (prod["CacheClusterEnabled"], prod["CacheClusterSize"]) == (True, "1.6")
    settings = {(m["ResourcePath"], m["HttpMethod"]): m for m in prod["MethodSettings"]}
    assert settings[("/*", "*")] | {} == {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": 100,
        "ThrottlingBurstLimit": 200,
        "CachingEnabled": True,
        "CacheTtlInSeconds": 300,
        "MetricsEnabled": True,
        "LoggingLevel": "ERROR",
    }
    method = settings[("/~1pets~1{id}", "GET")]
    assert (method["ThrottlingRateLimit"], method["CacheTtlInSeconds"]) == (50, 60)
    assert prod["AccessLogSetting"] == {
        "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:pets-access",
        "Format": '{"requestId":"$context.requestId","status":"$context.status"}',
    }
    (plan,) = _of_type(template, "AWS::ApiGateway::UsagePlan").values()
    assert plan["Quota"] == {"Limit": 1000, "Period": "WEEK"}
    throttles = [s.get("Throttle") for s in plan["ApiStages"]]
    assert throttles == [{"/pets/{id}/GET": {"RateLimit": 5, "BurstLimit": 10}}] * 2
    (key,) = _of_type(template, "AWS::ApiGateway::UsagePlanKey").values()
    assert key["KeyType"] == "API_KEY"
