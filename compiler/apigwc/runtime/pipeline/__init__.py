"""The request pipeline: one ASGI call in, one response out, in API Gateway's order.

Flows in: the ASGI scope and body from `server/`, and the route table the build wrote (the generated
`app.py`). Flows out: the response sent on the wire and one access-log entry. `gateway` runs the
steps (size limits, stage, route, policy, security gate, validation, integration, gateway response,
compression); `context` is the request and its `$context` variables; `stage_variables` renders
`${stageVariables.name}` and the canary's overrides.
"""
