"""The contract check step of `--validate-responses`: after the integration, the response
checked against the spec's method responses (`contract.ContractCheck`).

Flows in: the route and, per request, the response. Flows out: the response, with the
violation header added when it breaks the contract. Only when the option is on does a route
carry the step.
"""

from __future__ import annotations

from typing import Any

from ..pipeline.context import Request
from ..pipeline.deployment import Deployment
from ..pipeline.plan import RouteEntry
from ..responses.gateway_responses import Response
from ..routing.router import Match
from .contract import ContractCheck


class ContractStep:
    __slots__ = ("contract", "route")

    def __init__(self, contract: ContractCheck, route: RouteEntry) -> None:
        self.contract = contract
        self.route = route.to_data()  # as the contract reads it

    def respond(self, request: Request, match: Match[Any], response: Response) -> Response:
        return self.contract.apply(request, self.route, match.path_parameters, response)


def compile(route: RouteEntry, deployment: Deployment) -> ContractStep | None:
    contract = deployment.contract
    return None if contract is None else ContractStep(contract, route)
