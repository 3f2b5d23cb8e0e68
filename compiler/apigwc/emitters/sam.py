"""Emitter: `sam/template.yaml`, the API as an AWS SAM template (reference §4.5), with its code.

Flows in: a validated `Api` and the emit context (the spec's folder, for function code). Flows
out: the template and a copy of each function's code under `sam/functions/`, so `sam build` run in
the output's `sam/` folder (or `sam build -t sam/template.yaml` from the output folder) finds it
wherever the output is moved.

- `AWS::Serverless::Function` per `x-apigwc.functions` entry (`module:function` handlers become
  Lambda's `module.function`); integration URIs naming one refer to `${Function.Arn}`.
- REST: `AWS::Serverless::Api` with `DefinitionBody` = the export and the first stage's settings
  (SAM's pass-through names); further stages are `AWS::ApiGateway::Stage`s on SAM's deployment
  (`Api.Deployment`). HTTP: `AWS::Serverless::HttpApi` likewise, further stages auto-deployed.
- A single custom domain whose base paths all map to the first stage is SAM's `Domain` (with
  its Route 53 record); one usage plan with no keys of its own, covering only the first stage
  and no per-method throttles, is SAM's `Auth.UsagePlan` (PER_API). Anything SAM's syntax cannot
  say is written as plain resources, as in the CloudFormation template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from apigwc.emitters import EmitContext
from apigwc.emitters.cfn_build import API_ID, TemplateBuilder
from apigwc.emitters.cfn_template import ref
from apigwc.emitters.cloudformation import render
from apigwc.ir.api import Api
from apigwc.ir.base import deployable_json
from apigwc.ir.deployment import Function
from apigwc.ir.enums import EndpointType, Protocol

Json = Any
PATH = "sam/template.yaml"
CODE_ROOT = "functions"  # under sam/, beside the template
CODE_FILES = ("*.py", "requirements.txt")  # what a Python function's code folder ships


class SamBuilder(TemplateBuilder):
    transform = "AWS::Serverless-2016-10-31"
    flavour = "SAM"

    def __init__(self, api: Api, ctx: EmitContext) -> None:
        super().__init__(api, ctx)
        self.code: dict[str, bytes] = {}  # paths under sam/ -> file contents
        self._code_dirs: dict[Path, str] = {}

    # -- functions -------------------------------------------------------------------------------
    def add_functions(self) -> None:
        for name, function in self.deployment.functions.items():
            logical_id = self.template.new_id(name)
            self.binder.created[name] = logical_id
            props: dict[str, Json] = {
                "Handler": function.handler.replace(":", "."),
                "CodeUri": self._code_uri(function),
                "Runtime": function.runtime,
                "MemorySize": function.memory_size,
                "Timeout": function.timeout,
                "ReservedConcurrentExecutions": function.reserved_concurrent_executions,
            }
            if function.environment:
                props["Environment"] = {"Variables": dict(function.environment)}
            self.template.add_resource(logical_id, "AWS::Serverless::Function", props)

    def _code_uri(self, function: Function) -> str:
        """Copies the function's code folder next to the template once; returns its CodeUri."""
        source = (self.ctx.spec_path.parent / function.code_uri).resolve()
        if source in self._code_dirs:
            return self._code_dirs[source]
        label = re.sub(r"[^A-Za-z0-9_-]+", "_", source.name).strip("_") or "code"
        target = f"{CODE_ROOT}/{label}"
        while target in self._code_dirs.values():
            target += "_"
        self._code_dirs[source] = target
        for pattern in CODE_FILES:
            for file in sorted(source.rglob(pattern)) if source.is_dir() else ():
                parts = file.relative_to(source).parts
                if any(p.startswith((".", "__pycache__")) for p in parts):
                    continue
                self.code[f"{target}/{'/'.join(parts)}"] = file.read_bytes()
        return target

    # -- REST ------------------------------------------------------------------------------------
    def add_rest_api(self, body: Json) -> None:
        first, stage = self.stages[0]
        endpoint = {"Type": self.endpoint_type.value} | self.endpoint_extras("VPCEndpointIds")
        props: dict[str, Json] = {
            "StageName": first,
            "OpenApiVersion": body.get("openapi", "3.0.1"),  # also stops SAM's extra "Stage" stage
            "DefinitionBody": body,
            "EndpointConfiguration": endpoint,
            "Policy": self.private_policy(),
        }
        stage_props = self.rest_stage(first, stage)
        stage_props.pop("Description", None)  # on a SAM Api, Description is the API's
        props |= stage_props
        props["Tags"] = dict(stage.tags) or None
        props["Domain"] = self._sam_domain()
        props["Auth"] = self._sam_auth()
        self.template.add_resource(
            API_ID, "AWS::Serverless::Api", props, DependsOn=self.logging_dependency(stage)
        )
        self.stage_refs[first] = ref(f"{API_ID}.Stage")
        self.add_stage_output(first, "https", API_ID)
        for name, other in self.stages[1:]:
            self.add_plain_rest_stage(name, other, ref(f"{API_ID}.Deployment"))

    # -- HTTP ------------------------------------------------------------------------------------
    def add_http_api(self, body: Json) -> None:
        first, stage = self.stages[0]
        props: dict[str, Json] = {"StageName": first, "DefinitionBody": body}
        props |= self.http_stage(first, stage)
        props.pop("Description", None)
        props["Domain"] = self._sam_domain()
        self.template.add_resource(API_ID, "AWS::Serverless::HttpApi", props)
        self.stage_refs[first] = ref(f"{API_ID}.Stage")
        self.add_stage_output(first, "https", API_ID)
        for name, other in self.stages[1:]:
            self.add_plain_http_stage(name, other)

    # -- SAM's own syntax where it has one -------------------------------------------------------
    def sam_domain(self) -> bool:
        domains = self.deployment.domains
        if len(domains) != 1 or not domains[0].base_paths:
            return False
        domain = domains[0]
        first = self.deployment.default_stage
        if domain.certificate_arn is None or domain.endpoint_type is EndpointType.PRIVATE:
            return False
        # SAM normalizes base paths to their letters and digits: any other character, plain resources
        return all(
            stage == first and (path == "" or path.isalnum())
            for path, stage in domain.base_paths.items()
        )

    def _sam_domain(self) -> Json:
        if not self.sam_domain():
            return None
        domain = self.deployment.domains[0]
        rest = self.api.protocol is Protocol.REST
        props: dict[str, Json] = {
            "DomainName": domain.name,
            # SAM resolves parameters inside Domain at transform time: the values go in as written
            "CertificateArn": self.binder.bind(deployable_json(domain.certificate_arn)),
            "EndpointConfiguration": domain.endpoint_type.value if rest else "REGIONAL",
            "SecurityPolicy": domain.security_policy if rest else "TLS_1_2",
        }
        props["BasePath"] = [path or "/" for path in domain.base_paths]  # "/": no base path
        if domain.hosted_zone_id is not None:
            props["Route53"] = {"HostedZoneId": domain.hosted_zone_id}
        elif domain.hosted_zone_name is not None:
            zone = domain.hosted_zone_name
            props["Route53"] = {"HostedZoneName": zone if zone.endswith(".") else zone + "."}
        if domain.mutual_tls is not None:
            props["MutualTlsAuthentication"] = {"TruststoreUri": domain.mutual_tls.truststore_uri}
        return {k: v for k, v in props.items() if v is not None}

    def sam_usage_plan(self) -> bool:
        plans = list(self.deployment.usage_plans.values())
        if len(plans) != 1 or self.api.protocol is not Protocol.REST:
            return False
        plan = plans[0]
        return (
            not plan.api_keys
            and not plan.method_throttles
            and tuple(plan.stages) == (self.deployment.default_stage,)
        )

    def _sam_auth(self) -> Json:
        if not self.sam_usage_plan():
            return None
        name, plan = next(iter(self.deployment.usage_plans.items()))
        usage: dict[str, Json] = {"CreateUsagePlan": "PER_API", "UsagePlanName": name}
        if plan.description:
            usage["Description"] = plan.description
        if plan.throttle is not None:
            usage["Throttle"] = _compact(
                RateLimit=plan.throttle.rate_limit, BurstLimit=plan.throttle.burst_limit
            )
        if plan.quota is not None:
            usage["Quota"] = _compact(
                Limit=plan.quota.limit, Period=plan.quota.period.value, Offset=plan.quota.offset
            )
        return {"UsagePlan": usage}


def _compact(**values: Json) -> dict[str, Json]:
    return {k: v for k, v in values.items() if v is not None}


def emit(api: Api, ctx: EmitContext) -> dict[str, bytes]:
    builder = SamBuilder(api, ctx)
    files = {PATH: render(ctx, builder)}
    files.update({f"sam/{path}": data for path, data in sorted(builder.code.items())})
    return files
