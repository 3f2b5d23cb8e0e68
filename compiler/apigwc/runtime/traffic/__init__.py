"""Traffic control of usage plans, stages and the account (reference §7): throttling and quotas.

- `limits`: which buckets and quota a route's request meets, in API Gateway's order, resolved at
  start-up;
- `throttling`: the step (after the API key check) that answers 429 THROTTLED or QUOTA_EXCEEDED;
- `periods`: quota periods on UTC boundaries;
- `usage`: each key's usage, like GetUsage (`apigwc usage`).
"""
