"""Access log formats: the console presets by name (lowering/access_log_presets.py) and the
compiled line of a format (runtime/observability/access_log.py `compile_line`), which must
print what the getters print (`render`) for every variable, preset or not."""

from __future__ import annotations

import json

import pytest
from apigwc.lowering.access_log_presets import HTTP_PRESETS, REST_PRESETS
from apigwc.runtime.observability.access_log import (
    DEFAULT_FORMAT,
    GETTERS,
    Entry,
    compile_format,
    compile_line,
    render,
)
from apigwc.runtime.pipeline.context import Request

from tests.lowering_cases import document, lower_text


def _stage_format(text: str, *, http: bool = False) -> str:
    protocol = "HTTP" if http else "REST"
    body = f"""
        x-apigwc:
          protocol: {protocol}
          stages:
            dev: {{accessLog: {{format: {json.dumps(text)}}}}}
    """
    api, _ = lower_text(document(body))
    assert api is not None
    log = api.deployment.stages["dev"].access_log
    assert log is not None
    return log.format


@pytest.mark.parametrize("name", ["CLF", "JSON", "XML", "CSV"])
@pytest.mark.parametrize("http", [False, True], ids=["REST", "HTTP"])
def test_a_preset_name_becomes_the_consoles_format(name: str, http: bool) -> None:
    presets = HTTP_PRESETS if http else REST_PRESETS
    assert _stage_format(name, http=http) == presets[name]
    assert _stage_format(f" {name.lower()} ", http=http) == presets[name]


def test_the_presets_are_the_developer_guides() -> None:
    """Two of the console's strings, as the developer guide prints them (set-up-logging and
    http-api-logging): REST's name the resource path and the extended id, HTTP APIs' the route."""
    assert REST_PRESETS["CSV"] == (
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,"
        "$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,"
        "$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId"
    )
    assert HTTP_PRESETS["CLF"] == (
        '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod '
        '$context.routeKey $context.protocol" $context.status $context.responseLength '
        "$context.requestId"
    )


def test_a_format_that_is_no_preset_is_kept() -> None:
    assert _stage_format("$context.requestId JSON") == "$context.requestId JSON"


FORMATS = [
    DEFAULT_FORMAT,
    *REST_PRESETS.values(),
    *HTTP_PRESETS.values(),
    # every variable the runtime knows, then unknown and nested ones
    " ".join(f"$context.{name}" for name in sorted(GETTERS)),
    "100% $context.status %s %% $context.path. $context.nope.deep $context.authorizer.tier",
    "$context.authorizer.claims.sub|$context.identity.caller|$context.identity.userArn",
    "no variable at all",
    "",
]


def _requests() -> list[Entry]:
    plain = Request("GET", "/dev/a", "k=v", [("host", "h.example.com")], b"x", "10.0.0.1")
    plain.stage_prefix = "/dev"
    allowed = Request("POST", "/b", "", [("user-agent", "curl/8")], b"", "")
    allowed.authorizer = {"principalId": "p", "tier": "3", "claims": {"sub": "u-1"}}
    allowed.caller = {"caller": "AIDA", "userArn": "arn:aws:iam::1:user/x"}
    allowed.api_key = ("k" * 20, "keyid")
    route = {"resourcePath": "/a", "resourceId": "abc123", "routeKey": "GET /a"}
    api = {"apiId": "a1", "account": "123456789012", "deploymentId": "d1"}
    return [
        Entry(plain, route, "dev", 200, 3, plain.epoch + 0.004, api),
        Entry(allowed, None, "$default", 403, 0, allowed.epoch, api),
        Entry(allowed, {"resourcePath": "", "routeKey": None}, "", 502, 12, allowed.epoch, {}),
        Entry(plain, route, "dev", 200, 1000, plain.epoch, api),  # past the looked-up numbers
    ]


@pytest.mark.parametrize("text", FORMATS)
def test_the_compiled_line_prints_what_the_getters_print(text: str) -> None:
    for entry in _requests():
        line = compile_line(text, entry.api)
        compiled = line(entry.request, entry.route, entry.stage, entry.status, entry.length)
        if "responseLatency" in text:  # measured when the line is made: not comparable
            continue
        assert compiled == render(compile_format(text), entry)


def test_the_rest_json_preset_is_json() -> None:
    entry = _requests()[0]
    line = compile_line(REST_PRESETS["JSON"], entry.api)
    written = json.loads(line(entry.request, entry.route, "dev", 200, 3))
    assert written | {"requestTime": "-"} == {
        "requestId": entry.request.request_id,
        "extendedRequestId": entry.request.extended_request_id,
        "ip": "10.0.0.1",
        "caller": "-",
        "user": "-",
        "requestTime": "-",
        "httpMethod": "GET",
        "resourcePath": "/a",
        "status": "200",
        "protocol": "HTTP/1.1",
        "responseLength": "3",
    }


def test_format_text_never_becomes_code() -> None:
    """The format is data of the compiled function, never its source: quotes, braces and
    Python in the literal text print as they are."""
    text = (
        '\'); import os; os._exit(1) #{0} {r.request_id} {{}} }{ """ \\N{DASH} \\\' \\{x}'
        " $context.status \\n \x00\u2713 %s"
    )
    entry = _requests()[0]
    line = compile_line(text, entry.api)
    assert line(entry.request, entry.route, "dev", 200, 3) == text.replace("$context.status", "200")
