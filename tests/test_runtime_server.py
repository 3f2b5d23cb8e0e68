"""End to end: the generated gateway under each server `python -m <pkg> --server` offers.

`runtime_specs/rest.yaml` built once and served by uvicorn (the default) and by granian on
127.0.0.1; requests are written raw on a socket, so that the bytes on the wire are the test's.
uvicorn keeps the client's header-name casing (the gateway's own protocol under uvicorn's server;
trailing white space of a header value is stripped, as uvicorn does); granian answers the
same routes, with the differences `launch.GRANIAN_DIFFERENCES` lists (and `--help` shows).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from apigwc.runtime.server import launch, uvicorn_internals
from click.testing import CliRunner

from tests.runtime_server import Gateway, free_port, serve_spec, upstream, write_spec

SERVERS = ("uvicorn", "granian")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("servers")
    with upstream() as port:
        yield write_spec(tmp, "rest.yaml", {"UPSTREAM": str(port), "CLOSED_PORT": str(free_port())})


@pytest.fixture(scope="module", params=SERVERS)
def gw(request: pytest.FixtureRequest, spec: Path) -> Iterator[Gateway]:
    server = request.param
    with serve_spec(spec, spec.parent / f"out-{server}", "--server", server) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def granian(spec: Path) -> Iterator[Gateway]:
    with serve_spec(spec, spec.parent / "out-granian-only", "--server", "granian") as gateway:
        yield gateway


def raw(port: int, request: bytes) -> tuple[int, dict[bytes, bytes], list[bytes], bytes]:
    """Status, headers (names lower-cased), header names as sent, body of one raw request."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    pairs = [line.split(b":", 1) for line in lines]
    headers = {name.lower(): value.strip() for name, value in pairs}
    return int(status_line.split()[1]), headers, [name for name, _ in pairs], body


def _length(data: bytes) -> int:
    found = re.search(rb"(?im)^content-length: *(\d+)", data.partition(b"\r\n\r\n")[0])
    return int(found.group(1)) if found else 0


def _get(target: bytes, *headers: bytes) -> bytes:
    lines = b"".join(header + b"\r\n" for header in headers)
    return b"GET " + target + b" HTTP/1.1\r\nHost: gw\r\n" + lines + b"Connection: close\r\n\r\n"


def _event(gateway: Gateway, target: bytes, *headers: bytes) -> dict[str, object]:
    status, _, _, body = raw(gateway.port, _get(target, *headers))
    assert status == 200, body
    event: dict[str, object] = json.loads(body)["event"]
    return event


# ---- both servers ------------------------------------------------------------------------------


def test_a_mock_route_answers(gw: Gateway) -> None:
    status, headers, _, body = raw(gw.port, _get(b"/pets/search"))
    assert (status, body) == (200, b'{"where":"search"}')
    assert headers[b"content-type"] == b"application/json"


def test_a_lambda_proxy_route_answers(gw: Gateway) -> None:
    event = _event(gw, b"/pets/7/toys?a=1&a=2")
    assert event["resource"] == "/pets/{petId}/toys"
    assert event["pathParameters"] == {"petId": "7"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    identity = event["requestContext"]["identity"]  # type: ignore[index]
    assert identity["sourceIp"] == "127.0.0.1"


def test_trailing_white_space_is_not_part_of_a_header_value(gw: Gateway) -> None:
    """RFC 9110 §5.5: the white space around a field value is not part of it (llhttp keeps the
    trailing part; uvicorn 0.55 strips it, and the gateway's protocol leaves that to uvicorn)."""
    event = _event(gw, b"/pets", b"X-Padded: padded \t ", b"X-Inner:  a b\t")
    headers = {name.lower(): value for name, value in event["headers"].items()}  # type: ignore[attr-defined]
    assert headers["x-padded"] == "padded"
    assert headers["x-inner"] == "a b"


def test_a_url_or_headers_over_api_gateway_limits_get_the_gateways_answers(gw: Gateway) -> None:
    """Measured by uvicorn's protocol on the wire, by `MeasuredRequest` under granian."""
    status, _, _, body = raw(gw.port, _get(b"/pets?q=" + b"a" * 10240))
    assert (status, body) == (414, b'{"message":"Request URI too long"}')
    status, _, _, body = raw(gw.port, _get(b"/pets", b"X-Big: " + b"a" * 10241))
    assert (status, body) == (431, b'{"message":"Request Header Fields Too Large"}')
    assert raw(gw.port, _get(b"/pets?q=" + b"a" * 10000))[0] == 200  # within the limits


# ---- what granian cannot keep --------------------------------------------------------------------


def test_uvicorn_keeps_the_header_name_casing_both_ways(spec: Path) -> None:
    with serve_spec(spec, spec.parent / "out-default") as gateway:  # no --server: uvicorn
        event = _event(gateway, b"/pets", b"tEsT-HEADeR: v")
        assert event["headers"]["tEsT-HEADeR"] == "v"  # type: ignore[index]
        _, _, names, _ = raw(gateway.port, _get(b"/pets/search"))
        assert b"x-amzn-RequestId" in names and b"Content-Type" in names
        assert b"server" not in [name.lower() for name in names]
        many = [b"X-H%d: v" % number for number in range(101)]
        assert raw(gateway.port, _get(b"/pets/search", *many))[0] == 200


def test_granian_lower_cases_header_names_both_ways(granian: Gateway) -> None:
    event = _event(granian, b"/pets", b"tEsT-HEADeR: v")
    assert event["headers"]["test-header"] == "v"  # type: ignore[index]
    assert "tEsT-HEADeR" not in event["headers"]  # type: ignore[operator]
    _, headers, names, _ = raw(granian.port, _get(b"/pets/search"))
    assert b"x-amzn-requestid" in names and b"x-amzn-RequestId" not in names
    assert headers[b"server"] == b"granian"


def test_granian_answers_its_own_limits_itself(granian: Gateway) -> None:
    long_url = raw(granian.port, _get(b"/pets?q=" + b"a" * 65535))
    assert (long_url[0], long_url[3]) == (414, b"")
    many = [b"X-H%d: v" % number for number in range(101)]
    assert raw(granian.port, _get(b"/pets/search", *many))[:4:3] == (431, b"")
    long_head = [b"X-H%d: %s" % (number, b"v" * 4000) for number in range(64)]  # 250 KiB
    assert raw(granian.port, _get(b"/pets/search", *long_head))[:4:3] == (431, b"")


def test_granian_keeps_workers_and_trusted_proxies(spec: Path) -> None:
    options = ("--server", "granian", "--workers", "2", "--trusted-proxies", "127.0.0.1")
    with serve_spec(spec, spec.parent / "out-granian-proxies", *options) as gateway:
        event = _event(gateway, b"/pets", b"X-Forwarded-For: 203.0.113.7")
        identity = event["requestContext"]["identity"]  # type: ignore[index]
        assert identity["sourceIp"] == "203.0.113.7"


def test_help_lists_what_granian_cannot_keep(granian: Gateway) -> None:
    from apigwc.cli import main

    command = [sys.executable, "-m", granian.package, "--help"]
    env = {"PYTHONPATH": str(granian.out / "runtime")}
    package_help = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    serve_help = CliRunner().invoke(main, ["serve", "--help"]).output
    for text in (" ".join(package_help.stdout.split()), " ".join(serve_help.split())):
        assert "--server" in text and "lower-cases header names" in text
        assert "`server: granian`" in text and "414/431" in text


def test_granian_not_installed_is_one_line_not_a_traceback(granian: Gateway) -> None:
    # `sys.modules[name] = None` is how Python makes a module unimportable.
    script = (
        "import runpy, sys; sys.modules['granian'] = None; "
        f"sys.argv = ['{granian.package}', '--server', 'granian', '--port', '{free_port()}']; "
        f"runpy.run_module('{granian.package}', run_name='__main__')"
    )
    env = {"PYTHONPATH": str(granian.out / "runtime")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "--server granian needs granian" in done.stderr
    assert "pip install 'apigwc[granian]'" in done.stderr


# ---- the uvicorn internals the protocol extends -------------------------------------------------


def test_a_uvicorn_without_the_internals_the_protocol_extends_is_refused() -> None:
    uvicorn_internals.require_internals()  # the installed uvicorn has them

    class Server:  # a server that makes its protocol without the state the protocol shares
        def startup(self) -> None:
            def create_protocol() -> object:
                return self.http_protocol_class(config=self.config)  # type: ignore[attr-defined]

            create_protocol()

    needs = [(Server, {"http_protocol_class", "config", "server_state", "shutdown"})]
    with pytest.raises(uvicorn_internals.UvicornInternalsChanged) as refused:
        uvicorn_internals.require_internals(needs)
    message = str(refused.value)
    assert "Server.server_state" in message and "Server.shutdown" in message
    assert "Server.config" not in message and "Server.http_protocol_class" not in message
    assert f"uvicorn[standard]{uvicorn_internals.TESTED_UVICORN}" in message


def test_the_default_server_is_uvicorn() -> None:
    assert launch.DEFAULT_SERVER == "uvicorn" and launch.SERVERS == SERVERS
