"""The pytest plugin `apigwc.testing` (entry point `pytest11`): test an API spec as deployed.

Where it sits: loaded by pytest in a user's project (and in apigwc's own tests). Cheap to load:
this module imports pytest and the standard library only; each fixture imports what it needs
when first used. Flows in: the spec to test (`--apigwc-spec PATH`, or `apigwc_spec = PATH` in
the pytest ini section; a project can also override the `apigwc_spec` fixture), an optional
stage (`--apigwc-stage` / `apigwc_stage`) and `apigwc_moto = true` to send AWS service
integrations to a moto server. Flows out, as fixtures (each spec built, imported and served
once per session and xdist worker, however many modules use it; a module may override
`apigwc_spec` to test another spec):

- `apigwc_client`: requests straight into the gateway in this process (ASGI, no socket);
- `apigwc_live_server` / `apigwc_live_client`: the gateway served on 127.0.0.1 (`python -m
  <pkg>`, as `apigwc serve` runs it), for what needs a real socket (header-name casing,
  WebSocket, size limits);
- `apigwc_sign(identity)`: an `auth=` that signs requests with SigV4 as a local IAM identity of
  `x-apigwc.identities`; `apigwc_token(pool, key)`: a token of a local user pool;
- `apigwc_moto`: a moto server the AWS service integrations are pointed at;
- `apigwc_api` (the build) and `apigwc_app` (the ASGI app, e.g. for httpx's `ASGITransport`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

# pytest loads this module (the `pytest11` entry point, or `-p apigwc.testing`), so pytest is
# there whenever it runs. It belongs to the `[testing]` extra, not to a plain install, so it is
# imported by name, as the runtime imports its optional extras; `apigwc.testing` imported
# without pytest keeps its clients (`__init__.py`). Its types are therefore `Any` here.
pytest: Any = importlib.import_module("pytest")


def _fail(message: str) -> NoReturn:
    """`pytest.fail` without a traceback (it raises; typed here, pytest being `Any`)."""
    pytest.fail(message, pytrace=False)
    raise AssertionError(message)  # not reached: pytest.fail raises


if TYPE_CHECKING:
    from apigwc.testing.client import AsgiClient, LiveClient
    from apigwc.testing.gateway import BuiltApi, LiveServer
    from apigwc.testing.moto_server import MotoServer


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("apigwc", "apigwc: test an API Gateway spec")
    group.addoption("--apigwc-spec", default=None, metavar="PATH", help="the spec to test")
    group.addoption("--apigwc-stage", default=None, metavar="NAME", help="the stage to serve")
    parser.addini("apigwc_spec", "the spec the apigwc_* fixtures build (relative to the ini)")
    parser.addini("apigwc_stage", "the stage served (default: the spec's first)")
    parser.addini("apigwc_moto", "send AWS service integrations to a moto server", "bool", False)


@pytest.fixture(scope="session")
def apigwc_spec(pytestconfig: Any) -> Path:
    """The spec under test: `--apigwc-spec`, else the ini's `apigwc_spec`."""
    given = pytestconfig.getoption("apigwc_spec")
    if given:
        return Path(given).resolve()
    configured = str(pytestconfig.getini("apigwc_spec") or "")
    if not configured:
        _fail(
            "apigwc: no spec to test; set `apigwc_spec = path/to/api.yaml` in the pytest ini "
            "section or pass --apigwc-spec"
        )
    return (Path(pytestconfig.rootpath) / configured).resolve()


@pytest.fixture(scope="session")
def apigwc_stage(pytestconfig: Any) -> str | None:
    given = pytestconfig.getoption("apigwc_stage") or pytestconfig.getini("apigwc_stage")
    return str(given) if given else None


class _Gateways:
    """What the session has built and started, per (spec, stage): each spec is built once and
    served once however many modules use it (a module may override `apigwc_spec`)."""

    def __init__(self, tmp: Any) -> None:
        self.tmp = tmp
        self.made: dict[tuple[str, ...], Any] = {}
        self.closing: list[Callable[[], object]] = []

    def get(self, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]

    def close(self) -> None:
        while self.closing:
            self.closing.pop()()


@pytest.fixture(scope="session")
def _apigwc_gateways(tmp_path_factory: Any) -> Iterator[_Gateways]:
    gateways = _Gateways(tmp_path_factory)
    yield gateways
    gateways.close()


@pytest.fixture
def apigwc_api(
    apigwc_spec: Path, apigwc_stage: str | None, _apigwc_gateways: _Gateways
) -> BuiltApi:
    """The spec built (as `apigwc build`), once per session; a spec with errors fails with its
    diagnostics."""
    from apigwc.testing.gateway import BuildFailed, build_api

    def make() -> BuiltApi:
        out = _apigwc_gateways.tmp.mktemp("apigwc")
        try:
            return build_api(apigwc_spec, out, apigwc_stage)
        except BuildFailed as failure:
            _fail(f"apigwc: {apigwc_spec} does not build:\n{failure}")

    return _apigwc_gateways.get(("api", str(apigwc_spec), apigwc_stage or ""), make)  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def apigwc_moto() -> Iterator[MotoServer]:
    """A moto server on 127.0.0.1 (skips the test when moto is not installed)."""
    pytest.importorskip("moto.server", reason="apigwc_moto needs moto: pip install 'moto[server]'")
    from apigwc.testing.moto_server import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def apigwc_aws_environment(request: Any) -> dict[str, str]:
    """What points the gateway's AWS calls elsewhere: moto's with `apigwc_moto = true`, else
    nothing (the spec's `x-apigwc.awsEndpoint`). Override it to name another endpoint."""
    if not request.config.getini("apigwc_moto"):
        return {}
    server: MotoServer = request.getfixturevalue("apigwc_moto")
    return server.environment()


@pytest.fixture
def apigwc_app(
    apigwc_api: BuiltApi, apigwc_aws_environment: dict[str, str], _apigwc_gateways: _Gateways
) -> Any:
    """The gateway's ASGI app in this process (its handlers loaded from your files); the AWS
    environment stays set for the session (the gateway reads it at each AWS call)."""
    from apigwc.testing.gateway import environment, import_app

    def make() -> Any:
        context = environment(apigwc_api.environment(apigwc_aws_environment))
        context.__enter__()
        _apigwc_gateways.closing.append(lambda: context.__exit__(None, None, None))
        return import_app(apigwc_api)

    return _apigwc_gateways.get(("app", apigwc_api.package), make)


@pytest.fixture
def apigwc_client(apigwc_app: Any, _apigwc_gateways: _Gateways) -> AsgiClient:
    """Requests into the gateway in this process: `apigwc_client.get("/pets")`."""
    from apigwc.testing.client import AsgiClient

    def make() -> AsgiClient:
        client = AsgiClient(apigwc_app)
        _apigwc_gateways.closing.append(client.close)
        return client

    return _apigwc_gateways.get(("client", str(id(apigwc_app))), make)  # type: ignore[no-any-return]


@pytest.fixture
def apigwc_live_server(
    apigwc_api: BuiltApi, apigwc_aws_environment: dict[str, str], _apigwc_gateways: _Gateways
) -> LiveServer:
    """The gateway served on 127.0.0.1 (`.url`, `.websocket_url`, `.port`), once per session."""
    from apigwc.testing.gateway import live_server

    def make() -> LiveServer:
        context = live_server(apigwc_api, apigwc_aws_environment)
        server = context.__enter__()
        _apigwc_gateways.closing.append(lambda: context.__exit__(None, None, None))
        return server

    return _apigwc_gateways.get(("live", str(apigwc_api.runtime_dir)), make)  # type: ignore[no-any-return]


@pytest.fixture
def apigwc_live_client(apigwc_live_server: LiveServer) -> LiveClient:
    """Requests over HTTP to the live server, header names sent as written."""
    from apigwc.testing.client import LiveClient

    return LiveClient(apigwc_live_server.port)


@pytest.fixture
def apigwc_identities(apigwc_spec: Path, _apigwc_gateways: _Gateways) -> Any:
    from apigwc.testing.auth import LocalIdentities

    return _apigwc_gateways.get(
        ("identities", str(apigwc_spec)), lambda: LocalIdentities(apigwc_spec)
    )


@pytest.fixture
def apigwc_sign(apigwc_identities: Any) -> Callable[[str], Any]:
    """`apigwc_client.get("/admin", auth=apigwc_sign("alice"))`: signed (SigV4) as the IAM
    identity `alice` of `x-apigwc.identities.iamCredentials`."""
    return apigwc_identities.signer  # type: ignore[no-any-return]


@pytest.fixture
def apigwc_token(apigwc_identities: Any) -> Callable[..., str]:
    """`apigwc_token("pool", key=PEM_PATH, scopes=["read"])`: a token of a local user pool of
    `x-apigwc.identities.cognitoUserPools`, for an `Authorization` header."""
    return apigwc_identities.token  # type: ignore[no-any-return]
