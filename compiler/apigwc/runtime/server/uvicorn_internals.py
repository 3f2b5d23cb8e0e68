"""The uvicorn names the gateway's HTTP/1.1 protocol (`http_protocol.py`) uses, checked once.

Flows in: the installed uvicorn. Flows out: nothing, or `UvicornInternalsChanged` naming what is
missing and the versions the tests cover (`TESTED_UVICORN`, the bound in pyproject.toml), so a
uvicorn release that renames what the protocol relies on stops the server at start-up instead of
serving wrongly. What is used: uvicorn's `Server` makes the protocol with keyword arguments and
asks it to `shutdown`; the state they share (connections, tasks, the `date` header); the config
(the loaded app, the keep-alive timeout); the proxy settings of `--trusted-proxies`, read from
uvicorn's `ProxyHeadersMiddleware` and applied by the protocol.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

import uvicorn
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.server import Server, ServerState

# The uvicorn versions the tests run on (pyproject.toml bounds the dependency to them).
TESTED_UVICORN = ">=0.55,<0.56"


class UvicornInternalsChanged(RuntimeError):
    """The installed uvicorn lacks a name the gateway's protocol uses."""


def _names_used(cls: type) -> set[str]:
    """The names the class's own functions (and the functions nested in them) read or assign,
    attributes and keyword names included."""
    names: set[str] = set()
    codes = [getattr(member, "__code__", None) for member in vars(cls).values()]
    while codes:
        code = codes.pop()
        if isinstance(code, types.CodeType):
            names.update(code.co_names)
            for const in code.co_consts:  # keyword names are a tuple of strings
                if isinstance(const, tuple):
                    names.update(c for c in const if isinstance(c, str))
            codes += code.co_consts
    return names


def _trusted_hosts_class() -> type:
    """The class of the trusted proxies uvicorn's middleware holds (a private name)."""
    return type(ProxyHeadersMiddleware(None, "127.0.0.1").trusted_hosts)  # type: ignore[arg-type]


# What the protocol uses of uvicorn: the server makes it with these keywords and asks it to
# `shutdown`; the state it shares; the config it reads; the proxy settings it takes over.
INTERNALS: tuple[tuple[Any, set[str]], ...] = (
    (Server, {"http_protocol_class", "server_state", "app_state", "shutdown", "connections"}),
    (ServerState, {"connections", "tasks", "default_headers"}),
    (Config, {"loaded", "load", "loaded_app", "timeout_keep_alive"}),
    (ProxyHeadersMiddleware, {"app", "trusted_hosts"}),
    (_trusted_hosts_class, {"get_trusted_client_address", "__contains__"}),
)


def require_internals(needs: Iterable[tuple[Any, set[str]]] = INTERNALS) -> None:
    """Refuse to start on a uvicorn that no longer has what the protocol uses (a class, or a
    function giving one, and the names it must have)."""
    missing = []
    for given, names in needs:
        cls = given if isinstance(given, type) else given()
        missing += [
            f"{cls.__name__}.{name}" for name in sorted(names - _names_used(cls) - set(dir(cls)))
        ]
    if missing:
        raise UvicornInternalsChanged(
            f"uvicorn {uvicorn.__version__} lacks {', '.join(missing)}, which the gateway's "
            f"HTTP protocol uses; install uvicorn[standard]{TESTED_UVICORN}, the versions it is "
            f"tested on"
        )


require_internals()
