"""Contract checking for `--validate-responses`: integration responses against the spec.

Part of the runtime support library (relative imports only). Flows in: the OpenAPI 3.0 export
the build writes beside the app (`contract.json`: the spec's paths, responses and schemas, no
API Gateway extensions), the method request, the matched route and the integration's response.
Flows out: the same response with an `x-apigwc-contract-violation: <short reason>` header when
the response does not match the spec, plus one log line. A development aid with no AWS
counterpart: it never changes the status, the body or any other header.

openapi-core is imported here only, and only when the option is on: it is the generated
runtime's optional extra `[contract]` (`pip install './runtime[contract]'`) and a dependency of
apigwc itself for `apigwc serve`. The reason names the rule and where it failed (a JSON
pointer into the body, a header name, a status), never a value from the body: bodies and
headers may carry secrets, and the log line must not.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pipeline.context import Request
from ..responses.gateway_responses import Response

CONTRACT_FILE = "contract.json"
HEADER = "x-apigwc-contract-violation"
MAX_REASON = 200
# Host the adapters pretend to be: the export's servers are replaced by "/" so that every route
# is found at its resource path whatever the stage or domain.
_HOST = "http://apigwc.local"
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
log = logging.getLogger("apigwc.contract")


class ContractUnavailable(RuntimeError):
    """`--validate-responses` without openapi-core or without the build's contract file."""


@dataclass(frozen=True)
class _Request:
    """The method request as openapi-core's `Request` + `SupportsPathPattern` protocols."""

    method: str
    path: str
    path_pattern: str
    parameters: Any
    content_type: str
    body: bytes | None
    host_url: str = _HOST

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path_pattern


@dataclass(frozen=True)
class _Response:
    """The integration response as openapi-core's `Response` protocol."""

    status_code: int
    content_type: str
    headers: Mapping[str, str]
    data: bytes | None


class ContractCheck:
    """Checks integration responses against one API's exported OpenAPI document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        try:
            from openapi_core import OpenAPI
            from openapi_core.datatypes import RequestParameters
        except ImportError as error:
            raise ContractUnavailable(
                "--validate-responses needs openapi-core: install the runtime with its "
                "[contract] extra (pip install './runtime[contract]')"
            ) from error
        _log_to_stderr()
        spec = {**document, "servers": [{"url": "/"}]}
        self._paths: Mapping[str, Any] = spec.get("paths") or {}
        self._openapi = OpenAPI.from_dict(spec)
        self._parameters = RequestParameters

    @classmethod
    def load(cls, package_dir: Path) -> ContractCheck:
        path = package_dir / CONTRACT_FILE
        if not path.is_file():
            raise ContractUnavailable(f"{path} is missing: rebuild with apigwc build")
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def apply(
        self,
        request: Request,
        route: Mapping[str, Any],
        path_parameters: Mapping[str, str],
        response: Response,
    ) -> Response:
        """The response, with the violation header added when it breaks the contract."""
        reason = self.violation(request, route, path_parameters, response)
        if reason is not None:
            response.headers.append((HEADER, reason))
            log.warning(
                "contract violation: %s %s -> %d: %s",
                request.method,
                route.get("resourcePath"),
                response.status,
                reason,
            )
        return response

    def violation(
        self,
        request: Request,
        route: Mapping[str, Any],
        path_parameters: Mapping[str, str],
        response: Response,
    ) -> str | None:
        """A short reason, or None when the response conforms or the route has no contract
        (an `ANY` method or `$default` route is not an OpenAPI operation)."""
        resource = str(route.get("resourcePath") or "")
        method = str(route.get("httpMethod") or request.method).lower()
        if method not in (self._paths.get(resource) or {}):
            return None
        content_type = response.header("content-type") or ""
        checked = _Request(
            method=method,
            path=resource,
            path_pattern=resource,
            parameters=self._parameters(path=dict(path_parameters)),
            content_type=content_type.lower(),
            body=request.body or None,
        )
        answer = _Response(
            response.status,
            content_type.lower(),
            {name: value for name, value in response.headers},
            response.body,
        )
        errors = list(self._openapi.iter_response_errors(checked, answer))  # type: ignore[arg-type]
        return _reason(errors[0], response.status) if errors else None


def _log_to_stderr() -> None:
    """One line per violation on stderr, beside uvicorn's own log (which configures only its
    own loggers)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:  %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _reason(error: Exception, status: int) -> str:
    """A one-line reason built from the schema and the error's location, never from data."""
    schema_errors = list(_schema_errors(error))
    if schema_errors:
        first = schema_errors[0]
        where = "/" + "/".join(str(part) for part in first.absolute_path)
        text = f"body {where}: {first.validator} {_rule(_schema_side(first))}"
        if len(schema_errors) > 1:
            text += f" (+{len(schema_errors) - 1} more)"
    else:
        kind = type(error).__name__
        text = _KNOWN.get(kind, kind).format(status=status, name=getattr(error, "name", ""))
    return _UNPRINTABLE.sub("?", text)[:MAX_REASON]


_KNOWN = {
    "ResponseNotFound": "status {status} is not a declared response",
    "MediaTypeNotFound": "content type is not declared for status {status}",
    "MissingData": "body is missing",
    "MissingRequiredHeader": "required header {name} is missing",
    "InvalidHeader": "header {name} does not match its schema",
    "MediaTypeDeserializeError": "body is not valid for its content type",
}


def _schema_errors(error: BaseException) -> Iterator[Any]:
    """jsonschema errors behind an openapi-core data error (`InvalidSchemaValue`)."""
    seen: BaseException | None = error
    while seen is not None:
        found = getattr(seen, "schema_errors", None)
        if found:
            yield from found
            return
        seen = seen.__cause__


def _schema_side(error: Any) -> Any:
    """The failed rule's value from the schema; for `required`, only the names missing."""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [name for name in error.validator_value if name not in error.instance]
    return error.validator_value


def _rule(value: Any) -> str:
    """The schema's side of a failed rule (`integer`, `['name']`, `1`), kept short."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
