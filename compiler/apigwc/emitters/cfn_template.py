"""A CloudFormation template under construction, and the intrinsics the emitters write.

Flows in: sections added by the CloudFormation and SAM emitters (parameters, conditions,
resources, outputs). Flows out: one ordered dict (`Template.document`) for `cfn_yaml`. Logical
ids are alphanumeric, as CloudFormation requires, and made unique in the order they are asked for,
so the same IR always gives the same ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Json = Any

# Execute-api ARNs and invoke URLs, written with pseudo parameters so one template deploys to any
# partition, region and account.
EXECUTE_API_ARN = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
INVOKE_HOST = "execute-api.${AWS::Region}.${AWS::URLSuffix}"


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def sub_escape(text: str) -> str:
    """Literal text inside `Fn::Sub`: `${` would start a variable, `${!` writes it literally."""
    return text.replace("${", "${!")


def logical_part(text: str) -> str:
    """`list-pets_v2` -> `ListPetsV2`: the alphanumeric CamelCase of a name."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words if w)


@dataclass
class Template:
    """The sections of one template; `add_*` keep insertion order, ids stay unique."""

    description: str
    transform: str | None = None
    metadata: dict[str, Json] = field(default_factory=dict)
    parameters: dict[str, Json] = field(default_factory=dict)
    conditions: dict[str, Json] = field(default_factory=dict)
    globals: dict[str, Json] = field(default_factory=dict)
    resources: dict[str, Json] = field(default_factory=dict)
    outputs: dict[str, Json] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)

    def new_id(self, *parts: str) -> str:
        """A fresh logical id from `parts`: `Stage`, `prod` -> `StageProd` (`StageProd2` if taken)."""
        base = ("".join(logical_part(p) for p in parts) or "Resource")[:240]
        if not base[0].isalpha():
            base = "R" + base
        candidate, n = base, 2
        while candidate in self._taken:
            candidate, n = f"{base}{n}", n + 1
        self._taken.add(candidate)
        return candidate

    def reserve(self, logical_id: str) -> None:
        self._taken.add(logical_id)

    def add_resource(
        self, logical_id: str, kind: str, properties: dict[str, Json], **extra: Json
    ) -> str:
        self._taken.add(logical_id)
        body: dict[str, Json] = {"Type": kind}
        body.update({k: v for k, v in extra.items() if v})
        body["Properties"] = {k: v for k, v in properties.items() if v is not None}
        self.resources[logical_id] = body
        return logical_id

    def add_parameter(self, name: str, spec: dict[str, Json]) -> str:
        self._taken.add(name)
        self.parameters.setdefault(name, {"Type": "String", **spec})
        return name

    def add_output(self, name: tuple[str, ...], value: Json, description: str) -> None:
        self.outputs[self.new_id(*name)] = {"Description": description, "Value": value}

    def document(self) -> dict[str, Json]:
        doc: dict[str, Json] = {"AWSTemplateFormatVersion": "2010-09-09"}
        if self.transform:
            doc["Transform"] = self.transform
        doc["Description"] = self.description
        sections = (
            ("Metadata", self.metadata),
            ("Parameters", self.parameters),
            ("Conditions", self.conditions),
            ("Globals", self.globals),
            ("Resources", self.resources),
            ("Outputs", self.outputs),
        )
        doc.update({name: value for name, value in sections if value})
        return doc
