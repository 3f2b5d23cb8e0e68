"""The support library of every generated gateway, copied verbatim into `<pkg>/_runtime/`.

Hand-written and tested here; the generated `app.py` only holds data (route table, integration
configs) and calls `pipeline.gateway.from_environment`, which reads the route table as the typed
records of `pipeline.plan` (the emitter builds the same records) and compiles each route's steps. Modules use relative imports and the
runtime's own dependencies (uvicorn, aiohttp), never `apigwc`, because the generated package must
run in a virtual environment without apigwc.

One sub-package per stage of API Gateway's request pipeline (runtime reference §1.1); a request
flows one way through them:

- `server/`: the HTTP server's edge (the uvicorn protocol that keeps header-name casing).
- `pipeline/`: the ASGI gateway, the route records and options it is built from, each route's plan
  of steps, the request and its `$context`, stage selection and variables.
- `routing/`: resource and method matching, the canonical path.
- `security/`: the resource policy, REST Lambda authorizers and the gate for what is not run yet.
- `validation/`: request validators, the Java regex dialect of models, the response contract.
- `integrations/`: MOCK, HTTP (proxy and custom), Lambda (proxy and custom, in-process functions).
- `transform/`: Velocity templates, JSONPath, parameter mapping, payload encoding and size limits.
- `responses/`: gateway responses (API Gateway's own errors) and HTTP API CORS.
- `observability/`: the access log.
- `state/`: what the gateway keeps between requests (the authorizer result cache), behind async
  interfaces a shared backend can implement.
"""
