"""`apigwc diff OLD NEW`: the changes between two versions of a spec that break their clients.

Flows in: two compiled specs (`pipeline.compile_spec`: the IR and the loaded documents, whose
source maps give every IR node's line and column). Flows out: diagnostics of phase 6
(`versions/codes.py`) in one `Sink`, each at its place in the file where the thing is (NEW for
what is added or changed, OLD for what is gone) and naming the other file's place in its
message, so both positions are in every finding.

What breaks a client of a deployed API Gateway API (errors): a removed method (route), a new
required parameter or body, a stricter request model (`schemas.py`), a validator that now
validates what it did not, an authorizer, IAM or OAuth scopes newly required or changed, an API
key newly required, an integration response answering another status code, a removed stage or
stage variable. Everything else that changed in these is listed as info.

Methods are matched by method and path with parameter names ignored (`/pets/{id}` and
`/pets/{petId}` are one resource to a client); an `ANY` method in NEW keeps every method of its
path. Security is read as API Gateway applies it (`lowering.effective`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apigwc.diagnostics.model import Origin
from apigwc.diagnostics.sink import Sink
from apigwc.ir.api import Api, model_ref_name
from apigwc.ir.method import Method
from apigwc.lowering.effective import effective_security, request_validator, uses_iam_auth
from apigwc.pipeline import Compilation
from apigwc.versions import codes as _codes  # noqa: F401  (registers AGW6xx)
from apigwc.versions.schemas import stricter

_PARAMETER = re.compile(r"\{[^}+]*(\+?)\}")


@dataclass
class Versions:
    """The two versions and where findings go."""

    old: Compilation
    new: Compilation
    sink: Sink

    @property
    def old_api(self) -> Api:
        assert self.old.api is not None
        return self.old.api

    @property
    def new_api(self) -> Api:
        assert self.new.api is not None
        return self.new.api

    def where(self, origin: Origin | None) -> str:
        """`file:line:column` of an origin in either version."""
        if origin is None:
            return "?"
        for result in (self.old, self.new):
            doc = result.document
            if doc is not None and origin.file in doc.files:
                found = doc.locate(origin, True)
                if found is not None:
                    return f"{origin.file}:{found.line}:{found.column}"
        return origin.file

    def root(self, result: Compilation) -> str:
        return result.document.root if result.document is not None else result.path

    def report(self, code: str, origin: Origin | None, other: Origin | None, **fields: Any) -> None:
        here = origin or Origin(self.root(self.new))
        fields |= {"other": self.where(other), "new": self.root(self.new)}
        self.sink.report(code, here, at_key=True, **fields)


def compare(old: Compilation, new: Compilation) -> Sink:
    """Both compiled (their `api` set): the findings, located in whichever file holds each."""

    def locate(origin: Origin, at_key: bool) -> Any:
        for result in (old, new):
            if result.document is not None and origin.file in result.document.files:
                return result.document.locate(origin, at_key)
        return None

    versions = Versions(old, new, Sink(locate))
    _methods(versions)
    _stages(versions)
    return versions.sink


def _route_id(method: Method) -> tuple[str, str]:
    return method.http_method, _PARAMETER.sub(r"{\1}", method.path)


def _methods(v: Versions) -> None:
    new_methods = {_route_id(m): m for m in v.new_api.methods}
    old_ids = {_route_id(m) for m in v.old_api.methods}
    for old in v.old_api.methods:
        method, path = _route_id(old)
        new = new_methods.get((method, path)) or new_methods.get(("ANY", path))
        if new is None:
            v.report("AGW601", old.origin, _paths_of(v, old), route=old.route_key)
            continue
        for check in (_parameters, _body, _validation, _authorization, _integration):
            check(v, old, new)
    for key, new in new_methods.items():
        if key not in old_ids:
            v.report("AGW610", new.origin, None, route=new.route_key)


def _paths_of(v: Versions, old: Method) -> Origin:
    """Where NEW has the path of a method it lost, else its `paths`."""
    root = Origin(v.root(v.new), "/paths")
    same = [m for m in v.new_api.methods if _route_id(m)[1] == _route_id(old)[1]]
    return root.child(same[0].path) if same else root


def _parameters(v: Versions, old: Method, new: Method) -> None:
    for parameter in new.parameters:
        if parameter.location.value == "path":
            continue  # part of the route itself
        before = old.parameter(parameter.location.value, parameter.name)
        what = f"{parameter.location.value} parameter {parameter.name}"
        if parameter.required and (before is None or not before.required):
            state = "absent" if before is None else "optional"
            v.report(
                "AGW602", parameter.origin, old.origin, route=new.route_key, what=what, before=state
            )
        elif before is None:
            v.report("AGW611", parameter.origin, old.origin, what=f"{new.route_key}: new {what}")


def _body(v: Versions, old: Method, new: Method) -> None:
    old_body, new_body = old.request_body, new.request_body
    if new_body is None:
        return
    if new_body.required and not (old_body and old_body.required):
        v.report(
            "AGW602",
            new_body.origin,
            old.origin,
            route=new.route_key,
            what="the request body",
            before="optional",
        )
    before = {m.media_type: m for m in (old_body.content if old_body else ())}
    for media in new_body.content:
        reasons = stricter(
            before[media.media_type].schema_ if media.media_type in before else None,
            media.schema_,
            (_resolver(v.old_api), _resolver(v.new_api)),
        )
        if reasons and (media.media_type in before or old_body is not None):
            other = before[media.media_type].origin if media.media_type in before else old.origin
            fields = {"route": new.route_key, "media_type": media.media_type}
            v.report("AGW603", media.origin, other, reason="; ".join(reasons[:5]), **fields)


def _resolver(api: Api) -> Any:
    """`{"$ref": "#/models/X"}` -> the schema of `api`'s model X (chains followed, bounded)."""

    def resolve(schema: Any) -> Any:
        for _ in range(16):
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            name = model_ref_name(schema["$ref"])
            model = api.model(name) if name is not None else None
            schema = model.schema_ if model is not None else {}
        return schema

    return resolve


def _validation(v: Versions, old: Method, new: Method) -> None:
    before, after = request_validator(v.old_api, old), request_validator(v.new_api, new)
    body = after is not None and after.validate_request_body
    params = after is not None and after.validate_request_parameters
    parts = []
    if body and not (before is not None and before.validate_request_body):
        parts.append("the body")
    if params and not (before is not None and before.validate_request_parameters):
        parts.append("the parameters")
    if parts:
        origin = new.origin.child("x-amazon-apigateway-request-validator") if new.origin else None
        located = origin if new.request_validator else new.origin
        v.report("AGW604", located, old.origin, route=new.route_key, what=" and ".join(parts))


def _protection(api: Api, method: Method) -> tuple[bool, frozenset[tuple[str, ...]]]:
    """(an API key is required, the authorizations a caller may satisfy). Each alternative of
    the method's security is the sorted schemes (with their scopes) a caller needs at once,
    API keys apart; IAM (`x-amazon-apigateway-auth`) is one more scheme of every alternative."""
    alternatives = effective_security(api, method)
    key_required = bool(alternatives) and all(
        any(_is_key(api, name) for name in alt.schemes) for alt in alternatives
    )
    iam = ("AWS_IAM",) if uses_iam_auth(method) else ()
    needs = set()
    for alt in alternatives:
        schemes = [
            f"{name}{list(scopes) if scopes else ''}"
            for name, scopes in sorted(alt.schemes.items())
            if not _is_key(api, name)
        ]
        if schemes or iam:
            needs.add(tuple(schemes) + iam)
    if iam and not needs:
        needs.add(iam)
    return key_required, frozenset(needs)


def _is_key(api: Api, name: str) -> bool:
    scheme = api.security_scheme(name)
    return scheme is not None and scheme.is_api_key


def _describe(needs: frozenset[tuple[str, ...]]) -> str:
    if not needs:
        return "no authorization"
    return " or ".join(" and ".join(alt) for alt in sorted(needs))


def _authorization(v: Versions, old: Method, new: Method) -> None:
    old_key, old_needs = _protection(v.old_api, old)
    new_key, new_needs = _protection(v.new_api, new)
    route = new.route_key
    if new_key and not old_key:
        v.report("AGW606", new.origin, old.origin, route=route)
    elif old_key and not new_key:
        v.report("AGW611", new.origin, old.origin, what=f"{route}: no API key required any more")
    if old_needs == new_needs:
        return
    if not new_needs:
        what = f"{route}: no authorization required any more (was {_describe(old_needs)})"
        v.report("AGW611", new.origin, old.origin, what=what)
        return
    what = f"{_describe(new_needs)} required"
    v.report("AGW605", new.origin, old.origin, route=route, what=what, before=_describe(old_needs))


def _integration(v: Versions, old: Method, new: Method) -> None:
    if old.integration is None or new.integration is None:
        return
    before = {r.selection_pattern: r for r in old.integration.responses}
    after = {r.selection_pattern: r for r in new.integration.responses}
    default = after.get("default")
    for pattern, response in before.items():
        now = after.get(pattern, default)
        if now is None or now.status_code == response.status_code:
            continue
        v.report(
            "AGW607",
            now.origin,
            response.origin,
            route=new.route_key,
            pattern="default" if pattern == "default" else f"'{pattern}'",
            status=now.status_code,
            before=response.status_code,
        )


def _stages(v: Versions) -> None:
    """Stages are read from `x-apigwc.stages` (their nodes carry no origin: the pointer is
    built from the stage's name)."""
    old_stages, new_stages = v.old_api.deployment.stages, v.new_api.deployment.stages
    old_root = Origin(v.root(v.old), "/x-apigwc/stages")
    new_root = Origin(v.root(v.new), "/x-apigwc/stages")
    for name, stage in old_stages.items():
        now = new_stages.get(name)
        if now is None:
            v.report("AGW609", new_root, old_root.child(name), stage=name)
            continue
        for variable in stage.variables:
            if variable not in now.variables:
                old_at = old_root.child(name, "variables", variable)
                new_at = (
                    new_root.child(name, "variables") if now.variables else new_root.child(name)
                )
                v.report("AGW608", new_at, old_at, stage=name, variable=variable)
    for name in new_stages:
        if name not in old_stages:
            v.report("AGW611", new_root.child(name), old_root, what=f"stage {name} is new")
