"""Media types (apigwc.runtime.transform.media_types): the one reading of Content-Type, Accept and
`binaryMediaTypes` that payload conversion, template choice, model choice, Lambda proxy events and
gateway responses all use. Runtime reference §1.6, §1.7, §2.3, §4.1, §6.1; spec reference §2.9.
"""

from __future__ import annotations

import pytest
from apigwc.runtime.integrations import mock
from apigwc.runtime.responses.gateway_responses import GatewayError, render_rest
from apigwc.runtime.transform.media_types import (
    essence,
    first_accept,
    is_binary_media_type,
    is_http_api_text,
    request_media_type,
    response_media_type,
    with_default_content_type,
)
from apigwc.runtime.transform.payloads import select_request_template, select_response_template
from apigwc.runtime.validation.request_validation import select_model

# [AWS-REC] test_apigateway_lambda.py binary media support for AWS_PROXY response (§6.1).
BINARY_MATCH_CASES = [
    ("exact-entry", "image/png", ["image/png"], True),
    ("other-subtype", "image/jpg", ["image/png"], False),
    ("accept-wildcard-not-expanded", "image/*", ["image/png"], False),
    ("accept-any-not-expanded", "*/*", ["image/png"], False),
    ("right-wildcard-entry", "application/whatever", ["application/*"], True),
    ("right-wildcard-entry-test", "application/test", ["application/*"], True),
    ("right-wildcard-entry-matches-itself", "application/*", ["application/*"], True),
    ("left-wildcard-entry-never", "application/test", ["*/test"], False),
    ("left-wildcard-entry-never-itself", "*/test", ["*/test"], False),
    ("left-wildcard-entry-never-any", "*/*", ["*/test"], False),
    ("any-entry-covers-all [DG]", "text/plain", ["*/*"], True),
    ("no-list", "image/png", [], False),
    ("params-and-case-ignored", "Image/PNG; charset=x", ["image/png"], True),
    ("empty-value", "", ["*/*"], False),
]


@pytest.mark.parametrize(
    ("value", "types", "expected"), [pytest.param(*c[1:], id=c[0]) for c in BINARY_MATCH_CASES]
)
def test_binary_media_type_matching(value: str, types: list[str], expected: bool) -> None:
    assert is_binary_media_type(value, types) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param("image/webp,image/png,*/*;q=0.8", False, id="first-is-webp [AWS-REC]"),
        pytest.param("image/png,image/*,*/*;q=0.8", True, id="first-is-png [AWS-REC]"),
    ],
)
def test_only_first_accept_type_counts(accept: str, expected: bool) -> None:
    assert is_binary_media_type(first_accept(accept), ["image/png"]) is expected


ESSENCE_CASES = [
    ("charset-dropped [AWS-REC mock]", "application/json; charset=UTF-8", "application/json"),
    ("case-folded", "Image/PNG", "image/png"),
    ("spaces-trimmed", "  text/plain ;q=1", "text/plain"),
    ("absent", None, ""),
    ("blank", "   ", ""),
]


@pytest.mark.parametrize(
    ("header", "expected"), [pytest.param(*c[1:], id=c[0]) for c in ESSENCE_CASES]
)
def test_essence(header: str | None, expected: str) -> None:
    assert essence(header) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # A browser's Accept (§6.1): only `image/webp` counts.
        ("image/webp,image/*,*/*;q=0.8", "image/webp"),
        ("text/html,application/xml", "text/html"),
        ("Application/XML;q=0.9, text/plain", "application/xml"),
        (None, ""),
    ],
)
def test_first_accept(accept: str | None, expected: str) -> None:
    assert first_accept(accept) == expected


def test_absent_headers_read_as_json() -> None:
    """No Content-Type selects the `application/json` request template and model (§1.6); no
    Accept selects the `application/json` response template (§1.7)."""
    assert request_media_type(None) == request_media_type("") == "application/json"
    assert request_media_type("text/plain; charset=UTF-8") == "text/plain"
    assert response_media_type(None) == "application/json"
    assert response_media_type("text/html,application/xml") == "text/html"


# §2.3: text only for text/*, application/json, application/xml, application/javascript; everything
# else, including no Content-Type and form posts, is base64 in the 2.0 event.
HTTP_API_TEXT_CASES = [
    ("text/plain", True),
    ("text/csv; charset=utf-8", True),
    ("application/json", True),
    ("Application/JSON; charset=UTF-8", True),
    ("application/xml", True),
    ("application/javascript", True),
    ("application/x-www-form-urlencoded", False),
    ("application/octet-stream", False),
    ("image/png", False),
    (None, False),
]


@pytest.mark.parametrize(("content_type", "expected"), HTTP_API_TEXT_CASES)
def test_http_api_text_types(content_type: str | None, expected: bool) -> None:
    assert is_http_api_text(content_type) is expected


def test_request_template_and_model_use_the_same_key() -> None:
    """A request template and a body model are looked up by the same media type (§1.5, §1.6)."""

    def model(document: object) -> object:
        return document

    models = {"application/json": model}
    templates = {"application/json": "J", "application/xml": "X"}
    for content_type in ("Application/JSON; charset=UTF-8", None, ""):
        assert select_request_template(templates, content_type, "NEVER") == "application/json"
        assert select_model(models, content_type) is model


# One response-template rule for integration responses and gateway responses (§1.7, §4.1):
# the first Accept type, else application/json, else the first template.
TEMPLATES = {"application/json": "json", "text/plain": "text"}
RESPONSE_TEMPLATE_CASES = [
    ("first-accept-has-template", TEMPLATES, "text/plain, application/json", "text/plain"),
    ("first-accept-only [DG §1.7]", TEMPLATES, "image/png, text/plain", "application/json"),
    ("absent-accept-json", TEMPLATES, None, "application/json"),
    ("accept-case-and-params", TEMPLATES, "Text/Plain; q=1", "text/plain"),
    ("no-json-first-template", {"text/xml": "xml", "text/plain": "text"}, "image/gif", "text/xml"),
    ("no-templates", {}, "text/plain", None),
]


@pytest.mark.parametrize(
    ("templates", "accept", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in RESPONSE_TEMPLATE_CASES],
)
def test_response_templates_chosen_alike_everywhere(
    templates: dict[str, str], accept: str | None, expected: str | None
) -> None:
    assert select_response_template(templates, accept) == expected
    picked = mock.response_template(templates, accept)
    assert (picked[0] if picked else None) == expected
    custom = {"UNAUTHORIZED": {"responseTemplates": templates}}
    reply = render_rest(GatewayError("UNAUTHORIZED"), custom, {}, {}, accept)
    content_type = next(value for name, value in reply.headers if name == "Content-Type")
    assert content_type == (expected or "application/json")
    body = templates[expected].encode() if expected else b'{"message":"Unauthorized"}'
    assert reply.body == body


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # §1.8 / §2.4: a proxy response without a content type reaches the client as JSON
        ([("X-Trace", "1")], [("X-Trace", "1"), ("Content-Type", "application/json")]),
        ([], [("Content-Type", "application/json")]),
        # whatever the backend named it, in whatever case, its own type is kept
        ([("content-type", "text/html")], [("content-type", "text/html")]),
        ([("CONTENT-TYPE", "image/png"), ("X", "y")], [("CONTENT-TYPE", "image/png"), ("X", "y")]),
    ],
)
def test_proxy_responses_default_to_json(
    headers: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    assert with_default_content_type(headers) == expected
