"""What the template parts (custom domains, monitoring alarms, the WebSocket API) use of the
template builder.

Flows in: nothing; it is a `Protocol` that `cfn_build.TemplateBuilder` satisfies. `cfn_domains`,
`cfn_monitoring` and `cfn_websocket` are typed against it, so they need not import `cfn_build`,
which imports them: the dependency runs one way (builder -> parts -> this contract).
"""

from __future__ import annotations

from typing import Any, Protocol

from apigwc.emitters.cfn_refs import Binder
from apigwc.emitters.cfn_template import Template
from apigwc.ir.api import Api
from apigwc.ir.deployment import Deployment, Stage

Json = Any


class TemplateParts(Protocol):
    api: Api
    deployment: Deployment
    template: Template
    binder: Binder
    stage_refs: dict[str, Json]  # stage name -> its `Ref` (name), filled by the API resources

    @property
    def stages(self) -> list[tuple[str, Stage]]: ...

    def sam_domain(self) -> bool: ...

    def private_policy(self) -> Json | None: ...

    def access_log(self, name: str, stage: Stage, key: str) -> dict[str, Json]: ...

    def logging_dependency(self, stage: Stage, websocket: bool = False) -> str | None: ...

    def add_stage_output(self, stage: str, scheme: str, api_id: str) -> None: ...

    def deployment_id(self, prefix: str, content: Json) -> str: ...

    def add_permission(self, uri: Json, api_id: str, arn_path: str) -> None: ...
