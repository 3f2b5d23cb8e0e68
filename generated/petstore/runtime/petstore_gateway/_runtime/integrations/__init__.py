"""Integrations: where a request goes once it passed the method request.

Flows in: the request, its match and the route's integration config. Flows out: a `Response`, or a
`GatewayError` for API Gateway's own failures (502 malformed Lambda result, 504 timeout, ...).
`mock` and `integration_custom` run request and response templates around MOCK, HTTP and Lambda
custom integrations; `http_proxy` forwards HTTP proxy requests; `lambda_proxy` builds proxy events
and reads results; `lambda_functions` runs the handlers in-process or in a worker pool.
"""
