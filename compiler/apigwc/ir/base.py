"""IR foundations: the frozen node base, raw JSON values, and CloudFormation intrinsics.

Every node carries `origin` (file + JSON pointer) for diagnostics; it is excluded from dumps, so
two IRs compare equal (`ir_equal`) when they mean the same API wherever they were read from.
Values that exist only at deploy time are typed: an `Intrinsic` is a `Ref`, `Sub`, `GetAtt`, `If`
or (any other `Fn::*`) `Fn` node, kept intact for templates and resolved for local runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

from apigwc.diagnostics.model import Origin

Json: TypeAlias = JsonValue


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    origin: Origin | None = Field(default=None, exclude=True, repr=False)


class Ref(Node):
    """`{"Ref": name}` / `!Ref name`: a parameter, resource or pseudo parameter."""

    kind: Literal["Ref"] = "Ref"
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"Ref": self.name}


class Sub(Node):
    """`{"Fn::Sub": template}` or `{"Fn::Sub": [template, {variables}]}` / `!Sub`."""

    kind: Literal["Fn::Sub"] = "Fn::Sub"
    template: str
    variables: dict[str, Json] | None = None

    def to_json(self) -> dict[str, Any]:
        if self.variables is None:
            return {"Fn::Sub": self.template}
        return {"Fn::Sub": [self.template, self.variables]}


class GetAtt(Node):
    """`{"Fn::GetAtt": [resource, attribute]}` / `!GetAtt resource.attribute`."""

    kind: Literal["Fn::GetAtt"] = "Fn::GetAtt"
    resource: str
    attribute: Json

    def to_json(self) -> dict[str, Any]:
        return {"Fn::GetAtt": [self.resource, self.attribute]}


class If(Node):
    """`{"Fn::If": [condition, then, otherwise]}`; either branch may be `{"Ref": "AWS::NoValue"}`."""

    kind: Literal["Fn::If"] = "Fn::If"
    condition: str
    then: Json
    otherwise: Json

    def to_json(self) -> dict[str, Any]:
        return {"Fn::If": [self.condition, self.then, self.otherwise]}


class Fn(Node):
    """Any other intrinsic (`Fn::Join`, `Fn::Select`, `Fn::ImportValue`, ...), kept as written."""

    kind: Literal["fn"] = "fn"
    fn: str
    args: Json

    def to_json(self) -> dict[str, Any]:
        return {self.fn: self.args}


def _from_template(value: Any) -> Any:
    """`{"Ref": "Cert"}` as a template writes it -> its typed node, so that IR read by pydantic
    itself (the `x-apigwc` extension) accepts intrinsics wherever a Deployable is allowed."""
    if is_intrinsic(value):
        fn, args = next(iter(value.items()))
        return intrinsic(fn, args)
    return value


Intrinsic: TypeAlias = Annotated[
    Ref | Sub | GetAtt | If | Fn, Field(discriminator="kind"), BeforeValidator(_from_template)
]
INTRINSIC_TYPES: tuple[type[Node], ...] = (Ref, Sub, GetAtt, If, Fn)

# A string that may instead be an intrinsic (URIs, ARNs, credentials in template bodies).
Deployable: TypeAlias = str | Intrinsic


def intrinsic(fn: str, args: Any, origin: Origin | None = None) -> Ref | Sub | GetAtt | If | Fn:
    """The typed node for one intrinsic; malformed arguments keep the generic `Fn` form."""
    if fn == "Ref" and isinstance(args, str):
        return Ref(name=args, origin=origin)
    if fn == "Fn::Sub" and isinstance(args, str):
        return Sub(template=args, origin=origin)
    if fn == "Fn::Sub" and _pair(args, str, dict):
        return Sub(template=args[0], variables=args[1], origin=origin)
    if (
        fn == "Fn::GetAtt"
        and isinstance(args, list)
        and len(args) == 2
        and isinstance(args[0], str)
    ):
        return GetAtt(resource=args[0], attribute=args[1], origin=origin)
    if fn == "Fn::GetAtt" and isinstance(args, str) and "." in args:
        resource, _, attribute = args.partition(".")
        return GetAtt(resource=resource, attribute=attribute, origin=origin)
    if fn == "Fn::If" and isinstance(args, list) and len(args) == 3 and isinstance(args[0], str):
        return If(condition=args[0], then=args[1], otherwise=args[2], origin=origin)
    return Fn(fn=fn, args=args, origin=origin)


def _pair(value: Any, first: type, second: type) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], first)
        and isinstance(value[1], second)
    )


INTRINSIC_KEYS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::Sub",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::Join",
        "Fn::Select",
        "Fn::Split",
        "Fn::FindInMap",
        "Fn::ImportValue",
        "Fn::Base64",
        "Fn::GetAZs",
        "Fn::Cidr",
        "Fn::Equals",
        "Fn::And",
        "Fn::Or",
        "Fn::Not",
        "Fn::Transform",
        "Fn::Length",
        "Fn::ToJsonString",
    }
)


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSIC_KEYS


def deployable_json(value: Any) -> Any:
    """A value that may be an intrinsic, back in its JSON form (for export and templates)."""
    if isinstance(value, INTRINSIC_TYPES):
        return value.to_json()  # type: ignore[attr-defined]
    return value


def dump(node: BaseModel) -> Any:
    """The comparable content of an IR node: JSON mode, origins excluded."""
    return node.model_dump(mode="json", exclude_none=True)


def ir_equal(a: BaseModel, b: BaseModel) -> bool:
    return bool(dump(a) == dump(b))


# Pseudo parameters whose values a local run knows (region and account from `x-apigwc`).
PSEUDO_PARAMETERS = frozenset({"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"})
_SUB_NAME = re.compile(r"\$\{([^}!]+)\}")


class UnresolvedIntrinsic(ValueError):
    """A value holds an intrinsic only CloudFormation can resolve; the message names it."""


def resolve_pseudo(value: Json, pseudo: Mapping[str, str]) -> Json:
    """`value` (raw JSON, such as a policy statement) with pseudo-parameter `Ref`s and
    `Fn::Sub`s replaced from `pseudo`; any other intrinsic raises `UnresolvedIntrinsic`."""
    if isinstance(value, list):
        return [resolve_pseudo(item, pseudo) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            if not isinstance(argument, str) or argument not in pseudo:
                raise UnresolvedIntrinsic(f"Ref {argument}")
            return pseudo[argument]
        if key == "Fn::Sub":
            if not isinstance(argument, str):
                raise UnresolvedIntrinsic("Fn::Sub of a list")
            other = [name for name in _SUB_NAME.findall(argument) if name not in pseudo]
            if other:
                raise UnresolvedIntrinsic(f"Fn::Sub of {other[0]}")
            return _SUB_NAME.sub(lambda m: pseudo[m.group(1)], argument)
        if key.startswith("Fn::"):
            raise UnresolvedIntrinsic(key)
    return {key: resolve_pseudo(item, pseudo) for key, item in value.items()}
