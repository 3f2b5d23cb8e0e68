"""SigV4 signatures of AWS service integration requests (the `Authorization` API Gateway sends).

Flows in: one request as `call_service` sends it (method, URL, headers, body), the service's
signing name, the region and the keys. Flows out: the headers with `X-Amz-Date`,
`X-Amz-Security-Token` (temporary keys) and `Authorization` added, as botocore's `SigV4Auth`
(`S3SigV4Auth` for S3) adds them.

Why not botocore's signer on every request: it measured 380 us a request (an `AWSRequest`, a
case-insensitive header map built twice, four HMACs for the signing key) of the gateway's ~950 us
of CPU for an SQS SendMessage route (benchmarks/aws_bench.py). The same algorithm is written out
here for the requests the gateway makes: the canonical path by botocore's own
`normalize_url_path` and quoting, the query pairs sorted raw (botocore's
`_canonical_query_string_url`), every header but botocore's unsigned list, values trimmed, the
body's SHA-256, and the signing key kept per day, region, service and secret. A request whose
headers would take botocore's other branches (a mapped `Date`, `Authorization`, `X-Amz-Date`,
`X-Amz-Security-Token` or `X-Amz-Content-SHA256`, a name given twice) and every S3 request are
signed by botocore itself; tests compare both signers' headers over a table of requests.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote, urlsplit

# botocore.auth.SIGNED_HEADERS_BLACKLIST: headers a signature never covers
UNSIGNED: Final = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers that take botocore's other branches: signed by botocore itself.
_BOTOCORE_ONLY: Final = frozenset(
    {"date", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
_KEYS: dict[tuple[str, str, str, str], bytes] = {}
_MAX_KEYS: Final = 256


def fast_path(s3: bool, headers: Sequence[tuple[str, str]]) -> bool:
    """Whether `sign_v4` signs this request as botocore would (else botocore signs it)."""
    if s3:
        return False
    names = [name.lower() for name, _ in headers]
    return len(set(names)) == len(names) and _BOTOCORE_ONLY.isdisjoint(names)


def sign_v4(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    scope: tuple[str, str],
    keys: tuple[str, str, str | None],
    now: float | None = None,
) -> list[tuple[str, str]]:
    """`headers` plus SigV4's for `scope` (region, service) and `keys` (access key, secret
    key, session token), at `now` (epoch seconds; the clock by default)."""
    region, service = scope
    access_key, secret_key, token = keys
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    signed = [*headers, ("X-Amz-Date", stamp)]
    if token:
        signed.append(("X-Amz-Security-Token", token))
    parts = urlsplit(url)
    covered = sorted((name.lower(), " ".join(value.split())) for name, value in signed)
    covered = [(name, value) for name, value in covered if name not in UNSIGNED]
    names = ";".join(name for name, _ in covered)
    canonical = "\n".join(
        (
            method.upper(),
            _canonical_path(parts.path),
            _canonical_query(parts.query),
            "".join(f"{name}:{value}\n" for name, value in covered),
            names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    credential_scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        (
            "AWS4-HMAC-SHA256",
            stamp,
            credential_scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        )
    )
    key = _signing_key(secret_key, stamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{credential_scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    signed.append(("Authorization", authorization))
    return signed


def _canonical_path(path: str) -> str:
    """botocore's: dot segments and empty segments removed, then quoted once more."""
    from botocore.utils import normalize_url_path

    return quote(normalize_url_path(path), safe="/~")


def _canonical_query(query: str) -> str:
    """botocore's for a URL's query: its `key=value` pairs as sent, sorted."""
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{key}={value}" for key, value in pairs)


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's derived key, kept per (secret, day, region, service): four HMACs once a day."""
    cache_key = (secret, date, region, service)
    found = _KEYS.get(cache_key)
    if found is None:
        if len(_KEYS) >= _MAX_KEYS:
            _KEYS.clear()
        found = ("AWS4" + secret).encode()
        for part in (date, region, service, "aws4_request"):
            found = hmac.new(found, part.encode(), hashlib.sha256).digest()
        _KEYS[cache_key] = found
    return found
