"""What API Gateway answers by itself.

Flows in: a `GatewayError` (its response type and status) or a preflight request. Flows out: the
gateway response rendered from the spec's `x-amazon-apigateway-gateway-responses` or API Gateway's
defaults, and the HTTP API's built-in CORS answers.
"""
