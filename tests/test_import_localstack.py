"""LocalStack's AWS-validated import snapshots: the resources, methods and integrations real API
Gateway created when these specs were imported, against what `apigwc import` then compiling
the spec derives.

Each case names the snapshot test, the corpus spec and the `get_resources` entry holding what
AWS created; the base-path tests run in `ignore` mode (paths as written). Integrations are
compared for every `get_integration` the snapshot recorded (type, HTTP method, URI).
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

# (snapshot test, spec, resources entry, prefix of its method keys or None to skip integrations)
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
        None,  # its integration entries mix this spec's with the no-base-path one's
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


@pytest.mark.parametrize(
    ("test", "spec", "resources", "prefix"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_localstack_import(
    test: str, spec: str, resources: str, prefix: str | None, tmp_path: Path
) -> None:
    content = _recorded(test)
    outcome = import_and_compile(SPECS / spec, tmp_path)
    assert outcome.api is not None and not outcome.errors, outcome.describe()
    assert _our_routes(outcome.api) == _aws_routes(content[resources])
    if prefix is None:
        return
    for route, aws in _aws_integrations(content, prefix).items():
        ours = _our_integration(outcome.api, route)
        # AWS answers without `uri` for MOCK and fills httpMethod only where one was given
        assert ours["type"] == aws["type"], route
        if aws["uri"] is not None and "${" not in str(ours["uri"]):
            assert re.fullmatch(_pattern(aws["uri"]), str(ours["uri"])), (route, ours["uri"])
        if aws["httpMethod"] is not None:
            assert ours["httpMethod"] == aws["httpMethod"], route
