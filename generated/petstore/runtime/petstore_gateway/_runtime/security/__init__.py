"""Access control before the integration runs.

Flows in: the matched route and the request. Flows out: nothing when the request may go on, else a
`GatewayError` (403 `ACCESS_DENIED`, 401 `UNAUTHORIZED`, ...). `resource_policy` evaluates the
API's resource policy (and the policies Lambda authorizers return) against the method ARN;
`lambda_authorizer` runs REST TOKEN and REQUEST authorizers; `cognito_authorizer` REST
Cognito user pool authorizers and `jwt_authorizer` HTTP API JWT authorizers (tokens verified by
`jwt_verify` with the keys of `jwt_keys`, claims rendered by `jwt_claims`); `api_key` checks the API keys of
REST methods that require one (403 `INVALID_API_KEY`); `security_gate` picks a route's step and
fails closed on routes whose authorizer the runtime cannot run yet (IAM).
"""
