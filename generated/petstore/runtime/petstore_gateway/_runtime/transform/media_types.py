"""Media types: the one reading of `Content-Type`, `Accept` and `binaryMediaTypes`.

Part of the runtime support library copied verbatim into every generated gateway (standard library
only). Flows in: header values and `binaryMediaTypes` entries, as strings. Flows out: a media
type's essence (`type/subtype`, lower case, parameters dropped) and yes/no answers. Every stage that
keys something by media type asks here: `payloads` (binary conversion, mapping-template choice),
`validation.request_validation` (the body's model), `integrations.lambda_proxy` (`isBase64Encoded`)
and `responses.gateway_responses` (through `payloads`' template choice); the proxy integrations
take their responses' default Content-Type from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

# API Gateway reads an absent Content-Type or Accept as JSON (runtime reference §1.6, §1.7).
DEFAULT_MEDIA_TYPE: Final = "application/json"

# HTTP API payload 2.0: the only bodies passed as text; everything else, including a request
# without a Content-Type, is base64-encoded (runtime reference §2.3, checked against AWS).
_HTTP_API_TEXT: Final = frozenset({"application/json", "application/xml", "application/javascript"})


def essence(header: str | None) -> str:
    """`Image/PNG; q=1` → `image/png`; None or blank → ``.

    API Gateway keys templates and models by the media type only: `; charset=UTF-8` is ignored
    (runtime reference §1.6), and media types are case-insensitive (RFC 9110 §8.3.1)."""
    return (header or "").split(";", 1)[0].strip().lower()


def first_accept(accept: str | None) -> str:
    """The essence of the first media type of `Accept`: API Gateway honours only that one
    (runtime reference §6.1, §1.7; `Accept: image/webp,image/png` is read as `image/webp`)."""
    return essence((accept or "").split(",", 1)[0])


def request_media_type(content_type: str | None) -> str:
    """The key a request's body is looked up by: its Content-Type's essence, or
    `application/json` when the request has none (runtime reference §1.6)."""
    return essence(content_type) or DEFAULT_MEDIA_TYPE


def response_media_type(accept: str | None) -> str:
    """The key a response template is looked up by: the first Accept type, or `application/json`
    when the request has no Accept (runtime reference §1.7)."""
    return first_accept(accept) or DEFAULT_MEDIA_TYPE


def is_binary_media_type(value: str | None, binary_media_types: Sequence[str]) -> bool:
    """Does `value` (a Content-Type, or the first Accept type) match `binaryMediaTypes`? (§6.1)

    [AWS-REC] rules: entries match literally; an entry `type/*` matches any `type/...` (including
    `type/*` itself); `*/*` matches everything; left-hand wildcards (`*/test`) never match; and
    wildcards in the request value are not expanded (`Accept: image/*` vs entry `image/png`: no).
    """
    wanted = essence(value)
    if not wanted:
        return False
    main = wanted.split("/", 1)[0]
    for entry in binary_media_types:
        entry = essence(entry)
        if entry == "*/*":
            return True
        if entry.startswith("*"):  # `*/test`: not a form API Gateway matches, not even itself
            continue
        if entry == wanted or (entry.endswith("/*") and entry[:-2] == main):
            return True
    return False


def with_default_content_type(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` (changed in place), with `Content-Type: application/json` added when no header
    names one: a proxy response without a content type reaches the client as JSON (runtime
    reference §1.8 for HTTP_PROXY, §2.4 for Lambda proxy results)."""
    for name, _ in headers:
        if name.lower() == "content-type":
            return headers
    headers.append(("Content-Type", DEFAULT_MEDIA_TYPE))
    return headers


def is_http_api_text(content_type: str | None) -> bool:
    """Does an HTTP API pass this request body to Lambda as text (payload 2.0, §2.3)?"""
    wanted = essence(content_type)
    return wanted.startswith("text/") or wanted in _HTTP_API_TEXT
