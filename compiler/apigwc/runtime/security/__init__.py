"""Access control before the integration runs.

Flows in: the matched route and the request. Flows out: nothing when the request may go on, else a
`GatewayError` (403 `ACCESS_DENIED`, 401 `UNAUTHORIZED`, ...). `resource_policy` evaluates the
API's resource policy (and the policies Lambda authorizers return) against the method ARN;
`lambda_authorizer` runs REST TOKEN and REQUEST authorizers; `api_key` checks the API keys of
REST methods that require one (403 `INVALID_API_KEY`); `security_gate` picks a route's step and
fails closed on routes whose authorizer the runtime cannot run yet.
"""
