"""How `python -m <pkg>` starts a server: the `--server` choice and what each one keeps.

Flows in: the generated package's name and the listening options parsed by its `__main__`.
Flows out: a running server (uvicorn or granian) serving `<pkg>.app:app`, or an exit with a
one-line message when the chosen server cannot run here (granian not installed, a uvicorn
without the names the gateway's own protocol uses).
"""

from __future__ import annotations

from . import Listen, ServerUnavailable

SERVERS = ("uvicorn", "granian")
DEFAULT_SERVER = "uvicorn"
# What the gateway cannot keep under granian (README, "Servers"; tests/test_runtime_server.py).
# No percent sign: argparse formats `--help` text with `%`.
GRANIAN_DIFFERENCES = (
    "granian lower-cases header names both ways (REST Lambda proxy events get `content-type`, "
    "not the client's `Content-Type`, and responses `x-amzn-requestid`: API Gateway keeps both "
    "casings); it adds `server: granian` to every response; a URL over 65,534 bytes, more than "
    "100 request headers or a request head too long for its buffer (about 160-200 KiB) get "
    "granian's own empty 414/431, not the gateway's JSON answer (uvicorn serves any number of "
    "headers, and answers the gateway's 431 from 128 KiB). Through granian's RSGI interface "
    "(its fastest, the one used) the path arrives decoded and is re-encoded as RFC 3986 "
    "requires: a client's escape of a character a path may carry as it is (an escaped `/` "
    "inside a segment becomes a separator), of bytes that are not UTF-8, or in lower case is "
    "not seen as sent; a request header value with a byte past ASCII is dropped; a response "
    "header value's "
    "characters past ASCII go out as UTF-8, not Latin-1. APIGWC_GRANIAN_INTERFACE=asgi serves "
    "granian's ASGI interface instead, which keeps these, at a cost in speed"
)
SERVER_HELP = (
    "The HTTP server: uvicorn (default; keeps the client's header-name casing) or granian "
    "(needs the [granian] extra). What granian cannot keep: " + GRANIAN_DIFFERENCES
)


def run(server: str, package: str, listen: Listen) -> None:
    """Serve `<package>.app:app` until stopped; an unavailable server exits with its message
    (no traceback: it is the operator's setup, not a bug)."""
    listen = listen.inherited()
    try:
        if server == "granian":
            from . import granian_server

            granian_server.run(package, listen)
        else:
            from . import uvicorn_server

            uvicorn_server.run(package, listen)
    except ServerUnavailable as error:
        raise SystemExit(f"error: {error}") from None
