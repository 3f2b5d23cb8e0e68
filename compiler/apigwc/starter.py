"""`apigwc init [DIR]`: a starter project that `apigwc serve` runs at once.

Where it sits: a command beside `serve`, for the first minutes with apigwc. Flows in: a folder.
Flows out: a spec with a Lambda proxy handler, a request validator and a stage, the handler, a
test file using the pytest plugin (`apigwc.testing`) and the pytest.ini naming the spec; or,
when any of these files exists already, nothing written and the files named (never overwritten).
"""

from __future__ import annotations

from pathlib import Path

SPEC = """\
# Written by `apigwc init`. Serve it: `apigwc serve api.yaml`, then
#   curl -i 'http://127.0.0.1:8080/hello?name=Ada'
#   curl -i -X POST http://127.0.0.1:8080/items -H 'Content-Type: application/json' -d '{"name": "tea"}'
#   curl -i -X POST http://127.0.0.1:8080/items -H 'Content-Type: application/json' -d '{}'   # 400
# Test it: `pytest` (tests/test_api.py uses apigwc's pytest plugin).
openapi: 3.0.1
info: {title: Starter, version: "1.0"}
x-function: &function
  type: aws_proxy
  httpMethod: POST
  uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Starter/invocations
paths:
  /hello:
    get:
      parameters: [{name: name, in: query, required: false, schema: {type: string}}]
      responses: {"200": {description: a greeting}}
      x-amazon-apigateway-integration: *function
  /items:
    post:
      # The body is checked against the Item model before the function runs (400 otherwise).
      x-amazon-apigateway-request-validator: body
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Item"}}}
      responses: {"201": {description: created}}
      x-amazon-apigateway-integration: *function
x-amazon-apigateway-request-validators:
  body: {validateRequestBody: true, validateRequestParameters: true}
components:
  schemas:
    Item:
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 1}
        quantity: {type: integer, minimum: 1}
x-apigwc:
  functions:
    Starter: {handler: app:handler, codeUri: handlers, timeout: 10}
  stages:
    dev:
      variables: {greeting: Hello}
"""

HANDLER = '''\
"""The starter API's Lambda function (Lambda proxy events, API Gateway REST format 1.0)."""

import json


def handler(event, context):
    if event["httpMethod"] == "POST":
        item = json.loads(event["body"])
        return {"statusCode": 201, "body": json.dumps({"created": item})}
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    greeting = event["stageVariables"]["greeting"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"{greeting}, {name}!"}),
    }
'''

TESTS = '''\
"""The starter API's tests, run against the gateway apigwc builds from api.yaml."""


def test_hello(apigwc_client):
    response = apigwc_client.get("/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!"}


def test_items_are_validated(apigwc_client):
    assert apigwc_client.post("/items", json={"name": "tea"}).status_code == 201
    refused = apigwc_client.post("/items", json={})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Invalid request body"}
'''

PYTEST_INI = """\
[pytest]
apigwc_spec = api.yaml
"""

FILES = {
    "api.yaml": SPEC,
    "handlers/app.py": HANDLER,
    "tests/test_api.py": TESTS,
    "pytest.ini": PYTEST_INI,
}


class StarterExists(Exception):
    """Files of the starter are there already: the message names them."""


def write_starter(folder: Path) -> list[Path]:
    """Write the starter project into `folder` (made if needed); the files written."""
    existing = [folder / name for name in FILES if (folder / name).exists()]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise StarterExists(f"{names} already exist; apigwc init never overwrites a file")
    written = []
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
        written.append(path)
    return written
