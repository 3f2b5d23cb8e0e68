"""Binary media types, contentHandling, template selection and compression
(apigwc.runtime.transform.payloads): runtime reference §6.1, §6.2, §1.6, §1.7; spec reference §2.9.
"""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest
from apigwc.runtime.integrations.lambda_proxy import rest_response
from apigwc.runtime.transform.payloads import (
    PayloadError,
    choose_encoding,
    compress,
    compression_for,
    convert_request,
    convert_response,
    decompress_request,
    parse_accept_encoding,
    select_request_template,
    select_response_template,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\xff"
PNG_B64 = base64.b64encode(PNG)

# §6.1 request table: (payload, content type, binaryMediaTypes, contentHandling) → body, is_binary
REQUEST_CASES = [
    ("text-nomatch-unset", b"hello", "text/plain", ["image/png"], None, b"hello", False),
    (
        "text-nomatch-to-binary",
        PNG_B64,
        "text/plain",
        ["image/png"],
        "CONVERT_TO_BINARY",
        PNG,
        True,
    ),
    (
        "text-nomatch-to-text",
        b"hello",
        "text/plain",
        ["image/png"],
        "CONVERT_TO_TEXT",
        b"hello",
        False,
    ),
    ("text-undefined-list-unset", b"hello", "text/plain", [], None, b"hello", False),
    ("text-match-unset", b"hello", "text/plain", ["text/plain"], None, b"hello", True),
    ("text-match-to-binary", PNG_B64, "text/plain", ["text/plain"], "CONVERT_TO_BINARY", PNG, True),
    (
        "text-match-to-text",
        b"hello",
        "text/plain",
        ["text/plain"],
        "CONVERT_TO_TEXT",
        b"aGVsbG8=",
        False,
    ),
    ("binary-match-unset", PNG, "image/png", ["image/png"], None, PNG, True),
    ("binary-match-to-binary", PNG, "image/png", ["image/png"], "CONVERT_TO_BINARY", PNG, True),
    ("binary-match-to-text", PNG, "image/png", ["image/png"], "CONVERT_TO_TEXT", PNG_B64, False),
]


@pytest.mark.parametrize(
    ("body", "content_type", "types", "handling", "expected", "is_binary"),
    [pytest.param(*c[1:], id=c[0]) for c in REQUEST_CASES],
)
def test_request_conversion(
    body: bytes,
    content_type: str,
    types: list[str],
    handling: str | None,
    expected: bytes,
    is_binary: bool,
) -> None:
    payload = convert_request(body, content_type, types, handling)
    assert (payload.body, payload.is_binary) == (expected, is_binary)


def test_request_to_binary_bad_base64_is_500() -> None:
    with pytest.raises(PayloadError) as raised:
        convert_request(b"not base64!", "text/plain", [], "CONVERT_TO_BINARY")
    assert raised.value.response_type == "API_CONFIGURATION_ERROR"


TEXT = b"hello"
TEXT_B64 = base64.b64encode(TEXT)

# §6.1 response table: (payload binary?, Accept, types, contentHandling) → client body
RESPONSE_CASES = [
    ("undefined-text-unset", TEXT, False, "text/plain", [], None, TEXT),
    ("undefined-binary-to-text", PNG, True, "text/plain", [], "CONVERT_TO_TEXT", PNG),
    ("undefined-to-binary-decodes", TEXT_B64, False, "text/plain", [], "CONVERT_TO_BINARY", TEXT),
    ("text-textaccept-unset", TEXT, False, "text/plain", ["image/png"], None, TEXT),
    (
        "text-textaccept-to-binary",
        TEXT_B64,
        False,
        "text/plain",
        ["image/png"],
        "CONVERT_TO_BINARY",
        TEXT,
    ),
    ("text-textaccept-to-text", TEXT, False, "text/plain", ["image/png"], "CONVERT_TO_TEXT", TEXT),
    ("text-binaccept-unset", PNG_B64, False, "image/png", ["image/png"], None, PNG),
    (
        "text-binaccept-to-binary",
        PNG_B64,
        False,
        "image/png",
        ["image/png"],
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text-binaccept-to-text",
        PNG_B64,
        False,
        "image/png",
        ["image/png"],
        "CONVERT_TO_TEXT",
        PNG_B64,
    ),
    ("binary-textaccept-unset", PNG, True, "text/plain", ["image/png"], None, PNG_B64),
    (
        "binary-textaccept-to-text",
        PNG,
        True,
        "text/plain",
        ["image/png"],
        "CONVERT_TO_TEXT",
        PNG_B64,
    ),
    (
        "binary-textaccept-to-binary",
        PNG,
        True,
        "text/plain",
        ["image/png"],
        "CONVERT_TO_BINARY",
        PNG,
    ),
    ("binary-binaccept-unset", PNG, True, "image/png", ["image/png"], None, PNG),
    ("binary-binaccept-to-binary", PNG, True, "image/png", ["image/png"], "CONVERT_TO_BINARY", PNG),
    ("binary-binaccept-to-text", PNG, True, "image/png", ["image/png"], "CONVERT_TO_TEXT", PNG_B64),
]


@pytest.mark.parametrize(
    ("body", "payload_is_binary", "accept", "types", "handling", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in RESPONSE_CASES],
)
def test_response_conversion(
    body: bytes,
    payload_is_binary: bool,
    accept: str,
    types: list[str],
    handling: str | None,
    expected: bytes,
) -> None:
    result = convert_response(
        body,
        payload_is_binary=payload_is_binary,
        accept=accept,
        binary_media_types=types,
        content_handling=handling,
    )
    assert result == expected


PROXY_CASES = [
    ("decoded-when-accept-matches [AWS-REC]", True, "image/png", ["image/png"], PNG),
    ("sent-as-is-when-accept-differs [AWS-REC]", True, "image/jpg", ["image/png"], PNG_B64),
    ("sent-as-is-without-types [AWS-REC]", True, "image/png", [], PNG_B64),
    ("not-flagged-never-decoded", False, "image/png", ["image/png"], PNG_B64),
    ("any-entry", True, "text/html", ["*/*"], PNG),
]


@pytest.mark.parametrize(
    ("flag", "accept", "types", "expected"), [pytest.param(*c[1:], id=c[0]) for c in PROXY_CASES]
)
def test_lambda_proxy_response_decoding(
    flag: bool, accept: str, types: list[str], expected: bytes
) -> None:
    """What the runtime runs on a REST Lambda proxy result (`lambda_proxy.rest_response`)."""
    result = {"statusCode": 200, "body": PNG_B64.decode(), "isBase64Encoded": flag}
    assert rest_response(result, accept, tuple(types)).body == expected


TEMPLATES = {"application/json": "J", "application/xml": "X"}

# spec §2.9 passthrough table; None = pass through, "415" = Unsupported Media Type.
REQUEST_TEMPLATE_CASES = [
    ("match-when-no-match", TEMPLATES, "application/xml", "WHEN_NO_MATCH", "application/xml"),
    (
        "match-when-no-templates",
        TEMPLATES,
        "application/xml",
        "WHEN_NO_TEMPLATES",
        "application/xml",
    ),
    ("match-never", TEMPLATES, "application/xml", "NEVER", "application/xml"),
    ("nomatch-when-no-match-passes", TEMPLATES, "text/plain", "WHEN_NO_MATCH", None),
    ("nomatch-when-no-templates-415", TEMPLATES, "text/plain", "WHEN_NO_TEMPLATES", "415"),
    ("nomatch-never-415", TEMPLATES, "text/plain", "NEVER", "415"),
    ("none-when-no-match-passes", {}, "text/plain", "WHEN_NO_MATCH", None),
    ("none-when-no-templates-passes", {}, "text/plain", "WHEN_NO_TEMPLATES", None),
    ("none-never-415", {}, "text/plain", "NEVER", "415"),
    ("default-behavior-is-when-no-match", TEMPLATES, "text/plain", None, None),
    ("lowercase-enum [DG]", TEMPLATES, "text/plain", "never", "415"),
    (
        "charset-ignored [AWS-REC mock]",
        TEMPLATES,
        "application/json; charset=UTF-8",
        "NEVER",
        "application/json",
    ),
    ("absent-content-type-is-json", TEMPLATES, None, "NEVER", "application/json"),
    ("dollar-default-fallback [LS]", {"$default": "D"}, "text/plain", "NEVER", "$default"),
]


@pytest.mark.parametrize(
    ("templates", "content_type", "behavior", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in REQUEST_TEMPLATE_CASES],
)
def test_request_template_selection(
    templates: dict[str, str], content_type: str | None, behavior: str | None, expected: str | None
) -> None:
    if expected == "415":
        with pytest.raises(PayloadError) as raised:
            select_request_template(templates, content_type, behavior)
        assert raised.value.response_type == "UNSUPPORTED_MEDIA_TYPE"
    else:
        assert select_request_template(templates, content_type, behavior) == expected


RESPONSE_TEMPLATE_CASES = [
    (
        "accept-match",
        {"application/xml": "X", "application/json": "J"},
        "application/xml",
        "application/xml",
    ),
    (
        "first-accept-only",
        {"application/xml": "X", "application/json": "J"},
        "text/html,application/xml",
        "application/json",
    ),
    (
        "absent-accept-json",
        {"application/xml": "X", "application/json": "J"},
        None,
        "application/json",
    ),
    (
        "fallback-first-template [DG §1.7]",
        {"application/xml": "X", "text/plain": "T"},
        "text/html",
        "application/xml",
    ),
    ("no-templates-passthrough", {}, "application/json", None),
]


@pytest.mark.parametrize(
    ("templates", "accept", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in RESPONSE_TEMPLATE_CASES],
)
def test_response_template_selection(
    templates: dict[str, str], accept: str | None, expected: str | None
) -> None:
    assert select_response_template(templates, accept) == expected


# §6.2 compression
ENCODING_CASES = [
    ("missing-header-not-compressed [DG]", None, None),
    ("gzip", "gzip", "gzip"),
    ("deflate", "deflate", "deflate"),
    ("q-values-pick-highest [DG]", "deflate;q=0.5,gzip;q=1.0", "gzip"),
    ("identity-allowed-lower [DG]", "gzip;q=1.0,identity;q=0.5,*;q=0", "gzip"),
    ("star-not-compressed [DG]", "*", None),
    ("empty-header", "", None),
    ("identity-on-top", "identity, gzip;q=0.5", None),
    ("unsupported-on-top", "br, gzip;q=0.9", None),
    ("tie-keeps-client-order", "deflate, gzip", "deflate"),
    ("q-zero-excluded", "gzip;q=0, deflate;q=0.1", "deflate"),
    ("case-insensitive", "GZIP", "gzip"),
]


@pytest.mark.parametrize(
    ("header", "expected"), [pytest.param(*c[1:], id=c[0]) for c in ENCODING_CASES]
)
def test_choose_encoding(header: str | None, expected: str | None) -> None:
    assert choose_encoding(header) == expected


def test_parse_accept_encoding() -> None:
    assert parse_accept_encoding("deflate;q=0.5, gzip;q=1.0,br") == [
        ("deflate", 0.5),
        ("gzip", 1.0),
        ("br", 1.0),
    ]


COMPRESSION_CASES = [
    ("disabled", None, "gzip", None, 10_000, None),
    ("below-minimum", 100, "gzip", None, 99, None),
    ("at-minimum", 100, "gzip", None, 100, "gzip"),
    ("zero-compresses-everything [DG]", 0, "deflate", None, 0, "deflate"),
    ("integration-already-encoded [DG]", 0, "gzip", "br", 10, None),
    ("no-accept-encoding", 0, None, None, 10, None),
]


@pytest.mark.parametrize(
    ("minimum", "accept_encoding", "content_encoding", "length", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in COMPRESSION_CASES],
)
def test_compression_for(
    minimum: int | None,
    accept_encoding: str | None,
    content_encoding: str | None,
    length: int,
    expected: str | None,
) -> None:
    assert (
        compression_for(
            minimum_compression_size=minimum,
            accept_encoding=accept_encoding,
            response_content_encoding=content_encoding,
            body_length=length,
        )
        == expected
    )


def test_compress_round_trips_and_is_deterministic() -> None:
    body = b'{"message": "hello"}' * 50
    assert gzip.decompress(compress(body, "gzip")) == body
    assert compress(body, "gzip") == compress(body, "gzip")
    assert zlib.decompress(compress(body, "deflate")) == body


DECOMPRESS_CASES = [
    ("identity", b"plain", None, b"plain"),
    ("gzip", gzip.compress(b"zipped"), "gzip", b"zipped"),
    ("deflate-zlib", zlib.compress(b"deflated"), "deflate", b"deflated"),
    ("deflate-raw", zlib.compress(b"raw")[2:-4], "deflate", b"raw"),
]


@pytest.mark.parametrize(
    ("body", "encoding", "expected"), [pytest.param(*c[1:], id=c[0]) for c in DECOMPRESS_CASES]
)
def test_request_decompression(body: bytes, encoding: str | None, expected: bytes) -> None:
    assert decompress_request(body, encoding) == expected


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        pytest.param(b"x", "br", id="unsupported-coding-415 [DG]"),
        pytest.param(b"not gzip", "gzip", id="bad-gzip-415 [DG]"),
        pytest.param(b"not deflate", "deflate", id="bad-deflate-415 [DG]"),
    ],
)
def test_request_decompression_failures_are_415(body: bytes, encoding: str) -> None:
    with pytest.raises(PayloadError) as raised:
        decompress_request(body, encoding)
    assert raised.value.response_type == "UNSUPPORTED_MEDIA_TYPE"
