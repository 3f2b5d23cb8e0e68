"""Template `Conditions` evaluated with parameter defaults, to resolve structural `Fn::If`.

Flows in: the `Template` and a body value. Flows out: the value with every `Fn::If` whose
branches are objects or lists (a path item, an operation, a whole definition) replaced by the
branch a deploy with default parameters takes; `{"Ref": "AWS::NoValue"}` removes the entry, as
CloudFormation does. A condition that needs a deploy-time value (a pseudo parameter such as
`AWS::Region`) takes the `true` branch and is reported (AGW139). `Fn::If` on a string value (a
URI, an ARN) is kept: the IR holds it as a typed intrinsic.
"""

from __future__ import annotations

from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.template import Template

NO_VALUE = {"Ref": "AWS::NoValue"}


class _Unknown(Exception):
    """A condition that cannot be decided offline."""


def resolve_structural_ifs(template: Template, value: Any, origin: Origin) -> Any:
    if isinstance(value, dict):
        branch = value.get("Fn::If")
        if (
            len(value) == 1
            and isinstance(branch, list)
            and len(branch) == 3
            and _structural(branch)
        ):
            chosen = _choose(template, branch, origin.child("Fn::If"))
            return resolve_structural_ifs(template, chosen, origin)
        result = {}
        for key, item in value.items():
            resolved = resolve_structural_ifs(template, item, origin.child(key))
            if key.startswith("Fn::") and isinstance(item, list):
                resolved = [  # an intrinsic's arguments keep their AWS::NoValue
                    resolve_structural_ifs(template, v, origin.child(key, i))
                    for i, v in enumerate(item)
                ]
            if resolved != NO_VALUE:
                result[key] = resolved
        return result
    if isinstance(value, list):
        resolved_items = [
            resolve_structural_ifs(template, item, origin.child(i)) for i, item in enumerate(value)
        ]
        return [item for item in resolved_items if item != NO_VALUE]
    return value


def _structural(branch: list[Any]) -> bool:
    return any(
        isinstance(b, list) or (isinstance(b, dict) and not _is_intrinsic(b)) for b in branch[1:]
    )


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def _choose(template: Template, branch: list[Any], origin: Origin) -> Any:
    name = branch[0]
    try:
        decided = evaluate(template, name)
    except _Unknown:
        template.report(
            "AGW139",
            origin,
            what=f"condition {name}",
            reason="it depends on values known only at deploy time; the true branch was taken",
        )
        decided = True
    return branch[1] if decided else branch[2]


def evaluate(template: Template, name: Any, depth: int = 0) -> bool:
    conditions = template.data.get("Conditions") if isinstance(template.data, dict) else None
    if not isinstance(name, str) or not isinstance(conditions, dict) or name not in conditions:
        raise _Unknown(name)
    if depth > 32:
        raise _Unknown(name)
    return _truth(template, conditions[name], depth + 1)


def _truth(template: Template, expr: Any, depth: int) -> bool:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise _Unknown(expr)
    ((fn, args),) = expr.items()
    if fn == "Condition":
        return evaluate(template, args, depth)
    if fn == "Fn::Equals" and isinstance(args, list) and len(args) == 2:
        return bool(_value(template, args[0]) == _value(template, args[1]))
    if fn == "Fn::Not" and isinstance(args, list) and len(args) == 1:
        return not _truth(template, args[0], depth)
    if fn == "Fn::And" and isinstance(args, list):
        return all(_truth(template, a, depth) for a in args)
    if fn == "Fn::Or" and isinstance(args, list):
        return any(_truth(template, a, depth) for a in args)
    raise _Unknown(expr)


def _value(template: Template, value: Any) -> str:
    if isinstance(value, dict):
        resolved = template.scalar(value)
        if isinstance(resolved, dict):
            raise _Unknown(value)
        value = resolved
    if isinstance(value, bool):
        return "true" if value else "false"  # CloudFormation compares the text of values
    return str(value)
