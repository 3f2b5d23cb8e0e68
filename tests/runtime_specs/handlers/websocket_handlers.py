"""Lambda handlers of tests/runtime_specs/websocket*.yaml: they record the events they get.

`$connect` keeps its event (a later `whoami` message returns it); `$disconnect` appends its
event to `$WS_RECORD_DIR/disconnects.jsonl`, where the test reads it after the close.
"""

import json
import os
import time
import urllib.request

CONNECT_EVENTS: dict = {}


def connect(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("fail") == "1":
        raise RuntimeError("connect failed")
    CONNECT_EVENTS[event["requestContext"]["connectionId"]] = event
    answer = {"statusCode": int(query.get("status", "200"))}
    offered = [
        value
        for name, value in event["headers"].items()
        if name.lower() == "sec-websocket-protocol"
    ]
    if offered:
        answer["headers"] = {"Sec-WebSocket-Protocol": offered[0].split(",")[0].strip()}
    return answer


def disconnect(event, context):
    folder = os.environ["WS_RECORD_DIR"]
    with open(os.path.join(folder, "disconnects.jsonl"), "a", encoding="utf-8") as sink:
        sink.write(json.dumps(event) + "\n")
    return {"statusCode": 200}


def echo(event, context):
    """The event itself as the route response's body."""
    return {"statusCode": 200, "body": json.dumps(event)}


def whoami(event, context):
    connection = event["requestContext"]["connectionId"]
    return {"statusCode": 200, "body": json.dumps(CONNECT_EVENTS.get(connection))}


def boom(event, context):
    raise ValueError("the handler failed")


def slow(event, context):
    time.sleep(float(json.loads(event["body"]).get("seconds", 0)))
    return {"statusCode": 200, "body": "slept"}


def callback(event, context):
    """Posts to its own connection through @connections, as a chat handler broadcasts."""
    context_ = event["requestContext"]
    url = (
        f"http://{context_['domainName']}/{context_['stage']}/@connections/"
        f"{urllib.request.quote(context_['connectionId'], safe='')}"
    )
    request = urllib.request.Request(url, data=b"called back", method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return {"statusCode": 200, "body": f"post answered {answer.status}"}


def authorize(event, context):
    token = (event.get("queryStringParameters") or {}).get("token", "")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"principalId": 7}
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {"tier": 3, "user": token},
    }


def double(event, context):
    """A Lambda custom (non-proxy) integration: the event is what the request template made."""
    if event["n"] < 0:
        raise ValueError("negative numbers are refused")
    return {"result": event["n"] * 2}


def identity(event, context):
    """The message's `requestContext.identity` (the IAM caller of the upgrade) and connection id
    as the answer."""
    context_ = event["requestContext"]
    body = {"identity": context_["identity"], "connectionId": context_["connectionId"]}
    return {"statusCode": 200, "body": json.dumps(body)}
