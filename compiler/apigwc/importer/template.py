"""Reading a CloudFormation / SAM template for `apigwc import`: files, positions, intrinsics.

Flows in: a template path (YAML with short-form tags, or JSON). Flows out: a `Template` holding
the loaded `Document` (so every diagnostic has file:line:col), its resources by logical id, and
helpers that resolve what CloudFormation resolves before API Gateway reads a body:
`Fn::Transform AWS::Include` of a local file, `Ref` to a parameter's default, local files named
by S3 locations. Nothing here fetches from the network: an S3 location is read only when a file
with the key's name sits next to the template.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.diagnostics.sink import Sink
from apigwc.loader import Document, display_path
from apigwc.loader import _load_file as load_file  # the loader's reader: limits, encoding, spans
from apigwc.loader.document import APIGW_MODEL_URL, is_remote
from apigwc.loader.files import Roots

INCLUDE = "AWS::Include"


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    origin: Origin  # of the resource's mapping

    def prop(self, *names: str) -> Origin:
        return self.origin.child("Properties", *names)


@dataclass
class Template:
    doc: Document
    sink: Sink
    resources: dict[str, Resource] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)
    # set when a definition lives in S3 only: the API is then imported without it
    definition_not_local: bool = False
    # the folder the spec is written to: relative `$ref`s are rebased to it (None: unchanged)
    spec_dir: str | None = None

    @property
    def path(self) -> str:
        return self.doc.root

    @property
    def data(self) -> Any:
        return self.doc.data

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    def report(self, code: str, origin: Origin, **fields: Any) -> None:
        self.sink.report(code, origin, **fields)

    # -- values ----------------------------------------------------------------------------
    def ref_target(self, value: Any) -> str | None:
        """The logical id a `Ref` / `Fn::GetAtt` / `Fn::Sub "${Id}"` points at, if any."""
        if isinstance(value, dict) and len(value) == 1:
            ((fn, args),) = value.items()
            if fn == "Ref" and isinstance(args, str):
                return args
            if fn == "Fn::GetAtt" and isinstance(args, list) and args:
                return str(args[0])
            if fn == "Fn::Sub" and isinstance(args, str) and args.startswith("${"):
                return args[2:].split("}")[0].split(".")[0]
        return None

    def scalar(self, value: Any) -> Any:
        """A `Ref` to a template parameter becomes its default (what a deploy with no overrides
        uses); anything else is returned as written."""
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
            return self._sub_defaults(value)
        name = self.ref_target(value) if isinstance(value, dict) and "Ref" in value else None
        if name is not None and name in self.parameters:
            param = self.parameters[name]
            if isinstance(param, dict) and "Default" in param:
                return param["Default"]
        return value

    def _sub_defaults(self, value: dict[str, Any]) -> Any:
        """`!Sub` over template parameters only, filled with their defaults; any other
        variable (a resource, a pseudo parameter) leaves the value as written."""
        text: str = value["Fn::Sub"]
        names = re.findall(r"\$\{([^}!]+)\}", text)
        defaults = {n: self.parameters.get(n) for n in names}
        if not all(isinstance(p, dict) and "Default" in p for p in defaults.values()):
            return value
        for name, param in defaults.items():
            assert isinstance(param, dict)
            text = text.replace("${" + name + "}", str(param["Default"]))
        return text

    def text(self, value: Any, fallback: str) -> str:
        """A string setting (stage name, domain name): parameter defaults resolved; an
        intrinsic that cannot be resolved offline gives `fallback`."""
        value = self.scalar(value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        return fallback

    def name(self, value: Any, fallback: str) -> str:
        """A name (a stage's): as `text`, but a parameter with no default gives the parameter's
        own name, which is what the deployed name stands for."""
        resolved = self.scalar(value)
        if isinstance(resolved, dict) and len(resolved) == 1:
            ((fn, args),) = resolved.items()
            if fn == "Ref" and isinstance(args, str) and args in self.parameters:
                return args
            named = re.sub(r"\$\{([^}!]+)\}", r"\1", args) if fn == "Fn::Sub" else ""
            if isinstance(named, str) and re.fullmatch(r"[A-Za-z0-9_-]+", named):
                return named
        return self.text(value, fallback)

    # -- files -------------------------------------------------------------------------------
    def local_path(self, name: str) -> str:
        base = posixpath.dirname(self.doc.root)
        return posixpath.normpath(posixpath.join(base, name)) if base else posixpath.normpath(name)

    def read_local(self, name: str, cited_at: Origin, what: str) -> tuple[Any, Origin] | None:
        """Load a file next to the template into the same Document; its data and root origin."""
        path = self.local_path(name)
        if path not in self.doc.files:
            scratch = Sink(self.sink.locator)
            if not load_file(self.doc, path, scratch, cited_at):
                reasons = [d.message for d in scratch.diagnostics]
                self.report("AGW133", cited_at, what=what, location=name, reason="; ".join(reasons))
                return None
        return self.doc.files[path].data, Origin(path, "")

    def rebase_ref(self, ref: str, source: str) -> str:
        """A `$ref` written in file `source`, relative to the folder the spec is written to, so
        that the spec finds the same file from there. Pointers (`#/...`), URLs and Swagger 2.0
        bare definition names (no `.` or `/`: `$ref: Pet`) are kept as written."""
        file_part, sep, fragment = ref.partition("#")
        if (
            self.spec_dir is None
            or not file_part
            or is_remote(file_part)
            or ref.startswith(APIGW_MODEL_URL)
            or not re.search(r"[./]", file_part)
        ):
            return ref
        base = os.path.dirname(os.path.abspath(source))
        target = os.path.normpath(os.path.join(base, file_part))
        rebased = os.path.relpath(target, os.path.abspath(self.spec_dir)).replace(os.sep, "/")
        return rebased + sep + fragment

    def s3_file(self, location: Any) -> str | None:
        """The file name an S3 location names: `s3://bucket/dir/key.yaml` or
        `{Bucket, Key}` -> `key.yaml` (looked up next to the template), or a plain local path."""
        if isinstance(location, dict) and "Fn::Sub" not in location:
            key = self.scalar(location.get("Key"))
            return posixpath.basename(key) if isinstance(key, str) and key else None
        if isinstance(location, str) and location.startswith("s3://"):
            key = location[5:].partition("/")[2].split("?")[0]
            return posixpath.basename(key) or None
        if isinstance(location, dict) and isinstance(location.get("Fn::Sub"), str):
            # `!Sub s3://${Bucket}/api.yaml`: the key's file name is written out in full
            return self.s3_file(location["Fn::Sub"])
        if isinstance(location, str) and location:
            return location
        return None

    def in_s3(self, location: Any) -> bool:
        if isinstance(location, dict) and isinstance(location.get("Fn::Sub"), str):
            return self.in_s3(location["Fn::Sub"])
        return isinstance(location, dict) or (
            isinstance(location, str) and location.startswith("s3://")
        )

    def s3_only(self, location: Any, name: str | None, origin: Origin, what: str) -> bool:
        """True (after AGW134) when an S3 location has no copy beside the template."""
        if not self.in_s3(location):
            return False
        if name is not None and os.path.isfile(self.local_path(name)):
            return False
        shown = location if isinstance(location, str) else f"an S3 object (key {name or '?'})"
        self.report("AGW134", origin, what=what, location=shown)
        self.definition_not_local = True
        return True

    def expand_includes(
        self, value: Any, origin: Origin, missing_ok: bool = False
    ) -> tuple[Any, Origin]:
        """`Fn::Transform {Name: AWS::Include, Parameters: {Location}}` replaced by the local
        file it names (CloudFormation inlines it before the RestApi reads its Body). With
        `missing_ok` (the whole definition is the include), a file that is not on disk gives a
        warning and no definition, as a definition kept only in S3 does (AGW134)."""
        transform = value.get("Fn::Transform") if isinstance(value, dict) else None
        if transform is None or len(value) != 1:
            return value, origin
        where = origin.child("Fn::Transform")
        if not isinstance(transform, dict) or transform.get("Name") != INCLUDE:
            name = transform.get("Name") if isinstance(transform, dict) else transform
            self.report("AGW138", where, what=f"Fn::Transform {name}", reason="only AWS::Include")
            return None, origin
        params = transform.get("Parameters")
        location = params.get("Location") if isinstance(params, dict) else None
        name = self.s3_file(location)
        if self.s3_only(location, name, where.child("Parameters", "Location"), INCLUDE):
            return None, origin
        if name is None:
            self.report(
                "AGW138", where, what="AWS::Include", reason="Parameters.Location is not a file"
            )
            return None, origin
        at = where.child("Parameters", "Location")
        if missing_ok and not os.path.exists(self.local_path(name)):
            # upstream fixtures whose included file was not copied with them: the SAM
            # transform accepts the template (CloudFormation includes the file later)
            self.report("AGW140", at, what=INCLUDE, location=name)
            self.definition_not_local = True
            return None, origin
        loaded = self.read_local(name, at, "AWS::Include")
        return loaded if loaded is not None else (None, origin)


def read_template(path: str, sink: Sink, allow_roots: tuple[str, ...] = ()) -> Template | None:
    """Files the template names (includes, definitions) are read from its folder tree and the
    `allow_roots` folders only, as a spec's `$ref`s are."""
    root = posixpath.normpath(display_path(path))
    doc = Document(root, roots=Roots.of(root, allow_roots))
    sink.locator = doc.locate
    if not load_file(doc, root, sink, Origin(root, "")):
        return None
    template = Template(doc, sink)
    data = doc.data
    if not isinstance(data, dict):
        return template
    resources = data.get("Resources")
    for logical_id, body in (resources.items() if isinstance(resources, dict) else ()):
        if isinstance(body, dict) and isinstance(body.get("Type"), str):
            props = body.get("Properties")
            origin = Origin(root, "").child("Resources", logical_id)
            template.resources[logical_id] = Resource(
                logical_id, body["Type"], props if isinstance(props, dict) else {}, origin
            )
    params = data.get("Parameters")
    template.parameters = params if isinstance(params, dict) else {}
    glob = data.get("Globals")
    template.globals = glob if isinstance(glob, dict) else {}
    return template
