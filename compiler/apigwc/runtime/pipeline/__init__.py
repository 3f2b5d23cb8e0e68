"""The request pipeline: one ASGI call in, one response out, in API Gateway's order.

Flows in: the ASGI scope and body from `server/`, the route table the build wrote (the generated
`app.py`, read as `plan.RouteEntry` records) and the process's `options.GatewayOptions`. Flows out:
the response sent on the wire and one access-log entry.

- `plan`: the build's contract, typed records of a route, which the emitter also imports.
- `options`: how a process serves the API (stage, all stages, access log, response contract).
- `steps`: each route's plan compiled at start-up, `STEP_TYPES` in API Gateway's order (resource
  policy, authorizer and API key, request validation, integration, response contract); the
  step types live in the package of their stage.
- `gateway`: the ASGI entry, size limits, stage selection, route match, running a plan, gateway
  responses (errors), CORS and compression.
- `wire`: the ASGI messages of a request and its response (headers checked for the wire).
- `context`: the request and its `$context` variables; `stage_variables`: `${stageVariables.x}`
  and the canary's overrides.
- `pending`: a response on its way that needs no task (a local Lambda proxy invocation), mapped
  by each layer and handed to the server's protocol when the handler pool settles it.
"""
