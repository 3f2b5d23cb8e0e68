"""Payload handling: `contentHandling`, mapping-template selection, compression.

Part of the runtime support library copied verbatim into every generated gateway (relative imports
only, standard library only). Pure functions over header values and bytes, following runtime
reference §6.1 (binary), §6.2 (compression), §1.6/§1.7 and spec reference §2.9 (template selection
and passthrough); what a media type is and which ones are binary is `media_types`' answer. Failures raise `PayloadError` carrying the gateway response type the pipeline
answers with (`UNSUPPORTED_MEDIA_TYPE` 415, `API_CONFIGURATION_ERROR` 500).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from .media_types import (
    DEFAULT_MEDIA_TYPE,
    essence,
    first_accept,
    is_binary_media_type,
    request_media_type,
    response_media_type,
)

CONVERT_TO_BINARY: Final = "CONVERT_TO_BINARY"
CONVERT_TO_TEXT: Final = "CONVERT_TO_TEXT"
SUPPORTED_CODINGS: Final = ("gzip", "deflate")
# API Gateway's payload limit, for request bodies and integration responses (reference §1.1).
MAX_PAYLOAD: Final = 10 * 1024 * 1024
# Output per inflate step: a compressed body is never inflated further than the limit plus this.
_INFLATE_CHUNK: Final = 256 * 1024


class PayloadError(Exception):
    """The gateway answers with the gateway response named by `response_type`."""

    def __init__(self, response_type: str, detail: str) -> None:
        super().__init__(detail)
        self.response_type = response_type


def unsupported_media_type(detail: str) -> PayloadError:
    # Default body `{"message":"Unsupported Media Type"}` (§4.2 UNSUPPORTED_MEDIA_TYPE, 415).
    return PayloadError("UNSUPPORTED_MEDIA_TYPE", detail)


def configuration_error(detail: str) -> PayloadError:
    # Base64 decode failure with binary support ⇒ 500 API_CONFIGURATION_ERROR (§6.1, §4.2).
    return PayloadError("API_CONFIGURATION_ERROR", detail)


# ---------------------------------------------------------------------------------------------
# contentHandling
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """A body and whether it is raw binary (not text a template may read)."""

    body: bytes
    is_binary: bool


def convert_request(
    body: bytes,
    content_type: str | None,
    binary_media_types: Sequence[str],
    content_handling: str | None,
) -> Payload:
    """Method request → integration request body (§6.1 request table).

    The request is binary when its Content-Type matches `binaryMediaTypes`. `CONVERT_TO_TEXT`
    base64-encodes a binary payload; `CONVERT_TO_BINARY` base64-decodes a text payload. For a
    matching type with `CONVERT_TO_BINARY` the table distinguishes a text payload (decoded) from a
    binary one (as-is): a payload that is strict base64 text counts as text (inferred).
    """
    binary = is_binary_media_type(content_type, binary_media_types)
    handling = (content_handling or "").upper()
    if binary and handling == CONVERT_TO_TEXT:
        return Payload(base64.b64encode(body), is_binary=False)
    if handling == CONVERT_TO_BINARY:
        if binary and not _is_base64_text(body):
            return Payload(body, is_binary=True)
        return Payload(_b64decode(body), is_binary=True)
    return Payload(body, is_binary=binary)


def convert_response(
    body: bytes,
    *,
    payload_is_binary: bool,
    accept: str | None,
    binary_media_types: Sequence[str],
    content_handling: str | None,
) -> bytes:
    """Integration response → method response body (§6.1 response table).

    `payload_is_binary`: the integration returned raw binary (e.g. its Content-Type matched
    `binaryMediaTypes`); the client expects binary when its first Accept type matches.
    """
    handling = (content_handling or "").upper()
    action = _response_action(
        payload_is_binary=payload_is_binary,
        accept_is_binary=is_binary_media_type(first_accept(accept), binary_media_types),
        types_defined=bool(binary_media_types),
        handling=handling,
    )
    if action == "decode":
        return _b64decode(body)
    if action == "encode":
        return base64.b64encode(body)
    return body


def _response_action(
    *, payload_is_binary: bool, accept_is_binary: bool, types_defined: bool, handling: str
) -> Literal["decode", "encode", "as-is"]:
    if not types_defined:
        return "decode" if handling == CONVERT_TO_BINARY else "as-is"
    if not payload_is_binary:
        if handling == CONVERT_TO_BINARY or (accept_is_binary and handling != CONVERT_TO_TEXT):
            return "decode"
        return "as-is"
    if handling == CONVERT_TO_TEXT or (not accept_is_binary and handling != CONVERT_TO_BINARY):
        return "encode"
    return "as-is"


def _is_base64_text(body: bytes) -> bool:
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(body.strip())


def _b64decode(body: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise configuration_error(f"Unable to base64 decode the body: {error}") from error


# ---------------------------------------------------------------------------------------------
# Mapping-template selection and passthrough (spec §2.9, runtime §1.6/§1.7)
# ---------------------------------------------------------------------------------------------


def _template_key(templates: Mapping[str, object], wanted: str) -> str | None:
    for key in templates:
        if essence(key) == wanted:
            return key
    return None


def select_request_template(
    templates: Mapping[str, object], content_type: str | None, passthrough_behavior: str | None
) -> str | None:
    """The request template key to render, or None to pass the body through untransformed.

    Key = Content-Type media type (absent ⇒ `application/json`). Without a template for it:
    `WHEN_NO_MATCH` (default) passes through, `WHEN_NO_TEMPLATES` passes through only when no
    template exists at all, `NEVER` fails; a failure raises 415 Unsupported Media Type.
    `$default` is tried before giving up (LocalStack does; AWS documents it for WebSocket only).
    """
    wanted = request_media_type(content_type)
    key = _template_key(templates, wanted)
    if key is None and "$default" in templates:
        key = "$default"
    if key is not None:
        return key
    behavior = (passthrough_behavior or "WHEN_NO_MATCH").upper()
    if behavior == "WHEN_NO_MATCH" or (behavior == "WHEN_NO_TEMPLATES" and not templates):
        return None
    raise unsupported_media_type(f"no mapping template for {wanted} ({behavior})")


def select_response_template(templates: Mapping[str, object], accept: str | None) -> str | None:
    """The response template key for the client's first Accept type, else `application/json`,
    else the first template; None (no templates) passes the body through.

    One rule for every response template: integration responses (MOCK, HTTP, AWS: runtime
    reference §1.7, spec reference §2.9, documented by AWS) and gateway responses (§4.1). For
    gateway responses AWS documents no rule; the reference's only source is an emulator that
    tries every Accept type ([3P]), so they follow the documented rule: only the first Accept
    type is honoured, as everywhere API Gateway reads `Accept` (§6.1, spec reference §1.9).
    """
    if not templates:
        return None
    wanted = response_media_type(accept)
    key = _template_key(templates, wanted)
    if key is None and wanted != DEFAULT_MEDIA_TYPE:
        key = _template_key(templates, DEFAULT_MEDIA_TYPE)
    return key if key is not None else next(iter(templates))


# ---------------------------------------------------------------------------------------------
# Compression (§6.2, REST only)
# ---------------------------------------------------------------------------------------------


def parse_accept_encoding(header: str) -> list[tuple[str, float]]:
    """`deflate;q=0.5,gzip;q=1.0` → [("deflate", 0.5), ("gzip", 1.0)] (RFC 7231 q-values)."""
    codings: list[tuple[str, float]] = []
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if not coding.strip():
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        codings.append((coding.strip().lower(), quality))
    return codings


def choose_encoding(accept_encoding: str | None) -> str | None:
    """`gzip` / `deflate` when the client's highest-priority coding is supported, else None.

    A missing header counts as `*` and is not compressed (§6.2); `identity`, `*` or an
    unsupported coding (e.g. `br`) on top means no compression. Ties keep the client's order.
    """
    if accept_encoding is None:
        return None
    ranked = [(c, q) for c, q in parse_accept_encoding(accept_encoding) if q > 0]
    if not ranked:
        return None
    best = max(q for _, q in ranked)
    top = next(c for c, q in ranked if q == best)
    return top if top in SUPPORTED_CODINGS else None


def compression_for(
    *,
    minimum_compression_size: int | None,
    accept_encoding: str | None,
    response_content_encoding: str | None,
    body_length: int,
) -> str | None:
    """The coding to apply to a response, or None: compression enabled, no Content-Encoding from
    the integration, size after mapping ≥ `minimumCompressionSize`, supported Accept-Encoding."""
    if minimum_compression_size is None or response_content_encoding:
        return None
    if body_length < minimum_compression_size:
        return None
    return choose_encoding(accept_encoding)


def compress(body: bytes, coding: str) -> bytes:
    """gzip (mtime 0, so output is deterministic) or HTTP `deflate` (the zlib format)."""
    if coding == "gzip":
        return gzip.compress(body, mtime=0)
    if coding == "deflate":
        return zlib.compress(body)
    raise ValueError(f"unsupported coding {coding}")


def decompress_request(
    body: bytes, content_encoding: str | None, limit: int = MAX_PAYLOAD
) -> bytes:
    """Request decompression when compression is enabled (§6.2): `gzip`, `deflate`, `identity`;
    anything else or corrupt data ⇒ 415 Unsupported Media Type. Inflation stops as soon as the
    output passes `limit` ⇒ 413 REQUEST_TOO_LARGE (API Gateway's payload limit applies to the
    body it hands on), so a small compressed body cannot grow without bound."""
    coding = (content_encoding or "identity").strip().lower()
    try:
        if coding == "identity":
            return body
        if coding == "gzip":
            return _inflate_bounded(body, 16 + zlib.MAX_WBITS, limit)
        if coding == "deflate":
            # Clients send either the zlib format (RFC 1950, what "deflate" means) or raw
            # RFC 1951.
            try:
                return _inflate_bounded(body, zlib.MAX_WBITS, limit)
            except zlib.error:
                return _inflate_bounded(body, -zlib.MAX_WBITS, limit)
    except (EOFError, zlib.error) as error:
        raise unsupported_media_type(f"cannot decode {coding} body: {error}") from error
    raise unsupported_media_type(f"unsupported Content-Encoding {coding}")


def _inflate_bounded(body: bytes, wbits: int, limit: int) -> bytes:
    """Inflate in steps of at most `_INFLATE_CHUNK` output bytes; gzip may hold several members
    (as `gzip.decompress` reads them). Raises PayloadError past `limit`, zlib.error or EOFError
    for corrupt or truncated data."""
    out = bytearray()
    data = body
    while True:
        inflater = zlib.decompressobj(wbits)
        pending = data
        # At the end of a member zlib keeps the rest in `unused_data` (and `unconsumed_tail`).
        while not inflater.eof:
            chunk = inflater.decompress(pending, _INFLATE_CHUNK)
            out += chunk
            if len(out) > limit:
                raise PayloadError("REQUEST_TOO_LARGE", f"inflated body exceeds {limit} bytes")
            pending = inflater.unconsumed_tail
            if not pending and len(chunk) < _INFLATE_CHUNK:
                break
        if not inflater.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")
        data = inflater.unused_data
        if wbits <= zlib.MAX_WBITS or not data.strip(b"\x00"):
            return bytes(out)
