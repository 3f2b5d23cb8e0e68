"""IR foundations: the frozen node base, raw JSON values, and CloudFormation intrinsics.

Every node carries `origin` (file + JSON pointer) for diagnostics; it is excluded from dumps, so
two IRs compare equal (`ir_equal`) when they mean the same API wherever they were read from.
Values that exist only at deploy time are typed: an `Intrinsic` (`Fn::Sub`, `Ref`, `Fn::GetAtt`,
`Fn::If`, or any other `Fn::*`) is kept intact for templates and resolved for local runs.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from apigwc.diagnostics.model import Origin

Json: TypeAlias = JsonValue


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    origin: Origin | None = Field(default=None, exclude=True, repr=False)


class Intrinsic(Node):
    """A CloudFormation intrinsic function inside a body, e.g. `{"Fn::Sub": "arn:${AWS::Region}"}`.

    `fn` is the long-form key (`Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::If`, ...), `args` its
    argument exactly as written (nested intrinsics stay raw JSON inside `args`).
    """

    kind: Literal["intrinsic"] = "intrinsic"
    fn: str
    args: Json

    @property
    def short(self) -> str:
        return self.fn.removeprefix("Fn::")

    def to_json(self) -> dict[str, Any]:
        return {self.fn: self.args}


# A string that may instead be an intrinsic (URIs, ARNs, credentials in template bodies).
Deployable: TypeAlias = str | Intrinsic

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
    if isinstance(value, Intrinsic):
        return value.to_json()
    return value


def dump(node: BaseModel) -> Any:
    """The comparable content of an IR node: JSON mode, origins excluded."""
    return node.model_dump(mode="json", exclude_none=True)


def ir_equal(a: BaseModel, b: BaseModel) -> bool:
    return bool(dump(a) == dump(b))
