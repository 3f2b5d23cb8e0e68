"""WebSocket APIs (`x-apigwc.websocket`) served as API Gateway serves them (reference §10).

Flows in: the WebSocket API's settings the build writes (`pipeline/plan.WebSocketSettings`,
inside the generated `API`), the gateway's `Deployment` (functions, the authorizer cache) and
the ASGI `websocket` scopes of upgrade requests on the stage's path, plus the HTTP requests of
the `@connections` management API. Flows out: handshakes answered (101, or the status `$connect`
refuses with), frames to clients, Lambda proxy events to the routes' functions, `@connections`
answers.

Modules, in the order a connection meets them: `protocol` (uvicorn's WebSocket protocol with
API Gateway's frame and message limits), `endpoint` (the lifecycle: `$connect`, messages,
limits, `$disconnect`), `authorizer` (`$connect`'s Lambda REQUEST authorizer), `selection`
(`routeSelectionExpression`), `integration` (Lambda proxy, MOCK, HTTP proxy, HTTP, AWS),
`integration_request` (request templates by `templateSelectionExpression`, `route.request.*`
mappings, the REST-shaped request of non-proxy integrations), `events` (the Lambda proxy
events and ids), `connections` (the open connections of the process), `management`
(`@connections`), `relay` (`@connections` across workers through Redis) and `iam` (SigV4 on
`$connect` and `@connections`).
"""
