"""The flagship spec through the pytest plugin (`apigwc.testing`): the header's requests of
`specs/petstore.yaml` answer as written in-process (the ASGI entry, no socket), the in-process
gateway answers as the served one does, and the plugin's SigV4 and token helpers pass the IAM
and Cognito routes as `apigwc sign` and `apigwc token` do."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.test_readme import ROOT, curl_request, header_requests

KEY = ROOT / "specs" / "features" / "keys" / "local-test-signing-key.pem"
# What differs between two answers of the same request: ids, times and trace ids.
_VARYING = re.compile(
    rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|Root=[^\";]+|\d{10,13}"
)


@pytest.fixture(scope="module")
def apigwc_spec() -> Path:
    return ROOT / "specs" / "petstore.yaml"


def _vet_backend_listens() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", 9001)) == 0


def test_header_requests_answer_as_written_in_process(apigwc_client: Any) -> None:
    requests = header_requests()
    assert len(requests) >= 8
    for words, expected, comment in requests:
        if "until a vet backend listens" in comment and _vet_backend_listens():
            continue
        method, path, headers, body = curl_request(words)
        answer = apigwc_client.request(method, path, headers=headers, data=body)
        assert answer.status_code == expected, (" ".join(words), answer.status_code, answer.text)


def test_in_process_answers_as_the_served_gateway(
    apigwc_client: Any, apigwc_live_client: Any
) -> None:
    compared = 0
    for words, _, comment in header_requests():
        method, path, headers, body = curl_request(words)
        # Writes, and listings of what writes change (the in-process handlers keep the pets
        # other tests created), are not compared; nor a timeout's duration.
        listing = method == "GET" and (path == "/pets" or path.startswith("/pets?"))
        if method not in ("GET", "OPTIONS") or listing or "vet backend" in comment:
            continue
        compared += 1
        here = apigwc_client.request(method, path, headers=headers, data=body)
        served = apigwc_live_client.request(method, path, headers=headers, data=body)
        assert here.status_code == served.status_code, words
        assert _VARYING.sub(b"~", here.content) == _VARYING.sub(b"~", served.content), words
        assert here.headers.get("content-type") == served.headers.get("content-type"), words
    assert compared >= 6


def test_signed_and_token_requests(apigwc_client: Any, apigwc_sign: Any, apigwc_token: Any) -> None:
    assert apigwc_client.get("/admin/stats").status_code == 403
    assert apigwc_client.get("/admin/stats", auth=apigwc_sign("ci")).status_code == 200
    assert apigwc_client.put("/pets/2").status_code == 401
    token = apigwc_token("staff", key=KEY)
    updated = apigwc_client.put("/pets/2", headers={"Authorization": token})
    assert updated.status_code == 200, updated.text
