"""Stage variables in integration URIs, function names and other configured strings, and the
canary's share of them.

Flows in: a configured string such as `http://${stageVariables.vetBackend}/{proxy}` and the
selected stage's variables. Flows out: the string with each `${stageVariables.NAME}` replaced;
an undefined variable renders as the empty string, as API Gateway does (reference §8.1).

Canary (reference §8.2): a stage with `canary` sends each request to the canary with
probability `percentTraffic` (0-100); a canary request sees the stage variables overlaid with
`stageVariableOverrides` and `$context.isCanaryRequest` true, base traffic sees them as they are
and false ([AWS-REC] test_apigateway_canary.snapshot.json, 100 % traffic).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from random import random
from typing import Any

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def render(text: str, variables: Mapping[str, str]) -> str:
    if "${stageVariables." not in text:
        return text
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


def has_stage_variables(text: str) -> bool:
    return bool(_STAGE_VARIABLE.search(text))


def is_canary(canary: Mapping[str, Any]) -> bool:
    """Draw one request's deployment: the canary with probability `percentTraffic` percent
    (0 never, 100 always)."""
    return random() * 100 < float(canary.get("percentTraffic") or 0)


def with_overrides(
    api: Mapping[str, Any], overrides: Mapping[str, Mapping[str, str]]
) -> Mapping[str, Any]:
    """The API's data with the operator's stage variables over each stage's own: those of ""
    for every stage, then the stage's (`apigwc serve`'s configuration, options.py)."""
    if not overrides:
        return api
    stages = {
        name: {
            **stage,
            "variables": {
                **(stage.get("variables") or {}),
                **overrides.get("", {}),
                **overrides.get(name, {}),
            },
        }
        for name, stage in (api.get("stages") or {}).items()
    }
    return {**api, "stages": stages}


def canary_variables(variables: Mapping[str, str], canary: Mapping[str, Any]) -> dict[str, str]:
    """The stage variables a canary request sees: the stage's, overridden and extended by the
    canary's `stageVariableOverrides`."""
    return {**variables, **(canary.get("stageVariableOverrides") or {})}
