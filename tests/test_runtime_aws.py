"""REST `AWS` service integrations through the served gateway, against a real moto server.

A moto server (`moto[server]`, in this process's threads, on 127.0.0.1) stands in for AWS; the
resources are created with boto3, the generated gateway is served by `python -m <pkg>` on
127.0.0.1 with `x-apigwc.awsEndpoint` naming moto (`tests/runtime_specs/aws_services.yaml`), a
request goes through the gateway, and the effect is read back with boto3: the message in the
queue, the record in the stream, the item in the table, the object in the bucket, the execution
started. Where moto answers differently from AWS the test says so and asserts what the gateway
controls (the request it made). Error paths: a service error selected by status, no integration
response matching (500), an unreachable endpoint, a timeout, no endpoint at all (500).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import build_spec, run_package, write_spec

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

ACCOUNT = "123456789012"
REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
IMAGE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00binary"


def _environment() -> dict[str, str]:
    """The gateway's environment: no endpoint or keys of the machine's leak into it."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "APIGWC_AWS")) and k != "AWS_PROFILE"
    }


@pytest.fixture(scope="session")
def moto() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    # Lambda without docker: moto's simple backend answers every invocation with a set result.
    _moto_api(endpoint, "/moto-api/config", {"lambda": {"use_docker": False}})
    yield endpoint
    server.stop()


def _moto_api(endpoint: str, path: str, document: dict[str, Any]) -> None:
    request = urllib.request.Request(
        endpoint + path, data=json.dumps(document).encode(), method="POST"
    )
    urllib.request.urlopen(request, timeout=10).read()


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **KEYS)


@pytest.fixture(scope="module")
def resources(moto: str) -> dict[str, str]:
    """Every resource the spec's routes name, created in moto."""
    queue = client(moto, "sqs").create_queue(QueueName="gateway-queue")["QueueUrl"]
    client(moto, "kinesis").create_stream(StreamName="gateway-stream", ShardCount=1)
    client(moto, "dynamodb").create_table(
        TableName="gateway-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = client(moto, "sns").create_topic(Name="gateway-topic")["TopicArn"]
    topic_queue = client(moto, "sqs").create_queue(QueueName="topic-queue")["QueueUrl"]
    client(moto, "sns").subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:topic-queue",
        Attributes={"RawMessageDelivery": "true"},
    )
    _event_bus(moto)
    client(moto, "s3").create_bucket(Bucket="gateway-bucket")
    client(moto, "ssm").put_parameter(Name="gateway-param", Value="42", Type="String")
    machine = client(moto, "stepfunctions").create_state_machine(
        name="gateway-machine",
        definition=json.dumps(
            {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        ),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    _delivery_stream(moto)
    _function(moto)
    return {"queue": queue, "topic_queue": topic_queue, "machine": machine}


def _event_bus(moto: str) -> None:
    """A bus whose rule sends every event to a queue, so the test can read the event back."""
    events = client(moto, "events")
    events.create_event_bus(Name="gateway-bus")
    client(moto, "sqs").create_queue(QueueName="events-queue")
    events.put_rule(
        Name="all", EventBusName="gateway-bus", EventPattern='{"source": ["apigwc.test"]}'
    )
    events.put_targets(
        Rule="all",
        EventBusName="gateway-bus",
        Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:events-queue"}],
    )


def _delivery_stream(moto: str) -> None:
    client(moto, "s3").create_bucket(Bucket="delivery-bucket")
    client(moto, "firehose").create_delivery_stream(
        DeliveryStreamName="gateway-delivery",
        S3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
            "BucketARN": "arn:aws:s3:::delivery-bucket",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )


def _function(moto: str) -> None:
    client(moto, "iam").create_role(
        RoleName="lambda", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )
    client(moto, "lambda").create_function(
        FunctionName="remote-echo",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/lambda",
        Handler="index.handler",
        Code={"ZipFile": _zip()},
    )


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gateway(
    moto: str, resources: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("aws")
    spec = write_spec(tmp, "aws_services.yaml", {"ENDPOINT": moto})
    package = build_spec(spec, tmp / "out")
    with run_package(tmp / "out" / "runtime", package, env=_environment()) as port:
        yield port


def send(port: int, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    from tests.runtime_server import fetch

    given = {
        "Content-Type": "application/json",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    return fetch(port, method, path, given, body)


def _messages(moto: str, queue: str) -> list[dict[str, Any]]:
    sqs = client(moto, "sqs")
    found = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    for message in found:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return found


# -- SQS ------------------------------------------------------------------------------------------


def test_sqs_query_protocol_path_style(gateway: int, moto: str, resources: dict[str, str]) -> None:
    reply = send(gateway, "POST", "/sqs/query?source=web", b'{"order": 1}')
    assert reply.status == 200
    # No response template: SQS's XML answer is the body (reference §9.2).
    assert b"<SendMessageResponse" in reply.body and b"<MessageId>" in reply.body
    assert reply.header("X-Amzn-Trace-Id")
    (message,) = _messages(moto, resources["queue"])
    assert message["Body"] == '{"order": 1}'
    assert message["MessageAttributes"]["source"]["StringValue"] == "web"


def test_sqs_json_protocol(gateway: int, moto: str, resources: dict[str, str]) -> None:
    reply = send(gateway, "POST", "/sqs/json", b'{"order": 2}')
    assert reply.status == 200
    (message,) = _messages(moto, resources["queue"])
    assert reply.json() == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"order": 2}'


def test_sqs_action_style_with_query_strings(
    gateway: int, moto: str, resources: dict[str, str]
) -> None:
    # Action URI, parameters as integration query strings (reference §9.1): a GET the service
    # takes as `Action=SendMessage&QueueUrl=…&MessageBody=…`.
    reply = send(gateway, "GET", "/sqs/action?text=hello%20queue")
    assert reply.status == 200, reply.body
    assert b"<SendMessageResponse" in reply.body
    (message,) = _messages(moto, resources["queue"])
    assert message["Body"] == "hello queue"


# -- Kinesis --------------------------------------------------------------------------------------


def test_kinesis_put_record(gateway: int, moto: str) -> None:
    reply = send(gateway, "POST", "/kinesis", b'{"reading": 7}')
    assert reply.status == 200
    answer = reply.json()
    assert answer["ShardId"] == "shardId-000000000000" and answer["SequenceNumber"]
    kinesis = client(moto, "kinesis")
    iterator = kinesis.get_shard_iterator(
        StreamName="gateway-stream",
        ShardId=answer["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=answer["SequenceNumber"],
    )["ShardIterator"]
    record, *_ = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["Data"] == b'{"reading": 7}'


def test_kinesis_put_records(gateway: int, moto: str) -> None:
    batch = {"records": [{"data": "first", "key": "a"}, {"data": "second", "key": "b"}]}
    reply = send(gateway, "POST", "/kinesis/batch", json.dumps(batch).encode())
    assert reply.status == 200, reply.body
    answer = reply.json()
    # Reference §9.2: {"FailedRecordCount": 0, "Records": [{"SequenceNumber", "ShardId"}…]}
    assert answer["FailedRecordCount"] == 0 and len(answer["Records"]) == 2
    kinesis = client(moto, "kinesis")
    first = answer["Records"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName="gateway-stream",
        ShardId=first["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=first["SequenceNumber"],
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [r["Data"] for r in records[:2]] == [b"first", b"second"]
    assert [r["PartitionKey"] for r in records[:2]] == ["a", "b"]


# -- Step Functions -------------------------------------------------------------------------------


def test_states_start_describe_stop(gateway: int, moto: str, resources: dict[str, str]) -> None:
    started = send(gateway, "POST", "/states/start", b'{"order": "o-1"}')
    assert started.status == 200
    execution = started.json()["executionArn"]
    assert execution.startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:gateway-machine:")
    described = client(moto, "stepfunctions").describe_execution(executionArn=execution)
    assert json.loads(described["input"]) == {"order": "o-1"}
    through = send(
        gateway, "POST", "/states/describe", json.dumps({"executionArn": execution}).encode()
    )
    assert through.status == 200 and json.loads(through.json()["input"]) == {"order": "o-1"}
    stopped = send(
        gateway, "POST", "/states/stop", json.dumps({"executionArn": execution}).encode()
    )
    assert stopped.status == 200 and "stopDate" in stopped.json()


def test_states_start_sync_execution_reaches_the_service(gateway: int) -> None:
    # moto has no StartSyncExecution (AWS runs Express workflows there and answers their
    # output): its error comes back through the integration responses by status (`4\d{2}`).
    reply = send(gateway, "POST", "/states/sync", b"{}")
    assert reply.status in (200, 400)


# -- DynamoDB -------------------------------------------------------------------------------------


def test_dynamodb_put_then_query(gateway: int, moto: str) -> None:
    put = send(gateway, "PUT", "/items/i-1", b'{"name": "a \\"quoted\\" name"}')
    assert (put.status, put.json()) == (200, {})
    item = client(moto, "dynamodb").get_item(TableName="gateway-table", Key={"id": {"S": "i-1"}})
    assert item["Item"]["name"] == {"S": 'a "quoted" name'}
    queried = send(gateway, "GET", "/items/i-1")
    assert queried.status == 200
    assert queried.json()["Count"] == 1 and queried.json()["Items"][0]["id"] == {"S": "i-1"}


def test_service_error_selected_by_status(gateway: int) -> None:
    reply = send(gateway, "GET", "/missing-table")
    assert reply.status == 404
    assert reply.json() == {"error": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"}


def test_service_error_with_no_matching_response_is_500(gateway: int) -> None:
    reply = send(gateway, "GET", "/missing-table/nodefault")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}


# -- SNS, EventBridge, SSM, Firehose -------------------------------------------------------------


def test_sns_publish_action_query_protocol(
    gateway: int, moto: str, resources: dict[str, str]
) -> None:
    reply = send(gateway, "POST", "/sns", b"hello topic", Content_Type="text/plain")
    assert reply.status == 200
    assert b"<PublishResponse" in reply.body
    (message,) = _messages(moto, resources["topic_queue"])
    assert message["Body"] == "hello topic"


def test_eventbridge_put_events_with_request_override(gateway: int, moto: str) -> None:
    reply = send(gateway, "POST", "/events", b'{"kind": "it\'s here"}')
    assert reply.status == 200
    answer = reply.json()
    assert answer["FailedEntryCount"] == 0 and answer["Entries"][0]["EventId"]
    queue = client(moto, "sqs").get_queue_url(QueueName="events-queue")["QueueUrl"]
    (message,) = _messages(moto, queue)
    event = json.loads(message["Body"])
    assert event["source"] == "apigwc.test" and event["detail"] == {"kind": "it's here"}


def test_ssm_get_parameter_query_style(gateway: int) -> None:
    reply = send(gateway, "GET", "/ssm/gateway-param")
    assert reply.status == 200
    answer = reply.json()["GetParameterResponse"]
    assert answer["GetParameterResult"]["Parameter"]["Value"] == "42"
    assert "RequestId" in answer["ResponseMetadata"]


def test_firehose_put_record(gateway: int) -> None:
    reply = send(gateway, "POST", "/firehose", b'{"click": 1}')
    assert reply.status == 200
    assert reply.json()["RecordId"]


# -- S3 -------------------------------------------------------------------------------------------


def test_s3_put_and_get_binary_object(gateway: int, moto: str) -> None:
    put = send(gateway, "PUT", "/s3/gateway-bucket/photo.png", IMAGE, Content_Type="image/png")
    assert put.status == 200
    stored = client(moto, "s3").get_object(Bucket="gateway-bucket", Key="photo.png")
    assert stored["Body"].read() == IMAGE
    got = send(gateway, "GET", "/s3/gateway-bucket/photo.png", Accept="image/png")
    assert (got.status, got.body) == (200, IMAGE)
    assert got.header("Content-Type") == "image/png"


def test_s3_missing_key_selected_by_status(gateway: int) -> None:
    reply = send(gateway, "GET", "/s3/gateway-bucket/none.png", Accept="application/json")
    assert reply.status == 404
    assert b"<Code>NoSuchKey</Code>" in reply.body  # S3's XML error, passed through
    # Asked as a binary type, the XML text would be base64-decoded for the client (reference
    # §6.1, text to a binary Accept): it is not base64, so API Gateway answers 500.
    binary = send(gateway, "GET", "/s3/gateway-bucket/none.png", Accept="image/png")
    assert binary.status == 500


# -- Lambda ---------------------------------------------------------------------------------------


def test_lambda_invoke_api_as_a_non_proxy_call(gateway: int, moto: str) -> None:
    # moto's docker-free Lambda answers each invocation with a result queued beforehand; what the
    # gateway controls is the Invoke call (signed for `lambda`, the payload as rendered).
    _moto_api(
        moto,
        "/moto-api/static/lambda-simple/response",
        {"results": ['{"echoed": true}'], "region": REGION},
    )
    reply = send(gateway, "POST", "/lambda", b'{"ping": 1}')
    assert reply.status == 200
    assert reply.json() == {"echoed": True}


# -- where calls go -------------------------------------------------------------------------------


def _serve_with(
    tmp: Path, endpoint: str, env: dict[str, str], spec: str = "aws_services.yaml"
) -> Any:
    path = write_spec(tmp, spec, {"ENDPOINT": endpoint})
    package = build_spec(path, tmp / "out")
    return run_package(tmp / "out" / "runtime", package, env={**_environment(), **env})


def test_environment_endpoint_wins_over_the_spec(
    moto: str, resources: dict[str, str], tmp_path: Path
) -> None:
    closed = _closed_port()
    with _serve_with(
        tmp_path,
        f"http://127.0.0.1:{closed}",
        {
            "AWS_ENDPOINT_URL_DYNAMODB": moto,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        },
    ) as port:
        assert send(port, "GET", "/items/i-none").status == 200  # DynamoDB: at moto
        unreachable = send(port, "POST", "/kinesis", b"{}")  # Kinesis: at the spec's closed port
    assert unreachable.status == 504
    assert unreachable.json() == {"message": "Network error communicating with endpoint"}


def test_no_endpoint_answers_500(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "aws_services.yaml", {"ENDPOINT": "http://unused"})
    text = spec.read_text().split("x-apigwc:")[0]
    spec.write_text(text)
    package = build_spec(spec, tmp_path / "out")
    with run_package(tmp_path / "out" / "runtime", package, env=_environment()) as port:
        reply = send(port, "POST", "/kinesis", b"{}")
    assert reply.status == 500
    assert reply.json() == {"message": "Internal server error"}


def test_timeout_answers_504(tmp_path: Path) -> None:
    with _silent_server() as silent:
        spec = write_spec(tmp_path, "aws_services.yaml", {"ENDPOINT": silent})
        text = spec.read_text().replace(
            "uri: arn:aws:apigateway:us-east-1:kinesis:action/PutRecord\n",
            "uri: arn:aws:apigateway:us-east-1:kinesis:action/PutRecord\n        timeoutInMillis: 300\n",
        )
        spec.write_text(text)
        package = build_spec(spec, tmp_path / "out")
        with run_package(tmp_path / "out" / "runtime", package, env=_environment()) as port:
            reply = send(port, "POST", "/kinesis", b"{}")
    assert reply.status == 504
    assert reply.json() == {"message": "Endpoint request timed out"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _silent_server:
    """Accepts connections and never answers."""

    def __enter__(self) -> str:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


def test_signature_names_the_service_and_region() -> None:
    from apigwc.runtime.integrations.aws_endpoints import Destination, Keys, sign

    destination = Destination(
        "http://127.0.0.1:1", "127.0.0.1:1", "eu-west-1", Keys("AKID", "secret")
    )
    headers = sign(
        destination,
        "states",
        False,
        "POST",
        "http://127.0.0.1:1/",
        [("Host", "127.0.0.1:1")],
        b"{}",
    )
    authorization = dict(headers)["Authorization"]
    assert "Credential=AKID/" in authorization and "/eu-west-1/states/aws4_request" in authorization
    assert base64  # (imported for the binary cases above)


# -- HTTP API first-class integrations (integrationSubtype) ---------------------------------------


@pytest.fixture(scope="module")
def http_gateway(moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    client(moto, "sqs").create_queue(QueueName="subtype-queue")
    client(moto, "kinesis").create_stream(StreamName="subtype-stream", ShardCount=1)
    client(moto, "stepfunctions").create_state_machine(
        name="subtype-machine",
        definition=json.dumps(
            {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        ),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )
    events = client(moto, "events")
    events.create_event_bus(Name="subtype-bus")
    queue = client(moto, "sqs").create_queue(QueueName="subtype-events")["QueueUrl"]
    events.put_rule(
        Name="all", EventBusName="subtype-bus", EventPattern='{"source": ["apigwc.subtype"]}'
    )
    events.put_targets(
        Rule="all",
        EventBusName="subtype-bus",
        Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:subtype-events"}],
    )
    assert queue
    tmp = tmp_path_factory.mktemp("subtypes")
    spec = write_spec(tmp, "aws_subtypes.yaml", {"ENDPOINT": moto})
    package = build_spec(spec, tmp / "out")
    with run_package(tmp / "out" / "runtime", package, env=_environment()) as port:
        yield port


def test_subtype_sqs_send_receive_delete_purge(http_gateway: int, moto: str) -> None:
    sent = send(http_gateway, "POST", "/sqs/send", b'{"message": "first"}', x_from="web")
    assert sent.status == 200 and sent.json()["MessageId"]
    received = send(http_gateway, "GET", "/sqs/receive?max=5")
    assert received.status == 200
    (message,) = received.json()["Messages"]
    assert message["Body"] == "first"
    assert message["MessageAttributes"]["from"]["StringValue"] == "web"
    handle = json.dumps({"handle": message["ReceiptHandle"]}).encode()
    assert send(http_gateway, "POST", "/sqs/delete", handle).status == 200
    send(http_gateway, "POST", "/sqs/send", b'{"message": "second"}', x_from="web")
    assert send(http_gateway, "POST", "/sqs/purge").status == 200
    queue = client(moto, "sqs").get_queue_url(QueueName="subtype-queue")["QueueUrl"]
    assert _messages(moto, queue) == []


def test_subtype_missing_required_parameter_is_400_without_a_call(
    http_gateway: int, moto: str
) -> None:
    # A user's report of this case on AWS: "always received BadRequest"
    # (aws-samples/sessions-with-aws-sam#38); the queue receives nothing.
    reply = send(http_gateway, "POST", "/sqs/send", b'{"other": 1}')
    assert reply.status == 400
    assert reply.json() == {"message": "Bad Request"}
    queue = client(moto, "sqs").get_queue_url(QueueName="subtype-queue")["QueueUrl"]
    assert _messages(moto, queue) == []


def test_subtype_parameter_known_only_when_deployed_is_500(http_gateway: int) -> None:
    # `QueueUrl: {Ref: SubtypeQueue}`: the local build cannot resolve it; a misconfigured
    # integration (500), not the client's missing value (400).
    reply = send(http_gateway, "POST", "/sqs/ref", b'{"message": "m"}')
    assert (reply.status, reply.json()) == (500, {"message": "Internal Server Error"})


def test_subtype_kinesis_put_record(http_gateway: int, moto: str) -> None:
    reply = send(http_gateway, "POST", "/kinesis", b'{"reading": 9}')
    assert reply.status == 200
    answer = reply.json()
    kinesis = client(moto, "kinesis")
    iterator = kinesis.get_shard_iterator(
        StreamName="subtype-stream",
        ShardId=answer["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=answer["SequenceNumber"],
    )["ShardIterator"]
    record, *_ = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["Data"] == b'{"reading": 9}'


def test_subtype_step_functions_start_and_stop(http_gateway: int, moto: str) -> None:
    started = send(http_gateway, "POST", "/states/start", b'{"order": 3}')
    assert started.status == 200
    execution = started.json()["executionArn"]
    described = client(moto, "stepfunctions").describe_execution(executionArn=execution)
    assert json.loads(described["input"]) == {"order": 3}
    stopped = send(
        http_gateway, "POST", "/states/stop", json.dumps({"executionArn": execution}).encode()
    )
    assert stopped.status == 200


def test_subtype_eventbridge_put_events(http_gateway: int, moto: str) -> None:
    reply = send(http_gateway, "POST", "/events", b'{"kind": "signup"}')
    assert reply.status == 200 and reply.json()["FailedEntryCount"] == 0
    queue = client(moto, "sqs").get_queue_url(QueueName="subtype-events")["QueueUrl"]
    (message,) = _messages(moto, queue)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "subtype" and event["detail"] == {"kind": "signup"}


def test_subtype_timeout_is_503_and_unreachable_is_500(tmp_path: Path) -> None:
    # HTTP APIs: a timed-out integration answers 503 Service Unavailable, a failed one 500
    # Internal Server Error (reference §1.10), for first-class integrations too.
    with _silent_server() as silent:
        spec = write_spec(tmp_path, "aws_subtypes.yaml", {"ENDPOINT": silent})
        text = spec.read_text().replace(
            "integrationSubtype: Kinesis-PutRecord",
            "integrationSubtype: Kinesis-PutRecord\n        timeoutInMillis: 300",
        )
        spec.write_text(text)
        package = build_spec(spec, tmp_path / "out")
        with run_package(tmp_path / "out" / "runtime", package, env=_environment()) as port:
            timed_out = send(port, "POST", "/kinesis", b"{}")
    assert (timed_out.status, timed_out.json()) == (503, {"message": "Service Unavailable"})
    closed = tmp_path / "closed"
    closed.mkdir()
    with _serve_with(closed, f"http://127.0.0.1:{_closed_port()}", {}, "aws_subtypes.yaml") as port:
        unreachable = send(port, "POST", "/kinesis", b"{}")
    assert (unreachable.status, unreachable.json()) == (500, {"message": "Internal Server Error"})
