"""Lambda proxy integrations (`AWS_PROXY`): the event, the local invocation, the response.

Flows in: a matched request, its `$context` values and the route's integration config. Flows
out: a `Response` built from the handler's result, or a `GatewayError` (502 for a function error
or a malformed result, 504 past the integration timeout, 500 when Lambda refuses the invocation),
each failure carrying the reason that `Gateway.error` logs with the route and the function.

Events follow reference §2.1 (REST, payload 1.0), §2.4 (HTTP API 1.0) and §2.3 (HTTP API 2.0);
results are validated as §2.2 (REST: unknown keys, non-integer status, non-list multi-value
headers are 502) and §2.4 (HTTP API: a result without `statusCode` is the body).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from ..pipeline.context import Request
from ..responses.gateway_responses import GatewayError, Response
from ..transform.media_types import (
    first_accept,
    is_binary_media_type,
    is_http_api_text,
    with_default_content_type,
)
from .lambda_functions import FunctionError, Throttled

REST_RESULT_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
)
# Headers a function may not set as such: API Gateway renames them (reference §2.2).
REMAPPED = frozenset({"connection", "content-length", "date", "server"})
# Never copied into an event: the connection is the gateway's (reference §2.1).
NOT_IN_EVENT = frozenset({"content-length", "connection"})
# Nor the client's `X-Forwarded-For`: the event has one value, the caller appended to it.
_NOT_COPIED = NOT_IN_EVENT | {"x-forwarded-for"}


def _single(pairs: list[tuple[str, str]]) -> dict[str, str] | None:
    return dict(pairs) or None


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out or None


def _header_maps(
    request: Request,
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """`headers` and `multiValueHeaders` of a 1.0 event, built in one pass over the headers.

    Names keep the client's casing when the server kept it (`request.sent_names()`), except
    `Authorization`, which API Gateway writes so whatever the client sent (§2.1, recorded).
    The gateway adds `X-Amzn-Trace-Id` (unless the client sent one) and `X-Forwarded-*`."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    names = request.sent_names()
    index = -1
    for name, value in request.headers:
        index += 1
        if name in _NOT_COPIED:
            continue
        key = (
            "Authorization"
            if name == "authorization"
            else names[index] if names is not None else name
        )
        single[key] = value
        if key in multi:
            multi[key].append(value)
        else:
            multi[key] = [value]
    added: tuple[tuple[str, str], ...] = (
        ("X-Forwarded-For", request.forwarded_for()),
        ("X-Forwarded-Port", str(request.server_port)),
        ("X-Forwarded-Proto", request.scheme),
    )
    if not request.header("x-amzn-trace-id"):
        added = (("X-Amzn-Trace-Id", request.trace_header()), *added)
    for key, value in added:
        single[key] = value
        if key in multi:  # the client sent one under the same spelling
            multi[key].append(value)
        else:
            multi[key] = [value]
    return single, multi


def rest_event(
    request: Request,
    context: Mapping[str, Any],
    route: Mapping[str, Any],
    path_params: Mapping[str, str],
    binary_media_types: tuple[str, ...],
    version: str | None = None,
) -> dict[str, Any]:
    """The payload 1.0 event: REST `AWS_PROXY`, or an HTTP API route with payload 1.0."""
    headers, multi_headers = _header_maps(request)
    query = request.query_pairs() if request.query_string else None
    body = request.body
    # Without binary media types nothing is (the usual API: no Content-Type read).
    encoded = bool(binary_media_types) and is_binary_media_type(
        request.header("content-type"), binary_media_types
    )
    # `$context` minus the stage variables, which the event carries beside it.
    request_context = dict(context)
    request_context.pop("stageVariables", None)
    authorizer = request_context.get("authorizer")
    if authorizer is not None:
        # The handler gets the event itself: its own copy of `$context.authorizer`, which a
        # cached authorizer result shares between requests (lambda_authorizer.py).
        request_context["authorizer"] = dict(authorizer)
    path = "/" + request.path.lstrip("/")
    if version is None:
        if route.get("operationName"):
            request_context["operationName"] = route["operationName"]
    elif context["stage"] != "$default":
        # HTTP API payload 1.0: `path` carries a named stage, as `requestContext.path` does (§2.4).
        path = f"/{context['stage']}{path}"
    event: dict[str, Any] = {
        "resource": route["resourcePath"],
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": _single(query) if query else None,
        "multiValueQueryStringParameters": _multi(query) if query else None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": context.get("stageVariables") or None,
        "requestContext": request_context,
        "body": _body_text(body, encoded) if body else None,
        "isBase64Encoded": encoded,
    }
    return {"version": version, **event} if version else event


def http_event(
    request: Request,
    context: Mapping[str, Any],
    route: Mapping[str, Any],
    path_params: Mapping[str, str],
) -> dict[str, Any]:
    """The HTTP API payload 2.0 event (reference §2.3).

    Headers as AWS's captured 2.0 events show them ([GO] `apigw-v2-request-*.json`): lower
    case, duplicates comma-joined, `content-length` kept, and the gateway's `x-amzn-trace-id`
    (unless the client sent one) and `x-forwarded-for/port/proto` added."""
    joined: dict[str, str] = {}
    added = (
        () if request.header("x-amzn-trace-id") else (("x-amzn-trace-id", request.trace_header()),)
    )
    for key, value in (
        *(h for h in request.headers if h[0] != "x-forwarded-for"),
        *added,
        ("x-forwarded-for", request.forwarded_for()),
        ("x-forwarded-port", str(request.server_port)),
        ("x-forwarded-proto", request.scheme),
    ):
        if key != "connection" and key != "cookie":
            joined[key] = f"{joined[key]},{value}" if key in joined else value
    query: dict[str, str] = {}
    for key, value in request.query_pairs():
        query[key] = f"{query[key]},{value}" if key in query else value
    stage = context["stage"]
    raw_path = request.path if stage == "$default" else f"/{stage}{request.path}"
    encoded = not is_http_api_text(request.header("content-type"))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route["routeKey"],
        "rawPath": raw_path,
        "rawQueryString": request.query_string,
    }
    cookies = [c.strip() for h in request.headers if h[0] == "cookie" for c in h[1].split(";")]
    if cookies:
        event["cookies"] = [c for c in cookies if c]
    event["headers"] = joined
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = dict(path_params)
    if context.get("stageVariables"):
        event["stageVariables"] = context["stageVariables"]
    event["requestContext"] = {
        "accountId": context["accountId"],
        "apiId": context["apiId"],
        "domainName": context["domainName"],
        "domainPrefix": context["domainPrefix"],
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request.extended_request_id,
        "routeKey": route["routeKey"],
        "stage": stage,
        "time": context["requestTime"],
        "timeEpoch": context["requestTimeEpoch"],
    }
    authorizer = request.authorizer
    if authorizer is not None:  # an authorizer's context (reference §2.8)
        # A JWT authorizer's `{claims, scopes}` goes under `jwt`; a Lambda authorizer's context
        # under `lambda` (`claims` is reserved: lambda_authorizer refuses it in a context).
        # A copy: a cached Lambda authorizer result's context is shared between requests.
        event["requestContext"]["authorizer"] = {
            "jwt" if "claims" in authorizer else "lambda": dict(authorizer)
        }
    elif request.caller is not None:  # an IAM caller (reference §2.3)
        event["requestContext"]["authorizer"] = {"iam": iam_context(request.caller)}
    if request.body:
        event["body"] = _body_text(request.body, encoded)
    event["isBase64Encoded"] = encoded if request.body else False
    return event


def iam_context(caller: Mapping[str, str]) -> dict[str, Any]:
    """`requestContext.authorizer.iam` of a 2.0 event from the caller's `$context.identity`
    values (reference §2.3, [GO] `apigw-v2-request-iam.json`); no Cognito identity locally."""
    return {
        "accessKey": caller["accessKey"],
        "accountId": caller["accountId"],
        "callerId": caller["caller"],
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": caller["userArn"],
        "userId": caller["user"],
    }


def _body_text(body: bytes, encoded: bool) -> str | None:
    if not body:
        return None
    if encoded:
        return base64.b64encode(body).decode()
    return body.decode("utf-8", "replace")


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _status(raw: Any) -> int:
    if raw is None:
        return 200
    if isinstance(raw, bool):
        raise _malformed("statusCode is a boolean")
    try:
        status = int(raw)
    except (TypeError, ValueError):
        raise _malformed(f"statusCode {str(raw)[:40]!r} is not an integer") from None
    if not 100 <= status <= 599:
        raise _malformed(f"statusCode {status} is not an HTTP status")
    return status


def _malformed(reason: str) -> GatewayError:
    """502 `{"message": "Internal server error"}`: Malformed Lambda proxy response (§2.2)."""
    return GatewayError(
        "INTEGRATION_FAILURE",
        "Internal server error",
        status=502,
        reason=f"Malformed Lambda proxy response: {reason}",
    )


def invocation_failure(error: Exception, function: str, timeout_s: float) -> GatewayError:
    """The gateway's answer to an invocation that gave no result, with the reason
    `Gateway.error` logs. Lambda's own
    documentation (services-apigateway-errors): "If the Lambda API rejects the invocation
    request, API Gateway returns a 500 error code. If the function runs but returns an error,
    or returns a response in the wrong format, API Gateway returns a 502", both with the body
    `{"message": "Internal server error"}`; past the integration timeout, 504 (§4.3)."""
    if isinstance(error, Throttled):
        failure = throttled(function)
    elif isinstance(error, FunctionError):
        failure = GatewayError(
            "INTEGRATION_FAILURE",
            "Internal server error",
            status=502,
            reason="Lambda execution failed due to customer function error: " + _error_text(error),
        )
    else:
        failure = timed_out(timeout_s)
    return failure


def _error_text(error: FunctionError) -> str:
    """The error's type, and its message when Lambda wrote it (`Sandbox.Timedout`,
    `Runtime.ExitError`, `Function.ResponseSizeTooLarge`): a handler's own message is its text,
    which may hold anything, so it stays out of the gateway's log."""
    if error.error_type.startswith(("Sandbox.", "Runtime.", "Function.")):
        return f"{error.error_type}: {error.error_message[:200]}"
    return error.error_type


def throttled(function: str) -> GatewayError:
    """500 `{"message": "Internal server error"}`: Lambda refused the invocation
    (`TooManyRequestsException`; AWS Knowledge Center, api-gateway-internal-server-error)."""
    return GatewayError(
        "INTEGRATION_FAILURE",
        "Internal server error",
        status=500,
        reason=f"Lambda invocation throttled: function {function} is at its concurrency limit",
    )


def timed_out(timeout_s: float) -> GatewayError:
    return GatewayError(
        "INTEGRATION_TIMEOUT",
        reason=f"Execution failed due to a timeout error ({timeout_s * 1000:.0f} ms)",
    )


def _merge_headers(result: Mapping[str, Any], strict: bool) -> list[tuple[str, str]]:
    """Multi-value headers first, then the single value, under the multi-value casing (§2.2)."""
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not multi and type(single) is dict:  # the usual result, without the ABC checks below
        plain = _plain_headers(single)
        if plain is not None:
            return plain
    if not isinstance(single, Mapping) or not isinstance(multi, Mapping):
        raise _malformed("headers or multiValueHeaders is not an object")
    if not multi:
        plain = _plain_headers(single)
        if plain is not None:
            return plain
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, values in multi.items():
        if not isinstance(values, list):
            if strict:
                raise _malformed(f"multiValueHeaders value of {str(name)[:40]!r} is not a list")
            values = [values]
        merged[name.lower()] = (name, [_header_text(v) for v in values])
    for name, value in single.items():
        key = name.lower()
        casing, values = merged.get(key, (name, []))
        merged[key] = (casing, [*values, _header_text(value)])
    return [(_remapped(name), ", ".join(values)) for name, values in merged.values()]


def _plain_headers(single: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """The common result: single-value string headers, no two differing only in case. Each is
    then its own header as given (None: take the merging path)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in single.items():
        key = name.lower()
        if type(value) is not str or key in seen:
            return None
        seen.add(key)
        out.append((f"x-amzn-Remapped-{name}" if key in REMAPPED else name, value))
    return out


def _remapped(name: str) -> str:
    return f"x-amzn-Remapped-{name}" if name.lower() in REMAPPED else name


def _decoded_body(result: Mapping[str, Any], decode: bool) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise _malformed("body is not a string")
    if result.get("isBase64Encoded") is True and decode:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            raise GatewayError(
                "API_CONFIGURATION_ERROR", reason="body is not valid base64"
            ) from None
    return body.encode()


def rest_response(result: Any, accept: str | None, binary_media_types: tuple[str, ...]) -> Response:
    """Validate a payload 1.0 result as REST does: anything unexpected is a 502."""
    if not isinstance(result, dict) or not REST_RESULT_KEYS.issuperset(result):
        raise _malformed(_shape(result))
    status = result.get("statusCode")
    if type(status) is not int or not 100 <= status <= 599:  # the usual one needs no reading
        status = _status(status)
    headers = with_default_content_type(_merge_headers(result, strict=True))
    body = result.get("body")
    # The body is decoded only for a base64 result asked for as binary (first Accept type).
    if result.get("isBase64Encoded") is True:
        decode = is_binary_media_type(first_accept(accept), binary_media_types)
        return Response(status, headers, _decoded_body(result, decode))
    if type(body) is str:  # the usual text body, as `_decoded_body` gives it
        return Response(status, headers, body.encode())
    return Response(status, headers, _decoded_body(result, False))


def _shape(result: Any) -> str:
    if not isinstance(result, dict):
        return f"the result is a JSON {_json_kind(result)}, not an object"
    unknown = sorted(str(k)[:40] for k in result if k not in REST_RESULT_KEYS)
    return f"unknown keys {unknown[:5]}"


def _json_kind(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else ("boolean" if isinstance(value, bool) else "number")


def http_v1_response(result: Any) -> Response:
    """HTTP API payload 1.0: REST's keys, unknown ones ignored, base64 always decoded."""
    if not isinstance(result, dict):
        raise _malformed(_shape(result))
    headers = _merge_headers(result, strict=False)
    return Response(
        _status(result.get("statusCode")),
        with_default_content_type(headers),
        _decoded_body(result, True),
    )


def http_v2_response(result: Any) -> Response:
    """HTTP API payload 2.0: without `statusCode` the whole result is the JSON body (§2.4)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return Response(200, [("content-type", "application/json")], body.encode())
    headers = _merge_headers({"headers": result.get("headers")}, strict=False)
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or ()]
    return Response(
        _status(result["statusCode"]),
        with_default_content_type(headers),
        _decoded_body(result, True),
    )
