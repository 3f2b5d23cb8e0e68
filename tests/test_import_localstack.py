"""LocalStack's AWS-validated import snapshots: the resources, methods and integrations real API
Gateway created when these specs were imported, against what `apigwc import` then compiling
the spec derives.

Each case names the snapshot test, the corpus spec and the `get_resources` entry holding what
AWS created; the base-path tests run in `ignore` mode (paths as written). Integrations are
compared for every `get_integration` the snapshot recorded for a route of that API (type, HTTP
method, URI). The differences known today are listed, each with its reason, in
`tests/data/localstack_import_differences.tsv`: a new one fails, and so does one that is gone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from apigwc.ir.api import Api
from apigwc.ir.base import deployable_json

from tests.corpus import CORPUS
from tests.import_oracles import import_and_compile

SNAPSHOT = CORPUS / "oracles" / "localstack" / "test_apigateway_import.snapshot.json"
PREFIX = "tests/aws/services/apigateway/test_apigateway_import.py::TestApiGatewayImportRestApi::"
SPECS = CORPUS / "specs" / "localstack"
DIFFERENCES = Path(__file__).resolve().parent / "data" / "localstack_import_differences.tsv"

# (snapshot test, spec, resources entry, prefix of its method keys)
CASES = [
    ("test_import_swagger_api", "petstore-authorizer.swagger.json", "resources", ""),
    (
        "test_import_and_validate_rest_api[openapi.spec.tf.json]",
        "openapi.spec.tf.json",
        "resources",
        "",
    ),
    (
        "test_import_and_validate_rest_api[swagger-mock-cors.json]",
        "swagger-mock-cors.json",
        "resources",
        "",
    ),
    (
        "test_import_rest_apis_with_base_path_swagger[ignore]",
        "swagger.json",
        "get-resources-swagger-json",
        "",  # the snapshot's integration entries for other routes are the no-base-path API's
    ),
    (
        "test_import_rest_api_with_base_path_oas30[ignore]",
        "openapi-basepath-server-variable.yaml",
        "get-resources-oas30-srv-var",
        "srv-var-",
    ),
    (
        "test_import_rest_api_with_base_path_oas30[ignore]",
        "openapi-basepath-url.yaml",
        "get-resources-oas30-srv-url",
        "srv-url-",
    ),
    (
        "test_import_with_global_api_key_authorizer",
        "openapi.spec.global-auth.json",
        "resources",
        "",
    ),
    ("test_import_with_circular_models", "openapi.spec.circular-ref.json", "resources", ""),
    (
        "test_import_with_circular_models_and_request_validation",
        "openapi.spec.circular-ref-with-request-body.json",
        "resources",
        "",
    ),
    (
        "test_import_with_http_method_integration",
        "openapi-http-method-integration.json",
        "resources",
        "",
    ),
    (
        "test_import_with_cognito_auth_identity_source",
        "openapi.cognito-auth.json",
        "resources",
        "",
    ),
    ("test_import_with_integer_http_status_code", "openapi-method-int.spec.yaml", "resources", ""),
]


def _recorded(test: str) -> dict[str, Any]:
    snapshots = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    content: dict[str, Any] = snapshots[PREFIX + test]["recorded-content"]
    return content


def _aws_routes(resources: dict[str, Any]) -> set[str]:
    return {
        f"{method} {item['path']}"
        for item in resources["items"]
        for method in item.get("resourceMethods", {})
    }


def _aws_integrations(content: dict[str, Any], prefix: str) -> dict[str, Any]:
    """`integration-<path>-<method>` entries (`root` is `/`) -> route -> what AWS holds."""
    found = {}
    for key, value in content.items():
        if not key.startswith(prefix + "integration-") or "integration-response" in key:
            continue
        where, _, method = key[len(prefix + "integration-") :].rpartition("-")
        path = "/" if where == "root" else "/" + where
        found[f"{method.upper()} {path}"] = {
            "type": value.get("type"),
            "httpMethod": value.get("httpMethod"),
            "uri": value.get("uri"),
        }
    return found


def _pattern(recorded: str) -> str:
    """The snapshot's value as a regex: LocalStack's transformers replaced account-specific
    parts with placeholders (`<region>`, `<uri:1>`) that match anything."""
    return ".+".join(re.escape(part) for part in re.split(r"<[^<>]+>", recorded))


def _our_routes(api: Api) -> set[str]:
    return {f"{m.http_method} {m.path}" for m in api.methods}


def _our_integration(api: Api, route: str) -> dict[str, Any]:
    method = next((m for m in api.methods if f"{m.http_method} {m.path}" == route), None)
    assert method is not None, f"{route} recorded by AWS, not derived"
    integration = method.integration
    assert integration is not None, route
    return {
        "type": integration.type.value,
        "httpMethod": integration.http_method,
        "uri": deployable_json(integration.uri),
    }


def _known_differences() -> dict[tuple[str, str, str], str]:
    """(spec, route, field) -> why apigwc differs from what AWS recorded."""
    lines = DIFFERENCES.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["spec", "route", "field", "reason"]
    known = {}
    for line in lines[1:]:
        spec, route, field, reason = line.split("\t")
        assert reason.strip() and field in ("type", "httpMethod", "uri"), line
        known[(spec, route, field)] = reason
    return known


KNOWN = _known_differences()


def _differences(ours: dict[str, Any], aws: dict[str, Any]) -> set[str]:
    """The fields where apigwc's integration is not what AWS recorded (AWS's URIs carry
    placeholders for account-specific parts; a MOCK has no URI on either side)."""
    differ = {field for field in ("type", "httpMethod") if ours[field] != aws[field]}
    if aws["uri"] is None or ours["uri"] is None:
        if aws["uri"] != ours["uri"]:
            differ.add("uri")
    elif not re.fullmatch(_pattern(aws["uri"]), str(ours["uri"])):
        differ.add("uri")
    return differ


@pytest.mark.parametrize(
    ("test", "spec", "resources", "prefix"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_localstack_import(
    test: str, spec: str, resources: str, prefix: str, tmp_path: Path
) -> None:
    content = _recorded(test)
    outcome = import_and_compile(SPECS / spec, tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    routes = _aws_routes(content[resources])
    assert _our_routes(outcome.api) == routes
    found = {
        (spec, route, field)
        for route, aws in _aws_integrations(content, prefix).items()
        if route in routes
        for field in _differences(_our_integration(outcome.api, route), aws)
    }
    expected = {key for key in KNOWN if key[0] == spec}
    assert found == expected, {"new": found - expected, "gone": expected - found}


def test_every_known_difference_names_a_case() -> None:
    assert {key[0] for key in KNOWN} <= {case[1] for case in CASES}
