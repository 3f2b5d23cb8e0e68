"""The shop's API tests, written as tests against the deployed API."""

from pathlib import Path

KEY = Path(__file__).resolve().parent.parent / "keys" / "pool.pem"


def test_hello(apigwc_client):
    response = apigwc_client.get("/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.json()["name"] == "Ada"
    assert response.headers["x-amzn-RequestId"]


def test_unknown_route_is_missing_authentication_token(apigwc_client):
    response = apigwc_client.get("/nowhere")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_handler_error_is_a_502_with_a_traceback_into_our_file(apigwc_client, capsys):
    response = apigwc_client.get("/boom")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    traceback = capsys.readouterr().err
    assert str(Path(__file__).parent.parent / "handlers" / "app.py") in traceback


def test_the_validator_refuses_a_bad_order(apigwc_client):
    assert apigwc_client.post("/orders", json={"item": "tea", "count": 2}).status_code == 200
    refused = apigwc_client.post("/orders", json={"count": 0})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Invalid request body"}


def test_iam_route_wants_a_signature(apigwc_client, apigwc_sign):
    assert apigwc_client.get("/admin").status_code == 403
    signed = apigwc_client.get("/admin", auth=apigwc_sign("admin"))
    assert signed.status_code == 200
    assert signed.json()["user"] == "arn:aws:iam::123456789012:user/admin"


def test_cognito_route_wants_a_token(apigwc_client, apigwc_token):
    assert apigwc_client.get("/me").status_code == 401
    token = apigwc_token("shop", key=KEY)
    me = apigwc_client.get("/me", headers={"Authorization": token})
    assert me.status_code == 200, me.text
    assert me.json()["user"] == "local-user"


def test_orders_go_to_the_queue(apigwc_client, apigwc_moto):
    sqs = apigwc_moto.client("sqs")
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert apigwc_client.post("/queue", json={"item": "tea"}).status_code == 200
    messages = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert [m["Body"] for m in messages] == ['{"item": "tea"}']


def test_header_casing_on_a_real_socket(apigwc_live_client):
    response = apigwc_live_client.get("/hello", headers={"X-Shop-Client": "web"})
    assert response.status_code == 200
    assert "X-Shop-Client" in response.json()["headers"]


def test_a_failing_assertion_is_reported(apigwc_client):
    assert apigwc_client.get("/hello").json()["name"] == "Grace"
