"""Stage 3, validation: IR -> diagnostics only (AGW4xx semantic, AGW5xx limits); never rewrites.

Rule modules run in the order listed in `RULE_MODULES`; each holds the codes it reports
(`CODES`, registered in the catalogue) and one `check(api, report)` function. A new area of rules
is a new module added to the list.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from apigwc.diagnostics.sink import Sink
from apigwc.ir.api import Api
from apigwc.validation.base import Report

RULE_MODULES: tuple[str, ...] = (
    "apigwc.validation.security",
    "apigwc.validation.deployment",
    "apigwc.validation.domains",
    "apigwc.validation.limits",
    "apigwc.validation.integrations",
    "apigwc.validation.routes",
    "apigwc.validation.models",
    "apigwc.validation.gateway_responses",
    "apigwc.validation.resource_limits",
)


def rule_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in RULE_MODULES]


def validate(api: Api, sink: Sink) -> None:
    report = Report(sink)
    for module in rule_modules():
        module.check(api, report)
