"""Where an API's definition comes from: an inline `Body` / `DefinitionBody` (with intrinsics and
`Fn::Transform AWS::Include`), or a file named by `BodyS3Location` / `DefinitionUri`.

Flows in: the `Template`, the property's value and origin. Flows out: a fresh body dict (a deep
copy the importers may change), or None after a diagnostic. Files are read only from beside the
template: an S3 location is looked up by its key's file name; when it is absent the API is
imported without it (AGW134), as apigwc never reads the network.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.importer.conditions import resolve_structural_ifs
from apigwc.importer.template import Template


def read_definition(template: Template, value: Any, origin: Origin) -> dict[str, Any] | None:
    """An inline body: structural `Fn::If` resolved and includes expanded (at the top and
    nested), then normalised as API Gateway reads it."""
    value = resolve_structural_ifs(template, value, origin)
    value, origin = template.expand_includes(value, origin, missing_ok=True)
    if value is None:
        return None
    if not isinstance(value, dict):
        template.report("AGW138", origin, what="the API definition", reason="it is not a mapping")
        return None
    expanded = _expand_nested(template, value, origin)
    expanded = resolve_structural_ifs(template, expanded, origin)
    if not isinstance(expanded, dict):
        return None
    body: dict[str, Any] = copy.deepcopy(expanded)
    _resolve_numbers(template, body)
    return body


# Integer fields that API Gateway reads as numbers: a `Ref` to a template parameter there is
# replaced by the parameter's default, since the spec cannot carry an intrinsic in a number.
NUMBER_FIELDS = frozenset(
    {
        "timeoutInMillis",
        "authorizerResultTtlInSeconds",
        "x-amazon-apigateway-minimum-compression-size",
    }
)


# Text fields the IR reads as plain strings (never deploy-time values).
STRING_FIELDS = frozenset({"identityValidationExpression", "identitySource"})


def _resolve_numbers(template: Template, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NUMBER_FIELDS | STRING_FIELDS and isinstance(item, dict):
                resolved = template.scalar(item)
                if not isinstance(resolved, dict):
                    value[key] = _as_number(resolved) if key in NUMBER_FIELDS else str(resolved)
            else:
                _resolve_numbers(template, item)
    elif isinstance(value, list):
        for item in value:
            _resolve_numbers(template, item)


def _as_number(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _expand_nested(template: Template, value: Any, origin: Origin) -> Any:
    if isinstance(value, dict):
        if "Fn::Transform" in value and len(value) == 1:
            included, where = template.expand_includes(value, origin)
            return _expand_nested(template, included, where)
        return {
            k: (
                template.rebase_ref(v, origin.file)  # relative to the file it was written in
                if k == "$ref" and isinstance(v, str)
                else _expand_nested(template, v, origin.child(k))
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand_nested(template, v, origin.child(i)) for i, v in enumerate(value)]
    return value


def read_location(
    template: Template, location: Any, origin: Origin, what: str
) -> dict[str, Any] | None:
    """`BodyS3Location {Bucket, Key}` / `DefinitionUri` (`s3://…`, `{Bucket, Key}` or a local
    path as `sam build` takes it) -> the file's body."""
    name = template.s3_file(location)
    if template.s3_only(location, name, origin, what):
        return None
    if name is None:
        template.report("AGW138", origin, what=what, reason="it names no file")
        return None
    loaded = template.read_local(name, origin, what)
    if loaded is None:
        return None
    data, file_origin = loaded
    return read_definition(template, data, file_origin)


# -- templates apigwc emitted -------------------------------------------------------------------

SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def undo_substitutions(template: Template, body: dict[str, Any]) -> dict[str, Any]:
    """A template written by `apigwc build` records in `Metadata.apigwc.substitutions` each
    parameter it put in place of what the spec wrote (a Lambda ARN, `X.Arn`); put them back, so
    that importing the emitted template gives the spec's own values."""
    metadata = template.data.get("Metadata") if isinstance(template.data, dict) else None
    apigwc = metadata.get("apigwc") if isinstance(metadata, dict) else None
    recorded = apigwc.get("substitutions") if isinstance(apigwc, dict) else None
    if not isinstance(recorded, dict) or not recorded:
        return body
    undone = _undo(body, {k: v for k, v in recorded.items() if isinstance(v, str)})
    return undone if isinstance(undone, dict) else body


def _undo(value: Any, recorded: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_undo(v, recorded) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and isinstance(value.get("Ref"), str) and value["Ref"] in recorded:
        spelled = recorded[value["Ref"]]
        if "." in spelled and not spelled.startswith("arn:"):
            return {"Fn::GetAtt": spelled.split(".", 1)}
        return value
    if len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
        return _undo_sub(value["Fn::Sub"], recorded)
    return {k: _undo(v, recorded) for k, v in value.items()}


def _undo_sub(text: str, recorded: dict[str, str]) -> Any:
    def replace(match: re.Match[str]) -> str:
        spelled = recorded.get(match[1])
        if spelled is None or spelled == match[1]:
            return match[0]
        if spelled.startswith("arn:"):
            return spelled  # a literal ARN the spec wrote
        return "${" + spelled + "}"

    restored = SUB_VARIABLE.sub(replace, text)
    if SUB_VARIABLE.search(restored) is None and "${!" not in restored:
        return restored  # nothing left to substitute: the spec wrote a plain string
    return {"Fn::Sub": restored}
