"""Create in a moto server every AWS resource the examples of specs/aws/ name.

    python specs/aws/setup_moto.py http://127.0.0.1:5000

Needs boto3 (`pip install 'moto[server]'` brings it). Run it once per fresh moto server (a
second run finds the resources and leaves them). What it creates, in us-east-1, account
123456789012 (moto's default):

- SQS queue `orders`; SNS topic `order-events` delivering to queue `order-events-copy`;
  EventBridge bus `orders-bus` whose rule copies every `shop.api` event to queue `orders-events`;
  SSM parameter `currency`;
- Kinesis stream `clicks`; Firehose delivery stream `click-archive` into bucket `click-archive`;
  DynamoDB table `orders` (key `id`); S3 bucket `shop-files`;
- Step Functions state machine `fulfilment` (one Pass state); Lambda function `price-quote`
  (moto runs functions without Docker when told so: its "simple" backend answers each
  invocation with a fixed result).
"""

from __future__ import annotations

import io
import json
import sys
import urllib.request
import zipfile
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def client(endpoint: str, service: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **KEYS)


def messaging(endpoint: str) -> None:
    sqs = client(endpoint, "sqs")
    for name in ("orders", "order-events-copy", "orders-events"):
        sqs.create_queue(QueueName=name)
    sns = client(endpoint, "sns")
    topic = sns.create_topic(Name="order-events")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:order-events-copy",
        Attributes={"RawMessageDelivery": "true"},
    )
    events = client(endpoint, "events")
    if "orders-bus" not in [b["Name"] for b in events.list_event_buses()["EventBuses"]]:
        events.create_event_bus(Name="orders-bus")
    events.put_rule(Name="copy", EventBusName="orders-bus", EventPattern='{"source": ["shop.api"]}')
    events.put_targets(
        Rule="copy",
        EventBusName="orders-bus",
        Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-events"}],
    )
    client(endpoint, "ssm").put_parameter(Name="currency", Value="EUR", Type="String", Overwrite=True)


def data(endpoint: str) -> None:
    kinesis = client(endpoint, "kinesis")
    if "clicks" not in kinesis.list_streams()["StreamNames"]:
        kinesis.create_stream(StreamName="clicks", ShardCount=1)
    s3 = client(endpoint, "s3")
    for bucket in ("shop-files", "click-archive"):
        s3.create_bucket(Bucket=bucket)
    firehose = client(endpoint, "firehose")
    if "click-archive" not in firehose.list_delivery_streams()["DeliveryStreamNames"]:
        firehose.create_delivery_stream(
            DeliveryStreamName="click-archive",
            S3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
                "BucketARN": "arn:aws:s3:::click-archive",
            },
        )
    dynamodb = client(endpoint, "dynamodb")
    if "orders" not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def workflows(endpoint: str) -> None:
    states = client(endpoint, "stepfunctions")
    if not [m for m in states.list_state_machines()["stateMachines"] if m["name"] == "fulfilment"]:
        states.create_state_machine(
            name="fulfilment",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/states",
        )
    # moto invokes functions in Docker unless told otherwise
    request = urllib.request.Request(
        endpoint + "/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()
    lambdas = client(endpoint, "lambda")
    if "price-quote" in [f["FunctionName"] for f in lambdas.list_functions()["Functions"]]:
        return
    iam = client(endpoint, "iam")
    role = iam.create_role(RoleName="price-quote", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lambdas.create_function(
        FunctionName="price-quote",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip("def handler(event, context):\n    return {'price': 12.5}\n")},
    )


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].startswith(("http://", "https://")):
        print(f"usage: {argv[0]} http://127.0.0.1:5000", file=sys.stderr)
        return 2
    endpoint = argv[1].rstrip("/")
    for create in (messaging, data, workflows):
        create(endpoint)
    print(f"created the resources of specs/aws/ at {endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
