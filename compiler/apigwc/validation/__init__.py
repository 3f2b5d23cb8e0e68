"""Stage 3, validation: IR -> diagnostics only (AGW4xx semantic, AGW5xx limits); never rewrites.

Rule modules run in the order listed in `RULE_MODULES`; each holds the codes it reports
(`CODES`) and one `check(api, report)` function. Importing this package registers every rule
module's codes in the catalogue (`diagnostics.catalogue.register`), once, before any rule can
report one. A new area of rules is a new module added to the list.
"""

from __future__ import annotations

from types import ModuleType

from apigwc.diagnostics.catalogue import register
from apigwc.diagnostics.sink import Sink
from apigwc.ir.api import Api
from apigwc.validation import (
    deployment,
    domains,
    gateway_responses,
    integrations,
    limits,
    models,
    monitoring,
    resource_limits,
    routes,
    security,
    websocket,
)
from apigwc.validation.base import Report

# The one ordered list of rule modules: the order `validate` runs them in.
RULE_MODULES: tuple[ModuleType, ...] = (
    security,
    deployment,
    domains,
    monitoring,
    limits,
    integrations,
    routes,
    models,
    gateway_responses,
    resource_limits,
    websocket,
)
for _module in RULE_MODULES:
    register(*_module.CODES)


def validate(api: Api, sink: Sink) -> None:
    report = Report(sink)
    for module in RULE_MODULES:
        module.check(api, report)
