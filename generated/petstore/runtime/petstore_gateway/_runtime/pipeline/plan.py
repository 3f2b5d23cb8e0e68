"""The contract between the build and the runtime: one route of the generated table, typed.

Flows in: at build time, the runtime emitter (`emitters/runtime_data.py`) constructs these
records from the IR and renders `to_data()` as the literals of the generated `app.py`; at start-up
the gateway reads that table back with `RouteEntry.from_data`, which refuses an entry of another
shape. Flows out: frozen records the request pipeline reads (`steps.py` compiles each into the
route's plan of steps). One definition serves both sides, so mypy checks the emitter's and the
runtime's use of every field, and the build's tests check that `from_data(to_data(r)) == r`.

The generated data keeps API Gateway's own camelCase names (`routeKey`, `resourcePath`,
`httpMethod`, `resourceId`, `operationName`): it is the route as `$context` and the Lambda proxy
event name it. An integration's config stays a plain mapping, read once at start-up by the step
of its type (`integrations/integration_step.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# What a route needs before its integration runs (`security` below): an authorizer (IAM, Lambda,
# Cognito, JWT) and/or an API key, in the order API Gateway checks them (§1.1 steps 5 and 6).
AUTHORIZER = "AUTHORIZER"
API_KEY = "API_KEY"


class PlanError(ValueError):
    """A route table entry that is not what this runtime's build writes."""


@dataclass(frozen=True, slots=True)
class MethodValidation:
    """What a method's request validator checks (reference §1.5): required parameters (their
    `method.request.{header|path|querystring}.NAME` keys) and the body against the model of
    its media type (`models`: media type -> key of the generated `VALIDATORS`)."""

    parameters: bool
    body: bool
    required: tuple[str, ...] = ()
    models: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> MethodValidation:
        return cls(
            parameters=_bool(data, "parameters"),
            body=_bool(data, "body"),
            required=_strings(data, "required"),
            models=dict(_mapping(data, "models")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "body": self.body,
            "required": list(self.required),
            "models": dict(self.models),
        }


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One method of the API (REST) or one route (HTTP API), as the build writes it."""

    route_key: str  # `GET /pets/{id}`, or `$default` (HTTP APIs)
    resource_path: str
    http_method: str  # upper case, `ANY` included
    resource_id: str
    operation_name: str | None
    security: tuple[str, ...]  # AUTHORIZER and/or API_KEY, sorted
    integration: Mapping[str, Any]  # the integration config; {"type": None} when it has none
    validation: MethodValidation | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RouteEntry:
        validation = data.get("validation")
        operation = data.get("operationName")
        if operation is not None and not isinstance(operation, str):
            raise PlanError(f"operationName: expected a string, got {type(operation).__name__}")
        return cls(
            route_key=_string(data, "routeKey"),
            resource_path=_string(data, "resourcePath"),
            http_method=_string(data, "httpMethod"),
            resource_id=_string(data, "resourceId"),
            operation_name=operation,
            security=_strings(data, "security"),
            integration=_mapping(data, "integration"),
            validation=MethodValidation.from_data(validation) if validation else None,
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "routeKey": self.route_key,
            "resourcePath": self.resource_path,
            "httpMethod": self.http_method,
            "resourceId": self.resource_id,
            "operationName": self.operation_name,
            "security": list(self.security),
            "integration": dict(self.integration),
            "validation": self.validation.to_data() if self.validation else None,
        }

    @property
    def integration_type(self) -> str | None:
        kind = self.integration.get("type")
        return kind if isinstance(kind, str) else None


def load_routes(table: tuple[Mapping[str, Any], ...]) -> tuple[RouteEntry, ...]:
    """The generated `ROUTES` table as records (at start-up, once)."""
    return tuple(RouteEntry.from_data(data) for data in table)


def _string(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise PlanError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise PlanError(f"{key}: expected true or false, got {type(value).__name__}")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"{key}: expected a list of strings")
    return tuple(value)


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise PlanError(f"{key}: expected a mapping, got {type(value).__name__}")
    return value
