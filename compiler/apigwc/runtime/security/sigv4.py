"""Signature Version 4 for service `execute-api`, verified as API Gateway verifies it (reference §1.4).

Flows in: a request (method, raw path, raw query string, headers, body) and, once `parse` has
read who claims to sign it, that access key's secret. Flows out: `Signature` (what the request
claims: access key, scope, time, signed headers, token) or a `SigV4Error` naming API Gateway's
answer; `verify` returns nothing when the signature is the one the secret makes.

The canonical request is built as AWS's signers build it for every service but S3 (botocore's
`SigV4Auth`, the SigV4 spec): the raw path with dot segments and empty segments removed, then
percent-encoded once more (`%` -> `%25`; `/` and `~` kept); the query string's pairs decoded and
encoded again as RFC 3986 unreserved text, sorted by name then value (`X-Amz-Signature` left
out); the signed headers, lower case, values trimmed with inner runs of spaces made one and
repeated headers joined with `,`; and the SHA-256 of the body the gateway received.
`UNSIGNED-PAYLOAD` is not accepted: API Gateway refuses requests signed with it
(aws/aws-sdk-java-v2#5581, a user's report against API Gateway), so the payload hash is always
the body's.

Answers, and the evidence for their words ([3P]: third-party transcripts of AWS answers):
- no signature (no `Authorization` header, no `X-Amz-Algorithm` query parameter):
  MISSING_AUTHENTICATION_TOKEN, `Missing Authentication Token` (reference §1.4);
- a malformed signature (a part missing, no `=` in a part, `host` not signed, a date that is not
  ISO 8601 basic format, both a header and a query signature): API Gateway's
  `IncompleteSignatureException` texts ([3P] transcripts: `Authorization header requires
  'Credential' parameter. ...`, `Invalid key=value pair (missing equal-sign) in Authorization
  header (hashed with SHA-256 and encoded with Base64): '...'`), through the
  MISSING_AUTHENTICATION_TOKEN gateway response, as a customized "Missing Authentication Token"
  response replaces them ([3P] amazon-archives/aws-cognito-angular-quickstart#50). The header
  is only ever shown hashed, never echoed;
- a wrong region or service in the credential scope, a date over five minutes away, an expired
  presigned URL, a signature that does not match: INVALID_SIGNATURE, with AWS's SigV4 texts
  (`Credential should be scoped to correct service: 'execute-api'. `, `Signature expired: ...
  is now earlier than ... (... - 5 min.)`, [3P] API Gateway IAM transcripts; the mismatch text
  is reference §1.4's, without the canonical request AWS sometimes appends);
- an unknown access key or a session token that is not the credential's: `The security token
  included in the request is invalid.` (AWS Knowledge Center, "Troubleshoot SigV4 signature
  mismatch errors with IAM authentication for API Gateway"), `UnrecognizedClientException`;
- an expired session token: EXPIRED_TOKEN (reference §4.2).
Choices where no recording was found: an algorithm other than AWS4-HMAC-SHA256 says
`Unsupported Authorization Type (hashed with SHA-256 and encoded with Base64): '...'.` (the
shape of the recorded missing-equal-sign text); an expired presigned URL says `Signature expired: {date}
is now earlier than {now - X-Amz-Expires} ({now} - {X-Amz-Expires} sec.)`; a request whose
`X-Amz-Date` comes twice is refused as a date that is not ISO 8601 (its canonical header would
be both values joined).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from calendar import timegm
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "execute-api"
TERMINATOR = "aws4_request"
# How far a request's date may be from the gateway's clock (SigV4: 5 minutes).
MAX_SKEW_SECONDS = 300
# The longest a presigned URL may last (SigV4: seven days).
MAX_EXPIRES_SECONDS = 604800
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_QUERY_AUTH = "X-Amz-Algorithm"
_QUERY_SIGNATURE = "X-Amz-Signature"


class SigV4Error(Exception):
    """A signature API Gateway refuses: `kind` is the answer's family (MISSING, INCOMPLETE,
    SIGNATURE, UNRECOGNIZED, EXPIRED), `message` AWS's words (None: the type's default)."""

    def __init__(self, kind: str, message: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.message = message


def _incomplete(message: str) -> SigV4Error:
    return SigV4Error("INCOMPLETE", message)


UNRECOGNIZED = "The security token included in the request is invalid."


class Signature:
    """What a request claims: who signed it, for which scope and time, over which headers.
    A plain slotted class (one per request; a frozen dataclass's constructor cost more than
    the parsing), its token and signature kept out of `repr`."""

    __slots__ = (
        "access_key",
        "date",
        "epoch",
        "expires",
        "in_query",
        "region",
        "scope",
        "service",
        "signature",
        "signed_headers",
        "signed_text",
        "timestamp",
        "token",
    )

    def __init__(
        self,
        access_key: str,
        # date (YYYYMMDD), region, service, and the scope as the string to sign writes it
        # (date/region/service/aws4_request: the credential as sent, after its access key)
        scope: tuple[str, str, str, str],
        stamp: tuple[str, int],  # YYYYMMDDTHHMMSSZ as the string to sign has it, epoch
        signed_headers: tuple[tuple[str, ...], str],  # the names, and the list as sent
        signature: str,
        token: str | None,
        expires: int | None,  # presigned URLs only
    ) -> None:
        self.access_key = access_key
        self.date, self.region, self.service, self.scope = scope
        self.timestamp, self.epoch = stamp
        self.signed_headers, self.signed_text = signed_headers
        self.signature = signature
        self.token = token
        self.expires = expires
        self.in_query = expires is not None

    def __repr__(self) -> str:
        return f"Signature({self.access_key!r}, {self.date}/{self.region}/{self.service})"


class SignedRequest:
    """The parts of a request a signature covers (raw path and query, headers, body)."""

    __slots__ = ("_by_name", "_unique", "body", "headers", "method", "query_string", "raw_path")

    def __init__(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        last_values: Mapping[str, str] | None = None,  # dict(headers), if the caller has it
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers = headers  # lower-case names, in order, repeated names kept
        self.body = body
        self._by_name: dict[str, list[str]] | None = None
        # The usual request repeats no header name: then each name has one value, its last,
        # and the names are read from that map with no grouping (as many entries as headers
        # means no name came twice).
        if last_values is None:
            last_values = dict(headers)
        self._unique = last_values if len(last_values) == len(headers) else None

    def values(self, name: str) -> list[str]:
        """Every value of header `name` (lower case), in order; grouped once per request."""
        by_name = self._by_name
        if by_name is None:
            by_name = self._by_name = {}
            for key, value in self.headers:
                by_name.setdefault(key, []).append(value)
        return by_name.get(name, [])

    def joined(self, name: str) -> str | None:
        """The values of header `name` joined with `,` (as its canonical header has them,
        untrimmed), or None when the request has no such header."""
        unique = self._unique
        if unique is not None:
            return unique.get(name)
        values = self.values(name)
        return ",".join(values) if values else None

    def canonical(self, name: str) -> str | None:
        """Header `name`'s canonical value: each value trimmed, inner runs of spaces made one,
        repeated values joined with `,`; None when the request has no such header."""
        unique = self._unique
        if unique is not None:
            value = unique.get(name)
            return None if value is None else " ".join(value.split())
        values = self.values(name)
        return ",".join([" ".join(v.split()) for v in values]) if values else None


# -- reading the claim ---------------------------------------------------------------------
def parse(request: SignedRequest) -> Signature:
    """The signature a request carries: its `Authorization` header or its query parameters."""
    header = request.joined("authorization")
    query_string = request.query_string
    if query_string:  # (most signed requests have none: nothing to read)
        pairs = query_pairs(query_string)
        if any(name == _QUERY_AUTH for name, _ in pairs):
            if header is not None:
                raise _incomplete(
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                    "Signature query string parameter or the Authorization header should be "
                    "specified"
                )
            return _from_query(dict(pairs), request)
    if header is None:
        raise SigV4Error("MISSING")
    return _from_header(header, request)


def _from_header(value: str, request: SignedRequest) -> Signature:
    algorithm, _, rest = value.strip().partition(" ")
    parts: dict[str, str] = {}
    for part in rest.split(","):
        # Split untrimmed: the spaces around a part end up around its name or value, both
        # trimmed (a space is never an `=`).
        name, equal, text = part.partition("=")
        if equal:
            parts[name.strip()] = text.strip()
        elif part.strip():  # (an empty part, as nothing after the algorithm, is skipped)
            raise _incomplete(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed "
                f"with SHA-256 and encoded with Base64): '{_hashed(value)}'."
            )
    if algorithm != ALGORITHM:
        raise _incomplete(
            f"Unsupported Authorization Type (hashed with SHA-256 and encoded with Base64): "
            f"'{_hashed(value)}'."
        )
    stamp = _date_header(request)
    credential, signature = parts.get("Credential"), parts.get("Signature")
    signed_headers = parts.get("SignedHeaders")
    if credential and signature and signed_headers and stamp is not None:
        token = request.joined("x-amz-security-token")
        return _claim(credential, stamp, signed_headers, signature, token, None)
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    if stamp is None:
        missing.append(_NO_DATE)
    raise _incomplete(" ".join(missing))  # something is missing, or the claim was made above


_NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."


def _from_query(params: dict[str, str], request: SignedRequest) -> Signature:
    for name in (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
        "X-Amz-Expires",
    ):
        if not params.get(name):
            raise _incomplete(
                f"AWS query-string parameters must include '{name}'. "
                "Re-examine the query-string parameters."
            )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'")
    expires = params["X-Amz-Expires"]
    if not expires.isdigit() or not 0 < int(expires) <= MAX_EXPIRES_SECONDS:
        raise _incomplete(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}"
        )
    stamp = (params["X-Amz-Date"], _iso_epoch(params["X-Amz-Date"]))
    return _claim(
        params["X-Amz-Credential"],
        stamp,
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        params.get("X-Amz-Security-Token"),
        int(expires),
    )


def _claim(
    credential: str,
    stamp: tuple[str, int],
    signed_headers: str,
    signature: str,
    token: str | None,
    expires: int | None,
) -> Signature:
    access_key, scope = _credential(credential)
    timestamp = stamp[0]
    date = scope[0]
    if date != timestamp[:8]:
        raise SigV4Error(
            "SIGNATURE",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{date[:16]}' != '{timestamp[:8]}', from '{timestamp}'.",
        )
    names = (_signed_names(signed_headers), signed_headers)
    return Signature(access_key, scope, stamp, names, signature, token, expires)


@lru_cache(maxsize=256)  # a client signs a day's requests with the same credential
def _credential(credential: str) -> tuple[str, tuple[str, str, str, str]]:
    """The credential's access key, date, region and service, and its scope as the string to
    sign writes it (the credential after its access key: date/region/service/terminator)."""
    scope = credential.split("/")
    if len(scope) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{credential[:80]}'"
        )
    access_key, date, region, service, terminator = scope
    if terminator != TERMINATOR:
        raise _incomplete(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator[:40]}'."
        )
    return access_key, (date, region, service, credential[len(access_key) + 1 :])


@lru_cache(maxsize=256)  # a client signs the same headers again and again
def _signed_names(signed_headers: str) -> tuple[str, ...]:
    names = tuple(signed_headers.split(";"))
    if "host" not in names:
        raise _incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    return names


def _date_header(request: SignedRequest) -> tuple[str, int] | None:
    """`X-Amz-Date` (ISO 8601 basic format), else `Date` (RFC 1123), as botocore sends them."""
    text = request.joined("x-amz-date")  # twice is as the canonical header would have it
    if text is not None:
        return text, _iso_epoch(text)
    date = request.joined("date")
    if date is None:
        return None
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        raise _incomplete(f"Date must be in RFC 1123 format. Got '{date[:40]}'.") from None
    epoch = int(parsed.timestamp())
    return time.strftime(_TIME_FORMAT, time.gmtime(epoch)), epoch


@lru_cache(maxsize=64)  # a client's requests of one second carry the same date
def _iso_epoch(text: str) -> int:
    """`YYYYMMDDTHHMMSSZ` as epoch seconds (read by hand: `strptime` costs more than the
    whole signature check)."""
    try:
        if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not text[:8].isdigit():
            raise ValueError(text)
        if not text[9:15].isdigit():
            raise ValueError(text)
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
        hour, minute, second = int(text[9:11]), int(text[11:13]), int(text[13:15])
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
            raise ValueError(text)
        return timegm((year, month, day, hour, minute, second))
    except ValueError:
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{text[:40]}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None


def _hashed(value: str) -> str:
    """How AWS shows a malformed header: its SHA-256, base64 (never the header itself)."""
    return base64.b64encode(hashlib.sha256(value.encode("utf-8", "replace")).digest()).decode()


# -- checking the scope and the time --------------------------------------------------------
def check_scope(claim: Signature, region: str) -> None:
    """The credential must be scoped to `execute-api` in the API's region."""
    if claim.service != SERVICE:
        raise SigV4Error(
            "SIGNATURE", f"Credential should be scoped to correct service: '{SERVICE}'. "
        )
    if claim.region != region:
        raise SigV4Error(
            "SIGNATURE",
            f"Credential should be scoped to a valid region, not '{claim.region[:40]}'. ",
        )


def check_time(claim: Signature, now: float) -> None:
    """Within five minutes of the gateway's clock; a presigned URL until it expires."""
    current = int(now)
    if claim.epoch > current + MAX_SKEW_SECONDS:
        raise SigV4Error(
            "SIGNATURE",
            f"Signature not yet current: {claim.timestamp} is still later than "
            f"{_stamp(current + MAX_SKEW_SECONDS)} ({_stamp(current)} + 5 min.)",
        )
    window = claim.expires if claim.expires is not None else MAX_SKEW_SECONDS
    if claim.epoch < current - window:
        tail = "5 min." if claim.expires is None else f"{window} sec."
        raise SigV4Error(
            "SIGNATURE",
            f"Signature expired: {claim.timestamp} is now earlier than "
            f"{_stamp(current - window)} ({_stamp(current)} - {tail})",
        )


def _stamp(epoch: int) -> str:
    return time.strftime(_TIME_FORMAT, time.gmtime(epoch))


# -- the signature itself ---------------------------------------------------------------------
def verify(claim: Signature, secret: str, request: SignedRequest) -> None:
    """Recompute the signature with `secret`; compared in constant time."""
    canonical = canonical_request(claim, request)
    if canonical is None:
        raise SigV4Error("SIGNATURE")
    digest = _sha256(canonical.encode()).hexdigest()
    inner, outer = _hmac_states(secret, claim.date, claim.region, claim.service)
    # HMAC-SHA256(key, string to sign), continued from the key's padded blocks (RFC 2104).
    inner = inner.copy()
    inner.update(f"{ALGORITHM}\n{claim.timestamp}\n{claim.scope}\n{digest}".encode())
    outer = outer.copy()
    outer.update(inner.digest())
    # Both ASCII text (a hex digest; a signature with other characters cannot match).
    signature = claim.signature
    if not (signature.isascii() and hmac.compare_digest(outer.hexdigest(), signature)):
        raise SigV4Error("SIGNATURE")


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The day's key (SigV4's four HMACs); the same for every request of a day."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


@lru_cache(maxsize=256)
def _hmac_states(secret: str, date: str, region: str, service: str) -> tuple[Any, Any]:
    """The day's key's HMAC-SHA256 states after its inner and outer padded blocks (RFC 2104:
    the key is shorter than SHA-256's 64-byte block, so zero-padded). Each signature copies
    them and hashes only the string to sign: a third of the instructions of `hmac.digest`,
    which sets the key up again on every call. Never updated once made, so threads may share
    them."""
    block = signing_key(secret, date, region, service).ljust(64, b"\0")
    return (
        _sha256(bytes(b ^ 0x36 for b in block)),
        _sha256(bytes(b ^ 0x5C for b in block)),
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.digest(key, text.encode("utf-8"), "sha256")


def canonical_request(claim: Signature, request: SignedRequest) -> str | None:
    """The canonical request, or None when a signed header is absent from the request."""
    canonical = request.canonical
    headers = ""
    for name in claim.signed_headers:
        value = canonical(name)
        if value is None:
            return None
        headers += f"{name}:{value}\n"
    body, query = request.body, request.query_string
    return (
        f"{request.method.upper()}\n{canonical_uri(request.raw_path)}\n"
        f"{canonical_query(query, claim.in_query) if query else ''}\n{headers}\n"
        f"{claim.signed_text}\n{_sha256(body).hexdigest() if body else _EMPTY_SHA256}"
    )


_sha256 = hashlib.sha256
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@lru_cache(maxsize=1024)  # the same paths are signed again and again
def canonical_uri(raw_path: str) -> str:
    """The raw path without `.`/`..`/empty segments, percent-encoded once more (not S3's rule)."""
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    path = "/" + "/".join(segments)
    if segments and raw_path.endswith("/"):
        path += "/"
    return quote(path, safe="/~")


def canonical_query(query_string: str, in_query: bool) -> str:
    if not query_string:
        return ""
    pairs = [
        (quote(name, safe="-_.~"), quote(value, safe="-_.~"))
        for name, value in query_pairs(query_string)
        if not (in_query and name == _QUERY_SIGNATURE)
    ]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The raw query string's pairs, percent-decoded (a `+` stays a `+`, as SigV4 reads it)."""
    pairs = []
    for pair in query_string.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs
