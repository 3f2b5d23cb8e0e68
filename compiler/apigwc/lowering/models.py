"""Models: Swagger `definitions` / OpenAPI `components.schemas` -> IR `Model`s, and schema refs.

Every schema that reaches the IR has its model references rewritten to the canonical
`{"$ref": "#/models/<Name>"}`, whether the source wrote `#/definitions/X`,
`#/components/schemas/X` or API Gateway's own `https://apigateway.amazonaws.com/restapis/{id}/
models/X`. A schema in another file is bundled as a model named after its last pointer token, so
exports and templates are self-contained (API Gateway does not import references to other files).
Other references inside a schema (to a sub-schema) are inlined, with three bounds so that no
spec makes this recurse without end or grow without limit: a reference to a schema that is being
inlined already is a cycle (AGW111), a schema nests at most `_MAX_NESTING` levels once inlined,
and all inlining together copies at most `_MAX_INLINED` values (AGW145, a "reference bomb").
"""

from __future__ import annotations

import re
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.ir.api import MODEL_REF_PREFIX, Model
from apigwc.ir.enums import SourceFormat
from apigwc.loader.document import APIGW_MODEL_URL, RefError
from apigwc.loader.positions import split_pointer
from apigwc.lowering.context import Context

_LOCAL_MODEL = re.compile(r"^#/(?:definitions|components/schemas)/([^/]+)$")
_MAX_INLINE_DEPTH = 64
# Nesting levels of one schema with its inlined references: below pydantic-core's recursion
# guard (255 levels) that validates the schema into the IR, and, at two Python frames a level,
# well inside the interpreter's recursion limit (1,000).
_MAX_NESTING = 200
# Values copied by inlining, all schemas together: references to sub-schemas that are not named
# models are rare and small in real specs (models are references, never copied); ten references
# to schemas with ten references each, nine deep, would copy a billion. ~1 s of work at most.
_MAX_INLINED = 200_000


class ModelTable:
    """The API's models, plus the bundling of schemas that live in other files."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.models: dict[str, Model] = {}
        self.bundled: dict[Origin, str] = {}
        self.copied = 0  # values copied by inlining, against _MAX_INLINED
        self.exhausted = False  # AGW145 reported; nothing more is inlined

    def read_models(self) -> None:
        data = self.ctx.doc.data
        if self.ctx.source_format is SourceFormat.SWAGGER2:
            schemas, base = data.get("definitions"), self.ctx.root.child("definitions")
        else:
            components = data.get("components")
            schemas = components.get("schemas") if isinstance(components, dict) else None
            base = self.ctx.root.child("components", "schemas")
        if schemas is None:
            return
        if not isinstance(schemas, dict):
            self.ctx.report("AGW201", base, what="schemas", expected="an object", actual="other")
            return
        for name, schema in schemas.items():
            origin = base.child(name)
            self.models[name] = Model(
                name=name, schema=self.normalize(schema, origin), origin=origin
            )

    def normalize(
        self,
        schema: Any,
        origin: Origin,
        depth: int = 0,
        inlining: tuple[Origin, ...] = (),
        level: int = 0,
    ) -> Any:
        """A copy of `schema` with canonical model references. `inlining` holds the targets of
        the references being inlined around this value; `level` is its nesting level."""
        if inlining:
            self.copied += 1
        if not isinstance(schema, (dict, list)):
            return schema
        if depth > _MAX_INLINE_DEPTH or level >= _MAX_NESTING:  # one finding, at the container
            self.ctx.report(
                "AGW111", origin, chain=f"{origin.file}#{origin.pointer} (schema nests too deep)"
            )
            return {}
        if isinstance(schema, list):
            return [
                self.normalize(v, origin.child(i), depth, inlining, level + 1)
                for i, v in enumerate(schema)
            ]
        if isinstance(schema.get("$ref"), str):
            return self._reference(schema, origin, depth, inlining, level)
        return {
            k: self.normalize(v, origin.child(k), depth, inlining, level + 1)
            for k, v in schema.items()
        }

    def _reference(
        self,
        schema: dict[str, Any],
        origin: Origin,
        depth: int,
        inlining: tuple[Origin, ...] = (),
        level: int = 0,
    ) -> Any:
        ref: str = schema["$ref"]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        name = self._model_name(ref, origin, depth)
        if name is not None:
            return {"$ref": MODEL_REF_PREFIX + name, **siblings}
        try:
            target, target_origin = self.ctx.doc.resolve(ref, origin)
        except RefError as err:
            self.ctx.report(err.code, origin.child("$ref"), **{**err.fields, "ref": ref})
            return dict(siblings)
        if target_origin in inlining:  # `a` inlines `b`, which inlines `a` again
            chain = " -> ".join(f"{o.file}#{o.pointer}" for o in (*inlining, target_origin))
            self.ctx.report("AGW111", origin.child("$ref"), chain=chain)
            return dict(siblings)
        if self.copied > _MAX_INLINED or self.exhausted:
            if not self.exhausted:
                self.ctx.report("AGW145", origin.child("$ref"), ref=ref, limit=_MAX_INLINED)
            self.exhausted = True
            return dict(siblings)
        return self.normalize(target, target_origin, depth + 1, (*inlining, target_origin), level)

    def _model_name(self, ref: str, origin: Origin, depth: int) -> str | None:
        if ref.startswith(APIGW_MODEL_URL):
            return ref.rstrip("/").rsplit("/", 1)[-1]
        ref = self.ctx.doc.definition_ref(ref)  # Swagger 2.0 `$ref: Pet`
        match = _LOCAL_MODEL.match(ref)
        if match and origin.file == self.ctx.doc.root:
            name = split_pointer("/" + match.group(1))[0]
            if name not in self._declared():
                self._missing(ref, origin)
            return name
        target = self.ctx.doc.target_of(ref, origin)
        if target.file == self.ctx.doc.root:
            local = _LOCAL_MODEL.match("#" + target.pointer)
            return split_pointer("/" + local.group(1))[0] if local else None
        return self._bundle(target, depth)

    def _declared(self) -> set[str]:
        data = self.ctx.doc.data
        if self.ctx.source_format is SourceFormat.SWAGGER2:
            schemas = data.get("definitions")
        else:
            schemas = (
                (data.get("components") or {}).get("schemas")
                if isinstance(data.get("components"), dict)
                else None
            )
        return set(schemas) if isinstance(schemas, dict) else set()

    def _missing(self, ref: str, origin: Origin) -> None:
        # API Gateway imports with a warning ("missing model reference", reference §2.3) and
        # fails only with failonwarnings=true (moto's reimport case): AGW125 is a warning.
        self.ctx.sink.report("AGW125", origin.child("$ref"), ref=ref)

    def _bundle(self, target: Origin, depth: int) -> str | None:
        """Register a schema from another file as a model; its name is its last pointer token."""
        if target in self.bundled:
            return self.bundled[target]
        if target.file in self.ctx.doc.failed:  # the loader reported it (AGW101 and kin)
            return None
        try:
            schema = self.ctx.doc.get(target)
        except RefError as err:
            self.ctx.report(err.code, target, **err.fields)
            return None
        tokens = split_pointer(target.pointer)
        stem = tokens[-1] if tokens else target.file.rsplit("/", 1)[-1].split(".")[0]
        name = self._unique(re.sub(r"[^A-Za-z0-9]", "", stem) or "Model")
        self.bundled[target] = name
        self.models[name] = Model(
            name=name, schema=self.normalize(schema, target, depth + 1), origin=target
        )
        return name

    def _unique(self, name: str) -> str:
        taken = set(self.models) | self._declared()
        if name not in taken:
            return name
        n = 2
        while f"{name}{n}" in taken:
            n += 1
        return f"{name}{n}"

    def ordered(self) -> tuple[Model, ...]:
        return tuple(self.models.values())
