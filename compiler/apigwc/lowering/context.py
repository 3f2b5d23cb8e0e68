"""Shared state of one lowering run, and a typed reader for extension objects.

`Context` holds the document, the diagnostics sink, the source format and the protocol decided
by the first pass. `Fields` reads one JSON object property by property: each getter checks the
JSON type (as leniently as API Gateway's Java importer, which coerces "29000" to a number and
200 to "200"), reports AGW201/AGW202/AGW203 at the property's own position, and remembers what
was read so that `finish()` can report unknown properties (AGW204) at their keys.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from apigwc.diagnostics.model import Origin
from apigwc.diagnostics.sink import Sink
from apigwc.ir.base import Deployable, Fn, intrinsic, is_intrinsic
from apigwc.ir.enums import Protocol, SourceFormat
from apigwc.loader.document import Document, RefError

E = TypeVar("E", bound=enum.Enum)


@dataclass
class Context:
    doc: Document
    sink: Sink
    source_format: SourceFormat = SourceFormat.OAS30
    protocol: Protocol = Protocol.REST

    @property
    def root(self) -> Origin:
        return Origin(self.doc.root, "")

    def report(self, code: str, origin: Origin, **fields: Any) -> None:
        self.sink.report(code, origin, **fields)

    def deref(self, value: Any, origin: Origin) -> tuple[Any, Origin]:
        """Follow `$ref`s (already checked by the loader); None on a broken chain."""
        try:
            return self.doc.deref(value, origin)
        except RefError as err:
            self.sink.report(err.code, origin.child("$ref"), **err.fields)
            return None, origin

    def deployable(self, value: Any, origin: Origin, what: str) -> Deployable | None:
        if isinstance(value, str):
            return value
        if is_intrinsic(value):
            fn, args = next(iter(value.items()))
            node = intrinsic(fn, args, origin)
            if isinstance(node, Fn) and fn in ("Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If"):
                self.report(
                    "AGW208", origin, fn=fn, reason=f"unexpected arguments {json_kind(args)}"
                )
            return node
        self.report("AGW201", origin, what=what, expected="a string", actual=json_kind(value))
        return None


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if is_intrinsic(value):
        return f"the intrinsic {next(iter(value))}"
    return "an object"


def suggestion(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


# Aliases for annotations inside `Fields`, whose getters are named after the JSON types.
Text: TypeAlias = str
Flag: TypeAlias = bool
Integer: TypeAlias = int


class Fields:
    """Typed, reported access to one JSON object's properties."""

    def __init__(self, ctx: Context, value: dict[Text, Any], origin: Origin, what: Text) -> None:
        self.ctx = ctx
        self.value = value
        self.origin = origin
        self.what = what
        self.read: set[Text] = set()

    def at(self, key: Text) -> Origin:
        return self.origin.child(key)

    def raw(self, key: Text) -> Any:
        self.read.add(key)
        return self.value.get(key)

    def has(self, key: Text) -> Flag:
        return key in self.value

    def _wrong(self, key: Text, expected: Text) -> None:
        self.ctx.report(
            "AGW201",
            self.at(key),
            what=f"{self.what}.{key}",
            expected=expected,
            actual=json_kind(self.value[key]),
        )

    def require(self, key: Text) -> Flag:
        if key in self.value and self.value[key] is not None:
            return True
        self.read.add(key)
        self.ctx.report("AGW203", self.origin, what=self.what, prop=key)
        return False

    def str(self, key: Text, *, coerce: Flag = False) -> Text | None:
        v = self.raw(key)
        if v is None or isinstance(v, str):
            return v
        if coerce and isinstance(v, (int, float)) and not isinstance(v, bool):
            return _number_text(v)
        self._wrong(key, "a string")
        return None

    def deployable(self, key: Text) -> Deployable | None:
        v = self.raw(key)
        if v is None:
            return None
        return self.ctx.deployable(v, self.at(key), f"{self.what}.{key}")

    def bool(self, key: Text) -> Flag | None:
        v = self.raw(key)
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"  # Jackson coerces "true"
        self._wrong(key, "a boolean")
        return None

    def int(self, key: Text) -> Integer | None:
        v = self.raw(key)
        if v is None or (isinstance(v, int) and not isinstance(v, bool)):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)  # Jackson coerces "300" for integer properties
        self._wrong(key, "an integer")
        return None

    def enum(self, key: Text, kind: type[E], *, upper: Flag = True) -> E | None:
        v = self.raw(key)
        if v is None:
            return None
        if not isinstance(v, str):
            self._wrong(key, "a string")
            return None
        text = v.upper() if upper else v
        try:
            return kind(text)
        except ValueError:
            expected = ", ".join(str(m.value) for m in kind)
            self.ctx.report(
                "AGW202", self.at(key), what=f"{self.what}.{key}", value=v, expected=expected
            )
            return None

    def str_list(self, key: Text) -> tuple[Text, ...]:
        v = self.raw(key)
        if v is None:
            return ()
        if isinstance(v, str):
            return (v,)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self._wrong(key, "an array of strings")
            return ()
        return tuple(v)

    def deployable_list(self, key: Text) -> tuple[Deployable, ...]:
        v = self.raw(key)
        if v is None:
            return ()
        if not isinstance(v, list):
            one = self.ctx.deployable(v, self.at(key), f"{self.what}.{key}")
            return (one,) if one is not None else ()
        out = []
        for i, item in enumerate(v):
            d = self.ctx.deployable(item, self.at(key).child(i), f"{self.what}.{key}[{i}]")
            if d is not None:
                out.append(d)
        return tuple(out)

    def map(self, key: Text) -> dict[Text, Any] | None:
        v = self.raw(key)
        if v is None or isinstance(v, dict):
            return v
        self._wrong(key, "an object")
        return None

    def deployable_map(self, key: Text) -> dict[Text, Deployable]:
        m = self.map(key)
        if not m:
            return {}
        out: dict[Text, Deployable] = {}
        for k, v in m.items():
            if isinstance(v, bool):
                v = "true" if v else "false"  # Jackson's coercion; AWS imported such a spec
            elif isinstance(v, (int, float)):
                v = _number_text(v)
            d = self.ctx.deployable(v, self.at(key).child(k), f"{self.what}.{key}.{k}")
            if d is not None:
                out[k] = d
        return out

    def finish(self, known: Iterable[Text]) -> None:
        """Report properties nobody read and that the extension does not define."""
        known_set = set(known) | self.read
        for key in self.value:
            if key in known_set or key.startswith("x-"):
                continue
            self.ctx.sink.report(
                "AGW204",
                self.at(key),
                at_key=True,
                what=self.what,
                prop=key,
                suggestion=suggestion(key, known_set),
            )


def _number_text(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        # `payloadFormatVersion: 1.0` in YAML is the float 1.0; AWS reads it as "1.0"
        return repr(v)
    return str(v)


def as_fields(ctx: Context, value: Any, origin: Origin, what: str) -> Fields | None:
    """A Fields reader over `value`, or None (reported) when it is not an object."""
    if isinstance(value, dict):
        return Fields(ctx, value, origin, what)
    ctx.report("AGW201", origin, what=what, expected="an object", actual=json_kind(value))
    return None
