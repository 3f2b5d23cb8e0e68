"""Request models compiled to Python at build time (runtime reference §1.5).

Compiler stage, called by `emitters.runtime` only: JSON Schema draft-4 models (references to other
models written `{"$ref": "#/models/<Name>"}`) → Python source of a module whose
`VALIDATORS: dict[str, Callable[[object], object]]` holds a fastjsonschema-compiled validator per
entry a route uses (raising `fastjsonschema.JsonSchemaValueException`; entries that validate alike
share one compiled function). The generated runtime imports `fastjsonschema` (PyPI
`fastjsonschema>=2.20`) for that exception class only and checks requests with
`runtime/request_validation.py`, which words a violation from the facts written here. Inline
request-body schemas go into the same mapping under keys of the emitter's choosing; only real model
names are `$ref` targets. Nothing here is copied into the generated runtime.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, Final
from urllib.parse import quote

import fastjsonschema

from apigwc.ir.api import model_ref_name
from apigwc.runtime.validation.java_regex import UNCHECKABLE_PATTERN, PatternError, java_pattern
from apigwc.runtime.validation.request_validation import SOURCE_PATTERN

DRAFT4: Final = "http://json-schema.org/draft-04/schema#"
_DEFS: Final = "x-apigwc-models"

# Keywords API Gateway does not honour in models (§1.5, reference "known issues"): dropped at build
# time so the compiled validator accepts what API Gateway accepts.
IGNORED_KEYWORDS: Final = frozenset(
    {"exclusiveMinimum", "maxItems", "minItems", "discriminator", "example", "readOnly", "default"}
)

_SUBSCHEMA_MAPS: Final = ("properties", "patternProperties", "definitions", "dependencies")
_SUBSCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_ONE: Final = ("not", "additionalProperties", "additionalItems")


class ModelCompileError(ValueError):
    """A model reference that resolves to no model; `compile_models` fails such a model closed."""


def compile_models(
    models: Mapping[str, Any], *, banner: str = "", used: Collection[str] | None = None
) -> str:
    """Python source of a module with `VALIDATORS = {name: validator}` for each entry in `used`
    (every entry when None); the other models stay reachable as `$ref` targets.

    Only validators a route uses are compiled: the rest would cost build time, import time and
    size in every generated gateway. Models that validate alike (equal but for annotations such
    as `title`, and referring to models that validate alike) share one compiled validator: a
    large API repeats a few model shapes under many names, and each copy cost build time and
    import time. `banner` is plain text written as leading comment lines.
    """
    names = sorted(models)
    slots = {name: f"m{index}" for index, name in enumerate(names)}
    definitions = {slots[name]: _normalized_or_closed(models[name], slots) for name in names}
    shared = _shared_slots(definitions)
    roots = [name for name in names if used is None or name in used]
    needed = {shared[slots[name]] for name in roots}
    # The banner may carry spec text (a file name): every line becomes a comment.
    lines = [f"# {line}" for line in banner.splitlines()]
    lines.append("# Request models compiled to Python by fastjsonschema.")
    lines += ["from __future__ import annotations", "", ""]
    for index, name in enumerate(names):
        if slots[name] in needed:
            lines += _validator_function(index, slots[name], definitions)
    entries = [
        f"    {name!r}: _validator_{shared[slots[name]].removeprefix('m')}()," for name in roots
    ]
    lines += ["VALIDATORS = {", *entries, "}", ""]
    return "\n".join(lines)


def _validator_function(index: int, slot: str, definitions: Mapping[str, Any]) -> list[str]:
    """`def _validator_<index>(): ... return validate` for the model in `slot`."""
    root = {"$schema": DRAFT4, _DEFS: definitions, "$ref": f"#/{_DEFS}/{slot}"}
    try:
        code = _compile_to_code(root)
    except (fastjsonschema.JsonSchemaDefinitionException, re.error, RecursionError):
        # `apigwc validate` reports a malformed schema (AGW214); one nothing can satisfy
        # (a required property additionalProperties forbids) is refused by fastjsonschema.
        # Either way no body passes: the model fails closed instead of failing the build.
        code = _compile_to_code({"$schema": DRAFT4, "not": {}})
    lines = [f"def _validator_{index}():"]
    lines += [f"    {line}" if line else "" for line in code.splitlines()]
    return [*lines, "    return validate", "", ""]


# What a raised violation carries besides its rule, for API Gateway's wording at run time
# (`_violation_text`): the keyword's value, and these siblings of it.
_RULE_FACTS: Final = {
    "minimum": ("minimum", "exclusiveMinimum"),
    "maximum": ("maximum", "exclusiveMaximum"),
    "pattern": (SOURCE_PATTERN,),
}


def _compile_to_code(root: dict[str, Any]) -> str:
    """fastjsonschema's `compile_to_code`, with exceptions that carry the violated keyword, the
    value and only the facts the message needs (`detailed_exceptions` would embed a copy of the
    whole schema at every raise; none loses the names of missing properties)."""
    from fastjsonschema.draft04 import CodeGeneratorDraft04
    from fastjsonschema.ref_resolver import RefResolver

    class Generator(CodeGeneratorDraft04):
        def exc(
            self, msg: str, *args: Any, append_to_msg: str | None = None, rule: str | None = None
        ) -> None:
            schema = self._definition if isinstance(self._definition, dict) else {}
            facts = _rule_facts(schema, rule)
            text = '"' + msg + '"' + (f" + ({append_to_msg})" if append_to_msg else "")
            self.l(
                "raise JsonSchemaValueException("
                + text
                + ', value={variable}, name="{name}", definition={facts}, rule={rule})',
                *args,
                facts=repr(facts),
                rule=repr(rule),
            )

    resolver = RefResolver.from_schema(root, handlers={}, store={})
    generator = Generator(  # type: ignore[no-untyped-call]
        root, resolver=resolver, formats={}, use_default=False, use_formats=False, fast_fail=True
    )
    return str(generator.global_state_code) + "\n" + str(generator.func_code)


def _rule_facts(schema: Mapping[str, Any], rule: str | None) -> dict[str, Any]:
    """Plain literals only: the dict is written into the generated module with `repr`."""
    facts: dict[str, Any] = {}
    if rule in ("oneOf", "anyOf", "allOf", "items"):
        value = schema.get(rule)
        facts[rule] = len(value) if isinstance(value, list) else 0
    elif rule == "additionalProperties":
        for key in ("properties", "patternProperties"):
            facts[key] = [str(name) for name in schema.get(key) or ()]
    elif rule is not None:
        for key in _RULE_FACTS.get(rule, (rule,)):
            if key in schema and _literal(schema[key]):
                facts[key] = schema[key]
    return facts


def _literal(value: Any) -> bool:
    """A value whose `repr` is a Python literal that evaluates back to it."""
    if isinstance(value, (list, tuple)):
        return all(_literal(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _literal(v) for k, v in value.items())
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return value is None or isinstance(value, (str, int, bool))


# Draft-4 keywords that annotate a schema without constraining what it accepts.
_ANNOTATIONS: Final = frozenset({"title", "description"})


def _shared_slots(definitions: Mapping[str, Any]) -> dict[str, str]:
    """Slot -> the first slot (in order) whose model validates alike, found by refinement:
    models whose schemas are equal once annotations are dropped and references name each
    target's representative share one; merging can make referring models equal in turn."""
    shared = {slot: slot for slot in definitions}
    while True:
        first: dict[str, str] = {}
        merged = {
            # repr keeps key order (it decides which violation is reported first) and types
            slot: first.setdefault(repr(_validation_key(schema, shared)), slot)
            for slot, schema in definitions.items()
        }
        if merged == shared:
            return shared
        shared = merged


def _validation_key(schema: Any, shared: Mapping[str, str]) -> Any:
    """A normalized schema without annotations, each model reference to its representative."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith(f"#/{_DEFS}/"):
            slot = value[len(_DEFS) + 3 :]
            out[key] = shared.get(slot, slot)
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _validation_key(sub, shared) for name, sub in value.items()}
        elif key in (*_SUBSCHEMA_LISTS, "items") and isinstance(value, list):
            out[key] = [_validation_key(sub, shared) for sub in value]
        elif key in _SUBSCHEMA_ONE or key == "items":
            out[key] = _validation_key(value, shared)
        else:
            out[key] = value
    return out


def _normalize(schema: Any, slots: Mapping[str, str]) -> Any:
    """Rewrite `#/models/X` references and drop the keywords API Gateway ignores."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in IGNORED_KEYWORDS or key == "$schema":
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = _model_ref(value, slots)
        elif key == "pattern" and isinstance(value, str):
            out[key] = _checkable_pattern(value)
            out[SOURCE_PATTERN] = value
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = _pattern_properties(value, slots)
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _normalize(sub, slots) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_normalize(sub, slots) for sub in value]
        elif key == "items":
            items = [_normalize(s, slots) for s in value] if isinstance(value, list) else None
            out[key] = items if items is not None else _normalize(value, slots)
        elif key in _SUBSCHEMA_ONE:
            out[key] = _normalize(value, slots)
        else:
            out[key] = value
    return out


def _checkable_pattern(pattern: str) -> str:
    try:
        return java_pattern(pattern)
    except PatternError:
        return UNCHECKABLE_PATTERN  # fail closed: every string checked against it is rejected


def _pattern_properties(value: Mapping[str, Any], slots: Mapping[str, str]) -> dict[str, Any]:
    """Keys translated like `pattern`; a key apigwc cannot translate becomes "" (matches every
    property name) with a schema nothing satisfies, so such objects fail closed."""
    out: dict[str, Any] = {}
    for pattern, sub in value.items():
        try:
            out[java_pattern(pattern)] = _normalize(sub, slots)
        except PatternError:
            out[""] = {"not": {}}
    return out


def _normalized_or_closed(schema: Any, slots: Mapping[str, str]) -> Any:
    """`_normalize`d; a model with a reference that resolves to no model (AGW125 in `apigwc
    validate`) rejects every body instead of failing the build."""
    try:
        return _normalize(schema, slots)
    except ModelCompileError:
        return {"not": {}}


def _model_ref(ref: str, slots: Mapping[str, str]) -> str:
    name = model_ref_name(ref)
    if name is None:
        # Lowering rewrites every reference (`#/definitions/X`, `#/components/schemas/X`, API
        # Gateway's model URL) to `#/models/X`; anything else cannot be resolved here.
        raise ModelCompileError(f"unsupported $ref {ref!r}: models reference models as #/models/X")
    if name not in slots:
        raise ModelCompileError(f"$ref to unknown model {name!r}")
    return f"#/{_DEFS}/{quote(slots[name])}"
