"""What the gateway tells its operator.

Flows in: the finished request and its `$context`. Flows out: one access-log line per request, in
the stage's `accessLogSettings.format` or a compact default, written off the event loop.
"""
