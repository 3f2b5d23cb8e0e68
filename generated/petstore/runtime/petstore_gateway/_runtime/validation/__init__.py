"""Checks against the spec: request validators and the response contract.

Flows in: the request's parameters and body, and the compiled model validators the build wrote
(`models.py`). Flows out: nothing, or a `GatewayError` whose message is API Gateway's
(`BAD_REQUEST_PARAMETERS`, `BAD_REQUEST_BODY`). `java_regex` translates JSON Schema patterns the
way API Gateway's Java validator reads them (the build uses it too); `contract` checks integration
responses with `--validate-responses`.
"""
