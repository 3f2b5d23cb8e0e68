"""What the gateway tells its operator.

Flows in: the finished request, its `$context` and its response (`finish.compile_sent` picks,
at start-up, what runs once a response is written). Flows out: one access-log line per request
(`access_log`: the stage's `accessLog.format`, or a compact default, written off the event loop to
stderr, stdout or a file) and CloudWatch's metrics (`metrics`: counted per worker process in a
memory-mapped file; `admin`: summed over every worker into a Prometheus page on `--admin-port`),
both written out by the process's one background thread (`background`), never by the event loop.
"""
