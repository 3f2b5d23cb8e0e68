"""Binding an API body to its template: Lambda ARNs and the intrinsics a spec refers to.

Flows in: JSON values from the export (the body, integration URIs) and the template being built.
Flows out: the same values rewritten so that every reference resolves inside the template, with
the parameters and conditions they need added to it:

- a literal Lambda invocation URI naming function `F` (`.../functions/arn:...:function:F/invocations`)
  refers to `${F.Arn}` when the template creates `F` (SAM, `x-apigwc.functions`), else to a
  parameter `FArn` whose default is the ARN the spec wrote;
- `Ref X` / `${X}` to a name the template does not define becomes a parameter `X` (default: the
  name itself when `X` is a function of `x-apigwc.functions`, as `Ref` of a function is its name);
- `Fn::GetAtt [X, A]` / `${X.A}` becomes `Ref XA` / `${XA}` with a parameter `XA` (default: the
  function ARN for `X.Arn` of a known function), unless the template creates `X`;
- `Fn::If [C, ...]` and `Condition: C` get a condition `C` driven by a parameter `CValue`
  (`"true"`/`"false"`, default `"false"`).

What the binder changed is recorded in the template's `Metadata.apigwc`, as plain data:
`substitutions` maps each parameter it introduced to what the spec wrote in its place (a Lambda
function ARN, or `X.Attr` for a `Fn::GetAtt`), and `literals` maps each `Fn::Sub` text it made
from a literal string (a Lambda URI, or a string with API Gateway's import-time `${AWS::Region}`
-style variables, reference §2.5) to that string, both with `${` written `${!` so the metadata
holds nothing that looks like a variable; `dotted` lists the parameters that stand for a
`Fn::GetAtt` written `X.Attr` rather than `[X, Attr]`. `unbind` undoes it all: importing a body gives back what
the spec wrote. Parameter defaults are the values the spec wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apigwc.emitters.cfn_template import Template, get_att, logical_part, ref

Json = Any

LAMBDA_URI = re.compile(
    r"^(?P<prefix>arn:[a-z-]+:apigateway:[a-z0-9-]+:lambda:path/[0-9-]+/functions/)"
    r"(?P<arn>arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:(?P<name>[A-Za-z0-9_-]+)"
    r"(?::[A-Za-z0-9$_-]+)?)"
    r"(?P<suffix>/(?:response-streaming-)?invocations)$"
)
PSEUDO_VARIABLE = re.compile(r"\$\{(AWS::(?:Region|AccountId|Partition))\}")
FUNCTION_ARN = re.compile(
    r"^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$"
)
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
FUNCTION_PART = re.compile(r"/functions/(.+?)/(?:response-streaming-)?invocations")
LAMBDA_URI_SUB = "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{0}.Arn}}/invocations"


@dataclass
class Binder:
    """Rewrites values for one template. `created` maps function names to the logical ids of
    functions the template creates (SAM); `functions` are all names of `x-apigwc.functions`."""

    template: Template
    region: str
    account: str
    functions: frozenset[str]
    created: dict[str, str] = field(default_factory=dict)
    _arn_parameters: dict[str, str] = field(default_factory=dict)  # function ARN -> parameter

    # -- values --------------------------------------------------------------------------------
    def bind(self, value: Json) -> Json:
        if isinstance(value, str):
            return self._literal(value)
        if isinstance(value, list):
            return [self.bind(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            bound = self._intrinsic(key, arg)
            if bound is not None:
                return bound
        return {k: self.bind(v) for k, v in value.items()}

    def _literal(self, text: str) -> Json:
        if not text.startswith("arn:") and "${AWS::" not in text:
            return text  # most strings of a body: neither pattern can match, skip both
        match = LAMBDA_URI.match(text)
        if match is None:
            bound = _import_variables(text)
        elif match["name"] in self.created:
            bound = {"Fn::Sub": LAMBDA_URI_SUB.format(self.created[match["name"]])}
        else:
            param = self._arn_parameter(match["name"], match["arn"])
            self._record("substitutions", param, match["arn"])
            bound = {"Fn::Sub": f"{match['prefix']}${{{param}}}{match['suffix']}"}
        if bound is not text:  # escaped: Metadata must not look like it holds Sub variables
            self._record("literals", _escape(bound["Fn::Sub"]), _escape(text))
        return bound

    def _arn_parameter(self, name: str, arn: str) -> str:
        """`<Function>Arn`, default the ARN; the same name in another account gets its own."""
        known = self._arn_parameters.get(arn)
        if known is None:
            base = logical_part(name) + "Arn"
            taken = base in self.template.parameters or base in self.template.resources
            param = self.template.new_id(base) if taken else base
            self._parameter(param, arn, f"ARN of the Lambda function {name}")
            known = self._arn_parameters[arn] = param
        return known

    def _record(self, section: str, key: str, value: Json) -> None:
        record = self.template.metadata.setdefault("apigwc", {}).setdefault(section, {})
        record.setdefault(key, value)

    def _intrinsic(self, key: str, arg: Json) -> Json | None:
        if key == "Ref" and isinstance(arg, str):
            return ref(self._ref(arg))
        if key == "Fn::GetAtt" and isinstance(arg, str) and "." in arg:
            resource, _, attribute = arg.partition(".")
            bound = self._get_att(resource, attribute)
            if "Ref" in bound:  # remember the `X.A` spelling, kept as such inside raw arguments
                self._record("dotted", bound["Ref"], True)
            return bound
        if key == "Fn::GetAtt" and _string_pair(arg):
            return self._get_att(arg[0], arg[1])
        if key == "Fn::Sub":
            return {"Fn::Sub": self._sub(arg)}
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            self._condition(arg[0])
            return {"Fn::If": [arg[0], self.bind(arg[1]), self.bind(arg[2])]}
        if key == "Condition" and isinstance(arg, str):
            self._condition(arg)
            return {"Condition": arg}
        if key.startswith("Fn::"):
            return {key: self.bind(arg)}
        return None

    # -- references ----------------------------------------------------------------------------
    def _ref(self, name: str) -> str:
        if name.startswith("AWS::") or name in self.created.values():
            return name
        default = name if name in self.functions else None
        return self._parameter(name, default, f"{name}, referred to by the API definition")

    def _get_att(self, resource: str, attribute: str) -> Json:
        if resource in self.created.values():
            return get_att(resource, attribute)
        default = None
        if resource in self.functions and attribute == "Arn":
            default = f"arn:aws:lambda:{self.region}:{self.account}:function:{resource}"
        name = logical_part(resource) + logical_part(attribute)
        spelled = f"{resource}.{attribute}"
        param = self._parameter(name, default, f"{spelled}, referred to by the API definition")
        self._record("substitutions", param, spelled)  # plain data, not an intrinsic
        return ref(param)

    def _sub(self, arg: Json) -> Json:
        if isinstance(arg, str):
            return self._sub_text(arg, set())
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            variables = arg[1] if isinstance(arg[1], dict) else {}
            return [self._sub_text(arg[0], set(variables)), self.bind(arg[1])]
        return self.bind(arg)

    def _sub_text(self, text: str, local: set[str]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match[1].strip()
            if name in local:
                return match[0]
            if "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                bound = self._get_att(resource, attribute)
                if "Ref" in bound:
                    return "${" + str(bound["Ref"]) + "}"
                return match[0]
            return "${" + self._ref(name) + "}"

        return SUB_VARIABLE.sub(replace, text)

    def _condition(self, name: str) -> None:
        if name in self.template.conditions:
            return
        flag = self._parameter(
            name + "Value", "false", f"Turns the condition {name} on", allowed=["true", "false"]
        )
        self.template.conditions[name] = {"Fn::Equals": [ref(flag), "true"]}

    def _parameter(
        self,
        name: str,
        default: str | None,
        description: str,
        allowed: list[str] | None = None,
    ) -> str:
        name = name if name.isalnum() else logical_part(name) or "Value"
        spec: dict[str, Json] = {"Description": description}
        if default is not None:
            spec["Default"] = default
        if allowed:
            spec["AllowedValues"] = allowed
        self.template.add_parameter(name, spec)
        return name


def _string_pair(value: Json) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _import_variables(text: str) -> Json:
    """API Gateway substitutes `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` in an
    imported definition (reference §2.5); inside a template CloudFormation must do it, with the
    same values, so such a string becomes `Fn::Sub` (other `${...}` kept literal with `${!`)."""
    if not PSEUDO_VARIABLE.search(text):
        return text
    parts = PSEUDO_VARIABLE.split(text)
    out = "".join(
        f"${{{part}}}" if i % 2 else part.replace("${", "${!") for i, part in enumerate(parts)
    )
    return {"Fn::Sub": out}


def unbind(value: Json, metadata: Json) -> Json:
    """What the spec wrote, from a value `Binder.bind` produced and the template's `Metadata`."""
    record = metadata.get("apigwc", {}) if isinstance(metadata, dict) else {}
    literals = {_unescape(k): _unescape(v) for k, v in record.get("literals", {}).items()}
    substitutions = dict(record.get("substitutions", {}))
    for param in record.get("dotted", {}):
        substitutions[param] = [substitutions.get(param)]  # a list: `Fn::GetAtt: X.A` as written
    return _unbind(value, literals, substitutions)


def _unbind(value: Json, literals: dict[str, Json], substitutions: dict[str, Json]) -> Json:
    if isinstance(value, list):
        return [_unbind(v, literals, substitutions) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Sub" and isinstance(arg, str):
            return literals[arg] if arg in literals else {key: _unbind_text(arg, substitutions)}
        if key == "Fn::Sub" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            return {
                key: [_unbind_text(arg[0], substitutions), _unbind(arg[1], literals, substitutions)]
            }
        written = substitutions.get(arg) if key == "Ref" and isinstance(arg, str) else None
        if isinstance(written, list) and isinstance(written[0], str):
            return {"Fn::GetAtt": written[0]}
        if isinstance(written, str) and not written.startswith("arn:"):
            return {"Fn::GetAtt": written.split(".", 1)}
    return {k: _unbind(v, literals, substitutions) for k, v in value.items()}


def _escape(text: str) -> str:
    """`${` -> `${!` everywhere (one `!` more per occurrence, so `_unescape` inverts it)."""
    return text.replace("${", "${!")


def _unescape(text: str) -> str:
    return text.replace("${!", "${")


def _unbind_text(text: str, substitutions: dict[str, Json]) -> str:
    def replace(match: re.Match[str]) -> str:
        written = substitutions.get(match[1])
        written = written[0] if isinstance(written, list) else written
        if not isinstance(written, str) or written.startswith("arn:"):
            return match[0]  # ARNs come back whole, through `literals`
        return "${" + written + "}"

    return SUB_VARIABLE.sub(replace, text)


# -- Lambda functions named by a (bound) integration URI ------------------------------------------
def function_reference(bound_uri: Json) -> Json | None:
    """The function an integration URI invokes, as a template value (`!Ref`, `!GetAtt`, `!Sub`
    or a literal ARN), for `AWS::Lambda::Permission.FunctionName`; None when not derivable."""
    if isinstance(bound_uri, str):
        match = FUNCTION_PART.search(bound_uri)
        return match[1] if match and FUNCTION_ARN.match(match[1]) else None
    if not isinstance(bound_uri, dict) or set(bound_uri) != {"Fn::Sub"}:
        return None
    arg = bound_uri["Fn::Sub"]
    text, variables = (arg, None) if isinstance(arg, str) else (arg[0], arg[1])
    match = FUNCTION_PART.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    part = match[1]
    whole = re.fullmatch(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}", part)
    if whole and variables is None:
        return ref(whole[1]) if whole[2] is None else get_att(whole[1], whole[2])
    if "${" not in part:
        return part
    return {"Fn::Sub": part if variables is None else [part, variables]}
