"""Stage variables in integration URIs, function names and other configured strings.

Flows in: a configured string such as `http://${stageVariables.vetBackend}/{proxy}` and the
selected stage's variables. Flows out: the string with each `${stageVariables.NAME}` replaced;
an undefined variable renders as the empty string, as API Gateway does (reference §8.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def render(text: str, variables: Mapping[str, str]) -> str:
    if "${stageVariables." not in text:
        return text
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


def has_stage_variables(text: str) -> bool:
    return bool(_STAGE_VARIABLE.search(text))
