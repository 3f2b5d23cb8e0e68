"""Helpers for tests/test_import.py: import a template in-process, compile the spec it writes,
and summarise an IR as the API resources API Gateway would create (routes, integrations,
authorizers, stages, usage plans, domains), so that two imports can be compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigwc.diagnostics.model import Diagnostic, Severity
from apigwc.diagnostics.sink import Sink
from apigwc.importer import Imported, discover, import_file, render
from apigwc.importer.template import read_template
from apigwc.ir.api import Api
from apigwc.ir.base import deployable_json
from apigwc.ir.deployment import DEFAULT_STAGE
from apigwc.pipeline import compile_spec


@dataclass
class Outcome:
    """One imported API: the import's diagnostics, then the written spec's compilation."""

    imported: Imported
    spec_path: Path | None = None
    api: Api | None = None
    compile_diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.imported.sink.diagnostics + self.compile_diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def describe(self) -> list[str]:
        return [f"{d.file}:{d.line}:{d.column} {d.code} {d.message}" for d in self.errors]


def import_and_compile(template: Path, out_dir: Path, api_id: str | None = None) -> Outcome:
    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path = out_dir / "spec.yaml"
    imported = import_file(str(template), api_id=api_id, spec_dir=str(out_dir))
    outcome = Outcome(imported)
    if imported.spec is None or imported.sink.has_errors:
        return outcome
    spec_path.write_text(render(imported.spec), encoding="utf-8")
    # the spec is written apart from the template, whose folder holds the function code
    compiled = compile_spec(spec_path, allow_roots=(str(template.parent),))
    outcome.spec_path = spec_path
    outcome.api = compiled.api
    outcome.compile_diagnostics = compiled.sink.diagnostics
    return outcome


def api_ids(template: Path) -> list[str]:
    parsed = read_template(str(template), Sink())
    return [entry.logical_id for entry in discover(parsed)] if parsed else []


# -- summaries ----------------------------------------------------------------------------------

# SAM gives its Deployment `StageName: Stage`, which makes API Gateway create an empty stage
# named "Stage" beside the declared one (a known SAM behaviour); it carries no settings.
SAM_DEPLOYMENT_STAGE = "Stage"


def summary(api: Api) -> dict[str, Any]:
    routes = {}
    for method in api.methods:
        integration = method.integration
        security = sorted(
            name for requirement in method.security or () for name in requirement.schemes
        )
        routes[f"{method.http_method} {method.path}"] = {
            "integration": (
                {
                    "type": integration.type.value,
                    "uri": deployable_json(integration.uri),
                    "httpMethod": integration.http_method,
                }
                if integration
                else None
            ),
            "security": security,
        }
    authorizers = {
        scheme.name: {
            "type": scheme.authorizer.type.value if scheme.authorizer else scheme.type,
            "uri": deployable_json(scheme.authorizer.authorizer_uri) if scheme.authorizer else None,
        }
        for scheme in api.security_schemes
    }
    deployment = api.deployment
    stages = {
        name: stage.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        for name, stage in deployment.stages.items()
        if not (name == SAM_DEPLOYMENT_STAGE and stage.model_dump(exclude_defaults=True) == {})
    }
    if stages == {DEFAULT_STAGE: {}}:
        stages = {}  # one bare "dev" stage is what x-apigwc means by no stages
    plans = {
        name: plan.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        for name, plan in deployment.usage_plans.items()
    }
    domains = [
        domain.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        for domain in deployment.domains
    ]
    return {
        "routes": routes,
        "authorizers": authorizers,
        "stages": stages,
        "usagePlans": plans,
        "domains": domains,
    }


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    diffs = []
    for key in ours:
        if ours[key] != theirs[key]:
            diffs.append(f"{key}: apigwc {ours[key]!r} != SAM {theirs[key]!r}")
    return diffs
