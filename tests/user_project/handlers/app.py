"""The shop's one Lambda function: answers with what the request carried."""

import json


def handler(event, context):
    if event["resource"] == "/boom":
        raise RuntimeError("boom")
    claims = (event["requestContext"].get("authorizer") or {}).get("claims") or {}
    body = {
        "path": event["path"],
        "name": (event.get("queryStringParameters") or {}).get("name", "world"),
        "user": event["requestContext"]["identity"].get("userArn")
        or claims.get("cognito:username"),
        "headers": sorted(event["headers"] or {}),
    }
    return {"statusCode": 200, "body": json.dumps(body)}
