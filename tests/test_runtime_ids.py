"""The ids the gateway makes per request (reference §0.1): shapes as API Gateway's.

`x-amzn-RequestId` is a version-4 UUID, `x-amz-apigw-id` 11 bytes in base64 (16 characters
ending in `=`), the trace id `Root=1-{8 hex epoch}-{24 hex}`; a client's UUID is kept, and every
request gets ids of its own.
"""

from __future__ import annotations

import base64
import re
import uuid

from apigwc.runtime.pipeline.context import Request, extended_request_id, request_id, trace_id


def _request(**kwargs: str) -> Request:
    headers = [(k, v) for k, v in kwargs.items()]
    return Request("GET", "/", "", headers, b"", "127.0.0.1")


def test_request_ids_are_version_4_uuids() -> None:
    for _ in range(2000):
        text = request_id(None)
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


def test_extended_ids_are_eleven_bytes_of_base64() -> None:
    for _ in range(500):
        text = extended_request_id()
        assert len(text) == 16 and text.endswith("=")
        assert len(base64.b64decode(text, validate=True)) == 11


def test_trace_id_shape() -> None:
    assert re.fullmatch(r"Root=1-5f5e1000-[0-9a-f]{24}", trace_id(1600000000.9))


def test_each_request_draws_its_own_ids() -> None:
    requests = [_request() for _ in range(1000)]
    assert len({r.request_id for r in requests}) == 1000
    assert len({r.extended_request_id for r in requests}) == 1000
    for r in requests[:50]:
        assert uuid.UUID(r.request_id).version == 4


def test_a_client_uuid_is_kept_and_anything_else_replaced() -> None:
    client = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert _request(**{"x-amzn-requestid": client}).request_id == client
    assert uuid.UUID(_request(**{"x-amzn-requestid": "nope"}).request_id).version == 4
